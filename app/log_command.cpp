#include "app/commands.hpp"

#include "schemas/click_events.hpp"
#include "schemas/clock.hpp"
#include "schemas/link_events.hpp"
#include "storage/event_log.hpp"

#include <boost/json.hpp>

#include <iostream>

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
  return out;
}

// The event's fields; an empty object for a payload this build cannot read.
boost::json::object event_json(const envelope& env) {
  if (env.type == event_type::click_recorded) return click_json(env);
  boost::json::object out;
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

std::string store_dir(const config& cfg, const std::string& name) {
  return cfg.data_dir + "/" + name;
}

int run_log_dump(const config& cfg, const dump_options& options) {
  if (options.log != "links" && options.log != "clicks") {
    std::cerr << "linkly: unknown log \"" << options.log << "\" (known logs: links, clicks)\n";
    return 2;
  }
  log_options opts;
  opts.create_if_missing = false;
  std::unique_ptr<event_log> log;
  std::string dir = store_dir(cfg, options.log);
  if (status st = event_log::open(dir, opts, &log); !st) {
    if (st.is_busy()) {
      std::cerr << "linkly: " << dir
                << " is held by a running linkly server; stop it first (LevelDB allows one "
                   "process per store)\n";
    } else if (st.error_code() == status::code::invalid_argument) {
      std::cerr << "linkly: no " << options.log << " log in " << cfg.data_dir << "\n";
    } else {
      std::cerr << "linkly: " << st.to_string() << "\n";
    }
    return 1;
  }
  status st = log->replay(options.from, event_log::kNoLimit, options.limit, [](const envelope& e) {
    boost::json::object line;
    line["seq"] = e.seq;
    line["type"] = to_string(e.type);
    line["schema_version"] = e.schema_version;
    line["at"] = format_utc_ms(e.timestamp_ms);
    line["key"] = e.key;
    line["event"] = event_json(e);
    std::cout << boost::json::serialize(line) << '\n';
    return static_cast<bool>(std::cout);
  });
  std::cout.flush();
  if (!st) {
    std::cerr << "linkly: " << st.to_string() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace linkly
