#include "http/visits_deletion.hpp"

#include "actors/analytics_projection.hpp"
#include "actors/click_service.hpp"
#include "actors/read_view.hpp"
#include "http/io_worker.hpp"
#include "schemas/clock.hpp"
#include "schemas/link_rules.hpp"
#include "schemas/visits_deleted.hpp"

#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>

namespace linkly {

namespace {

using outcome = visits_deletion_result::outcome;

constexpr std::string_view kOff = "visits cannot be deleted: analytics or clicks are off";
constexpr std::string_view kNotApplied =
    "the deletion is recorded, but analytics has not applied it yet: the visits go once it has";
constexpr std::string_view kCountUnknown =
    "the deletion is recorded and applied, but how many visits it removed is no longer known";

visits_deletion_result failure(std::string_view why) {
  visits_deletion_result r;
  r.error = why;
  return r;
}

bool running(const visits_deletion_sources& s) {
  return s.clicks != nullptr && s.clicks->mode() != click_mode::off && s.analytics != nullptr;
}

// Waits, on the worker's thread, until analytics has applied the deletion
// at `seq`.
struct deletion_wait {
  const analytics_reader* analytics = nullptr;
  io_worker* worker = nullptr;
  std::uint64_t seq = 0;
  std::chrono::steady_clock::time_point deadline;
  std::chrono::milliseconds delay = kDeletionPollFirst;
  std::optional<boost::asio::steady_timer> timer;
  visits_deletion_callback done;
};

void look(const std::shared_ptr<deletion_wait>& w) {
  visits_deletion_result r;
  switch (w->analytics->deletion(w->seq, &r.removed)) {
    case analytics_reader::deletion_state::applied:
      r.result = outcome::deleted;
      return w->done(std::move(r));
    case analytics_reader::deletion_state::unknown:
      return w->done(failure(kCountUnknown));
    case analytics_reader::deletion_state::pending:
      break;
  }
  if (w->worker == nullptr || std::chrono::steady_clock::now() >= w->deadline) {
    return w->done(failure(kNotApplied));
  }
  if (!w->timer) w->timer.emplace(w->worker->context());
  w->timer->expires_after(w->delay);
  w->delay = std::min(w->delay * 2, kDeletionPollMax);
  w->timer->async_wait([w](const boost::system::error_code& ec) {
    if (!ec) look(w);  // cancelled only when the server stops: nobody to answer
  });
}

void append_and_wait(const visits_deletion_sources& sources, const visits_deleted& event,
                     visits_deletion_callback done) {
  auto w = std::make_shared<deletion_wait>();
  w->analytics = sources.analytics;
  w->worker = sources.worker;
  w->done = std::move(done);
  sources.clicks->append_event(
      make_visits_deleted_envelope(event), [w](event_append_reply reply) mutable {
        auto start = [w, reply = std::move(reply)] {
          if (!reply.ok()) return w->done(failure(reply.error));
          w->seq = reply.seq;
          w->deadline = std::chrono::steady_clock::now() + kDeletionApplyTimeout;
          look(w);
        };
        if (w->worker == nullptr) return start();
        w->worker->post(std::move(start));  // refused only once the server has stopped
      });
}

}  // namespace

void delete_link_visits(const visits_deletion_sources& sources, const std::string& code,
                        visits_deletion_callback done) {
  if (sources.view == nullptr) return done(failure(kOff));
  visits_deleted event;
  bool live = is_code_syntax(code) && sources.view->read(code, [&](const stored_link& link) {
    event.incarnation = link.incarnation();
    // The first life owns the clicks that name none (schemas/click_events.hpp):
    // the table knows from the links log whether this life is the first.
    const link_extras* extras = link.extras();
    event.unnamed_too = extras == nullptr || extras->recreated_at.empty();
  });
  if (!live) {
    visits_deletion_result r;
    r.result = outcome::not_found;
    return done(std::move(r));
  }
  if (!running(sources)) return done(failure(kOff));
  event.code = code;
  event.deleted_at_ms = now_utc_ms();
  append_and_wait(sources, event, std::move(done));
}

void delete_orphan_visits(const visits_deletion_sources& sources, visits_deletion_callback done) {
  if (!running(sources)) return done(failure(kOff));
  visits_deleted event;
  event.orphans = true;
  event.deleted_at_ms = now_utc_ms();
  append_and_wait(sources, event, std::move(done));
}

}  // namespace linkly
