#pragma once
// linkly's settings: one table that the YAML file, LINKLY_* environment
// variables and command-line flags all read, in that order of precedence
// (a flag beats the environment, which beats the file, which beats the
// default).

#include "actors/engine.hpp"
#include "http/server.hpp"
#include "storage/cluster_options.hpp"
#include "storage/event_log.hpp"
#include "storage/status.hpp"

#include <functional>
#include <string>
#include <vector>

namespace linkly {

/// The clicks log's: its appends are batches of clicks, each one record.
inline log_options clicks_log_options() {
  log_options options;
  options.batch_records = true;
  return options;
}

struct config {
  std::string data_dir = "./data";
  server_options http;
  engine_options engine;
  log_options links_log;
  log_options clicks_log = clicks_log_options();
  cluster_options cluster;
  std::string log_level = "info";
};

struct setting {
  std::string key;   // YAML path, e.g. "http.max_body_bytes"
  std::string flag;  // "--http-max-body-bytes"
  std::string env;   // "LINKLY_HTTP_MAX_BODY_BYTES"
  std::string help;
  std::function<bool(const std::string& value, std::string* error)> set;
  std::function<std::string()> get;
  /// The YAML file may give a list, passed to `set` comma-separated.
  bool list = false;
};

/// Every setting of `cfg`, bound to its fields.
std::vector<setting> settings_of(config& cfg);

/// Applies the YAML file at `path` to `cfg` through `settings`. An unknown
/// key, a value of the wrong type or an unreadable file is an error naming
/// the key and the file.
status load_yaml_config(const std::string& path, const std::vector<setting>& settings);

}  // namespace linkly
