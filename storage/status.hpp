#pragma once
// linkly::status: the outcome of a fallible call, LevelDB-style. Nothing in
// schemas/ or storage/ throws across its interface; it returns a status and
// writes outputs through pointers.

#include <string>
#include <utility>

namespace linkly {

class status {
 public:
  enum class code { ok, not_found, corruption, io_error, invalid_argument, busy };

  status() = default;

  static status ok() { return {}; }
  static status not_found(std::string msg) { return {code::not_found, std::move(msg)}; }
  static status corruption(std::string msg) { return {code::corruption, std::move(msg)}; }
  static status io_error(std::string msg) { return {code::io_error, std::move(msg)}; }
  static status invalid_argument(std::string msg) {
    return {code::invalid_argument, std::move(msg)};
  }
  /// The store is held by another process (LevelDB allows one).
  static status busy(std::string msg) { return {code::busy, std::move(msg)}; }

  bool is_ok() const { return code_ == code::ok; }
  explicit operator bool() const { return is_ok(); }
  code error_code() const { return code_; }
  bool is_not_found() const { return code_ == code::not_found; }
  bool is_corruption() const { return code_ == code::corruption; }
  bool is_busy() const { return code_ == code::busy; }

  /// Human-readable: "corruption: checksum mismatch at seq 42".
  std::string to_string() const;
  const std::string& message() const { return message_; }

 private:
  status(code c, std::string msg) : code_(c), message_(std::move(msg)) {}

  code code_ = code::ok;
  std::string message_;
};

inline std::string status::to_string() const {
  switch (code_) {
    case code::ok:
      return "ok";
    case code::not_found:
      return "not found: " + message_;
    case code::corruption:
      return "corruption: " + message_;
    case code::io_error:
      return "io error: " + message_;
    case code::invalid_argument:
      return "invalid argument: " + message_;
    case code::busy:
      return "busy: " + message_;
  }
  return message_;
}

}  // namespace linkly
