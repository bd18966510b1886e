// `linkly cluster import`: a single node's links log into the links stream,
// keeping sequence numbers, so that /events positions, history and as_of
// mean the same afterwards. Each record goes to its code's subject
// expecting the code's previous seq, with the message id "import.<seq>":
// a resend after a lost ack is recognised, and an ack for another seq
// (something else wrote to the stream) stops the import at once.

#include "app/cluster_command.hpp"
#include "app/offline_stores.hpp"

#include "storage/event_log.hpp"
#include "storage/jetstream_log.hpp"
#include "storage/jetstream_streams.hpp"
#include "storage/nats_connection.hpp"
#include "storage/record_format.hpp"
#include "storage/stream_subjects.hpp"

#include <boost/json.hpp>

#include <iostream>
#include <map>
#include <thread>

namespace linkly {
namespace {

const char* const kCommand = "cluster import";
// How long one record may go unacknowledged (resent with its message id)
// before the import gives up: longer than a JetStream leader election.
constexpr std::chrono::milliseconds kPublishRetryLimit{60'000};
// Between two resends of an unacknowledged record.
constexpr std::chrono::milliseconds kPublishRetryPause{250};
// Records compared per fetch when checking what the stream already holds.
constexpr std::size_t kCompareBatch = 1'000;
// A progress line on stderr every this many records.
constexpr std::uint64_t kProgressEvery = 10'000;

int fail(const std::string& why) {
  std::cerr << "linkly: " << kCommand << ": " << why << "\n";
  return 1;
}

// Whether the stream's records 1..n are this log's first n (same subject,
// same bytes). Fills `subject_last` for them.
status compare_prefix(const event_log& log, jetstream_log& stream, std::uint64_t n,
                      std::map<std::string, std::uint64_t>* subject_last) {
  std::vector<stream_record> held;
  std::size_t at = 0;
  std::string data;
  status problem = status::ok();
  status st = log.replay(1, n + 1, event_log::kNoLimit, [&](const envelope& env) {
    if (at == held.size()) {
      held.clear();
      at = 0;
      problem = stream.fetch(env.seq, kCompareBatch, std::chrono::milliseconds(0), &held);
      if (problem.is_ok() && held.empty()) {
        problem = status::invalid_argument("the stream has no record " + std::to_string(env.seq));
      }
      if (!problem.is_ok()) return false;
    }
    const stream_record& r = held[at++];
    std::string subject = links_subject(env.key);
    encode_record_value(env, 0, &data);
    if (r.seq != env.seq || r.subject != subject || r.data != data) {
      problem = status::invalid_argument("the stream's record " + std::to_string(r.seq) +
                                         " is not this log's record " + std::to_string(env.seq));
      return false;
    }
    (*subject_last)[subject] = env.seq;
    return true;
  });
  return st.is_ok() ? problem : st;
}

// Publishes one record until it is acknowledged (or the retry limit).
status publish_record(jetstream_log& stream, const envelope& env, const std::string& data,
                      std::map<std::string, std::uint64_t>* subject_last) {
  std::string subject = links_subject(env.key);
  auto it = subject_last->find(subject);
  std::uint64_t expected = it == subject_last->end() ? 0 : it->second;
  std::string id = "import." + std::to_string(env.seq);
  auto deadline = std::chrono::steady_clock::now() + kPublishRetryLimit;
  for (;;) {
    publish_outcome out;
    status st = stream.publish(subject, data, expected, id, &out);
    if (st.is_ok()) {
      if (out.conflict) {
        return status::invalid_argument("record " + std::to_string(env.seq) + " (" + subject +
                                        ") conflicts: something else is writing to the stream");
      }
      if (out.seq != env.seq) {
        return status::invalid_argument("record " + std::to_string(env.seq) + " was stored as " +
                                        std::to_string(out.seq) +
                                        ": something else is writing to the stream");
      }
      (*subject_last)[subject] = env.seq;
      return status::ok();
    }
    if (st.error_code() != status::code::io_error || std::chrono::steady_clock::now() > deadline) {
      return st;
    }
    std::this_thread::sleep_for(kPublishRetryPause);
  }
}

}  // namespace

int run_cluster_import(const config& cfg) {
  if (!require_cluster_settings(cfg, kCommand)) return 2;
  std::unique_ptr<event_log> log;
  if (!open_required_log(cfg, "links", &log)) return 1;
  const std::uint64_t head = log->highest_seq();

  std::shared_ptr<nats_connection> conn;
  if (status st = nats_connection::open(cfg.cluster, &conn); !st.is_ok()) return fail(st.message());
  auto spec = links_stream_spec(cfg.cluster);
  if (status st = check_stream(*conn, spec); !st.is_ok()) return fail(st.message());
  std::unique_ptr<jetstream_log> stream;
  if (status st = jetstream_log::open(conn, spec.name, &stream); !st.is_ok()) {
    return fail(st.message());
  }
  std::uint64_t held = 0;
  if (status st = stream->last_seq(&held); !st.is_ok()) return fail(st.message());

  std::map<std::string, std::uint64_t> subject_last;
  if (held > head) {
    return fail("stream " + spec.name + " is not empty (" + std::to_string(held) +
                " records, more than the " + std::to_string(head) + " of " + log->dir() +
                "): import only into an empty stream");
  }
  if (held > 0) {
    status st = compare_prefix(*log, *stream, held, &subject_last);
    if (!st.is_ok()) {
      return fail("stream " + spec.name + " is not empty (" + std::to_string(held) +
                  " records) and not a first part of " + log->dir() + " (" + st.message() +
                  "): import only into an empty stream");
    }
    std::cerr << "linkly: " << kCommand << ": the stream already holds records 1-" << held
              << " of this log; continuing after them\n";
  }

  std::uint64_t published = 0;
  std::string data;
  status failure = status::ok();
  status st =
      log->replay(held + 1, event_log::kNoLimit, event_log::kNoLimit, [&](const envelope& env) {
        encode_record_value(env, 0, &data);
        failure = publish_record(*stream, env, data, &subject_last);
        if (!failure.is_ok()) return false;
        if (++published % kProgressEvery == 0) {
          std::cerr << "linkly: " << kCommand << ": " << env.seq << " of " << head << "\n";
        }
        return true;
      });
  if (st.is_ok()) st = failure;
  if (!st.is_ok()) {
    return fail(st.to_string() + " (after " + std::to_string(published) +
                " records; a new run continues where this one stopped)");
  }
  boost::json::object out;
  out["stream"] = spec.name;
  out["imported"] = published;
  out["already_there"] = held;
  out["last_seq"] = head;
  std::cout << boost::json::serialize(out) << "\n";
  return 0;
}

}  // namespace linkly
