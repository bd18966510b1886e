#include "actors/engine.hpp"

#include "actors/analytics_projection.hpp"
#include "actors/atoms.hpp"
#include "actors/cache_projection.hpp"
#include "actors/click_runtime.hpp"
#include "actors/directory.hpp"
#include "actors/event_bus.hpp"
#include "actors/journal.hpp"
#include "actors/link_actor.hpp"
#include "actors/link_recovery.hpp"
#include "actors/link_service.hpp"
#include "actors/log_reader.hpp"
#include "actors/projection_runner.hpp"
#include "actors/projection_status.hpp"
#include "actors/read_view.hpp"
#include "actors/stream_journal.hpp"
#include "actors/supervisor.hpp"
#include "schemas/log_events.hpp"
#include "storage/dead_letter_store.hpp"
#include "storage/event_log.hpp"
#include "storage/stream_follower.hpp"
#include "storage/stream_log.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace linkly {

struct engine::impl {
  engine_options options;
  std::shared_ptr<event_log> log;
  projection_stores stores;
  event_bus link_bus;
  event_bus click_bus;
  std::unique_ptr<analytics_reader> analytics;
  std::vector<projection_runner_config> projections;
  // A runner needs a strong handle or CAF stops it as unreachable; senders
  // never look it up, so the handles live here rather than in the directory.
  std::mutex runners_mutex;
  std::vector<caf::actor> runners;
  caf::actor_system_config config;  // must outlive the system
  std::unique_ptr<caf::actor_system> system;
  read_view view;
  std::unique_ptr<directory> dir;
  std::unique_ptr<link_service> service;
  recovery_stats recovery;
  latency_histogram journal_writes;
  std::shared_ptr<std::atomic<std::uint64_t>> restarts =
      std::make_shared<std::atomic<std::uint64_t>>(0);
  std::unique_ptr<click_runtime> clicks;
  caf::actor supervisor;
  bool stopped = false;
  // Cluster mode only.
  links_stream stream;
  std::shared_ptr<stream_follower> follower;
  std::shared_ptr<stream_writer_context> writer_context;
  std::unique_ptr<miss_lookup> misses;

  bool clustered() const { return static_cast<bool>(stream.log); }
  link_shard_config shard_config(std::size_t index) {
    link_shard_config c{index, options.link_shards, dir.get(), options.append_timeout};
    c.clustered = clustered();
    return c;
  }
  void forward_to_shards(const std::vector<envelope>& events, std::uint64_t first_seq);
  void resync_shard(caf::event_based_actor* self, std::size_t shard, std::uint64_t after);
  status catch_up();
  status await_shards(std::chrono::steady_clock::time_point deadline);
  std::vector<child_spec> children(std::vector<table_ptr> tables);
  status recover(shard_replay* replay);
  void add_projection(std::shared_ptr<projection_store> store);
};

// From the cache snapshot and the log after it when there is one, else from
// the whole log.
status engine::impl::recover(shard_replay* replay) {
  const std::size_t shards = options.link_shards;
  if (!stores.cache) return replay_links(*log, shards, kAllShards, replay);
  if (status st = load_cache_snapshot(*stores.cache, shards, replay); !st) return st;
  if (const std::uint64_t head = log->highest_seq(); replay->last_seq > head) {
    // The cache applied records the log no longer has: acknowledged writes
    // were lost. Throwing the cache away would lose them for good and give
    // their seqs to new events; `linkly log repair` restores them.
    return status::corruption(
        "the links log ends at seq " + std::to_string(head) + " but the cache holds seq " +
        std::to_string(replay->last_seq) + ": records " + std::to_string(head + 1) + "-" +
        std::to_string(replay->last_seq) + " are missing (run `linkly log repair`)");
  }
  recovery.snapshot_seq = replay->last_seq;
  return replay_links_tail(*log, kAllShards, replay);
}

void engine::impl::add_projection(std::shared_ptr<projection_store> store) {
  projection_runner_config c;
  for (std::string_view name : store->logs()) {
    if (name == kLinksLog) c.logs.push_back({name, log, &link_bus});
    if (name == kClicksLog && stores.clicks_log) {
      c.logs.push_back({name, stores.clicks_log, &click_bus});
    }
  }
  c.store = std::move(store);
  c.dead_letters = stores.dead_letters;
  c.options = options.projections;
  c.counters = std::make_shared<projection_counters>();
  projections.push_back(std::move(c));
}

