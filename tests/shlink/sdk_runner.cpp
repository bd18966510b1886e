// ctest shlink.sdk: starts a real `linkly serve` ($LINKLY_BIN) with an API
// token on a free loopback port, runs the Shlink SDK test against it
// (sdk_test.mjs, which starts nothing itself), and stops the server.
//
//   sdk_runner NODE SCRIPT [script flags...]
//
// Exits with the script's status (1 if it did not end by itself within
// kScriptTimeout); on failure prints the server's output too.

#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace linkly::e2e;

// The script bounds its own run below this; this only reaps it.
constexpr std::chrono::seconds kScriptExitWait{10};
// Characters of the random API token (linkly wants at least 16).
constexpr std::size_t kTokenChars = 32;

std::string random_token() {
  static constexpr char kAlphabet[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::random_device rd;
  std::uniform_int_distribution<std::size_t> pick(0, sizeof(kAlphabet) - 2);
  std::string out;
  for (std::size_t i = 0; i < kTokenChars; ++i) out += kAlphabet[pick(rd)];
  return out;
}

// Copies the child's merged output to ours until it closes (the script exits).
void relay(int fd) {
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) return;
    std::fwrite(buffer, 1, static_cast<std::size_t>(n), stdout);
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: sdk_runner NODE SCRIPT [script flags...]\n";
    return 2;
  }
  try {
    temp_dir data("linkly-shlink-sdk-");
    std::string token = random_token();
    server_options options;
    options.env = {{"LINKLY_TOKEN", token}};
    server_process server(data.path(), options);
    std::string base = "http://127.0.0.1:" + std::to_string(server.port());

    spawn_options script;
    script.args = {argv[1], argv[2], base, token};
    for (int i = 3; i < argc; ++i) script.args.emplace_back(argv[i]);
    child_process node(script);
    relay(node.stdout_fd());
    auto status = node.wait_for(kScriptExitWait);
    if (!status) status = node.kill_and_wait();
    bool passed = status->success();
    auto stopped = server.stop();
    if (!passed || !stopped.success()) {
      std::cout << "script: " << status->describe() << "; linkly: " << stopped.describe()
                << "\n--- linkly output ---\n"
                << server.output_text() << std::endl;
      return 1;
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "sdk_runner: " << e.what() << std::endl;
    return 1;
  }
}
