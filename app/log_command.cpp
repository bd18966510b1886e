#include "app/commands.hpp"

#include "app/offline_stores.hpp"

#include "http/event_json.hpp"
#include "storage/event_log.hpp"

#include <boost/json.hpp>

#include <iostream>

namespace linkly {

std::string store_dir(const config& cfg, const std::string& name) {
  return cfg.data_dir + "/" + name;
}

int run_log_dump(const config& cfg, const dump_options& options) {
  if (options.log != "links" && options.log != "clicks") {
    std::cerr << "linkly: unknown log \"" << options.log << "\" (known logs: links, clicks)\n";
    return 2;
  }
  std::unique_ptr<event_log> log;
  if (!open_required_log(cfg, options.log, &log)) return 1;
  status st = log->replay(options.from, event_log::kNoLimit, options.limit, [](const envelope& e) {
    std::cout << boost::json::serialize(envelope_json(e)) << '\n';
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
