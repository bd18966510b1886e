#include "app/commands.hpp"

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
