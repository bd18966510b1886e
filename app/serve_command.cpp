#include "app/commands.hpp"

#include "actors/click_service.hpp"
#include "actors/engine.hpp"
#include "actors/event_bus.hpp"
#include "actors/link_service.hpp"
#include "actors/projection_status.hpp"
#include "actors/projection_store.hpp"
#include "app/cluster_clicks.hpp"
#include "app/fd_limit.hpp"
#include "app/log_scan.hpp"
#include "app/offline_stores.hpp"
#include "app/startup_checks.hpp"
#include "http/access_control.hpp"
#include "http/key_store.hpp"
#include "http/server.hpp"
#include "storage/click_spool.hpp"
#include "storage/cluster_links.hpp"
#include "storage/dead_letter_store.hpp"
#include "storage/event_log.hpp"
#include "storage/jetstream_log.hpp"
#include "storage/nats_connection.hpp"
#include "storage/node_heartbeat.hpp"
#include "storage/store_healer.hpp"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include <pthread.h>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

namespace linkly {

namespace {

// Wakes the main thread on SIGTERM/SIGINT or when supervision gives up.
class stop_signal {
 public:
  void notify(std::string why, int exit_code) {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
    why_ = std::move(why);
    exit_code_ = exit_code;
    cv_.notify_all();
  }
  int wait(std::string* why) {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return stopped_; });
    *why = why_;
    return exit_code_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopped_ = false;
  std::string why_;
  int exit_code_ = 0;
};

// A token that is set but unusable refuses the start: running open when the
// user asked for auth would be worse than not running.
int check_auth_config(const config& cfg) {
  std::optional<std::string> token = cfg.http.auth.token;
  // The environment reader skips an empty variable; it is still a request
  // for auth (LINKLY_TOKEN=$UNSET), not for an open API.
  if (const char* env = std::getenv("LINKLY_TOKEN"); !token && env != nullptr) token = env;
  if (token) {
    if (auto problem = token_problem(*token)) {
      spdlog::error("auth.token (LINKLY_TOKEN): {}; refusing to start", *problem);
      return 2;
    }
    return 0;
  }
  if (auto problem = exposure_problem(cfg.http)) {
    spdlog::error("{}; refusing to start", *problem);
    return 2;
  }
  return 0;
}

// Every connection holds a descriptor: raise the soft limit, then allow only
// the connections that fit under it, so that at the limit new connections
// are refused by linkly (503) instead of failing in accept().
server_options fit_to_fd_limit(server_options http) {
  fd_limit limit = raise_fd_limit();
  std::size_t fitting = connections_within(limit, http.max_connections);
  if (fitting < http.max_connections) {
    spdlog::warn(
        "the open-file limit ({} descriptors) leaves room for {} connections: "
        "http.max_connections lowered from {} (raise it with `ulimit -n`)",
        limit.soft, fitting, http.max_connections);
    http.max_connections = fitting;
  }
  return http;
}

void log_auth_mode(const config& cfg, const key_store& keys, std::uint16_t port) {
  if (cfg.http.auth.token || keys.in_use()) {
    spdlog::info(
        "auth on: all but redirects, QR codes, /healthz and the web UI need the API token or "
        "an API key ({}{} keys in the keys log); login sessions last {} s",
        cfg.http.auth.token ? "the token, " : "", keys.list().size(),
        cfg.http.auth.session_ttl.count() / 1000);
    return;
  }
  spdlog::warn(
      "auth off: no API token is set (LINKLY_TOKEN or auth.token) and no API key exists, so "
      "anyone who can "
      "reach {}:{} can create, change and delete links and read every stat{}",
      cfg.http.host, port,
      is_loopback_host(cfg.http.host) ? "" : " (http.trusted_network declares that safe)");
}

// Opens <data>/spool and writes what it holds to the clicks log.
status open_click_spool(const config& cfg, event_log& clicks_log,
                        std::shared_ptr<click_spool>* out) {
  std::shared_ptr<click_spool> spool;
  if (status st = click_spool::open(store_dir(cfg, "spool"), {}, &spool); !st) return st;
  spool_recovery rec;
  if (status st = spool->recover(clicks_log, &rec); !st) return st;
  if (rec.segments > 0) {  // a previous process did not finish: say what it left
    spdlog::info(
        "click spool: {} clicks recovered into the clicks log ({} were already there, {} "
        "finished unlogged) from {} segments",
        rec.pending, rec.already_logged, rec.finished, rec.segments);
  }
  if (rec.damaged > 0) {
    std::string kept;
    for (const auto& path : rec.kept) kept += (kept.empty() ? "" : ", ") + path;
    spdlog::warn("click spool: {} damaged records could not be read; kept in {}", rec.damaged,
                 kept);
  }
  if (status st = check_spool_filesystem(spool->dir()); !st) {
    spdlog::warn("click spool: {}; a killed process may lose its queued clicks", st.message());
    return status::ok();  // recovered; new clicks go unspooled
  }
  *out = std::move(spool);
  return status::ok();
}

// Cluster mode: the links stream, checked before anything starts, so that
// bad settings stop the start with a clear error instead of a half-started
// node. A single node: nothing (and no NATS needed).
// How long a starting node waits for JetStream to answer, and between two
// tries: a stream leader election takes seconds, a restart of the NATS
// servers tens of them.
constexpr std::chrono::seconds kClusterOpenWait{120};
constexpr std::chrono::milliseconds kClusterOpenRetry{1'000};

// Runs `open` again while JetStream does not answer (io_error), for at most
// kClusterOpenWait: a node restarted while JetStream elects a stream leader,
// or while its servers restart, waits for it rather than exit; bad settings
// fail at once.
template <typename Open>
status until_reachable(const Open& open) {
  const auto deadline = std::chrono::steady_clock::now() + kClusterOpenWait;
  for (;;) {
    status st = open();
    if (st || st.error_code() != status::code::io_error ||
        std::chrono::steady_clock::now() + kClusterOpenRetry >= deadline) {
      return st;
    }
    spdlog::warn("cluster mode: {}; trying again", st.message());
    std::this_thread::sleep_for(kClusterOpenRetry);
  }
}

// What this node tells `linkly cluster status` (storage/node_heartbeat.hpp).
std::string node_report(const config& cfg, const engine& eng, const cluster_clicks* clicks) {
  boost::json::object out;
  out["node"] = cfg.cluster.node;
  out["links_replica_seq"] = eng.replica_seq();
  if (clicks != nullptr) {
    out["clicks_replica_seq"] = clicks->replica_head();
    out["clicks_unpublished"] = clicks->unpublished();
  }
  boost::json::array projections;
  for (const projection_status& p : eng.projections()) {
    for (const log_position& pos : p.positions) {
      projections.push_back(boost::json::object{{"projection", p.name},
                                                {"log", pos.log},
                                                {"checkpoint", pos.checkpoint},
                                                {"head", pos.head}});
    }
  }
  out["projections"] = std::move(projections);
  return boost::json::serialize(out);
}

int open_links_stream(const config& cfg, links_stream* out,
                      std::shared_ptr<nats_connection>* connection) {
  if (!cfg.cluster.enabled()) return 0;
  cluster_links opened;
  if (status st = until_reachable([&] { return open_cluster_links(cfg.cluster, &opened); }); !st) {
    spdlog::error("cluster mode: {}", st.message());
    return st.error_code() == status::code::invalid_argument ? 2 : 1;
  }
  spdlog::info("cluster mode: node {}, links stream {} via {}", cfg.cluster.node,
               cfg.cluster.links_stream, opened.connection->connected_url());
  out->log = std::move(opened.links);
  out->node = cfg.cluster.node;
  *connection = std::move(opened.connection);
  return 0;
}

}  // namespace

int run_serve(const config& cfg) {
  spdlog::set_level(spdlog::level::from_str(cfg.log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  if (int rc = check_auth_config(cfg); rc != 0) return rc;

  // Signals are taken by one thread with sigwait; every other thread,
  // including those started below, inherits the blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::error_code ec;
  std::filesystem::create_directories(cfg.data_dir, ec);
  if (ec) {
    spdlog::error("cannot create data directory {}: {}", cfg.data_dir, ec.message());
    return 1;
  }
  // The projections first: how far they got is what proves a log lost
  // acknowledged records (app/startup_checks.hpp).
  projection_stores projections;
  for (auto [name, store] :
       {std::pair{"cache", &projections.cache}, std::pair{"analytics", &projections.analytics}}) {
    std::unique_ptr<projection_store> opened_store;
    if (status st =
            projection_store::open(store_dir(cfg, name), {}, make_projection(name), &opened_store);
        !st) {
      spdlog::error("cannot open the {} store: {}", name, st.to_string());
      return 1;
    }
    *store = std::move(opened_store);
  }
  const std::vector<named_store> derived{{"cache", projections.cache.get()},
                                         {"analytics", projections.analytics.get()}};

  std::unique_ptr<event_log> opened;
  std::string links_dir = store_dir(cfg, "links");
  if (!log_intact_before_open("links", links_dir, derived)) return 1;
  if (status st = event_log::open(links_dir, cfg.links_log, &opened); !st) {
    spdlog::error("cannot open the links log: {}", st.to_string());
    if (st.is_corruption()) spdlog::error("{}", kRepairHint);
    return 1;
  }
  if (!log_intact_after_open("links", links_dir, opened->highest_seq(), derived)) return 1;
  std::shared_ptr<event_log> log = std::move(opened);
  scan_newest_records(*log, "links");

  links_stream stream;
  std::shared_ptr<nats_connection> nats;
  if (int rc = open_links_stream(cfg, &stream, &nats); rc != 0) return rc;

  click_stores clicks;
  std::unique_ptr<cluster_clicks> cluster_click_path;
  if (cfg.engine.clicks.mode != click_mode::off) {
    std::unique_ptr<event_log> clicks_log;
    const std::string clicks_dir = store_dir(cfg, "clicks");
    if (!log_intact_before_open("clicks", clicks_dir, derived)) return 1;
    if (status st = event_log::open(clicks_dir, cfg.clicks_log, &clicks_log); !st) {
      spdlog::error("cannot open the clicks log: {}", st.to_string());
      if (st.is_corruption()) spdlog::error("{}", kRepairHint);
      return 1;
    }
    if (!log_intact_after_open("clicks", clicks_dir, clicks_log->highest_seq(), derived)) return 1;
    std::unique_ptr<dead_letter_store> dead_letters;
    if (status st = dead_letter_store::open(store_dir(cfg, "dlq"), {}, &dead_letters); !st) {
      spdlog::error("cannot open the dead-letter store: {}", st.to_string());
      return 1;
    }
    // Before anything serves: the clicks a killed process left spooled. Read
    // whenever clicks are recorded (inline too), so a switch of mode does not
    // strand them; with clicks off they wait for a start that records them.
    // A spool that cannot be written out (a full disk) keeps its files for
    // the next start rather than keep redirects down.
    // Cluster mode: the click path writes its outbox, published into the
    // clicks stream; the log opened above is the replica analytics reads.
    std::shared_ptr<event_log> click_path_log;
    if (nats) {
      std::unique_ptr<event_log> outbox;
      const std::string outbox_dir = store_dir(cfg, click_path_dir_name(cfg.cluster));
      if (status st = event_log::open(outbox_dir, cfg.clicks_log, &outbox); !st) {
        spdlog::error("cannot open the clicks outbox: {}", st.to_string());
        if (st.is_corruption()) spdlog::error("{}", kRepairHint);
        return 1;
      }
      click_path_log = std::move(outbox);
      if (status st = until_reachable([&] {
            return cluster_clicks::open(nats, cfg.cluster, click_path_log, &cluster_click_path);
          });
          !st) {
        spdlog::error("cluster mode: {}", st.message());
        return st.error_code() == status::code::invalid_argument ? 2 : 1;
      }
    }
    std::shared_ptr<click_spool> spool;
    if (status st = open_click_spool(cfg, click_path_log ? *click_path_log : *clicks_log, &spool);
        !st) {
      spdlog::error(
          "cannot recover the click spool ({}); its files stay for the next start, and new "
          "clicks are not spooled until then",
          st.to_string());
      spool.reset();
    }
    spdlog::info("clicks log at seq {}, {} dead letters", clicks_log->highest_seq(),
                 dead_letters->size());
    scan_newest_records(*clicks_log, "clicks");
    clicks.spool = std::move(spool);
    projections.clicks_log = std::move(clicks_log);
    projections.dead_letters = std::move(dead_letters);
    clicks.log = click_path_log ? click_path_log : projections.clicks_log;
    clicks.dead_letters = projections.dead_letters;
  }

  // The API keys: their own small log (http/key_store.hpp says why), read
  // whole before anything serves, so a key works from the first request.
  std::unique_ptr<key_store> keys;
  {
    std::unique_ptr<event_log> keys_log;
    if (status st = event_log::open(store_dir(cfg, "keys"), {}, &keys_log); !st) {
      spdlog::error("cannot open the keys log: {}", st.to_string());
      return 1;
    }
    if (status st = key_store::open(std::move(keys_log), {}, &keys); !st) {
      spdlog::error("cannot read the keys log: {}", st.to_string());
      return 1;
    }
  }

  stop_signal stop;
  std::unique_ptr<engine> eng;
  auto on_fatal = [&stop](const std::string& reason) { stop.notify(reason, 1); };
  if (status st =
          engine::start(cfg.engine, log, clicks, projections, std::move(stream), on_fatal, &eng);
      !st) {
    spdlog::error("cannot recover link state: {}", st.to_string());
    return 1;
  }
  const auto& rec = eng->recovery();
  spdlog::info(
      "recovered {} links from the cache at seq {} and {} events after it in {} ms ({} "
      "shards)",
      rec.links, rec.snapshot_seq, rec.events, rec.elapsed.count() / 1000, cfg.engine.link_shards);

  std::unique_ptr<click_service> cluster_click_service;
  if (cluster_click_path) {
    cluster_click_path->follow(projections.clicks_log, store_dir(cfg, "clicks-replica.position"));
    if (eng->clicks() != nullptr) cluster_click_service = cluster_click_path->wrap(*eng->clicks());
  }

  std::unique_ptr<heartbeat_publisher> heartbeat;
  if (nats) {
    heartbeat = std::make_unique<heartbeat_publisher>(
        nats, cfg.cluster.node,
        [&cfg, e = eng.get(), c = cluster_click_path.get()] { return node_report(cfg, *e, c); });
  }

  read_sources sources;
  sources.analytics = eng->analytics();
  sources.links_log = &eng->links_log();
  sources.link_events = &eng->link_events();
  sources.clicks_log = eng->clicks_log();
  sources.click_events = eng->click_events();
  sources.dead_letters = projections.dead_letters.get();
  sources.projections = [e = eng.get()] { return e->projections(); };
  sources.api_keys = keys.get();
  if (eng->clustered()) {
    sources.stream_problem = [e = eng.get(), c = cluster_click_path.get()] {
      std::string why = e->stream_problem();
      if (why.empty() && c != nullptr) why = c->problem();
      return why;
    };
  }
  sources.missed_codes = eng->miss_lookups();
  if (cluster_click_path) {
    sources.cluster_metrics = [c = cluster_click_path.get()](std::string* out) {
      c->append_metrics(out);
    };
  }
  // Stores that failed a write reopen on their next write; this reopens the
  // idle ones too, so that /healthz recovers once the disk has room.
  std::vector<std::function<void()>> heal_checks;
  for (const std::shared_ptr<event_log>& l : {log, projections.clicks_log}) {
    if (l)
      heal_checks.push_back([l] {
        if (!l->writable()) l->heal();
      });
  }
  if (auto dlq = projections.dead_letters) {
    heal_checks.push_back([dlq] {
      if (!dlq->writable()) dlq->heal();
    });
  }
  auto healer = std::make_unique<store_healer>(std::move(heal_checks));
  click_service* click_path = cluster_click_service ? cluster_click_service.get() : eng->clicks();
  http_server server(fit_to_fd_limit(cfg.http), eng->links(), click_path, std::move(sources));
  if (status st = server.start(); !st) {
    spdlog::error("{}", st.message());
    heartbeat.reset();
    healer.reset();
    eng->stop();
    return 1;
  }
  spdlog::info("data in {}, links log sync={}, {} io threads, {} scheduler threads", cfg.data_dir,
               cfg.links_log.sync, cfg.http.io_threads, cfg.engine.scheduler_threads);
  log_auth_mode(cfg, *keys, server.port());
  spdlog::info("linkly listening on http://{}:{}", cfg.http.host, server.port());

  std::thread signal_waiter([&stop, signals] {
    int sig = 0;
    if (sigwait(&signals, &sig) == 0) {
      stop.notify(sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : "a signal", 0);
    }
  });

  std::string why;
  int code = stop.wait(&why);
  spdlog::info("stopping ({}): finishing in-flight requests", why);
  server.stop();
  heartbeat.reset();
  healer.reset();
  eng->stop();
  // After the engine wrote what it queued to the outbox: what is not
  // published yet waits there for the next start.
  if (cluster_click_path) cluster_click_path->stop();
  eng.reset();
  log.reset();
  // The waiter may still sit in sigwait (a fatal stop): wake it.
  pthread_kill(signal_waiter.native_handle(), SIGTERM);
  signal_waiter.join();
  spdlog::info("stopped");
  return code;
}

}  // namespace linkly