// Cluster mode: each event the replica took from the stream goes to the
// shard owning its code (which skips its own, already applied).
void engine::impl::forward_to_shards(const std::vector<envelope>& events, std::uint64_t first_seq) {
  const std::size_t shards = options.link_shards;
  std::vector<std::vector<envelope>> per_shard(shards);
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (is_records_lost(events[i])) continue;
    auto& batch = per_shard[shard_of(events[i].key, shards)];
    batch.push_back(events[i]);
    batch.back().seq = first_seq + i;
  }
  for (std::size_t s = 0; s < shards; ++s) {
    if (!per_shard[s].empty())
      caf::anon_send(dir->shard(s), apply_atom::value, std::move(per_shard[s]));
  }
}

// Most events a restarted shard is sent again from the replica: the events
// that came between its replay and its new handle are a few batches at
// most; far more means the replica raced ahead and the shard restarts again.
constexpr std::uint64_t kMaxResyncEvents = 100'000;

// Cluster mode: a restarted shard replayed the replica up to some seq after
// `after`; what the follower forwarded to its dead handle meanwhile is sent
// again (the shard skips what it holds).
void engine::impl::resync_shard(caf::event_based_actor* self, std::size_t shard,
                                std::uint64_t after) {
  const std::uint64_t head = log->highest_seq();
  if (head <= after) return;
  if (head - after > kMaxResyncEvents) {
    spdlog::error("link shard {}: {} events to send again after its restart; restarting it", shard,
                  head - after);
    caf::anon_send_exit(dir->shard(shard), caf::exit_reason::user_shutdown);
    return;
  }
  std::vector<std::uint64_t> seqs;
  for (std::uint64_t s = after + 1; s <= head; ++s) seqs.push_back(s);
  self->request(dir->reader(), options.append_timeout, read_atom::value, std::move(seqs))
      .then(
          [this, shard](std::vector<envelope>& envs) {
            std::vector<envelope> mine;
            for (auto& env : envs) {
              if (!is_records_lost(env) && shard_of(env.key, options.link_shards) == shard) {
                mine.push_back(std::move(env));
              }
            }
            if (!mine.empty())
              caf::anon_send(dir->shard(shard), apply_atom::value, std::move(mine));
          },
          [shard](caf::error& err) {
            spdlog::error("link shard {}: events after its restart not read again: {}", shard,
                          caf::to_string(err));
          });
}

// Cluster mode: returns once every shard has handled what was sent to it
// before (the events the follower forwarded among them), or at `deadline`.
status engine::impl::await_shards(std::chrono::steady_clock::time_point deadline) {
  struct barrier {
    std::mutex mutex;
    std::condition_variable done;
    std::size_t left = 0;
  };
  auto b = std::make_shared<barrier>();
  b->left = options.link_shards;
  link_page dropped;
  dropped.fail(reply_code::unavailable, "link shard stopped");
  for (std::size_t s = 0; s < options.link_shards; ++s) {
    // A one-link page: the cheapest message a shard answers in turn.
    auto slot = std::make_shared<reply_slot<link_page>>(
        [b](link_page) {
          std::lock_guard lock(b->mutex);
          --b->left;
          b->done.notify_all();
        },
        dropped);
    caf::anon_send(dir->shard(s), list_atom::value, std::string(), std::uint64_t{1},
                   std::vector<std::string>{}, std::move(slot));
  }
  std::unique_lock lock(b->mutex);
  if (!b->done.wait_until(lock, deadline, [&] { return b->left == 0; })) {
    return status::io_error("the link shards did not apply the stream's events in time");
  }
  return status::ok();
}

// Cluster mode, at start: follow the stream until the replica holds what the
// stream held when we asked.
status engine::impl::catch_up() {
  std::uint64_t last = 0;
  if (status st = stream.log->last_seq(&last); !st) {
    return status::io_error("the links stream cannot be reached: " + st.to_string());
  }
  const std::uint64_t local = follower->applied();
  if (local > last) {
    return status::corruption("the local links replica holds seq " + std::to_string(local) +
                              " but the links stream ends at seq " + std::to_string(last) +
                              ": this data directory belongs to another stream");
  }
  spdlog::info("links replica at seq {}, stream at seq {}: catching up", local, last);
  const auto began = std::chrono::steady_clock::now();
  if (!follower->wait_for(last, options.cluster.catch_up_timeout)) {
    std::string why = follower->failure();
    if (why.empty()) why = follower->fetch_error();
    return status::io_error("the links replica did not catch up with the stream (seq " +
                            std::to_string(follower->applied()) + " of " + std::to_string(last) +
                            ") within " + std::to_string(options.cluster.catch_up_timeout.count()) +
                            " ms" + (why.empty() ? "" : ": " + why));
  }
  if (status st = await_shards(began + options.cluster.catch_up_timeout); !st) return st;
  spdlog::info("links replica caught up with the stream at seq {} in {} ms", follower->applied(),
               std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - began)
                   .count());
  return status::ok();
}

