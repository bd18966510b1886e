#include "http/key_store.hpp"

#include "schemas/api_key_events.hpp"
#include "schemas/clock.hpp"
#include "storage/event_log.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <array>
#include <cstring>

namespace linkly {

namespace {

// 256 random bits: as strong as the digest that stands for the key.
constexpr std::size_t kKeyRandomBytes = 32;
// Recognisable by secret scanners and by people; not part of the secret.
constexpr std::string_view kKeyPrefix = "lk_";

std::string sha256(std::string_view text) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(),
         reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::uint64_t prefix_of(const std::string& digest) {
  std::uint64_t out = 0;
  std::memcpy(&out, digest.data(), sizeof out);
  return out;
}

bool new_key(std::string* out) {
  std::array<unsigned char, kKeyRandomBytes> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) return false;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string key(kKeyPrefix);
  for (unsigned char b : random) {
    key += kHex[b >> 4];
    key += kHex[b & 0x0f];
  }
  *out = std::move(key);
  return true;
}

}  // namespace

std::optional<std::string> key_name_problem(std::string_view name) {
  if (name.empty() || name.size() > kMaxKeyNameChars) {
    return "a key name has 1 to " + std::to_string(kMaxKeyNameChars) + " characters";
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) return std::string("a key name may hold only A-Z, a-z, 0-9, '_', '.' and '-'");
  }
  if (name == kDefaultKeyName) {
    return std::string("\"default\" is the configured token's name (auth.token, LINKLY_TOKEN)");
  }
  return std::nullopt;
}

key_store::key_store(std::shared_ptr<event_log> log, const key_store_options& options, now_fn now)
    : log_(std::move(log)), options_(options), now_(now ? std::move(now) : now_fn(&now_utc_ms)) {}

status key_store::open(std::shared_ptr<event_log> log, const key_store_options& options,
                       std::unique_ptr<key_store>* out, now_fn now) {
  std::unique_ptr<key_store> store(new key_store(log, options, std::move(now)));
  std::uint64_t bad_seq = 0;
  status st = log->replay(1, event_log::kNoLimit, event_log::kNoLimit, [&](const envelope& env) {
    if (store->apply_locked(env)) return true;
    bad_seq = env.seq;
    return false;
  });
  if (!st) return st;
  if (bad_seq != 0) {
    return status::corruption("keys log: record " + std::to_string(bad_seq) +
                              " is not a key event that fits the ones before it");
  }
  *out = std::move(store);
  return status::ok();
}

bool key_store::apply_locked(const envelope& env) {
  api_key_event event;
  if (!decode_api_key_event(env, &event)) return false;
  if (auto* created = std::get_if<api_key_created>(&event)) {
    if (key_name_problem(created->name) || by_name_.count(created->name) != 0 ||
        created->digest.size() != SHA256_DIGEST_LENGTH) {
      return false;
    }
    entry e;
    e.info.name = created->name;
    e.info.created_at_ms = env.timestamp_ms;
    if (created->expires_at_ms != 0) e.info.expires_at_ms = created->expires_at_ms;
    e.digest = created->digest;
    std::size_t index = entries_.size();
    by_prefix_.emplace(prefix_of(e.digest), index);
    by_name_.emplace(e.info.name, index);
    entries_.push_back(std::move(e));
    in_use_.store(true, std::memory_order_release);
    return true;
  }
  const auto& revoked = std::get<api_key_revoked>(event);
  auto it = by_name_.find(revoked.name);
  if (it == by_name_.end()) return false;
  entries_[it->second].info.revoked = true;
  return true;
}

bool key_store::live(const entry& e, std::int64_t now_ms) const {
  return !e.info.revoked && (!e.info.expires_at_ms || *e.info.expires_at_ms > now_ms);
}

key_store::result key_store::create(std::string_view name,
                                    std::optional<std::int64_t> expires_at_ms, std::string* key,
                                    api_key_info* info) {
  if (auto problem = key_name_problem(name)) return {outcome::invalid, *problem};
  std::int64_t now = now_();
  if (expires_at_ms && *expires_at_ms <= now) {
    return {outcome::invalid, "\"expires_at\" must be in the future"};
  }
  std::lock_guard write(write_mutex_);
  {
    std::shared_lock read(table_mutex_);
    if (by_name_.count(std::string(name)) != 0) {
      return {outcome::exists, "an API key named \"" + std::string(name) +
                                   "\" exists (names stay taken after a revocation)"};
    }
    if (entries_.size() >= options_.max_keys) {
      return {outcome::full,
              "at most " + std::to_string(options_.max_keys) + " API keys can be created"};
    }
  }
  std::string secret;
  if (!new_key(&secret)) return {outcome::io_error, "the system's random source failed"};
  api_key_created created;
  created.name = std::string(name);
  created.digest = sha256(secret);
  created.expires_at_ms = expires_at_ms.value_or(0);
  if (result written = append_and_apply(make_api_key_envelope(created, now));
      written.code != outcome::ok) {
    return written;
  }
  std::shared_lock read(table_mutex_);
  *info = entries_.back().info;
  *key = std::move(secret);
  return {};
}

key_store::result key_store::revoke(std::string_view name) {
  std::lock_guard write(write_mutex_);
  {
    std::shared_lock read(table_mutex_);
    auto it = by_name_.find(std::string(name));
    if (it == by_name_.end()) return {outcome::not_found, "no API key named that"};
    if (entries_[it->second].info.revoked) return {};
  }
  return append_and_apply(make_api_key_envelope(api_key_revoked{std::string(name)}, now_()));
}

key_store::result key_store::append_and_apply(const envelope& env) {
  append_result appended;
  if (status st = log_->append({env}, &appended); !st) {
    return {outcome::io_error, "cannot write the keys log: " + st.message()};
  }
  std::unique_lock lock(table_mutex_);
  apply_locked(env);
  return {};
}

std::vector<api_key_info> key_store::list() const {
  std::shared_lock read(table_mutex_);
  std::vector<api_key_info> out;
  out.reserve(entries_.size());
  for (const entry& e : entries_) out.push_back(e.info);
  return out;
}

std::optional<std::string> key_store::match(std::string_view presented) const {
  if (!in_use()) return std::nullopt;
  std::string digest = sha256(presented);
  std::int64_t now = now_();
  std::shared_lock read(table_mutex_);
  auto [first, last] = by_prefix_.equal_range(prefix_of(digest));
  for (auto it = first; it != last; ++it) {
    const entry& e = entries_[it->second];
    if (CRYPTO_memcmp(e.digest.data(), digest.data(), digest.size()) == 0) {
      if (live(e, now)) return e.info.name;
      return std::nullopt;
    }
  }
  return std::nullopt;
}

bool key_store::is_live(std::string_view name) const {
  std::int64_t now = now_();
  std::shared_lock read(table_mutex_);
  auto it = by_name_.find(std::string(name));
  return it != by_name_.end() && live(entries_[it->second], now);
}

}  // namespace linkly
