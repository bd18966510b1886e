#include "app/config.hpp"

#include "http/header_text.hpp"
#include "http/host_allowlist.hpp"
#include "schemas/link_rules.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <limits>

namespace linkly {

namespace {

template <class Int>
std::function<bool(const std::string&, std::string*)> integer(Int* field, Int min, Int max) {
  return [=](const std::string& v, std::string* error) {
    Int parsed{};
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), parsed);
    if (ec != std::errc() || end != v.data() + v.size() || parsed < min || parsed > max) {
      *error = "expected a whole number from " + std::to_string(min) + " to " +
               std::to_string(max) + ", got \"" + v + "\"";
      return false;
    }
    *field = parsed;
    return true;
  };
}

std::function<bool(const std::string&, std::string*)> millis(
    std::chrono::milliseconds* field, std::int64_t min,
    std::int64_t max = std::numeric_limits<std::int64_t>::max() / 2) {
  return [=](const std::string& v, std::string* error) {
    std::int64_t ms = 0;
    if (!integer<std::int64_t>(&ms, min, max)(v, error)) return false;
    *field = std::chrono::milliseconds(ms);
    return true;
  };
}

std::function<bool(const std::string&, std::string*)> boolean(bool* field) {
  return [=](const std::string& v, std::string* error) {
    if (v == "true" || v == "1" || v == "yes" || v == "on") return *field = true, true;
    if (v == "false" || v == "0" || v == "no" || v == "off") return *field = false, true;
    *error = "expected true or false, got \"" + v + "\"";
    return false;
  };
}

std::function<bool(const std::string&, std::string*)> text(std::string* field) {
  return [=](const std::string& v, std::string*) { return *field = v, true; };
}

// "HOST:PORT", "[::1]:PORT" or ":PORT".
bool parse_listen(const std::string& v, server_options* http, std::string* error) {
  auto colon = v.rfind(':');
  if (colon == std::string::npos) {
    *error = "expected HOST:PORT, got \"" + v + "\"";
    return false;
  }
  std::string host = v.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::uint16_t port = 0;
  if (!integer<std::uint16_t>(&port, 0, 65535)(v.substr(colon + 1), error)) return false;
  http->host = host.empty() ? "0.0.0.0" : host;
  http->port = port;
  return true;
}

// "lnk.example, proxy.internal:8080, *": names a request's Host and a
// write's Origin may carry besides the defaults (host_allowlist.hpp).
bool parse_host_list(const std::string& v, server_options* http, std::string* error) {
  std::vector<std::string> names;
  std::size_t start = 0;
  while (start <= v.size()) {
    std::size_t comma = std::min(v.find(',', start), v.size());
    std::string name(trim_blanks(std::string_view(v).substr(start, comma - start)));
    if (!name.empty()) {
      if (name != kAnyHost && host_of_authority(name).empty()) {
        *error = "expected host names separated by commas (or *), got \"" + name + "\"";
        return false;
      }
      names.push_back(std::move(name));
    }
    start = comma + 1;
  }
  http->allowed_hosts = std::move(names);
  return true;
}

std::string join_hosts(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ",") + name;
  return out;
}

// "nats://host:4222, nats://other:4222": the NATS servers of cluster mode
// ("" leaves it single-node).
bool parse_nats_urls(const std::string& v, cluster_options* cluster, std::string* error) {
  std::vector<std::string> urls;
  std::size_t start = 0;
  while (start <= v.size()) {
    std::size_t comma = std::min(v.find(',', start), v.size());
    std::string url(trim_blanks(std::string_view(v).substr(start, comma - start)));
    start = comma + 1;
    if (url.empty()) continue;
    auto scheme = url.find("://");
    std::string rest = scheme == std::string::npos ? "" : url.substr(scheme + 3);
    auto colon = rest.rfind(':');
    bool port_ok = colon != std::string::npos && colon > 0 && colon + 1 < rest.size() &&
                   rest.find_first_not_of("0123456789", colon + 1) == std::string::npos;
    std::string protocol = url.substr(0, scheme == std::string::npos ? 0 : scheme);
    if ((protocol != "nats" && protocol != "tls") || !port_ok) {
      *error = "expected nats://HOST:PORT urls separated by commas, got \"" + url + "\"";
      return false;
    }
    urls.push_back(std::move(url));
  }
  cluster->nats_urls = std::move(urls);
  return true;
}

