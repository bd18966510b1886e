#pragma once
// access_control: the API token and the sessions that POST /login opens, with
// no HTTP in it (http/auth.hpp applies it to requests). Beast-free, so app/
// may include it through server.hpp.
//
// Secrets are never compared byte by byte: the token and session ids are
// compared as SHA-256 digests with CRYPTO_memcmp, so neither the position of
// the first differing byte nor the configured token's length shows in the
// timing. Sessions are keyed by the digest of their id for the same reason.
//
// Besides the token (the key named "default"), the API keys of a key_store
// (http/key_store.hpp) are accepted; a session opened with a key lasts only
// while that key is live.

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace linkly {

struct access_options {
  /// The API token. nullopt: none configured, every route is open. A
  /// configured token must pass token_problem() (http_server::start refuses
  /// one that does not).
  std::optional<std::string> token;
  /// How long a session cookie from POST /login is honoured (also its
  /// Max-Age). Short: the cookie only spares a browser the header.
  std::chrono::milliseconds session_ttl{3'600'000};
  /// Live sessions at most; opening one more evicts the oldest.
  std::size_t max_sessions = 1024;
};

constexpr std::size_t kMinTokenChars = 16;

/// Why `token` cannot be the API token (empty, whitespace or control
/// characters, shorter than kMinTokenChars), or nullopt when it can. Never
/// quotes the token.
std::optional<std::string> token_problem(std::string_view token);

/// Equality of two secrets whose timing depends only on their lengths' own
/// hashing, not on where they differ.
bool constant_time_equal(std::string_view a, std::string_view b);

/// True for 127.0.0.0/8, ::1 and "localhost": a listen address only this
/// machine can reach.
bool is_loopback_host(std::string_view host);

/// Thread-safe: every io thread checks requests against the same instance.
class key_store;

class access_control {
 public:
  using clock = std::chrono::steady_clock;
  /// Injectable so tests can expire sessions without sleeping.
  using now_fn = std::function<clock::time_point()>;

  /// `keys`: the API keys besides the token; null for none. Not owned.
  explicit access_control(const access_options& options, now_fn now = &clock::now,
                          const key_store* keys = nullptr);

  /// False when no token is configured and no API key was ever created:
  /// every request is allowed.
  bool enabled() const;

  /// Whether a token is configured (the key named "default").
  bool has_token() const { return enabled_; }

  /// Whether `presented` is the configured token (false when disabled).
  bool token_matches(std::string_view presented) const;

  /// The name of the key `presented` is: "default" for the token, else a
  /// live API key's; nullopt for none.
  std::optional<std::string> key_name(std::string_view presented) const;

  /// A new session id (64 hex digits, 256 random bits), or "" when the
  /// system's random source failed. The session lasts while key `key` is
  /// live ("default", the token, always is).
  std::string open_session(std::string key = "default");

  /// Whether `id` names a live session. Expired sessions are pruned here.
  bool session_valid(std::string_view id);

  /// Ends the session `id`, if there is one.
  void close_session(std::string_view id);

  /// Live sessions (after pruning the expired ones).
  std::size_t session_count();

  std::chrono::milliseconds session_ttl() const { return options_.session_ttl; }

 private:
  struct entry {
    std::string digest;
    clock::time_point expires;
    std::string key;  // the key that opened it
  };

  void prune_locked(clock::time_point now);

  access_options options_;
  now_fn now_;
  bool enabled_ = false;  // a token is configured
  const key_store* keys_ = nullptr;
  std::string token_digest_;
  std::mutex mutex_;
  // Oldest first: every session lives session_ttl, so creation order is
  // also expiry order, and pruning and eviction both pop the front.
  std::list<entry> order_;
  std::unordered_map<std::string, std::list<entry>::iterator> by_digest_;
};

}  // namespace linkly
