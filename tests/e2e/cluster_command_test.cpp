// `linkly cluster init|status|import` against real nats-servers
// (tests/support/nats_cluster); skipped when nats-server is not installed.

#include "storage/event_log.hpp"
#include "storage/jetstream_log.hpp"
#include "storage/nats_connection.hpp"
#include "storage/record_format.hpp"
#include "storage/stream_subjects.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/linkly_cli.hpp"
#include "tests/support/links_api.hpp"
#include "tests/support/nats_cluster.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <fstream>

namespace linkly::e2e {
namespace {

using namespace std::chrono_literals;

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

class ClusterCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (nats_cluster::binary().empty()) GTEST_SKIP() << nats_cluster::kMissing;
    nats_ = std::make_unique<nats_cluster>(1);
  }

  // `linkly --data DIR --cluster-nats-urls URLS --cluster-replicas 1 ARGS`.
  cli_result cluster(std::vector<std::string> args, std::string replicas = "1") {
    std::vector<std::string> full = {"--data",          data_.path(),         "--cluster-nats-urls",
                                     nats_->urls_csv(), "--cluster-replicas", replicas};
    full.insert(full.end(), args.begin(), args.end());
    return run_linkly(full);
  }

  // The links stream, read directly.
  std::unique_ptr<jetstream_log> links_stream() {
    cluster_options opts;
    opts.nats_urls = nats_->urls();
    std::shared_ptr<nats_connection> conn;
    EXPECT_TRUE(nats_connection::open(opts, &conn).is_ok());
    std::unique_ptr<jetstream_log> log;
    EXPECT_TRUE(jetstream_log::open(conn, opts.links_stream, &log).is_ok());
    return log;
  }

  // A stopped single node's links log: 3 creates and an update.
  void write_single_node_log() {
    server_process server(data_.path());
    http_client client(server.port());
    for (const char* code : {"c1", "c2", "c3"}) {
      ASSERT_EQ(create_link(client, std::string("https://example.com/") + code, code).status, 201);
    }
    ASSERT_EQ(client.put("/links/c1", link_body("https://example.org/new")).status, 200);
    ASSERT_TRUE(server.stop().success()) << server.output_text();
  }

  std::unique_ptr<nats_cluster> nats_;
  temp_dir data_;
};

TEST_F(ClusterCommandTest, InitCreatesBothStreamsAndIsIdempotent) {
  cli_result first = cluster({"cluster", "init"});
  ASSERT_EQ(first.exit_code(), 0) << first.describe();
  auto lines = first.out_lines();
  ASSERT_EQ(lines.size(), 2u) << first.describe();
  boost::json::object links = parse_json_line(lines[0]);
  EXPECT_EQ(links["stream"], "LINKLY_LINKS");
  EXPECT_EQ(links["subjects"], "links.>");
  EXPECT_EQ(links["replicas"], 1);
  EXPECT_EQ(links["result"], "created");
  EXPECT_EQ(parse_json_line(lines[1])["stream"], "LINKLY_CLICKS");

  cli_result again = cluster({"cluster", "init"});
  ASSERT_EQ(again.exit_code(), 0) << again.describe();
  for (const auto& line : again.out_lines()) EXPECT_EQ(parse_json_line(line)["result"], "exists");

  cli_result status = cluster({"cluster", "status"});
  ASSERT_EQ(status.exit_code(), 0) << status.describe();
  boost::json::object s = parse_json_line(status.out);
  ASSERT_EQ(s["servers"].as_array().size(), 1u);
  EXPECT_EQ(s["servers"].as_array()[0].as_object().at("reachable"), true);
  ASSERT_EQ(s["streams"].as_array().size(), 2u);
  boost::json::object stream = s["streams"].as_array()[0].as_object();
  EXPECT_EQ(stream["stream"], "LINKLY_LINKS");
  EXPECT_EQ(stream["messages"], 0);
  EXPECT_EQ(stream["last_seq"], 0);
  EXPECT_FALSE(stream.contains("error"));
}

