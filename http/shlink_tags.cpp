// Tags of the Shlink API. linkly keeps tags on links only (no tag table):
// the list and the stats are computed from every link, a rename or a
// delete is one update per link carrying the tag.

#include "actors/link_service.hpp"
#include "http/shlink_call.hpp"
#include "http/shlink_json.hpp"
#include "http/shlink_link_scan.hpp"
#include "http/shlink_list_query.hpp"
#include "http/shlink_problem.hpp"
#include "http/shlink_tag_plans.hpp"
#include "schemas/link_attributes.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <utility>

namespace linkly {

namespace {

struct tag_stats {
  std::size_t short_urls = 0;
  shlink_visits visits;
};

// Applies one tags patch per entry of `changes` at once; answers 204 when
// all are done, or the first failure.
void update_tags(shlink_call call, tag_changes changes) {
  if (changes.empty()) return call.send(no_content_response());
  struct pending {
    std::mutex mutex;
    std::size_t left = 0;
    std::optional<reply_status> failure;
    response_sender send;
  };
  auto state = std::make_shared<pending>();
  state->left = changes.size();
  state->send = call.send;
  for (auto& [code, tags] : changes) {
    update_link cmd;
    cmd.code = code;
    cmd.patch.tags = std::move(tags);
    call.links->update(std::move(cmd), [state](command_reply reply) {
      std::unique_lock<std::mutex> lock(state->mutex);
      // A link deleted meanwhile no longer carries the tag: nothing to undo.
      if (!reply.ok() && reply.code != reply_code::not_found && !state->failure) {
        state->failure = static_cast<reply_status>(reply);
      }
      if (--state->left > 0) return;
      std::optional<reply_status> failure = state->failure;
      lock.unlock();
      if (failure) {
        return state->send(shlink_status_problem(failure->code == reply_code::invalid
                                                     ? http_status::bad_request
                                                     : http_status::service_unavailable,
                                                 failure->error));
      }
      state->send(no_content_response());
    });
  }
}

}  // namespace

namespace {

struct tags_query {
  std::size_t page = 1;
  std::size_t per_page = 0;  // 0: all (Shlink's default for tags)
  std::string search;
  std::string order_field = "tag";  // tag, shortUrlsCount, visits, nonBotVisits
  bool descending = false;
};

std::optional<std::size_t> positive(const std::string& s) {
  constexpr std::size_t kMaxDigits = 9;
  if (s.empty() || s.size() > kMaxDigits || s.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  std::size_t n = std::stoul(s);
  if (n == 0) return std::nullopt;
  return n;
}

bool parse_tags_query(const shlink_target& target, tags_query* out,
                      std::vector<std::string>* invalid) {
  if (auto page = target.param("page")) {
    if (auto n = positive(*page)) {
      out->page = *n;
    } else {
      invalid->emplace_back("page");
    }
  }
  if (auto per_page = target.param("itemsPerPage"); per_page && *per_page != "-1") {
    if (auto n = positive(*per_page)) {
      out->per_page = *n;
    } else {
      invalid->emplace_back("itemsPerPage");
    }
  }
  out->search = target.param("searchTerm").value_or("");
  if (auto order = target.param("orderBy"); order && !order->empty()) {
    std::string field;
    bool descending = false;
    const bool valid = parse_shlink_order(*order, &field, &descending);
    const bool known =
        field == "tag" || field == "shortUrlsCount" || field == "visits" || field == "nonBotVisits";
    if (!valid || !known) {
      invalid->emplace_back("orderBy");
    } else {
      out->order_field = field;
      out->descending = descending;
    }
  }
  return invalid->empty();
}

}  // namespace

void shlink_list_tags(shlink_call call, bool stats_form) {
  bool with_stats = stats_form || call.target.param("withStats") == "true";
  tags_query query;
  std::vector<std::string> invalid;
  if (!parse_tags_query(call.target, &query, &invalid)) {
    return call.send(shlink_invalid_data(invalid));
  }
  bool needs_visits =
      with_stats || query.order_field == "visits" || query.order_field == "nonBotVisits";
  link_service* links = call.links;
  io_worker* worker = call.worker;
  scan_links(
      links, worker,
      [call = std::move(call), stats_form, with_stats, needs_visits,
       query = std::move(query)](link_scan scan) {
        if (!scan.ok()) {
          return call.send(shlink_status_problem(http_status::service_unavailable, scan.error));
        }
        std::map<std::string, tag_stats> tags;
        for (const link_info& link : scan.links) {
          shlink_visits visits;
          if (needs_visits && !link.attrs.tags.empty())
            visits = shlink_visits_of(call.analytics, link);
          for (const std::string& tag : link.attrs.tags) {
            if (!query.search.empty() && !contains_folded(tag, query.search)) continue;
            tag_stats& stats = tags[tag];
            ++stats.short_urls;
            stats.visits.total += visits.total;
            stats.visits.non_bots += visits.non_bots;
            stats.visits.bots += visits.bots;
          }
        }
        std::vector<std::pair<std::string, tag_stats>> rows(tags.begin(), tags.end());
        const std::string& field = query.order_field;
        auto less = [&field](const auto& a, const auto& b) {
          if (field == "shortUrlsCount") return a.second.short_urls < b.second.short_urls;
          if (field == "visits") return a.second.visits.total < b.second.visits.total;
          if (field == "nonBotVisits") return a.second.visits.non_bots < b.second.visits.non_bots;
          return a.first < b.first;
        };
        // Ties keep name order: the map's.
        std::stable_sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) {
          return query.descending ? less(b, a) : less(a, b);
        });
        std::size_t total = rows.size();
        std::size_t first = query.per_page == 0 ? 0 : (query.page - 1) * query.per_page;
        std::size_t last = query.per_page == 0 ? total : std::min(total, first + query.per_page);
        if (first > total) first = last = total;
        boost::json::array names;
        boost::json::array stats;
        for (std::size_t i = first; i < last; ++i) {
          const auto& [tag, counts] = rows[i];
          names.emplace_back(tag);
          if (with_stats) {
            stats.emplace_back(
                boost::json::object{{"tag", tag},
                                    {"shortUrlsCount", counts.short_urls},
                                    {"visitsSummary", shlink_visits_json(counts.visits)}});
          }
        }
        std::size_t in_page = last - first;
        boost::json::object out;
        if (stats_form) {
          out["data"] = std::move(stats);
        } else {
          out["data"] = std::move(names);
          if (with_stats) out["stats"] = std::move(stats);
        }
        out["pagination"] = shlink_paginator_json(query.per_page == 0 ? 1 : query.page,
                                                  query.per_page, in_page, total);
        call.send(json_response(http_status::ok, boost::json::object{{"tags", std::move(out)}}));
      });
}

