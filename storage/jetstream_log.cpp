#include "storage/jetstream_log.hpp"

#include "storage/nats_connection.hpp"

#include <nats/nats.h>

#include <boost/beast/core/detail/base64.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <thread>

namespace linkly {
namespace {

constexpr std::int64_t kNanosPerMilli = 1'000'000;
// How long the server keeps a consumer nobody pulls from: longer than any
// pause between two fetches of a follower, short enough that the consumer
// of a crashed node goes away by itself.
constexpr std::chrono::milliseconds kConsumerInactiveThreshold{60'000};

// jsOptions whose requests wait at most `wait`.
jsOptions request_options(std::chrono::milliseconds wait) {
  jsOptions o;
  jsOptions_Init(&o);
  o.Wait = wait.count();
  return o;
}

}  // namespace

status jetstream_log::open(std::shared_ptr<nats_connection> conn, const std::string& stream,
                           std::unique_ptr<jetstream_log>* out) {
  out->reset();
  jsStreamInfo* info = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&info, conn->js(), stream.c_str(), nullptr, &jerr);
  if (s != NATS_OK) {
    if (jerr == JSStreamNotFoundErr || s == NATS_NOT_FOUND) {
      return status::not_found("stream " + stream + " does not exist (run `linkly cluster init`)");
    }
    return status::io_error(describe_nats_error(("stream info of " + stream).c_str(), s, jerr));
  }
  std::string filter;
  if (info->Config->SubjectsLen == 1) filter = info->Config->Subjects[0];
  jsStreamInfo_Destroy(info);
  if (filter.empty()) {
    return status::invalid_argument("stream " + stream + " must have exactly one subject");
  }
  out->reset(new jetstream_log(std::move(conn), stream, std::move(filter)));
  return status::ok();
}

jetstream_log::jetstream_log(std::shared_ptr<nats_connection> conn, std::string stream,
                             std::string filter)
    : conn_(std::move(conn)), stream_(std::move(stream)), filter_(std::move(filter)) {}

jetstream_log::~jetstream_log() {
  std::lock_guard<std::mutex> lock(fetch_mutex_);
  stop_consumer(conn_->connected());
}

status jetstream_log::publish(std::string_view subject, std::string_view data,
                              std::uint64_t expected_last, std::string_view msg_id,
                              publish_outcome* outcome) {
  *outcome = {};
  natsMsg* msg = nullptr;
  std::string subj(subject);
  natsStatus s =
      natsMsg_Create(&msg, subj.c_str(), nullptr, data.data(), static_cast<int>(data.size()));
  if (s == NATS_OK && !msg_id.empty()) {
    s = natsMsgHeader_Set(msg, "Nats-Msg-Id", std::string(msg_id).c_str());
  }
  // Set explicitly (also for 0: "the subject holds nothing yet"), which
  // jsPubOptions cannot express for 0 in every client version.
  if (s == NATS_OK && expected_last != kAnyLast) {
    s = natsMsgHeader_Set(msg, "Nats-Expected-Last-Subject-Sequence",
                          std::to_string(expected_last).c_str());
  }
  if (s != NATS_OK) {
    natsMsg_Destroy(msg);
    return status::invalid_argument(describe_nats_error("building a message", s));
  }
  jsPubOptions po;
  jsPubOptions_Init(&po);
  // One try: the caller resends with the same message id (see
  // cluster_options::attempt_timeout).
  po.MaxWait = conn_->attempt_timeout().count();
  po.ExpectStream = stream_.c_str();
  jsPubAck* ack = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  s = js_PublishMsg(&ack, conn_->js(), msg, &po, &jerr);
  natsMsg_Destroy(msg);
  if (s != NATS_OK) {
    if (jerr == JSStreamWrongLastSequenceErr) {
      outcome->conflict = true;
      return status::ok();
    }
    std::string what = "publish to " + subj;
    // Refusals that would come again: the subject is not this stream's, the
    // record is too large, the request is malformed. Anything else (no
    // responders while a leader is elected, which nats.c reports as
    // "JetStream not enabled", timeouts, a lost connection) may pass when
    // resent with the same message id.
    if (jerr == JSStreamNotMatchErr || jerr == JSStreamMessageExceedsMaximumErr ||
        jerr == JSBadRequestErr) {
      return status::invalid_argument(describe_nats_error(what.c_str(), s, jerr));
    }
    return status::io_error(describe_nats_error(what.c_str(), s, jerr));
  }
  const std::uint64_t seq = ack->Sequence;
  const bool duplicate = ack->Duplicate;
  jsPubAck_Destroy(ack);
  if (duplicate && seq == 0) {
    // A resend that reached the leader while the first send was still
    // being replicated: nats-server answers "duplicate" before it knows
    // the seq. Not an outcome yet: the next resend gets the seq.
    return status::io_error("publish to " + subj + ": a send with message id " +
                            std::string(msg_id) + " is still being stored");
  }
  outcome->seq = seq;
  outcome->duplicate = duplicate;
  return status::ok();
}

status jetstream_log::start_consumer(std::uint64_t from) {
  stop_consumer(true);
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = stream_.c_str();
  so.Config.DeliverPolicy = js_DeliverByStartSequence;
  so.Config.OptStartSeq = from;
  // Acks only keep the server from redelivering; order comes from the
  // sequence check in pull(). The last record of each batch is acked (all).
  so.Config.AckPolicy = js_AckAll;
  so.Config.MaxAckPending = static_cast<std::int64_t>(kMaxFetchBatch) * 2;
  so.Config.InactiveThreshold = kConsumerInactiveThreshold.count() * kNanosPerMilli;
  so.Config.MemoryStorage = true;
  so.Config.Replicas = 1;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  // The follower tries again (a consumer lost with its server is made
  // anew while the meta group may still be electing its leader).
  jsOptions jo = request_options(conn_->attempt_timeout());
  natsStatus s = js_PullSubscribe(&sub_, conn_->js(), filter_.c_str(), nullptr, &jo, &so, &jerr);
  if (s != NATS_OK) {
    sub_ = nullptr;
    return status::io_error(describe_nats_error(("consumer of " + stream_).c_str(), s, jerr));
  }
  next_ = from;
  first_pending_ = true;
  return status::ok();
}

void jetstream_log::stop_consumer(bool remove) {
  if (sub_ == nullptr) return;
  // Unsubscribe deletes the ephemeral consumer (a round trip, bounded by
  // the request timeout); Destroy alone leaves it to the server, which
  // drops it after the inactivity threshold: the way for one that is
  // already gone with its server, or unreachable.
  if (remove) natsSubscription_Unsubscribe(sub_);
  natsSubscription_Destroy(sub_);
  sub_ = nullptr;
}

status jetstream_log::pull(std::size_t batch, std::chrono::milliseconds wait, bool no_wait,
                           std::size_t* added, std::uint64_t* pending,
                           std::vector<stream_record>* out) {
  *added = 0;
  *pending = 0;
  jsFetchRequest req;
  jsFetchRequest_Init(&req);
  req.Batch = static_cast<int>(batch);
  req.Expires = std::max<std::int64_t>(wait.count(), 1) * kNanosPerMilli;
  req.NoWait = no_wait;
  natsMsgList list = {nullptr, 0};
  natsStatus s = natsSubscription_FetchRequest(&list, sub_, &req);
  if (s == NATS_TIMEOUT || s == NATS_NOT_FOUND) return status::ok();  // nothing came
  if (s != NATS_OK) {
    stop_consumer(false);
    return status::io_error(describe_nats_error(("fetch from " + stream_).c_str(), s));
  }
  status st = status::ok();
  natsMsg* last = nullptr;
  for (int i = 0; i < list.Count; ++i) {
    natsMsg* m = list.Msgs[i];
    jsMsgMetaData* meta = nullptr;
    if (natsMsg_GetMetaData(&meta, m) != NATS_OK) {
      st = status::corruption("a message of " + stream_ + " without JetStream metadata");
      break;
    }
    std::uint64_t seq = meta->Sequence.Stream;
    std::uint64_t left = meta->NumPending;
    jsMsgMetaData_Destroy(meta);
    if (seq < next_) continue;  // a redelivery of what we already have
    // A new consumer starts at the first record >= from (records before it
    // may have been deleted); after that, any gap means the consumer lost
    // messages: start again at next_ on the next call.
    if (seq != next_ && !first_pending_) {
      stop_consumer(false);
      break;
    }
    stream_record r;
    r.seq = seq;
    r.subject = natsMsg_GetSubject(m);
    r.data.assign(natsMsg_GetData(m), static_cast<std::size_t>(natsMsg_GetDataLength(m)));
    out->push_back(std::move(r));
    next_ = seq + 1;
    first_pending_ = false;
    *pending = left;
    ++*added;
    last = m;
  }
  if (last != nullptr && sub_ != nullptr) natsMsg_Ack(last, nullptr);
  natsMsgList_Destroy(&list);
  return st;
}

status jetstream_log::fetch(std::uint64_t from, std::size_t max, std::chrono::milliseconds wait,
                            std::vector<stream_record>* out) {
  if (from == 0) from = 1;
  if (max == 0) return status::ok();
  std::lock_guard<std::mutex> lock(fetch_mutex_);
  std::uint64_t last = 0;
  if (wait.count() <= 0) {
    // Not waiting: ask whether there is anything first, as a pull request
    // for records that do not exist would hold until it expires.
    if (status st = last_seq(&last); !st.is_ok()) return st;
    if (last < from) return status::ok();
    wait = conn_->request_timeout();
  }
  if (sub_ == nullptr || from != next_) {
    if (sub_ == nullptr && std::chrono::steady_clock::now() < no_consumer_until_) {
      return read_by_seq(from, max, wait, no_consumer_, out);
    }
    if (status st = start_consumer(from); !st.is_ok()) {
      no_consumer_ = st;
      no_consumer_until_ = std::chrono::steady_clock::now() + kConsumerRetryPause;
      return read_by_seq(from, max, wait, st, out);
    }
  }
  // The first record alone, so that it is returned as soon as it is stored
  // rather than when a whole batch is; it says how many more there are.
  std::size_t added = 0;
  std::uint64_t pending = 0;
  if (status st = pull(1, wait, false, &added, &pending, out); !st.is_ok()) return st;
  if (added > 0) {
    std::size_t more = std::min<std::uint64_t>({pending, max - 1, kMaxFetchBatch});
    if (more == 0 || sub_ == nullptr) return status::ok();
    // Only what the server holds now, never waiting for the rest: the
    // pending count is a hint (nats-server 2.9.10 announced records that
    // this request then did not get, and a wait for them held the
    // follower, and every write on the node, for the whole expiry: 5 s
    // stalls under chaos). Fewer than asked is fine: the next call goes on
    // from the last one.
    return pull(more, wait, true, &added, &pending, out);
  }
  if (sub_ == nullptr) return status::ok();  // a gap: the next call starts over
  // Nothing came. If the stream holds records we should have had, the
  // consumer went away (its server died, or it was idle too long): start a
  // new one next time.
  if (status st = last_seq(&last); !st.is_ok()) {
    stop_consumer(false);
    return st;
  }
  if (last >= next_) stop_consumer(false);
  return status::ok();
}

status jetstream_log::read_by_seq(std::uint64_t from, std::size_t max,
                                  std::chrono::milliseconds wait, const status& no_consumer,
                                  std::vector<stream_record>* out) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  const std::size_t limit = std::min(max, kMaxSeqReads);
  for (;;) {
    std::size_t added = 0;
    for (; added < limit; ++added) {
      natsMsg* msg = nullptr;
      jsErrCode jerr = static_cast<jsErrCode>(0);
      jsOptions jo = request_options(std::min(kSeqReadTimeout, conn_->attempt_timeout()));
      natsStatus s = js_GetMsg(&msg, conn_->js(), stream_.c_str(), from + added, &jo, &jerr);
      if (s == NATS_NOT_FOUND || jerr == JSNoMessageFoundErr) break;  // not stored yet
      if (s != NATS_OK) {
        if (added > 0) break;  // what came is good; the next call tries again
        return status::io_error(no_consumer.to_string() + "; " +
                                describe_nats_error("reading by seq", s, jerr));
      }
      stream_record r;
      r.seq = natsMsg_GetSequence(msg);
      r.subject = natsMsg_GetSubject(msg);
      r.data.assign(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
      natsMsg_Destroy(msg);
      out->push_back(std::move(r));
    }
    if (added > 0 || std::chrono::steady_clock::now() + kSeqReadPoll > deadline) {
      return status::ok();
    }
    std::this_thread::sleep_for(kSeqReadPoll);
  }
}

status jetstream_log::last_seq(std::uint64_t* seq) {
  jsStreamInfo* info = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  // Asked between fetches (and by the writer after a conflict): a try lost
  // in a leader election is asked again soon.
  jsOptions jo = request_options(conn_->attempt_timeout());
  natsStatus s = js_GetStreamInfo(&info, conn_->js(), stream_.c_str(), &jo, &jerr);
  if (s != NATS_OK) {
    return status::io_error(describe_nats_error(("stream info of " + stream_).c_str(), s, jerr));
  }
  *seq = info->State.LastSeq;
  jsStreamInfo_Destroy(info);
  return status::ok();
}

status jetstream_log::last_on_subject(std::string_view subject, stream_record* out) {
  natsMsg* msg = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const std::string subj(subject);
  // One try (a redirect miss waits on it; the click publisher tries again).
  jsOptions jo = request_options(conn_->attempt_timeout());
  natsStatus s = js_GetLastMsg(&msg, conn_->js(), stream_.c_str(), subj.c_str(), &jo, &jerr);
  if (s == NATS_NOT_FOUND || jerr == JSNoMessageFoundErr) {
    return status::not_found("no message on " + subj);
  }
  if (s != NATS_OK) {
    return status::io_error(describe_nats_error(("last message on " + subj).c_str(), s, jerr));
  }
  out->seq = natsMsg_GetSequence(msg);
  out->subject = natsMsg_GetSubject(msg);
  out->data.assign(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
  natsMsg_Destroy(msg);
  return status::ok();
}

status jetstream_log::next_on_subject(std::string_view subject, std::uint64_t from,
                                      stream_record* out) {
  // nats.c 3.4 has no call for it: the stream's message-get API with
  // next_by_subj (nats-server 2.9+), answered by the stream leader.
  const std::string subj(subject);
  boost::json::object ask;
  ask["seq"] = std::max<std::uint64_t>(from, 1);
  ask["next_by_subj"] = subj;
  const std::string body = boost::json::serialize(ask);
  const std::string api = "$JS.API.STREAM.MSG.GET." + stream_;
  natsMsg* reply = nullptr;
  natsStatus s =
      natsConnection_Request(&reply, conn_->raw(), api.c_str(), body.data(),
                             static_cast<int>(body.size()), conn_->attempt_timeout().count());
  const std::string what = "next message on " + subj + " from seq " + std::to_string(from);
  if (s != NATS_OK) return status::io_error(describe_nats_error(what.c_str(), s));
  boost::system::error_code ec;
  boost::json::value answer =
      boost::json::parse(std::string_view(natsMsg_GetData(reply),
                                          static_cast<std::size_t>(natsMsg_GetDataLength(reply))),
                         ec);
  natsMsg_Destroy(reply);
  const boost::json::object* o = ec ? nullptr : answer.if_object();
  if (o == nullptr) return status::io_error(what + ": the answer is not JSON");
  if (const auto* err = o->if_contains("error")) {
    const boost::json::object* e = err->if_object();
    const boost::json::value* code = e != nullptr ? e->if_contains("err_code") : nullptr;
    if (code != nullptr && code->is_int64() && code->as_int64() == JSNoMessageFoundErr) {
      return status::not_found("no message on " + subj + " from seq " + std::to_string(from));
    }
    return status::io_error(what + ": " + boost::json::serialize(*err));
  }
  const boost::json::value* msg = o->if_contains("message");
  const boost::json::object* m = msg != nullptr ? msg->if_object() : nullptr;
  const boost::json::value* seq = m != nullptr ? m->if_contains("seq") : nullptr;
  const boost::json::value* got = m != nullptr ? m->if_contains("subject") : nullptr;
  const bool seq_ok =
      seq != nullptr && (seq->is_uint64() || (seq->is_int64() && seq->as_int64() > 0));
  if (!seq_ok || got == nullptr || !got->is_string()) {
    return status::io_error(what + ": no message in the answer");
  }
  out->seq = seq->is_uint64() ? seq->as_uint64() : static_cast<std::uint64_t>(seq->as_int64());
  out->subject = std::string(got->as_string());
  out->data.clear();
  if (const boost::json::value* data = m->if_contains("data");
      data != nullptr && data->is_string()) {
    const boost::json::string& b64 = data->as_string();
    out->data.resize(boost::beast::detail::base64::decoded_size(b64.size()));
    const auto used =
        boost::beast::detail::base64::decode(out->data.data(), b64.data(), b64.size());
    out->data.resize(used.first);
  }
  return status::ok();
}

}  // namespace linkly