TEST_F(ClusterCommandTest, InitRefusesAStreamWithAnotherConfigAndChangesNothing) {
  ASSERT_EQ(cluster({"cluster", "init"}).exit_code(), 0);
  cli_result wider = cluster({"cluster", "init"}, "3");
  EXPECT_EQ(wider.exit_code(), 1) << wider.describe();
  EXPECT_TRUE(contains(wider.err, "LINKLY_LINKS exists with another config: replicas 1, want 3"))
      << wider.describe();
  // status with the other settings names the mismatch, exit 1.
  cli_result status = cluster({"cluster", "status"}, "3");
  EXPECT_EQ(status.exit_code(), 1) << status.describe();
  EXPECT_TRUE(contains(status.out, "replicas 1, want 3")) << status.describe();
  EXPECT_EQ(cluster({"cluster", "status"}).exit_code(), 0);
}

TEST_F(ClusterCommandTest, StatusNamesAnUnreachableServerAndAMissingStream) {
  cli_result res = run_linkly(
      {"--cluster-nats-urls", nats_->url(0) + ",nats://127.0.0.1:1", "cluster", "status"});
  EXPECT_EQ(res.exit_code(), 1) << res.describe();
  boost::json::object s = parse_json_line(res.out);
  auto servers = s["servers"].as_array();
  ASSERT_EQ(servers.size(), 2u);
  EXPECT_EQ(servers[0].as_object().at("reachable"), true);
  EXPECT_EQ(servers[1].as_object().at("reachable"), false);
  EXPECT_TRUE(contains(res.out, "stream LINKLY_LINKS does not exist")) << res.describe();
}

TEST_F(ClusterCommandTest, BadSettingsGiveAClearErrorAndNonZeroExit) {
  cli_result none = run_linkly({"cluster", "init"});
  EXPECT_EQ(none.exit_code(), 2) << none.describe();
  EXPECT_TRUE(contains(none.err, "no NATS servers: set cluster.nats_urls")) << none.describe();

  cli_result bad_url = run_linkly({"--cluster-nats-urls", "localhost:4222", "cluster", "init"});
  EXPECT_EQ(bad_url.exit_code(), 2) << bad_url.describe();
  EXPECT_TRUE(contains(bad_url.err, "expected nats://HOST:PORT")) << bad_url.describe();

  cli_result bad_node = run_linkly(
      {"--cluster-nats-urls", nats_->url(0), "--cluster-node", "a.b", "cluster", "init"});
  EXPECT_EQ(bad_node.exit_code(), 2) << bad_node.describe();

  cli_result unreachable = run_linkly(
      {"cluster", "init"}, {.env = {{"LINKLY_CLUSTER_NATS_URLS", "nats://127.0.0.1:1"}}});
  EXPECT_EQ(unreachable.exit_code(), 1) << unreachable.describe();
  EXPECT_TRUE(contains(unreachable.err, "cannot connect to NATS at nats://127.0.0.1:1"))
      << unreachable.describe();

  // The YAML file takes a list.
  std::string yaml = data_.path() + "/linkly.yaml";
  {
    std::ofstream f(yaml);
    f << "cluster:\n  nats_urls:\n    - " << nats_->url(0) << "\n  replicas: 1\n";
  }
  cli_result from_yaml = run_linkly({"--config", yaml, "cluster", "init"});
  EXPECT_EQ(from_yaml.exit_code(), 0) << from_yaml.describe();
}