// A node or stream name: 1-64 of A-Za-z0-9_- (it goes into NATS subjects,
// message ids and stream names, where dots and blanks mean something).
std::function<bool(const std::string&, std::string*)> name_token(std::string* field,
                                                                 bool may_be_empty) {
  return [=](const std::string& v, std::string* error) {
    bool ok = v.size() <= 64 && (may_be_empty || !v.empty()) &&
              v.find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                  "0123456789_-") == std::string::npos;
    if (!ok) {
      *error = "expected 1 to 64 of A-Z a-z 0-9 _ -, got \"" + v + "\"";
      return false;
    }
    *field = v;
    return true;
  };
}

template <class T>
std::function<std::string()> show(const T* field) {
  return [=] {
    if constexpr (std::is_same_v<T, std::string>) {
      return *field;
    } else if constexpr (std::is_same_v<T, bool>) {
      return std::string(*field ? "true" : "false");
    } else if constexpr (std::is_same_v<T, std::chrono::milliseconds>) {
      return std::to_string(field->count());
    } else {
      return std::to_string(*field);
    }
  };
}

setting make(std::string key, std::string help,
             std::function<bool(const std::string&, std::string*)> set,
             std::function<std::string()> get) {
  std::string flag = "--", env = "LINKLY_";
  for (char c : key) {
    flag += (c == '.' || c == '_') ? '-' : c;
    env += (c == '.') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return {std::move(key),  std::move(flag), std::move(env),
          std::move(help), std::move(set),  std::move(get)};
}

}  // namespace

