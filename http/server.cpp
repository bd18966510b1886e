#include "http/server.hpp"

#include "actors/link_service.hpp"
#include "http/io_worker.hpp"
#include "http/log_throttle.hpp"
#include "http/metrics.hpp"
#include "http/server_state.hpp"
#include "http/session.hpp"
#include "storage/thread_priority.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <exception>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace linkly {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// After an accept error (out of descriptors, say), wait before the next try
// rather than spin.
constexpr std::chrono::milliseconds kAcceptRetryDelay{50};
constexpr std::chrono::milliseconds kDrainPollInterval{5};
constexpr std::chrono::seconds kAcceptFailureLogPeriod{10};

// Runs `fn` on `worker`'s thread and waits for it.
template <class Fn>
void run_on(io_worker& worker, Fn fn) {
  std::promise<void> done;
  auto posted = worker.post([&] {
    fn();
    done.set_value();
  });
  if (posted) done.get_future().wait();
}

void run_worker(io_worker& worker) {
  name_thread("linkly-io");  // keeps the normal priority: it serves the redirects
  for (;;) {
    try {
      worker.context().run();
      return;
    } catch (const std::exception& e) {
      spdlog::error("http: io thread: {}", e.what());
    }
  }
}

// At max_connections a new connection takes the place of the one idle
// longest on its thread (a keep-alive client between requests loses
// nothing), so that idle clients cannot lock out /healthz or a redirect.
bool close_idle_session(io_worker& worker) {
  session* oldest = nullptr;
  for (session* s : worker.sessions()) {
    if (s->idle() && (oldest == nullptr || s->last_activity() < oldest->last_activity())) {
      oldest = s;
    }
  }
  if (oldest == nullptr) return false;
  oldest->close();
  return true;
}

}  // namespace

struct http_server::impl {
  impl(const server_options& o, link_service& l, click_service* c, read_sources r)
      : options(o), links(l), clicks(c), sources(std::move(r)) {}

  status listen();
  void do_accept();
  void on_accept(const std::shared_ptr<io_worker>& worker, boost::system::error_code ec,
                 tcp::socket socket);
  void close_sessions(bool idle_only);

  server_options options;
  link_service& links;
  click_service* clicks;
  read_sources sources;
  http_metrics metrics;
  std::unique_ptr<access_control> access;
  // Shared with the sessions; its limits are `options`, above.
  std::shared_ptr<server_state> state = std::make_shared<server_state>(options);
  std::vector<std::shared_ptr<io_worker>> workers;
  std::vector<std::thread> threads;
  std::unique_ptr<tcp::acceptor> acceptor;   // on workers[0]
  std::unique_ptr<net::steady_timer> retry;  // on workers[0]
  std::size_t next_worker = 0;               // workers[0]'s thread only
  log_throttle accept_failures{kAcceptFailureLogPeriod};
  std::uint16_t port = 0;
  std::mutex lifecycle_mutex;
  bool started = false;
  bool stopped = false;
};

status http_server::impl::listen() {
  auto& ctx = workers[0]->context();
  boost::system::error_code ec;
  tcp::resolver resolver(ctx);
  auto endpoints = resolver.resolve(options.host, std::to_string(options.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    return status::invalid_argument("cannot resolve " + options.host + ": " + ec.message());
  }
  tcp::endpoint endpoint = endpoints.begin()->endpoint();
  acceptor = std::make_unique<tcp::acceptor>(ctx);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return status::io_error("cannot listen on " + options.host + ":" +
                            std::to_string(options.port) + ": " + ec.message());
  }
  port = acceptor->local_endpoint().port();
  retry = std::make_unique<net::steady_timer>(ctx);
  return status::ok();
}

// Sockets are spread round-robin over the workers; each session then lives
// on its socket's context only.
void http_server::impl::do_accept() {
  auto worker = workers[next_worker];
  next_worker = (next_worker + 1) % workers.size();
  acceptor->async_accept(worker->context(),
                         [this, worker](boost::system::error_code ec, tcp::socket socket) {
                           on_accept(worker, ec, std::move(socket));
                         });
}

void http_server::impl::on_accept(const std::shared_ptr<io_worker>& worker,
                                  boost::system::error_code ec, tcp::socket socket) {
  if (!acceptor->is_open() || ec == net::error::operation_aborted) return;
  if (ec) {
    if (std::uint64_t failures = accept_failures.note()) {
      // EMFILE leaves the listening socket readable: the error repeats as
      // fast as the loop retries.
      spdlog::warn("http: accept failed {} time(s) in the last {} s: {}", failures,
                   kAcceptFailureLogPeriod.count(), ec.message());
    }
    retry->expires_after(kAcceptRetryDelay);
    retry->async_wait([this](boost::system::error_code wait_ec) {
      if (!wait_ec && acceptor->is_open()) do_accept();
    });
    return;
  }
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  std::size_t open = state->open_connections.fetch_add(1, std::memory_order_acq_rel) + 1;
  bool over_limit = open > options.max_connections;
  auto s = std::make_shared<session>(std::move(socket), worker, state);
  worker->post([s, worker, over_limit] { s->start(over_limit && !close_idle_session(*worker)); });
  do_accept();
}

