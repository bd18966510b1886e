#include "http/store_health.hpp"

#include "actors/miss_lookup.hpp"
#include "storage/dead_letter_store.hpp"
#include "storage/event_log.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <string_view>

namespace linkly {

namespace {

struct named_log {
  std::string_view name;
  const event_log* log;
};

}  // namespace

std::vector<std::string> degraded_reasons(const read_sources& sources) {
  std::vector<std::string> reasons;
  for (auto [name, log] :
       {named_log{"links", sources.links_log}, named_log{"clicks", sources.clicks_log}}) {
    if (log != nullptr && !log->writable()) {
      reasons.push_back(std::string(name) + " log cannot be written: " + log->write_error());
    }
  }
  if (sources.dead_letters != nullptr && !sources.dead_letters->writable()) {
    reasons.push_back("dead-letter store cannot be written: " +
                      sources.dead_letters->write_error());
  }
  if (sources.stream_problem) {
    if (std::string why = sources.stream_problem(); !why.empty()) reasons.push_back(why);
  }
  return reasons;
}

http_response health_response(const read_sources& sources) {
  std::vector<std::string> reasons = degraded_reasons(sources);
  if (reasons.empty()) {
    if (!sources.stream_problem) {
      return json_response(http_status::ok, boost::json::value{{"status", "ok"}});
    }
    // Cluster mode says what it checked.
    return json_response(http_status::ok,
                         boost::json::value{{"status", "ok"}, {"stream", "reachable"}});
  }
  boost::json::array list;
  for (auto& r : reasons) list.emplace_back(r);
  boost::json::object body;
  body["status"] = "degraded";
  body["reasons"] = std::move(list);
  return json_response(http_status::service_unavailable, body);
}

void append_store_metrics(std::string* out, const read_sources& sources) {
  if (sources.links_log != nullptr || sources.clicks_log != nullptr) {
    out->append(
        "# HELP linkly_log_writable Whether a log can be written: 0 from a failed write until "
        "it reopened.\n# TYPE linkly_log_writable gauge\n");
    for (auto [name, log] :
         {named_log{"links", sources.links_log}, named_log{"clicks", sources.clicks_log}}) {
      if (log == nullptr) continue;
      out->append("linkly_log_writable{log=\"").append(name).append("\"} ");
      out->append(log->writable() ? "1\n" : "0\n");
    }
  }
  if (sources.dead_letters != nullptr) {
    out->append(
        "# HELP linkly_dead_letters_writable Whether the dead-letter store can be written: 0 "
        "from a failed write until it reopened.\n# TYPE linkly_dead_letters_writable gauge\n"
        "linkly_dead_letters_writable ");
    out->append(sources.dead_letters->writable() ? "1\n" : "0\n");
  }
  if (sources.stream_problem) {
    out->append(
        "# HELP linkly_links_stream_following Cluster mode: whether this node reaches the links "
        "stream and its replica follows it.\n# TYPE linkly_links_stream_following gauge\n"
        "linkly_links_stream_following ");
    out->append(sources.stream_problem().empty() ? "1\n" : "0\n");
  }
  if (sources.missed_codes != nullptr) sources.missed_codes->append_metrics(out);
  if (sources.cluster_metrics) sources.cluster_metrics(out);
}

}  // namespace linkly
