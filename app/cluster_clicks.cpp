#include "app/cluster_clicks.hpp"

#include "storage/click_message.hpp"
#include "storage/cluster_options.hpp"
#include "storage/event_log.hpp"
#include "storage/jetstream_log.hpp"
#include "storage/jetstream_streams.hpp"
#include "storage/nats_connection.hpp"

namespace linkly {

namespace {

// The engine's click service, but a synchronous append answers where its
// event stands in the replica: analytics, which the caller waits for,
// counts in the replica's seqs.
class replica_numbered_clicks final : public click_service {
 public:
  replica_numbered_clicks(click_service& inner, click_replica& replica)
      : inner_(inner), replica_(replica) {}

  click_mode mode() const override { return inner_.mode(); }
  const click_metrics& metrics() const override { return inner_.metrics(); }
  std::shared_ptr<click_spool> spool() const override { return inner_.spool(); }
  void submit(std::vector<envelope> clicks) override { inner_.submit(std::move(clicks)); }
  void write_now(std::vector<envelope> clicks, std::function<void(reply_status)> done) override {
    inner_.write_now(std::move(clicks), std::move(done));
  }
  void append_event(envelope event, std::function<void(event_append_reply)> done) override {
    click_replica* replica = &replica_;
    inner_.append_event(std::move(event), [replica, done](event_append_reply r) {
      if (!r.ok()) return done(std::move(r));
      replica->when_copied(r.seq, [r, done](std::uint64_t seq) mutable {
        if (seq == 0) {
          r.fail(reply_code::unavailable,
                 "recorded, but this node lost sight of it in the clicks stream");
        }
        r.seq = seq;
        done(std::move(r));
      });
    });
  }
  void list_dead_letters(std::uint64_t after, std::size_t limit,
                         std::function<void(dead_letter_page)> done) override {
    inner_.list_dead_letters(after, limit, std::move(done));
  }
  void redrive(std::optional<std::uint64_t> id, std::function<void(redrive_reply)> done) override {
    inner_.redrive(id, std::move(done));
  }
  void discard(std::uint64_t id, std::function<void(reply_status)> done) override {
    inner_.discard(id, std::move(done));
  }
  bool drain(std::chrono::milliseconds timeout) override { return inner_.drain(timeout); }

 private:
  click_service& inner_;
  click_replica& replica_;
};

}  // namespace

std::string click_path_dir_name(const cluster_options& cluster) {
  return cluster.enabled() ? "clicks-outbox" : "clicks";
}

status cluster_clicks::open(std::shared_ptr<nats_connection> conn, const cluster_options& cluster,
                            std::shared_ptr<event_log> outbox,
                            std::unique_ptr<cluster_clicks>* out) {
  if (status st = check_stream(*conn, clicks_stream_spec(cluster)); !st) {
    const std::string what = "the clicks stream " + cluster.clicks_stream;
    if (st.is_not_found()) {
      return status::not_found(what + " does not exist (run `linkly cluster init`)");
    }
    if (st.error_code() == status::code::invalid_argument) {
      return status::invalid_argument(what + " is not usable: " + st.message());
    }
    return status::io_error(what + ": " + st.message());
  }
  std::unique_ptr<jetstream_log> stream;
  if (status st = jetstream_log::open(conn, cluster.clicks_stream, &stream); !st) return st;
  std::unique_ptr<cluster_clicks> c(new cluster_clicks());
  c->node_ = cluster.node;
  c->stream_ = std::move(stream);
  c->outbox_ = std::move(outbox);
  click_publisher_options po;
  po.node = cluster.node;
  c->publisher_ = click_publisher::start(c->outbox_, c->stream_, po);
  c->outbox_->set_listener(
      [p = c->publisher_.get()](const std::vector<envelope>&, std::uint64_t) { p->notify(); });
  *out = std::move(c);
  return status::ok();
}

cluster_clicks::~cluster_clicks() {
  stop();
}

void cluster_clicks::follow(std::shared_ptr<event_log> replica, const std::string& position_path) {
  replica_log_ = std::move(replica);
  click_replica_options ro;
  ro.position_path = position_path;
  ro.own_subject = click_subject(node_);
  replica_ = click_replica::start(stream_, replica_log_, ro);
}

std::unique_ptr<click_service> cluster_clicks::wrap(click_service& inner) {
  return std::make_unique<replica_numbered_clicks>(inner, *replica_);
}

std::string cluster_clicks::problem() const {
  if (std::string why = publisher_->error(); !why.empty()) return "clicks not published: " + why;
  if (replica_) {
    if (std::string why = replica_->error(); !why.empty()) return "clicks not copied: " + why;
  }
  if (!outbox_->writable()) return "clicks outbox cannot be written: " + outbox_->write_error();
  return "";
}

std::uint64_t cluster_clicks::replica_head() const {
  return replica_log_ ? replica_log_->highest_seq() : 0;
}

void cluster_clicks::append_metrics(std::string* out) const {
  out->append(
      "# HELP linkly_cluster_clicks_unpublished Clicks in this node's outbox not yet known to "
      "be in the clicks stream.\n# TYPE linkly_cluster_clicks_unpublished gauge\n"
      "linkly_cluster_clicks_unpublished ");
  out->append(std::to_string(publisher_->backlog())).append("\n");
  out->append(
      "# HELP linkly_cluster_clicks_publish_failures_total Publishes to the clicks stream that "
      "failed (each retried).\n# TYPE linkly_cluster_clicks_publish_failures_total counter\n"
      "linkly_cluster_clicks_publish_failures_total ");
  out->append(std::to_string(publisher_->failures())).append("\n");
  out->append(
      "# HELP linkly_cluster_clicks_stream_reachable Whether the last call to the clicks stream "
      "succeeded.\n# TYPE linkly_cluster_clicks_stream_reachable gauge\n"
      "linkly_cluster_clicks_stream_reachable ");
  out->append(publisher_->reachable() ? "1\n" : "0\n");
  if (replica_log_) {
    out->append(
        "# HELP linkly_cluster_clicks_replica_head Clicks-log seq this node's replica of the "
        "clicks stream holds.\n# TYPE linkly_cluster_clicks_replica_head gauge\n"
        "linkly_cluster_clicks_replica_head ");
    out->append(std::to_string(replica_log_->highest_seq())).append("\n");
  }
}

void cluster_clicks::stop() {
  if (replica_) replica_->stop();
  if (publisher_) publisher_->stop();
}

}  // namespace linkly