void shlink_rename_tag(shlink_call call) {
  boost::system::error_code ec;
  boost::json::value body = boost::json::parse(call.req->body(), ec);
  if (ec || !body.is_object()) return call.send(shlink_malformed_body());
  std::vector<std::string> invalid;
  auto read_name = [&](const char* field, std::string* out) {
    const boost::json::value* v = body.get_object().if_contains(field);
    std::vector<std::string> one;
    std::string error;
    if (v != nullptr && v->is_string()) one.emplace_back(v->get_string());
    if (one.empty() || !normalize_tags(&one, &error) || one.front() != *v->if_string()) {
      invalid.emplace_back(field);
      return;
    }
    *out = one.front();
  };
  std::string old_name, new_name;
  read_name("oldName", &old_name);
  read_name("newName", &new_name);
  if (!invalid.empty()) return call.send(shlink_invalid_data(invalid));
  link_service* links = call.links;
  io_worker* worker = call.worker;
  scan_links(links, worker, [call = std::move(call), old_name, new_name](link_scan scan) {
    if (!scan.ok()) {
      return call.send(shlink_status_problem(http_status::service_unavailable, scan.error));
    }
    tag_changes changes;
    switch (plan_tag_rename(scan.links, old_name, new_name, &changes)) {
      case rename_outcome::not_found:
        return call.send(shlink_tag_not_found(old_name));
      case rename_outcome::conflict:
        return call.send(shlink_tag_conflict(old_name, new_name));
      case rename_outcome::unchanged:
      case rename_outcome::renamed:
        break;
    }
    update_tags(call, std::move(changes));
  });
}

void shlink_delete_tags(shlink_call call) {
  std::vector<std::string> names = call.target.list("tags");
  std::set<std::string> doomed(names.begin(), names.end());
  if (doomed.empty()) return call.send(no_content_response());
  link_service* links = call.links;
  io_worker* worker = call.worker;
  scan_links(links, worker, [call = std::move(call), doomed](link_scan scan) {
    if (!scan.ok()) {
      return call.send(shlink_status_problem(http_status::service_unavailable, scan.error));
    }
    update_tags(call, plan_tag_delete(scan.links, doomed));
  });
}

}  // namespace linkly
