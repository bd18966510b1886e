#include "http/access_control.hpp"

#include "http/key_store.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <array>
#include <iterator>

namespace linkly {

namespace {

constexpr std::size_t kSessionIdBytes = 32;

std::string digest_of(std::string_view secret) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(),
         reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

bool same_digest(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::optional<std::string> token_problem(std::string_view token) {
  if (token.empty()) return "the API token is empty";
  for (char c : token) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      return "the API token may hold only visible ASCII characters (no spaces or control "
             "characters)";
    }
  }
  if (token.size() < kMinTokenChars) {
    return "the API token is shorter than " + std::to_string(kMinTokenChars) +
           " characters (try: openssl rand -hex 32)";
  }
  return std::nullopt;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  return same_digest(digest_of(a), digest_of(b));
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(std::string(host), ec);
  if (ec) return false;
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6())
        .is_loopback();
  }
  return address.is_loopback();
}

access_control::access_control(const access_options& options, now_fn now, const key_store* keys)
    : options_(options), now_(std::move(now)), enabled_(options.token.has_value()), keys_(keys) {
  if (enabled_) token_digest_ = digest_of(*options_.token);
  // The digest is all that is needed from here on.
  options_.token.reset();
}

bool access_control::enabled() const {
  return enabled_ || (keys_ != nullptr && keys_->in_use());
}

bool access_control::token_matches(std::string_view presented) const {
  return enabled_ && same_digest(digest_of(presented), token_digest_);
}

std::optional<std::string> access_control::key_name(std::string_view presented) const {
  if (token_matches(presented)) return std::string(kDefaultKeyName);
  if (keys_ != nullptr) return keys_->match(presented);
  return std::nullopt;
}

std::string access_control::open_session(std::string key) {
  std::array<unsigned char, kSessionIdBytes> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(random.size() * 2);
  for (unsigned char b : random) {
    id += kHex[b >> 4];
    id += kHex[b & 0x0f];
  }
  std::string digest = digest_of(id);
  auto now = now_();
  std::lock_guard lock(mutex_);
  prune_locked(now);
  while (!order_.empty() && order_.size() >= std::max<std::size_t>(1, options_.max_sessions)) {
    by_digest_.erase(order_.front().digest);
    order_.pop_front();
  }
  order_.push_back(entry{digest, now + options_.session_ttl, std::move(key)});
  by_digest_.emplace(std::move(digest), std::prev(order_.end()));
  return id;
}

bool access_control::session_valid(std::string_view id) {
  if (!enabled() || id.empty()) return false;
  std::string digest = digest_of(id);
  auto now = now_();
  std::string key;
  {
    std::lock_guard lock(mutex_);
    prune_locked(now);
    auto it = by_digest_.find(digest);
    if (it == by_digest_.end()) return false;
    key = it->second->key;
  }
  // A revoked or expired key's sessions end with it.
  return key == kDefaultKeyName || (keys_ != nullptr && keys_->is_live(key));
}

void access_control::close_session(std::string_view id) {
  std::string digest = digest_of(id);
  std::lock_guard lock(mutex_);
  auto it = by_digest_.find(digest);
  if (it == by_digest_.end()) return;
  order_.erase(it->second);
  by_digest_.erase(it);
}

std::size_t access_control::session_count() {
  auto now = now_();
  std::lock_guard lock(mutex_);
  prune_locked(now);
  return order_.size();
}

void access_control::prune_locked(clock::time_point now) {
  while (!order_.empty() && order_.front().expires <= now) {
    by_digest_.erase(order_.front().digest);
    order_.pop_front();
  }
}

}  // namespace linkly
