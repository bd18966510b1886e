#pragma once
// jetstream_log: a stream_log on a JetStream stream (nats.c).
//
// publish: one synchronous JetStream publish with the headers
// Nats-Msg-Id and Nats-Expected-Last-Subject-Sequence; the server's
// "wrong last sequence" (10071) is a conflict, its duplicate flag a
// duplicate. fetch: a pull consumer of the stream starting at `from`, kept
// between calls while each call continues where the last one ended (the
// follower's pattern); a call from elsewhere, a gap in the sequence it
// delivers or a consumer that went away with its server makes a new one.
// last_seq: the stream's info. last_on_subject: a direct read of the
// subject's last message (one try of the attempt timeout); next_on_subject
// the same with next_by_subj. A consumer lost with its server is noticed
// when a fetch's wait ends empty: keep waits short (about a second) for a
// quick failover. While a new consumer cannot be made (that needs the
// JetStream meta leader, elected anew when its server died, often after
// the stream's own leader), fetch reads the records one by one by
// sequence from the stream leader instead.
//
// Thread-safe (fetch calls are serialised among themselves; publishes run
// in parallel). Blocking: never call it on a CAF scheduler thread.

#include "storage/stream_log.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

struct __natsSubscription;

namespace linkly {

class nats_connection;

class jetstream_log : public stream_log {
 public:
  /// Most records one fetch asks the server for, whatever `max` says:
  /// bounds one reply's memory (records are small: a few hundred bytes).
  static constexpr std::size_t kMaxFetchBatch = 1'000;
  /// Most records one fetch reads one by one while it has no consumer: a
  /// round trip each (~0.5 ms), so a fetch stays short; the next goes on.
  static constexpr std::size_t kMaxSeqReads = 200;
  /// Between two looks for the next record while reading by seq (ms):
  /// the write that waits for it is answered within about this much.
  static constexpr std::chrono::milliseconds kSeqReadPoll{20};
  /// Longest wait for one read by seq (ms; at most the connection's
  /// attempt_timeout): normally a few ms; one sent while the stream elects
  /// its leader is never answered, and the next one should go soon after.
  static constexpr std::chrono::milliseconds kSeqReadTimeout{250};
  /// After a consumer could not be made, reads go by seq for this long
  /// before the next try (ms): a try waits up to the attempt timeout while
  /// the meta leader is elected, and every write on the node waits for it.
  static constexpr std::chrono::milliseconds kConsumerRetryPause{2'000};

  /// A log on the existing stream `stream`: not_found when it does not
  /// exist, io_error when JetStream does not answer. Its config is not
  /// checked here (check_stream in storage/jetstream_streams.hpp does).
  static status open(std::shared_ptr<nats_connection> conn, const std::string& stream,
                     std::unique_ptr<jetstream_log>* out);
  ~jetstream_log() override;

  status publish(std::string_view subject, std::string_view data, std::uint64_t expected_last,
                 std::string_view msg_id, publish_outcome* outcome) override;
  status fetch(std::uint64_t from, std::size_t max, std::chrono::milliseconds wait,
               std::vector<stream_record>* out) override;
  status last_seq(std::uint64_t* seq) override;
  status last_on_subject(std::string_view subject, stream_record* out) override;
  status next_on_subject(std::string_view subject, std::uint64_t from, stream_record* out) override;

  const std::string& stream() const { return stream_; }
  nats_connection& connection() const { return *conn_; }

 private:
  jetstream_log(std::shared_ptr<nats_connection> conn, std::string stream, std::string filter);

  // Under fetch_mutex_.
  status start_consumer(std::uint64_t from);
  void stop_consumer(bool remove);
  // Without a consumer: the records from `from` on, each asked of the
  // stream leader by its seq (at most kMaxSeqReads), polling within
  // `wait` while there is none yet. `no_consumer` (why there is no
  // consumer) is returned when the stream does not answer either.
  status read_by_seq(std::uint64_t from, std::size_t max, std::chrono::milliseconds wait,
                     const status& no_consumer, std::vector<stream_record>* out);
  // One pull request for up to `batch` records, waiting up to `wait` for
  // them (no_wait: only for those the server holds now); appends those in
  // sequence, *pending: how many more the stream held after the last one.
  status pull(std::size_t batch, std::chrono::milliseconds wait, bool no_wait, std::size_t* added,
              std::uint64_t* pending, std::vector<stream_record>* out);

  std::shared_ptr<nats_connection> conn_;
  std::string stream_;
  std::string filter_;  // the stream's subject wildcard, e.g. "links.>"

  std::mutex fetch_mutex_;
  __natsSubscription* sub_ = nullptr;
  std::uint64_t next_ = 0;      // the seq the consumer should deliver next
  bool first_pending_ = false;  // the consumer has delivered nothing yet
  // No consumer could be made: why, and until when reads go by seq.
  status no_consumer_ = status::ok();
  std::chrono::steady_clock::time_point no_consumer_until_{};
};

}  // namespace linkly