void http_server::impl::close_sessions(bool idle_only) {
  for (auto& worker : workers) {
    run_on(*worker, [&worker, idle_only] {
      // Copy: closing a session unregisters it.
      std::vector<session*> sessions(worker->sessions().begin(), worker->sessions().end());
      for (session* s : sessions) idle_only ? s->shutdown() : s->close();
    });
  }
}

http_server::http_server(const server_options& options, link_service& links, click_service* clicks,
                         read_sources sources)
    : impl_(std::make_unique<impl>(options, links, clicks, std::move(sources))) {}

http_server::~http_server() {
  stop();
}

status http_server::start() {
  std::lock_guard<std::mutex> lock(impl_->lifecycle_mutex);
  if (impl_->started) return status::invalid_argument("http server already started");
  auto& im = *impl_;
  if (const auto& token = im.options.auth.token) {
    if (auto problem = token_problem(*token)) {
      return status::invalid_argument("auth.token: " + *problem);
    }
  }
  if (auto problem = exposure_problem(im.options)) return status::invalid_argument(*problem);
  std::size_t n = std::max<std::size_t>(1, im.options.io_threads);
  for (std::size_t i = 0; i < n; ++i) im.workers.push_back(std::make_shared<io_worker>());
  status st = im.listen();
  if (!st) {
    im.acceptor.reset();
    im.retry.reset();
    im.workers.clear();
    return st;
  }
  router_context& router = im.state->router;
  router.links = &im.links;
  router.view = &im.links.view();
  router.short_url_base = short_url_base(im.options, im.port);
  router.unavailable_redirect_url = im.options.unavailable_redirect_url;
  router.clicks = im.clicks;
  router.click_headers = im.options.click_headers;
  router.metrics = &im.metrics;
  router.sources = im.sources;
  router.click_listeners = &im.state->click_listeners;
  router.event_streams = &im.state->event_streams;
  im.access = std::make_unique<access_control>(im.options.auth, &access_control::clock::now,
                                               im.sources.api_keys);
  router.access = im.access.get();
  router.hosts =
      host_allowlist::build(router.short_url_base, im.options.host, im.options.allowed_hosts);
  router.limits = admission_limits{im.options.max_body_bytes, im.options.max_import_bytes};
  if (im.clicks != nullptr) {
    click_batch_options batching{im.options.click_batch_max, im.options.click_batch_wait};
    for (auto& worker : im.workers) worker->enable_clicks(*im.clicks, batching);
  }
  im.do_accept();
  for (auto& worker : im.workers) im.threads.emplace_back([worker] { run_worker(*worker); });
  im.started = true;
  return status::ok();
}

std::uint16_t http_server::port() const {
  return impl_->port;
}

void http_server::stop() {
  std::lock_guard<std::mutex> lock(impl_->lifecycle_mutex);
  auto& im = *impl_;
  if (!im.started || im.stopped) return;
  im.stopped = true;
  im.state->stopping.store(true, std::memory_order_release);

  run_on(*im.workers[0], [&im] {
    boost::system::error_code ignored;
    im.acceptor->close(ignored);
    im.retry->cancel();
  });
  // Idle keep-alive connections close now; busy ones after their answer.
  im.close_sessions(/*idle_only=*/true);
  auto deadline = std::chrono::steady_clock::now() + im.options.shutdown_grace;
  while (im.state->open_connections.load(std::memory_order_acquire) > 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(kDrainPollInterval);
  }
  im.close_sessions(/*idle_only=*/false);

  // No session is left to add a click: submit what each thread holds. A
  // click that still arrives (below) is submitted on its own.
  for (auto& worker : im.workers) {
    run_on(*worker, [&worker] {
      if (click_batcher* batcher = worker->batcher()) batcher->close();
      worker->release_work();
    });
  }
  for (std::size_t i = 0; i < im.threads.size(); ++i) {
    // Nothing should be left to run; stop regardless so join cannot hang.
    im.workers[i]->context().stop();
    im.threads[i].join();
  }
  im.threads.clear();
  // Run what was posted before the gates closed, so no handler (and the
  // session it holds) stays queued on a context nobody runs.
  for (auto& worker : im.workers) {
    worker->close_gate();
    worker->context().restart();
    worker->context().poll();
    if (click_batcher* batcher = worker->batcher()) batcher->close();
  }
  im.acceptor.reset();
  im.retry.reset();
}

}  // namespace linkly