TEST_F(ClusterCommandTest, ImportKeepsSequenceNumbersAndARerunAddsNothing) {
  write_single_node_log();
  ASSERT_EQ(cluster({"cluster", "init"}).exit_code(), 0);
  cli_result imported = cluster({"cluster", "import"});
  ASSERT_EQ(imported.exit_code(), 0) << imported.describe();
  boost::json::object summary = parse_json_line(imported.out);
  EXPECT_EQ(summary["imported"], 4);
  EXPECT_EQ(summary["last_seq"], 4);

  auto stream = links_stream();
  ASSERT_NE(stream, nullptr);
  std::vector<stream_record> records;
  ASSERT_TRUE(stream->fetch(1, 100, 0ms, &records).is_ok());
  ASSERT_EQ(records.size(), 4u);
  const char* subjects[] = {"links.c1", "links.c2", "links.c3", "links.c1"};
  for (std::size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].seq, i + 1);
    EXPECT_EQ(records[i].subject, subjects[i]);
    envelope env;
    ASSERT_TRUE(decode_record_value(0, records[i].data, &env).is_ok()) << "seq " << i + 1;
    EXPECT_EQ(env.key, std::string(subjects[i]).substr(6));
  }
  // The stream holds the log's subjects' last seqs: a create of c1 from a
  // node expecting nothing is a conflict, an update expecting 4 is not.
  publish_outcome out;
  ASSERT_TRUE(stream->publish("links.c1", "x", 0, "", &out).is_ok());
  EXPECT_TRUE(out.conflict);

  cli_result rerun = cluster({"cluster", "import"});
  ASSERT_EQ(rerun.exit_code(), 0) << rerun.describe();
  EXPECT_EQ(parse_json_line(rerun.out)["imported"], 0);
  EXPECT_EQ(parse_json_line(rerun.out)["already_there"], 4);
}

TEST_F(ClusterCommandTest, ImportCutShortIsContinuedByTheNextRun) {
  write_single_node_log();
  ASSERT_EQ(cluster({"cluster", "init"}).exit_code(), 0);
  // The stream holds the log's first two records, as a run that died after
  // them would have left it.
  std::vector<envelope> events;
  {
    std::unique_ptr<event_log> log;
    log_options no_create;
    no_create.create_if_missing = false;
    ASSERT_TRUE(event_log::open(data_.path() + "/links", no_create, &log).is_ok());
    ASSERT_TRUE(log->read(1, event_log::kNoLimit, event_log::kNoLimit, &events).is_ok());
  }
  ASSERT_EQ(events.size(), 4u);
  auto stream = links_stream();
  ASSERT_NE(stream, nullptr);
  for (std::size_t i = 0; i < 2; ++i) {
    std::string data;
    encode_record_value(events[i], 0, &data);
    publish_outcome out;
    ASSERT_TRUE(stream->publish(links_subject(events[i].key), data, 0, "", &out).is_ok());
    ASSERT_EQ(out.seq, i + 1);
  }

  cli_result rest = cluster({"cluster", "import"});
  ASSERT_EQ(rest.exit_code(), 0) << rest.describe();
  boost::json::object summary = parse_json_line(rest.out);
  EXPECT_EQ(summary["already_there"], 2);
  EXPECT_EQ(summary["imported"], 2);
  EXPECT_TRUE(contains(rest.err, "already holds records 1-2")) << rest.describe();
  std::vector<stream_record> records;
  ASSERT_TRUE(stream->fetch(1, 100, 0ms, &records).is_ok());
  ASSERT_EQ(records.size(), 4u);
  for (std::size_t i = 0; i < records.size(); ++i) {
    envelope env;
    ASSERT_TRUE(decode_record_value(0, records[i].data, &env).is_ok());
    env.seq = records[i].seq;
    EXPECT_EQ(env, events[i]) << "seq " << i + 1;
  }
}

TEST_F(ClusterCommandTest, ImportRefusesAStreamHoldingSomethingElse) {
  write_single_node_log();
  ASSERT_EQ(cluster({"cluster", "init"}).exit_code(), 0);
  auto stream = links_stream();
  ASSERT_NE(stream, nullptr);
  publish_outcome out;
  ASSERT_TRUE(stream->publish("links.other", "not this log", 0, "", &out).is_ok());
  cli_result res = cluster({"cluster", "import"});
  EXPECT_EQ(res.exit_code(), 1) << res.describe();
  EXPECT_TRUE(contains(res.err, "is not empty (1 records)")) << res.describe();
  std::uint64_t last = 0;
  ASSERT_TRUE(stream->last_seq(&last).is_ok());
  EXPECT_EQ(last, 1u);
}