std::vector<child_spec> engine::impl::children(std::vector<table_ptr> tables) {
  std::vector<child_spec> specs;
  auto journal = spawn_journal(*system, log, &journal_writes);
  dir->set_journal(journal);
  specs.push_back({"journal", caf::actor_cast<caf::actor>(journal),
                   [this](caf::event_based_actor*, std::function<void(caf::actor)> started) {
                     auto hdl = spawn_journal(*system, log, &journal_writes);
                     dir->set_journal(hdl);
                     started(caf::actor_cast<caf::actor>(hdl));
                   }});
  if (clustered()) {
    auto publisher = spawn_stream_journal(*system, writer_context);
    dir->set_stream_journal(publisher);
    specs.push_back({"links stream journal", caf::actor_cast<caf::actor>(publisher),
                     [this](caf::event_based_actor*, std::function<void(caf::actor)> started) {
                       auto hdl = spawn_stream_journal(*system, writer_context);
                       dir->set_stream_journal(hdl);
                       started(caf::actor_cast<caf::actor>(hdl));
                     }});
  }
  auto reader = spawn_log_reader(*system, log);
  dir->set_reader(reader);
  specs.push_back({"links log reader", caf::actor_cast<caf::actor>(reader),
                   [this](caf::event_based_actor*, std::function<void(caf::actor)> started) {
                     auto hdl = spawn_log_reader(*system, log);
                     dir->set_reader(hdl);
                     started(caf::actor_cast<caf::actor>(hdl));
                   }});
  for (std::size_t i = 0; i < options.link_shards; ++i) {
    auto hdl = spawn_link_shard(*system, shard_config(i), std::move(tables[i]));
    dir->set_shard(i, hdl);
    // A restarted shard starts from the log, replayed on the journal's thread.
    auto restart = [this, i](caf::event_based_actor* self,
                             std::function<void(caf::actor)> started) {
      // Cluster mode: the replay reads at least this far.
      const std::uint64_t replayed = log->highest_seq();
      self->request(dir->journal(), std::chrono::minutes(5), replay_atom::value,
                    static_cast<std::uint64_t>(options.link_shards), static_cast<std::uint64_t>(i))
          .then(
              [this, self, i, started, replayed](table_ptr& fresh) {
                auto hdl =
                    spawn_link_shard(*system, shard_config(i), publish_to_view(i, *fresh, view));
                dir->set_shard(i, hdl);
                started(caf::actor_cast<caf::actor>(hdl));
                if (clustered()) resync_shard(self, i, replayed);
              },
              [i, started](caf::error& err) {
                spdlog::error("link shard {}: replay failed: {}", i, caf::to_string(err));
                started(caf::actor{});
              });
    };
    specs.push_back({"link shard " + std::to_string(i), caf::actor_cast<caf::actor>(hdl), restart});
  }
  runners.resize(projections.size());
  for (std::size_t i = 0; i < projections.size(); ++i) {
    auto spawn = [this, i] {
      caf::actor hdl = spawn_projection_runner(*system, projections[i]);
      std::lock_guard lock(runners_mutex);
      runners[i] = hdl;
      return hdl;
    };
    specs.push_back({std::string(projections[i].store->name()) + " projection", spawn(),
                     [spawn](caf::event_based_actor*, std::function<void(caf::actor)> started) {
                       started(spawn());
                     }});
  }
  if (clicks) {
    specs.push_back({"click queue", caf::actor_cast<caf::actor>(clicks->queue()),
                     [this](caf::event_based_actor*, std::function<void(caf::actor)> started) {
                       started(caf::actor_cast<caf::actor>(clicks->spawn_queue()));
                     }});
  }
  return specs;
}

status engine::start(const engine_options& options, std::shared_ptr<event_log> log,
                     click_stores clicks, fatal_handler on_fatal, std::unique_ptr<engine>* out) {
  return start(options, std::move(log), std::move(clicks), {}, std::move(on_fatal), out);
}

status engine::start(const engine_options& options, std::shared_ptr<event_log> log,
                     click_stores clicks, projection_stores projections, fatal_handler on_fatal,
                     std::unique_ptr<engine>* out) {
  return start(options, std::move(log), std::move(clicks), std::move(projections), {},
               std::move(on_fatal), out);
}

