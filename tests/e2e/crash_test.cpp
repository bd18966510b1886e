// SIGKILL in the middle of a stream of creates: after a restart every
// acknowledged link is there with its url, nothing unacknowledged shows up
// with a wrong url, and the log is gap-free and agrees with the state.

#include "tests/support/http_client.hpp"
#include "tests/support/linkly_cli.hpp"
#include "tests/support/links_api.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace linkly::e2e {
namespace {

using namespace std::chrono_literals;

constexpr int kClients = 16;
constexpr int kMaxPerClient = 100'000;  // far more than ~1 s allows

std::string code_of(int client, int i) {
  return "c" + std::to_string(client) + "_" + std::to_string(i);
}
std::string url_of(int client, int i) {
  return "https://example.com/" + std::to_string(client) + "/" + std::to_string(i);
}

// What one client thread did.
struct client_record {
  std::vector<std::string> acked;      // answered 201
  std::vector<std::string> attempted;  // sent, not answered 201 (maybe stored)
  std::string last_error;
};

// The url each sent code was created with.
std::map<std::string, std::string> urls_sent(const std::vector<client_record>& records) {
  std::map<std::string, std::string> urls;
  for (int c = 0; c < static_cast<int>(records.size()); ++c) {
    auto add = [&](const std::string& code) {
      int i = std::stoi(code.substr(code.find('_') + 1));
      urls.emplace(code, url_of(c, i));
    };
    for (const auto& code : records[c].acked) add(code);
    for (const auto& code : records[c].attempted) add(code);
  }
  return urls;
}

// Counts acks and lets the main thread wait for enough of them.
class ack_counter {
 public:
  void add() {
    std::lock_guard lock(mutex_);
    ++count_;
    changed_.notify_all();
  }
  int wait_for(int target, std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    changed_.wait_until(lock, deadline, [&] { return count_ >= target; });
    return count_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int count_ = 0;
};

TEST(CrashTest, AckedCreatesSurviveSigkillAndTheLogStaysConsistent) {
  temp_dir data;
  std::vector<client_record> records(kClients);

  std::size_t total_acked = 0;
  {
    server_process server(data.path());
    std::atomic<bool> stop{false};
    ack_counter acks;
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c] {
        http_client client(server.port(), 10s);
        client_record& record = records[c];
        for (int i = 0; i < kMaxPerClient && !stop.load(); ++i) {
          http_response res = create_link(client, url_of(c, i), code_of(c, i));
          if (res.status == 201) {
            record.acked.push_back(code_of(c, i));
            acks.add();
            continue;
          }
          record.attempted.push_back(code_of(c, i));
          record.last_error = res.describe();
          if (!res.ok()) break;  // the server is gone
        }
      });
    }
    // Let the stream run about a second (bounded), then crash the server
    // while requests are in flight.
    auto start = std::chrono::steady_clock::now();
    int seen = acks.wait_for(1, start + 15s);
    if (seen > 0) seen = acks.wait_for(5000, start + 1s);
    exit_status killed = server.kill9();
    stop.store(true);
    for (auto& t : clients) t.join();
    EXPECT_EQ(killed.signal, SIGKILL)
        << "the server ended before the kill: " << killed.describe() << "\n"
        << server.output_text();
    ASSERT_GT(seen, 0) << "no create was acknowledged\n" << server.output_text();
    for (const auto& r : records) total_acked += r.acked.size();
  }
  std::map<std::string, std::string> url_by_code = urls_sent(records);

  std::set<std::string> present;
  {
    server_process server(data.path());
    http_client client(server.port());
    for (int c = 0; c < kClients; ++c) {
      for (const std::string& code : records[c].acked) {
        http_response res = client.get("/links/" + code);
        ASSERT_EQ(res.status, 200) << "acknowledged " << code << " lost: " << res.describe();
        EXPECT_EQ(json_object(res)["url"], url_by_code[code].c_str()) << code;
        present.insert(code);
      }
      for (const std::string& code : records[c].attempted) {
        http_response res = client.get("/links/" + code);
        ASSERT_TRUE(res.status == 404 || res.status == 200) << code << ": " << res.describe();
        if (res.status == 200) {
          EXPECT_EQ(json_object(res)["url"], url_by_code[code].c_str()) << code;
          present.insert(code);
        }
      }
    }
    std::string why;
    auto listing = list_all_links(client, &why);
    ASSERT_TRUE(listing.has_value()) << why;
    EXPECT_EQ(listing->size(), present.size()) << "links that no client created are listed";
    EXPECT_TRUE(
        server.wait_for_output("recovered " + std::to_string(present.size()) + " links", 1s))
        << server.output_text();
    client.close();
    exit_status st = server.stop();
    ASSERT_TRUE(st.success()) << st.describe() << "\n" << server.output_text();
  }

  cli_result dump = run_linkly({"log", "dump", "links", "--data", data.path()});
  ASSERT_EQ(dump.exit_code(), 0) << dump.describe();
  std::string why;
  auto events = parse_dump(dump.out_lines(), &why);
  ASSERT_TRUE(events.has_value()) << why;
  std::size_t created = 0;
  for (std::size_t i = 0; i < events->size(); ++i) {
    const dumped_event& e = (*events)[i];
    ASSERT_EQ(e.seq, i + 1) << "sequence numbers must be consecutive from 1";
    ASSERT_EQ(e.type, "LinkCreated") << "only creates were sent";
    ASSERT_EQ(url_by_code.count(e.code), 1u) << "no client sent " << e.code;
    EXPECT_EQ(e.url, url_by_code[e.code]) << e.code;
    EXPECT_EQ(present.count(e.code), 1u) << e.code << " is in the log but not served";
    ++created;
  }
  EXPECT_EQ(created, present.size());
  EXPECT_GE(present.size(), total_acked);
  std::cout << "[          ] " << total_acked << " acked creates, " << present.size()
            << " present after the crash\n";
}

}  // namespace
}  // namespace linkly::e2e
