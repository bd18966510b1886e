#include "storage/stream_link.hpp"

#include "schemas/link_events.hpp"
#include "storage/record_format.hpp"
#include "storage/stream_log.hpp"
#include "storage/stream_subjects.hpp"

#include <string>
#include <variant>

namespace linkly {

namespace {

status decode(const stream_record& r, envelope* env, link_event* event) {
  // Published with seq 0 in the body: the stream's sequence is the seq.
  if (status st = decode_record_value(0, r.data, env); !st) {
    return status::corruption("stream record " + std::to_string(r.seq) + " (" + r.subject +
                              "): " + st.to_string());
  }
  env->seq = r.seq;
  if (!decode_link_event(*env, event)) {
    return status::corruption("stream record " + std::to_string(r.seq) + " (" + r.subject +
                              ") is no link event");
  }
  return status::ok();
}

// Folds one event into `*link` as link_table::apply does.
void fold(const envelope& env, const link_event& event, link_info* link, bool* live) {
  if (const auto* c = std::get_if<link_created>(&event)) {
    if (*live) return;  // a second create of a live code is ignored by the table too
    link->code = c->code;
    link->url = c->url;
    link->attrs = c->attrs;
    link->version = 1;
    link->created_at_ms = link->updated_at_ms = env.timestamp_ms;
    link->incarnation = env.seq;
    *live = true;
  } else if (const auto* u = std::get_if<link_updated>(&event)) {
    if (!*live) return;  // ignored by the table too
    link->url = u->url;
    if (u->attrs) link->attrs = *u->attrs;
    ++link->version;
    link->updated_at_ms = env.timestamp_ms;
  } else {
    *live = false;
  }
}

}  // namespace

status read_stream_link(stream_log& stream, std::string_view code, link_info* out, bool* live) {
  *live = false;
  const std::string subject = links_subject(code);
  stream_record last;
  if (status st = stream.last_on_subject(subject, &last); !st) {
    return st.is_not_found() ? status::ok() : st;
  }
  envelope env;
  link_event event;
  if (status st = decode(last, &env, &event); !st) return st;
  if (std::holds_alternative<link_deleted>(event)) return status::ok();
  if (std::holds_alternative<link_created>(event)) {
    // The whole state. (A create of a code still live would be ignored by
    // the table; no writer stores one: the stream refuses it.)
    fold(env, event, out, live);
    return status::ok();
  }
  // An update: the version counts the updates since the life's creation,
  // and the life is that creation's seq; only the code's whole history
  // tells them.
  link_info link;
  bool alive = false;
  std::uint64_t from = 1;
  for (std::size_t n = 0; n < kMaxStreamLinkEvents; ++n) {
    stream_record r;
    if (status st = stream.next_on_subject(subject, from, &r); !st) {
      if (st.is_not_found()) break;
      return st;
    }
    if (r.seq > last.seq) break;  // `last` itself was not met: records were removed
    if (status st = decode(r, &env, &event); !st) return st;
    fold(env, event, &link, &alive);
    if (r.seq == last.seq) {
      *out = std::move(link);
      *live = alive;
      return status::ok();
    }
    from = r.seq + 1;
  }
  return status::corruption("the history of " + subject + " up to seq " + std::to_string(last.seq) +
                            " was not read whole (at most " + std::to_string(kMaxStreamLinkEvents) +
                            " events)");
}

}  // namespace linkly
