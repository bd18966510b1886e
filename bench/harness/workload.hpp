#pragma once
// workload: what a load generator sends next and what the answer must be.
//
// - redirects: GET /s/<code> of preloaded links (uniform or Zipf); the
//   answer must be 302 with Location url_of(code).
// - mixed: the same with a share of POST /links creating fresh codes
//   (<prefix><n>); those must answer 201.
// - preload: POST /links of codes 0..links-1 in order, each exactly once.
//
// Not thread-safe: one per load generator.

#include "bench/harness/link_set.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace linkly::bench {

enum class request_kind : std::uint8_t { redirect, create };

/// Identifies one request: its kind and the index its code derives from.
struct request_ticket {
  request_kind kind = request_kind::redirect;
  std::uint64_t index = 0;
};

enum class verdict : std::uint8_t { ok, wrong_status, wrong_location };

struct workload_options {
  std::uint64_t links = 100'000;
  code_distribution distribution = code_distribution::uniform;
  double zipf_exponent = 0.99;
  std::uint64_t seed = 1;
  /// Share of requests that are creates, 0..1.
  double create_share = 0;
  /// Codes of those creates; must be unique per server.
  std::string create_prefix = "m";
  /// Creates of codes 0..links-1 instead of anything else.
  bool preload = false;
  /// JSON members added to every create's body ("\"max_visits\":1000000000"),
  /// so redirects take the path of links with attributes; empty: none.
  std::string link_fields;
  /// Query string (no '?') added to every redirect; a 302 may then carry it
  /// forwarded ("url?query") or not (a link or a server that does not
  /// forward it). Empty: none.
  std::string redirect_query;
};

class workload {
 public:
  explicit workload(workload_options options);

  /// The next request; nullopt once a preload has sent every link.
  std::optional<request_ticket> next();
  /// Replaces `out` with the request's bytes (HTTP/1.1, keep-alive).
  void write_request(const request_ticket& ticket, std::string& out) const;
  verdict check(const request_ticket& ticket, unsigned status, std::string_view location) const;

 private:
  std::string code_for(const request_ticket& ticket) const;

  workload_options options_;
  code_picker picker_;
  fast_rng mix_;
  std::uint64_t created_ = 0;
};

}  // namespace linkly::bench
