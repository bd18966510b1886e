#include "actors/link_history.hpp"

#include "schemas/link_events.hpp"

#include <algorithm>
#include <variant>

namespace linkly {

namespace {

seq_span span_of(const std::vector<std::uint64_t>& seqs) {
  return {seqs.data(), seqs.size()};
}

}  // namespace

seq_page history_page(seq_span seqs, std::uint64_t after, std::size_t limit) {
  seq_page page;
  auto begin = std::upper_bound(seqs.begin(), seqs.end(), after);
  auto left = static_cast<std::size_t>(seqs.end() - begin);
  auto end = begin + static_cast<std::ptrdiff_t>(std::min(left, limit));
  page.seqs.assign(begin, end);
  if (end != seqs.end() && !page.seqs.empty()) page.next = page.seqs.back();
  return page;
}

seq_page history_page(const link_record& r, std::uint64_t after, std::size_t limit) {
  return history_page(span_of(r.seqs), after, limit);
}

as_of_plan plan_as_of(seq_span seqs, seq_span recreated_at, bool deleted, std::uint64_t as_of) {
  as_of_plan plan;
  // Events at or before as_of: the record's first `n`.
  auto n =
      static_cast<std::size_t>(std::upper_bound(seqs.begin(), seqs.end(), as_of) - seqs.begin());
  if (n == 0) return plan;  // not created yet
  // The life as_of falls in begins at index `begin` and ends before `end`
  // (the next life's creation, or the record's end).
  auto later = std::upper_bound(recreated_at.begin(), recreated_at.end(), seqs[n - 1]);
  std::size_t begin = 0;
  if (later != recreated_at.begin()) {
    begin = static_cast<std::size_t>(std::lower_bound(seqs.begin(), seqs.end(), *(later - 1)) -
                                     seqs.begin());
  }
  std::size_t end = seqs.size;
  bool ends_deleted = deleted;
  if (later != recreated_at.end()) {
    end =
        static_cast<std::size_t>(std::lower_bound(seqs.begin(), seqs.end(), *later) - seqs.begin());
    ends_deleted = true;  // a code is created again only once deleted
  }
  if (ends_deleted && n == end) return plan;  // that life's deletion is among them
  plan.live = true;
  // One creation, then n-1-begin updates.
  plan.version = static_cast<std::uint32_t>(n - begin);
  plan.reads.push_back(seqs[begin]);
  if (n - 1 > begin) plan.reads.push_back(seqs[n - 1]);
  return plan;
}

as_of_plan plan_as_of(const link_record& r, std::uint64_t as_of) {
  return plan_as_of(span_of(r.seqs), span_of(r.recreated_at), r.deleted, as_of);
}

bool link_from(const std::string& code, const as_of_plan& plan, const std::vector<envelope>& envs,
               link_info* out) {
  if (!plan.live || envs.size() != plan.reads.size() || envs.empty()) return false;
  link_event first;
  if (!decode_link_event(envs.front(), &first)) return false;
  const auto* created = std::get_if<link_created>(&first);
  if (created == nullptr) return false;
  link_info link{code,
                 created->url,
                 plan.version,
                 envs.front().timestamp_ms,
                 envs.front().timestamp_ms,
                 created->attrs,
                 envs.front().seq};
  if (envs.size() > 1) {
    link_event last;
    if (!decode_link_event(envs.back(), &last)) return false;
    const auto* updated = std::get_if<link_updated>(&last);
    if (updated == nullptr) return false;
    link.url = updated->url;
    // A version-1 update changed the url only; those were written before
    // any event carried attributes, so the creation's are still the link's.
    if (updated->attrs) link.attrs = *updated->attrs;
    link.updated_at_ms = envs.back().timestamp_ms;
  }
  *out = std::move(link);
  return true;
}

link_history_entry history_entry(const envelope& env) {
  link_history_entry entry{env.seq, std::string(to_string(env.type)), env.timestamp_ms, {}};
  link_event event;
  if (decode_link_event(env, &event)) {
    if (auto* c = std::get_if<link_created>(&event)) entry.url = c->url;
    if (auto* u = std::get_if<link_updated>(&event)) entry.url = u->url;
  }
  return entry;
}

}  // namespace linkly