TEST_F(ClusterCommandTest, ImportNeedsTheStreamsAndAStoppedServer) {
  write_single_node_log();
  cli_result no_stream = cluster({"cluster", "import"});
  EXPECT_EQ(no_stream.exit_code(), 1) << no_stream.describe();
  EXPECT_TRUE(contains(no_stream.err, "run `linkly cluster init`")) << no_stream.describe();

  ASSERT_EQ(cluster({"cluster", "init"}).exit_code(), 0);
  server_process server(data_.path());
  cli_result busy = cluster({"cluster", "import"});
  EXPECT_EQ(busy.exit_code(), 1) << busy.describe();
  EXPECT_TRUE(contains(busy.err, "stop it first")) << busy.describe();
}

// A running node reports itself: status lists it with how far its replica
// and projections are behind (0 once it has applied the create).
TEST_F(ClusterCommandTest, StatusListsTheRunningNodesAndTheirLag) {
  ASSERT_EQ(cluster({"cluster", "init"}).exit_code(), 0);
  server_options opts;
  opts.extra_args = {"--cluster-nats-urls", nats_->urls_csv(),
                     "--cluster-replicas",  "1",
                     "--cluster-node",      "alpha"};
  server_process server(data_.path(), opts);
  http_client client(server.port());
  ASSERT_EQ(create_link(client, "https://example.com/a", "a").status, 201);
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  boost::json::object node;
  cli_result res;
  do {
    res = cluster({"cluster", "status"});
    ASSERT_EQ(res.exit_code(), 0) << res.describe();
    const boost::json::value status = boost::json::parse(res.out);
    const auto& nodes = status.as_object().at("nodes").as_array();
    if (nodes.size() == 1) node = nodes[0].as_object();
  } while ((node.empty() || node.at("links_lag").to_number<std::uint64_t>() != 0 ||
            node.at("links_replica_seq").to_number<std::uint64_t>() != 1) &&
           std::chrono::steady_clock::now() < deadline);
  ASSERT_FALSE(node.empty()) << "no node reported itself: " << res.describe();
  EXPECT_EQ(node.at("node").as_string(), "alpha");
  EXPECT_EQ(node.at("links_replica_seq").to_number<std::uint64_t>(), 1u);
  EXPECT_EQ(node.at("links_lag").to_number<std::uint64_t>(), 0u);
  bool cache_seen = false;
  for (const auto& p : node.at("projections").as_array()) {
    const auto& o = p.as_object();
    if (o.at("projection").as_string() == "cache") {
      cache_seen = true;
      EXPECT_EQ(
          o.at("checkpoint").to_number<std::uint64_t>() + o.at("lag").to_number<std::uint64_t>(),
          o.at("head").to_number<std::uint64_t>());
    }
  }
  EXPECT_TRUE(cache_seen);
}

TEST(ClusterCommandThreeServers, StatusShowsTheLeaderAndTwoFollowers) {
  if (nats_cluster::binary().empty()) GTEST_SKIP() << nats_cluster::kMissing;
  nats_cluster nats(3);
  cli_result init = run_linkly({"--cluster-nats-urls", nats.urls_csv(), "cluster", "init"});
  ASSERT_EQ(init.exit_code(), 0) << init.describe();
  EXPECT_EQ(parse_json_line(init.out_lines()[0])["replicas"], 3);
  // A new stream elects its leader within seconds (longer on a loaded
  // machine): status says what is, so it is asked until both have one.
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  cli_result res;
  boost::json::object s;
  auto led = [&] {
    for (const auto& stream : s["streams"].as_array()) {
      const auto& o = stream.as_object();
      if (o.at("leader") == "" || o.at("followers").as_array().size() != 2u) return false;
    }
    return true;
  };
  do {
    res = run_linkly({"--cluster-nats-urls", nats.urls_csv(), "cluster", "status"});
    ASSERT_EQ(res.exit_code(), 0) << res.describe();
    s = parse_json_line(res.out);
  } while (!led() && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(s["servers"].as_array().size(), 3u);
  for (const auto& stream : s["streams"].as_array()) {
    const auto& o = stream.as_object();
    EXPECT_EQ(o.at("replicas"), 3);
    EXPECT_NE(o.at("leader"), "") << res.out;
    EXPECT_EQ(o.at("followers").as_array().size(), 2u) << res.out;
  }
}

}  // namespace
}  // namespace linkly::e2e
