#pragma once
// read_view: what redirects read. code -> live link, kept by the link actors
// and read by HTTP io threads without messaging an actor.
//
// Derived state: link actors update it after an event is durable and before
// they answer the command, so a redirect that follows an acknowledged PUT
// sees the new url. Deleted links are absent.
//
// Thread safety: any thread may call any method. Locks are striped over
// kStripes shards, so readers of different codes rarely meet, and writers
// (rare) block only readers of their stripe.

#include "schemas/link_commands.hpp"
#include "storage/string_hash.hpp"

#include <array>
#include <cstddef>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace linkly {

class read_view {
 public:
  /// Copies the link for `code` into `*out`; false if there is none.
  bool find(std::string_view code, link_info* out) const;

  /// Copies only the url (the redirect's need); false if there is none.
  bool find_url(std::string_view code, std::string* url) const;

  void upsert(const link_info& link);
  void erase(std::string_view code);

  /// Makes room for about `links` links in total (start-up knows how many).
  void reserve(std::size_t links);

  /// Number of live links.
  std::size_t size() const;

 private:
  static constexpr std::size_t kStripes = 64;

  struct stripe {
    mutable std::shared_mutex mutex;
    std::unordered_map<std::string, link_info, string_hash, std::equal_to<>> links;
  };

  const stripe& stripe_for(std::string_view code) const {
    return stripes_[string_hash{}(code) % kStripes];
  }
  stripe& stripe_for(std::string_view code) { return stripes_[string_hash{}(code) % kStripes]; }

  std::array<stripe, kStripes> stripes_;
};

}  // namespace linkly
