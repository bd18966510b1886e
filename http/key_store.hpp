#pragma once
// key_store: the API keys (API.md "API keys"), kept as events in their own
// log, data/keys, and as a small table in memory that every authenticated
// request is checked against.
//
// Why a log of its own rather than the links log: every consumer of the
// links log (the read view, the projections, /events, history, the log
// tools) reads it as link events; keys there would have to be skipped by
// each of them, and a key's digest would travel to every /events listener.
// data/keys uses the same record format and event_log as the links log, so
// the same checksums and healing apply, and it stays a few records long.
//
// Writes (create, revoke) append to the log and wait for it (one fsync) on
// the calling thread: an io thread, never a CAF scheduler thread. They are
// rare administrative calls; a journal actor's group commit would buy
// nothing for them.
//
// Lookup: a presented key is hashed (SHA-256) and found by the first 8 bytes
// of its digest, then compared in full with CRYPTO_memcmp; no request scans
// all keys and no comparison's timing depends on where digests differ.
// Revocation and expiry are read on every lookup, so a revoked key is
// refused from the next request on. Thread-safe.

#include "storage/status.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace linkly {

class event_log;
struct envelope;

/// The name the configured token (auth.token / LINKLY_TOKEN) goes by; no
/// stored key may take it.
constexpr std::string_view kDefaultKeyName = "default";
/// A key name: 1..kMaxKeyNameChars of [A-Za-z0-9_.-].
constexpr std::size_t kMaxKeyNameChars = 64;

struct key_store_options {
  /// Keys ever created (revoked ones count: they stay listed and their
  /// names stay taken), so the table and the log stay small.
  std::size_t max_keys = 1000;
};

struct api_key_info {
  std::string name;
  std::int64_t created_at_ms = 0;
  std::optional<std::int64_t> expires_at_ms;
  bool revoked = false;
};

/// Why `name` cannot name a key, or nullopt.
std::optional<std::string> key_name_problem(std::string_view name);

class key_store {
 public:
  /// UTC milliseconds; injectable so tests can expire keys without sleeping.
  using now_fn = std::function<std::int64_t()>;

  /// Replays `log` into the table. Corruption when the log holds anything
  /// but key events that make sense in order.
  static status open(std::shared_ptr<event_log> log, const key_store_options& options,
                     std::unique_ptr<key_store>* out, now_fn now = {});

  enum class outcome { ok, invalid, exists, not_found, full, io_error };
  struct result {
    outcome code = outcome::ok;
    std::string message;  // why, when not ok
  };

  /// Creates key `name`, writes it to the log, and gives back the key (only
  /// here) and what list() will show. `expires_at_ms` must be in the future.
  result create(std::string_view name, std::optional<std::int64_t> expires_at_ms, std::string* key,
                api_key_info* info);

  /// Revokes `name` (already revoked: ok, nothing written).
  result revoke(std::string_view name);

  /// Every key ever created, oldest first, without secrets.
  std::vector<api_key_info> list() const;

  /// The name of the live (not revoked, not expired) key `presented` is, or
  /// nullopt.
  std::optional<std::string> match(std::string_view presented) const;

  /// Whether `name` is a live key.
  bool is_live(std::string_view name) const;

  /// Whether any key was ever created: from then on the API needs a key
  /// even without a configured token (API.md). Lock-free.
  bool in_use() const { return in_use_.load(std::memory_order_acquire); }

 private:
  struct entry {
    api_key_info info;
    std::string digest;
  };

  key_store(std::shared_ptr<event_log> log, const key_store_options& options, now_fn now);
  // Applies one replayed or just written event; false when it makes no sense.
  bool apply_locked(const envelope& env);
  // Appends `env` to the keys log, then applies it (write_mutex_ held).
  result append_and_apply(const envelope& env);
  bool live(const entry& e, std::int64_t now_ms) const;

  std::shared_ptr<event_log> log_;
  key_store_options options_;
  now_fn now_;
  std::mutex write_mutex_;  // one create or revoke at a time, log then table
  mutable std::shared_mutex table_mutex_;
  std::vector<entry> entries_;                                     // creation order
  std::unordered_map<std::string, std::size_t> by_name_;           // -> entries_
  std::unordered_multimap<std::uint64_t, std::size_t> by_prefix_;  // digest's first 8 bytes
  std::atomic<bool> in_use_{false};
};

}  // namespace linkly