status engine::start(const engine_options& options, std::shared_ptr<event_log> log,
                     click_stores clicks, projection_stores projections, links_stream stream,
                     fatal_handler on_fatal, std::unique_ptr<engine>* out) {
  if (stream.log && stream.node.empty()) {
    return status::invalid_argument("cluster mode needs a node name (cluster.node)");
  }
  if (static_cast<bool>(clicks.log) != static_cast<bool>(clicks.dead_letters)) {
    return status::invalid_argument("the click path needs both a log and a dead-letter store");
  }
  if (options.link_shards == 0) return status::invalid_argument("link_shards must be at least 1");
  auto m = std::make_unique<impl>();
  m->options = options;
  m->log = std::move(log);
  m->stores = std::move(projections);
  m->stream = std::move(stream);

  auto began = std::chrono::steady_clock::now();
  shard_replay replay;
  if (status st = m->recover(&replay); !st) return st;
  std::vector<table_ptr> tables =
      publish_all_to_view(replay, m->view, std::max(1u, std::thread::hardware_concurrency()));
  m->recovery.events = replay.events;
  m->recovery.links = m->view.size();
  m->recovery.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - began);

  m->config.set("scheduler.max-threads", options.scheduler_threads);
  // Work sharing parks idle workers on a condition variable. Work stealing
  // polls (50 us sleeps) and, on 2 cores beside the io threads, cost a
  // third of queued-click redirect throughput (bench/redirect_modes.sh).
  m->config.set("scheduler.policy", caf::atom("sharing"));
  m->config.set("logger.console-verbosity", caf::atom("quiet"));
  m->config.set("logger.file-verbosity", caf::atom("quiet"));
  m->system = std::make_unique<caf::actor_system>(m->config);
  // The logs tell the buses, the buses wake the projections and streams.
  m->log->set_listener(
      [bus = &m->link_bus](const std::vector<envelope>& events, std::uint64_t first_seq) {
        bus->publish(events, first_seq);
      });
  if (m->stores.clicks_log) {
    m->stores.clicks_log->set_listener(
        [bus = &m->click_bus](const std::vector<envelope>& events, std::uint64_t first_seq) {
          bus->publish(events, first_seq);
        });
  }
  if (m->stores.cache) m->add_projection(m->stores.cache);
  if (m->stores.analytics) {
    m->add_projection(m->stores.analytics);
    m->analytics = std::make_unique<analytics_reader>(*m->stores.analytics, *m->log,
                                                      m->stores.clicks_log.get());
  }
  m->dir = std::make_unique<directory>(options.link_shards);
  if (m->clustered()) {
    // The replica is appended by the follower alone; what it appends goes
    // to the buses as before and to the shards owning the codes.
    m->follower =
        std::make_shared<stream_follower>(m->stream.log, m->log, options.cluster.follower);
    m->log->set_listener(
        [im = m.get()](const std::vector<envelope>& events, std::uint64_t first_seq) {
          im->link_bus.publish(events, first_seq);
          im->forward_to_shards(events, first_seq);
        });
    m->writer_context = std::make_shared<stream_writer_context>();
    m->writer_context->stream = m->stream.log;
    m->writer_context->follower = m->follower;
    m->writer_context->options.node = m->stream.node;
    m->writer_context->options.publish_attempts = options.cluster.publish_attempts;
    m->writer_context->options.resend_pause = options.cluster.resend_pause;
    m->writer_context->options.replica_wait = options.cluster.replica_wait;
    m->writer_context->boot_id = make_boot_id();
  }
  m->service = std::make_unique<link_service>(*m->dir, m->view, &m->journal_writes);
  if (clicks.log) {
    // Writers crash-loop under the same limits as every supervised actor.
    click_options click_opts = options.clicks;
    click_opts.queue.max_writer_restarts = options.supervision.max_restarts;
    click_opts.queue.writer_restart_window = options.supervision.restart_window;
    m->clicks = std::make_unique<click_runtime>(*m->system, click_opts, clicks.log,
                                                clicks.dead_letters, on_fatal, clicks.spool);
  }
  if (m->clicks) {
    m->clicks->route_other_queues([im = m.get()](const dead_letter& entry) {
      for (std::size_t i = 0; i < im->projections.size(); ++i) {
        if (entry.queue != dead_letter_queue_of(im->projections[i].store->name())) continue;
        std::lock_guard lock(im->runners_mutex);
        caf::anon_send(im->runners[i], redrive_atom::value, entry);
        return true;
      }
      return false;
    });
  }
  supervisor_hooks hooks{std::move(on_fatal), m->restarts};
  m->supervisor =
      spawn_supervisor(*m->system, options.supervision, m->children(std::move(tables)), hooks);
  auto started = std::unique_ptr<engine>(new engine(std::move(m)));
  if (started->impl_->clustered()) {
    started->impl_->follower->start();
    if (status st = started->impl_->catch_up(); !st) {
      started->stop();
      return st;
    }
    auto& im = *started->impl_;
    im.misses = std::make_unique<miss_lookup>(
        im.stream.log, [f = im.follower] { return f->reachable(); }, options.cluster.misses);
  }
  *out = std::move(started);
  return status::ok();
}

