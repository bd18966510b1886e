#include "actors/stored_link.hpp"

#include "schemas/link_rules.hpp"

#include <cstring>
#include <limits>
#include <new>
#include <stdexcept>

namespace linkly {

namespace {

static_assert(kMaxCodeBytes <= std::numeric_limits<std::uint8_t>::max());
static_assert(kMaxUrlBytes <= std::numeric_limits<std::uint16_t>::max());

bool power_of_two(std::uint32_t n) {
  return (n & (n - 1)) == 0;
}

}  // namespace

namespace {
// Where the extras pointer sits: after the code's and the url's bytes.
constexpr std::size_t kExtrasBytes = sizeof(link_extras*);
}  // namespace

// The header stays as small as before the extras: the flag took padding.
static_assert(sizeof(stored_link) == 40, "a link without extras must not grow");

stored_link* stored_link::make(std::string_view code, std::string_view url,
                               std::unique_ptr<link_extras> extras) {
  // The log is the truth and may hold what today's rules refuse; the
  // header's sizes are the one hard limit.
  if (code.size() > std::numeric_limits<std::uint8_t>::max() ||
      url.size() > std::numeric_limits<std::uint16_t>::max()) {
    throw std::length_error("link code or url too long to store");
  }
  // malloc's 16-byte alignment (x86-64, AArch64 glibc) leaves an
  // address's low 4 bits free for link_map, which checks them. An aligned
  // new would round every size up to 16 and cost 8 bytes a link.
  if (extras && !extras->needed()) extras.reset();
  const std::size_t tail = extras ? kExtrasBytes : 0;
  void* at = ::operator new(sizeof(stored_link) + code.size() + url.size() + tail);
  auto* link = new (at) stored_link();
  link->code_size_ = static_cast<std::uint8_t>(code.size());
  link->url_size_ = static_cast<std::uint16_t>(url.size());
  std::memcpy(link->text(), code.data(), code.size());
  std::memcpy(link->text() + code.size(), url.data(), url.size());
  if (extras) {
    link_extras* raw = extras.release();
    std::memcpy(link->text() + code.size() + url.size(), &raw, kExtrasBytes);
    link->has_extras_ = true;
  }
  return link;
}

const link_extras* stored_link::extras() const {
  if (!has_extras_) return nullptr;
  link_extras* raw = nullptr;
  std::memcpy(&raw, text() + code_size_ + url_size_, kExtrasBytes);
  return raw;
}

const link_attributes& stored_link::attrs() const {
  static const link_attributes defaults;
  const link_extras* x = extras();
  return x != nullptr ? x->attrs : defaults;
}

void stored_link::destroy(stored_link* link) noexcept {
  if (link == nullptr) return;
  if (link->seq_count_ > 1) delete[] link->many_;
  delete link->extras();
  link->~stored_link();
  ::operator delete(link);
}

stored_link* stored_link::set_url(stored_link* link, std::string_view url) {
  if (url.size() == link->url_size_) {
    std::memcpy(link->text() + link->code_size_, url.data(), url.size());
    return link;
  }
  const link_extras* x = link->extras();
  return set(link, url, x != nullptr ? std::make_unique<link_extras>(*x) : nullptr);
}

stored_link* stored_link::set(stored_link* link, std::string_view url,
                              std::unique_ptr<link_extras> extras) {
  if (extras && !extras->needed()) extras.reset();
  if (url.size() == link->url_size_ && link->has_extras_ == (extras != nullptr)) {
    std::memcpy(link->text() + link->code_size_, url.data(), url.size());
    if (extras) {
      delete link->extras();
      link_extras* raw = extras.release();
      std::memcpy(link->text() + link->code_size_ + link->url_size_, &raw, kExtrasBytes);
    }
    return link;
  }
  stored_link* now = make(link->code(), url, std::move(extras));
  now->created_at_ms = link->created_at_ms;
  now->updated_at_ms = link->updated_at_ms;
  now->version = link->version;
  now->deleted = link->deleted;
  now->one_ = link->one_;  // or many_: the union moves whole
  now->seq_count_ = link->seq_count_;
  link->seq_count_ = 0;  // the seqs are `now`'s
  return now;
}

void stored_link::push_seq(std::uint64_t seq) {
  if (seq_count_ == 0) {
    one_ = seq;
  } else if (seq_count_ == 1) {
    auto* many = new std::uint64_t[2]{one_, seq};
    many_ = many;
  } else {
    if (power_of_two(seq_count_)) {  // full
      auto* bigger = new std::uint64_t[std::size_t{seq_count_} * 2];
      std::memcpy(bigger, many_, seq_count_ * sizeof(std::uint64_t));
      delete[] many_;
      many_ = bigger;
    }
    many_[seq_count_] = seq;
  }
  ++seq_count_;
}

}  // namespace linkly
