#include "http/event_json.hpp"

#include "schemas/click_events.hpp"
#include "schemas/clock.hpp"
#include "schemas/link_events.hpp"
#include "schemas/log_events.hpp"
#include "schemas/orphan_visit.hpp"
#include "schemas/visits_deleted.hpp"

#include <type_traits>

namespace linkly {

namespace {

boost::json::object click_json(const envelope& env) {
  boost::json::object out;
  click_recorded click;
  if (!decode_click(env, &click)) return out;
  out["code"] = click.code;
  out["clicked_at"] = format_utc_ms(click.clicked_at_ms);
  out["link_version"] = click.link_version;
  out["url"] = click.url;
  out["country"] = click.country;
  if (click.latitude) out["latitude"] = *click.latitude;
  if (click.longitude) out["longitude"] = *click.longitude;
  out["referrer"] = click.referrer;
  out["user_agent"] = click.user_agent;
  out["client_address"] = click.client_address;
  out["potential_bot"] = click.potential_bot;
  out["incarnation"] = click.incarnation;
  return out;
}

boost::json::object orphan_json(const envelope& env) {
  boost::json::object out;
  orphan_visit visit;
  if (!decode_orphan_visit(env, &visit)) return out;
  out["visited_at"] = format_utc_ms(visit.visited_at_ms);
  out["type"] = to_string(visit.kind);
  out["visited_url"] = visit.visited_url;
  out["country"] = visit.country;
  out["referrer"] = visit.referrer;
  out["user_agent"] = visit.user_agent;
  out["client_address"] = visit.client_address;
  out["potential_bot"] = visit.potential_bot;
  return out;
}

boost::json::object visits_deleted_json(const envelope& env) {
  boost::json::object out;
  visits_deleted deletion;
  if (!decode_visits_deleted(env, &deletion)) return out;
  out["deleted_at"] = format_utc_ms(deletion.deleted_at_ms);
  if (deletion.orphans) {
    out["orphans"] = true;
    return out;
  }
  out["code"] = deletion.code;
  out["incarnation"] = deletion.incarnation;
  out["unnamed_too"] = deletion.unnamed_too;
  return out;
}

boost::json::object payload_json(const envelope& env) {
  if (env.type == event_type::click_recorded) return click_json(env);
  if (env.type == event_type::orphan_visit) return orphan_json(env);
  if (env.type == event_type::visits_deleted) return visits_deleted_json(env);
  boost::json::object out;
  if (records_lost marker; decode_records_lost(env, &marker)) {
    out["first"] = marker.first;
    out["last"] = marker.last;
    out["reason"] = marker.reason;
    return out;
  }
  link_event event;
  if (!decode_link_event(env, &event)) return out;
  std::visit(
      [&](const auto& e) {
        out["code"] = e.code;
        if constexpr (!std::is_same_v<std::decay_t<decltype(e)>, link_deleted>) out["url"] = e.url;
      },
      event);
  return out;
}

}  // namespace

boost::json::object envelope_json(const envelope& env) {
  boost::json::object line;
  line["seq"] = env.seq;
  line["type"] = to_string(env.type);
  line["schema_version"] = env.schema_version;
  line["at"] = format_utc_ms(env.timestamp_ms);
  line["key"] = env.key;
  line["event"] = payload_json(env);
  return line;
}

}  // namespace linkly