std::vector<setting> settings_of(config& c) {
  constexpr auto kMax = std::numeric_limits<std::size_t>::max();
  std::vector<setting> s;
  auto& h = c.http;
  auto& e = c.engine;
  auto& sup = c.engine.supervision;
  s.push_back(
      make("data_dir", "directory of linkly's stores", text(&c.data_dir), show(&c.data_dir)));
  s.back().flag = "--data";
  s.back().env = "LINKLY_DATA";
  s.push_back(make(
      "listen", "HOST:PORT to serve HTTP on (port 0 picks a free one)",
      [&h](const std::string& v, std::string* err) { return parse_listen(v, &h, err); },
      [&h] { return h.host + ":" + std::to_string(h.port); }));
  s.push_back(make("public_url", "base of short_url in answers (default http://HOST:PORT)",
                   text(&h.public_url), show(&h.public_url)));
  s.push_back(make(
      "links.unavailable_redirect_url",
      "where a link outside its validity window or past max_visits redirects (default: 404)",
      [&h](const std::string& v, std::string* err) {
        if (v.empty()) return h.unavailable_redirect_url.clear(), true;
        std::string url;
        if (!normalize_url(v, &url, err)) return false;
        h.unavailable_redirect_url = std::move(url);
        return true;
      },
      show(&h.unavailable_redirect_url)));
  s.back().flag = "--unavailable-redirect-url";
  s.back().env = "LINKLY_UNAVAILABLE_REDIRECT_URL";
  s.push_back(make(
      "http.allowed_hosts",
      "extra Host/Origin names, comma-separated (\"*\": any Host, for a proxy that rewrites it)",
      [&h](const std::string& v, std::string* err) { return parse_host_list(v, &h, err); },
      [&h] { return join_hosts(h.allowed_hosts); }));
  s.push_back(make("http.io_threads", "HTTP io threads", integer<std::size_t>(&h.io_threads, 1, 64),
                   show(&h.io_threads)));
  s.push_back(make("http.max_body_bytes", "largest request body accepted (413 beyond)",
                   integer<std::size_t>(&h.max_body_bytes, 1, kMax), show(&h.max_body_bytes)));
  s.push_back(make("http.max_import_bytes",
                   "largest POST /links/import body, streamed (413 beyond; 0: no limit)",
                   integer<std::uint64_t>(&h.max_import_bytes, 0, UINT64_MAX),
                   show(&h.max_import_bytes)));
  s.push_back(make("http.max_header_bytes", "largest request head accepted (431 beyond)",
                   integer<std::size_t>(&h.max_header_bytes, 256, 1 << 20),
                   show(&h.max_header_bytes)));
  s.push_back(make("http.idle_timeout_ms", "close a connection idle this long",
                   millis(&h.idle_timeout, 1), show(&h.idle_timeout)));
  s.push_back(make("http.body_read_timeout_ms",
                   "longest a request body may take to arrive (408 beyond; 0: no limit)",
                   millis(&h.body_read_timeout, 0), show(&h.body_read_timeout)));
  s.push_back(
      make("http.import_min_bytes_per_second",
           "slowest POST /links/import body after body_read_timeout_ms (408 below; 0: none)",
           integer<std::uint64_t>(&h.import_min_bytes_per_second, 0, UINT64_MAX),
           show(&h.import_min_bytes_per_second)));
  s.push_back(make("http.max_connections",
                   "open connections; beyond, the longest-idle one is closed, else 503",
                   integer<std::size_t>(&h.max_connections, 1, kMax), show(&h.max_connections)));
  s.push_back(make("http.shutdown_grace_ms", "time in-flight requests get on shutdown",
                   millis(&h.shutdown_grace, 0), show(&h.shutdown_grace)));
  s.push_back(make("http.max_sse_buffer_bytes", "unwritten output one SSE stream may hold",
                   integer<std::size_t>(&h.max_sse_buffer_bytes, 1, kMax),
                   show(&h.max_sse_buffer_bytes)));
  s.push_back(make("http.sse_keep_alive_ms", "a quiet SSE stream sends a keep-alive this often",
                   millis(&h.sse_keep_alive, 1), show(&h.sse_keep_alive)));
  s.push_back(make("http.max_click_listeners", "open /clicks/stream listeners (503 beyond)",
                   integer<std::size_t>(&h.max_click_listeners, 1, kMax),
                   show(&h.max_click_listeners)));
  s.push_back(make("http.max_event_streams", "open /events streams (503 beyond)",
                   integer<std::size_t>(&h.max_event_streams, 1, kMax),
                   show(&h.max_event_streams)));
  s.push_back(make(
      "http.max_concurrent_imports", "POST /links/import bodies read at once (503 beyond)",
      integer<std::size_t>(&h.max_concurrent_imports, 1, kMax), show(&h.max_concurrent_imports)));
  s.push_back(make("http.trusted_network",
                   "serve with no API token on a non-loopback address (refused otherwise)",
                   boolean(&h.trusted_network), show(&h.trusted_network)));
  auto& auth = h.auth;
  // Any value, even "", counts as configured, so that an empty token refuses
  // to start instead of silently leaving the API open. Never shown.
  s.push_back(make(
      "auth.token", "API token; when set, all but redirects, /healthz and the UI need it",
      [&auth](const std::string& v, std::string*) { return auth.token = v, true; },
      [] { return std::string(); }));
  s.back().env = "LINKLY_TOKEN";
  s.push_back(make("auth.session_ttl_ms", "lifetime of the session cookie POST /login sets",
                   millis(&auth.session_ttl, 1'000, 7LL * 24 * 3'600'000),
                   show(&auth.session_ttl)));
  s.push_back(make("auth.max_sessions", "live login sessions; the oldest is evicted beyond",
                   integer<std::size_t>(&auth.max_sessions, 1, 1'000'000),
                   show(&auth.max_sessions)));
  s.push_back(make("actors.link_shards", "link actors the code space is sharded over",
                   integer<std::size_t>(&e.link_shards, 1, 1024), show(&e.link_shards)));
  s.push_back(make("actors.scheduler_threads", "actor scheduler threads",
                   integer<std::size_t>(&e.scheduler_threads, 1, 256), show(&e.scheduler_threads)));
  s.push_back(make("actors.append_timeout_ms", "wait for the journal before rebuilding a shard",
                   millis(&e.append_timeout, 1), show(&e.append_timeout)));
  s.push_back(make("supervision.max_restarts", "restarts of one actor per window before giving up",
                   integer<std::size_t>(&sup.max_restarts, 0, kMax), show(&sup.max_restarts)));
  s.push_back(make("supervision.restart_window_ms", "window the restarts are counted in",
                   millis(&sup.restart_window, 1), show(&sup.restart_window)));
  s.push_back(make("supervision.initial_backoff_ms", "wait before the first restart",
                   millis(&sup.initial_backoff, 0), show(&sup.initial_backoff)));
  s.push_back(make("supervision.max_backoff_ms", "longest wait before a restart",
                   millis(&sup.max_backoff, 0), show(&sup.max_backoff)));
  auto& proj = c.engine.projections;
  s.push_back(make("projections.batch_events", "most events one projection step applies",
                   integer<std::size_t>(&proj.batch_events, 1, 1'000'000),
                   show(&proj.batch_events)));
  s.push_back(make("projections.max_retries",
                   "tries at one event (the first included) before dead-lettering it",
                   integer<std::size_t>(&proj.max_retries, 1, 100), show(&proj.max_retries)));
  // Capped: the wait doubles per try (up to 2^20 times), which must not overflow.
  s.push_back(make("projections.backoff_ms",
                   "wait before the second try; doubles for each further one",
                   millis(&proj.backoff, 0, 3'600'000), show(&proj.backoff)));
  s.push_back(make("projections.snapshot_events",
                   "events applied since the last snapshot that make a projection write one",
                   integer<std::uint64_t>(&proj.snapshot_events, 1, 1'000'000'000),
                   show(&proj.snapshot_events)));
  s.push_back(make("projections.snapshot_interval_ms",
                   "longest a projection keeps applied events out of its snapshot",
                   millis(&proj.snapshot_interval, 1, 86'400'000), show(&proj.snapshot_interval)));
  auto& clicks = c.engine.clicks;
  auto& q = clicks.queue;
  s.push_back(make(
      "clicks.mode", "queued (redirects never wait), inline (wait for the write) or off",
      [&clicks](const std::string& v, std::string* err) {
        if (v == "queued") return clicks.mode = click_mode::queued, true;
        if (v == "inline") return clicks.mode = click_mode::inline_write, true;
        if (v == "off") return clicks.mode = click_mode::off, true;
        *err = "expected queued, inline or off, got \"" + v + "\"";
        return false;
      },
      [&clicks] {
        return std::string(clicks.mode == click_mode::queued         ? "queued"
                           : clicks.mode == click_mode::inline_write ? "inline"
                                                                     : "off");
      }));
  s.push_back(make("clicks.country_header", "request header holding the client's country",
                   text(&h.click_headers.country), show(&h.click_headers.country)));
  s.push_back(make("clicks.latitude_header", "request header holding the client's latitude",
                   text(&h.click_headers.latitude), show(&h.click_headers.latitude)));
  s.push_back(make("clicks.longitude_header", "request header holding the client's longitude",
                   text(&h.click_headers.longitude), show(&h.click_headers.longitude)));
  s.push_back(make("clicks.sync", "fsync each clicks-log batch", boolean(&c.clicks_log.sync),
                   show(&c.clicks_log.sync)));
  s.push_back(make("clicks.drain_timeout_ms", "on shutdown, wait this long for queued clicks",
                   millis(&clicks.drain_timeout, 0), show(&clicks.drain_timeout)));
  s.push_back(make(
      "queues.clicks.type", "queue type (standard)",
      [](const std::string& v, std::string* err) {
        if (v == "standard") return true;
        *err = "only \"standard\" queues exist, got \"" + v + "\"";
        return false;
      },
      [] { return std::string("standard"); }));
  s.push_back(make("queues.clicks.max_retries",
                   "delivery attempts per batch (the first included) before dead-lettering",
                   integer<std::size_t>(&q.max_retries, 1, 100), show(&q.max_retries)));
  s.push_back(make("queues.clicks.concurrency", "batches written at once",
                   integer<std::size_t>(&q.concurrency, 1, 256), show(&q.concurrency)));
  s.push_back(make("queues.clicks.backoff_ms", "wait before retry n: backoff_ms * 2^(n-1)",
                   millis(&q.backoff, 0), show(&q.backoff)));
  s.push_back(make("queues.clicks.max_batch", "clicks per batch at most",
                   integer<std::size_t>(&q.max_batch, 1, 1'000'000), show(&q.max_batch)));
  s.push_back(make("queues.clicks.max_wait_ms", "oldest click waits at most this long",
                   millis(&q.max_wait, 0), show(&q.max_wait)));
  s.push_back(make("queues.clicks.capacity", "clicks held before new ones are shed",
                   integer<std::size_t>(&q.capacity, 1, kMax), show(&q.capacity)));
  s.push_back(make("queues.clicks.capacity_bytes", "bytes of clicks held before new ones are shed",
                   integer<std::size_t>(&q.capacity_bytes, 1024, kMax), show(&q.capacity_bytes)));
  s.push_back(make("log.sync", "fsync each links-log append (group-committed)",
                   boolean(&c.links_log.sync), show(&c.links_log.sync)));
  s.push_back(make(
      "log.level", "trace, debug, info, warn, error or critical",
      [&c](const std::string& v, std::string* err) {
        for (const char* level : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
          if (v == level) return c.log_level = v, true;
        }
        *err = "unknown log level \"" + v + "\"";
        return false;
      },
      show(&c.log_level)));

  auto& cl = c.cluster;
  s.push_back(make(
      "cluster.nats_urls",
      "NATS servers of cluster mode, comma-separated nats://HOST:PORT (empty: single node)",
      [&cl](const std::string& v, std::string* err) { return parse_nats_urls(v, &cl, err); },
      [&cl] { return join_hosts(cl.nats_urls); }));
  s.back().list = true;
  s.push_back(make("cluster.node", "this node's name, unique in the cluster (A-Za-z0-9_-)",
                   name_token(&cl.node, true), show(&cl.node)));
  s.push_back(make("cluster.replicas",
                   "copies JetStream keeps of each stream (`cluster init`); at most the servers",
                   integer<std::size_t>(&cl.replicas, 1, 5), show(&cl.replicas)));
  s.push_back(make("cluster.links_stream", "JetStream stream of the links log",
                   name_token(&cl.links_stream, false), show(&cl.links_stream)));
  s.push_back(make("cluster.clicks_stream", "JetStream stream of the clicks",
                   name_token(&cl.clicks_stream, false), show(&cl.clicks_stream)));
  s.push_back(make("cluster.duplicate_window_ms",
                   "how long a resent message id is recognised (`cluster init`)",
                   millis(&cl.duplicate_window, 1'000, 86'400'000), show(&cl.duplicate_window)));
  s.push_back(make("cluster.request_timeout_ms",
                   "longest wait for one JetStream request (publish ack, fetch, info)",
                   millis(&cl.request_timeout, 100, 600'000), show(&cl.request_timeout)));
  s.push_back(make("cluster.attempt_timeout_ms",
                   "longest wait for one try of a retried JetStream request (links publish, "
                   "follower's stream info); at most cluster.request_timeout_ms",
                   millis(&cl.attempt_timeout, 100, 600'000), show(&cl.attempt_timeout)));
  return s;
}

namespace {

status apply_node(const YAML::Node& node, const std::string& prefix, const std::string& path,
                  const std::vector<setting>& settings) {
  for (const auto& item : node) {
    std::string key = prefix + item.first.as<std::string>();
    const YAML::Node& value = item.second;
    if (value.IsMap()) {
      if (status st = apply_node(value, key + ".", path, settings); !st) return st;
      continue;
    }
    auto it = std::find_if(settings.begin(), settings.end(),
                           [&](const setting& s) { return s.key == key; });
    if (it == settings.end()) return status::invalid_argument(path + ": unknown setting " + key);
    std::string text;
    if (value.IsSequence() && it->list) {
      for (const auto& element : value) {
        if (!element.IsScalar()) {
          return status::invalid_argument(path + ": " + key + " must be a list of values");
        }
        text += (text.empty() ? "" : ",") + element.Scalar();
      }
    } else if (!value.IsScalar()) {
      return status::invalid_argument(path + ": " + key + " must be a single value" +
                                      (it->list ? " or a list" : ""));
    } else {
      text = value.Scalar();
    }
    std::string error;
    if (!it->set(text, &error)) {
      return status::invalid_argument(path + ": " + key + ": " + error);
    }
  }
  return status::ok();
}

}  // namespace

status load_yaml_config(const std::string& path, const std::vector<setting>& settings) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return status::io_error("cannot read config file " + path);
  } catch (const YAML::Exception& e) {
    return status::invalid_argument(path + ": " + e.what());
  }
  if (root.IsNull()) return status::ok();
  if (!root.IsMap()) return status::invalid_argument(path + ": expected a mapping of settings");
  try {
    return apply_node(root, "", path, settings);
  } catch (const YAML::Exception& e) {
    return status::invalid_argument(path + ": " + e.what());
  }
}

}  // namespace linkly