engine::engine(std::unique_ptr<impl> impl) : impl_(std::move(impl)) {}

engine::~engine() {
  stop();
}

link_service& engine::links() {
  return *impl_->service;
}
click_service* engine::clicks() {
  return impl_->clicks.get();
}
const read_view& engine::view() const {
  return impl_->view;
}
directory& engine::actors() {
  return *impl_->dir;
}
const recovery_stats& engine::recovery() const {
  return impl_->recovery;
}
event_bus& engine::link_events() {
  return impl_->link_bus;
}
event_bus* engine::click_events() {
  return impl_->stores.clicks_log ? &impl_->click_bus : nullptr;
}
const event_log& engine::links_log() const {
  return *impl_->log;
}
const event_log* engine::clicks_log() const {
  return impl_->stores.clicks_log.get();
}
const analytics_reader* engine::analytics() const {
  return impl_->analytics.get();
}

std::vector<projection_status> engine::projections() const {
  std::vector<projection_status> out;
  for (const projection_runner_config& c : impl_->projections) {
    projection_status s;
    s.name = std::string(c.store->name());
    for (const followed_log& fl : c.logs) {
      s.positions.push_back(
          {std::string(fl.name), c.store->checkpoint(fl.name), fl.log->highest_seq()});
    }
    s.applied = c.counters->applied.load(std::memory_order_relaxed);
    s.retries = c.counters->retries.load(std::memory_order_relaxed);
    // What the dead-letter store holds, so a redrive or discard counts too.
    s.parked = c.dead_letters ? c.dead_letters->size(dead_letter_queue_of(c.store->name())) : 0;
    s.store_errors = c.counters->store_errors.load(std::memory_order_relaxed);
    s.store_error = c.counters->store_error();
    out.push_back(std::move(s));
  }
  return out;
}

bool engine::clustered() const {
  return impl_->clustered();
}

std::uint64_t engine::replica_seq() const {
  return impl_->follower ? impl_->follower->applied() : 0;
}

miss_lookup* engine::miss_lookups() {
  return impl_->misses.get();
}

std::string engine::stream_problem() const {
  if (!impl_->follower) return "";
  if (std::string why = impl_->follower->failure(); !why.empty()) {
    return "links replica stopped following the stream: " + why;
  }
  if (!impl_->follower->reachable()) {
    std::string why = impl_->follower->fetch_error();
    return "links stream unreachable" + (why.empty() ? std::string() : ": " + why);
  }
  return "";
}

std::uint64_t engine::restarts() const {
  return impl_->restarts->load();
}

void engine::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  // Before the clicks drain: a lookup that finds its link records a click.
  if (impl_->misses) impl_->misses->stop();
  if (impl_->clicks) {
    const auto& m = impl_->clicks->metrics();
    if (impl_->clicks->drain(impl_->options.clicks.drain_timeout)) {
      spdlog::info("click queue drained: {} clicks written, {} dead-lettered", m.written.load(),
                   m.dead_lettered.load());
    } else {
      spdlog::error("click queue not drained within {} ms: {} clicks not written",
                    impl_->options.clicks.drain_timeout.count(), m.depth.load());
    }
    impl_->clicks->stop_helpers();
  }
  // Nothing is forwarded to the shards once they go; a write still waiting
  // for the replica is answered at once.
  if (impl_->follower) impl_->follower->stop();
  caf::anon_send(impl_->supervisor, shutdown_atom::value);
  impl_->supervisor = nullptr;
  impl_->system->await_all_actors_done();
  {
    std::lock_guard lock(impl_->runners_mutex);
    impl_->runners.clear();
  }
  // Nothing appends any more; the buses go with the engine.
  impl_->log->set_listener({});
  if (impl_->stores.clicks_log) impl_->stores.clicks_log->set_listener({});
  impl_->dir.reset();
  impl_->clicks.reset();
  impl_->system.reset();
}

}  // namespace linkly
