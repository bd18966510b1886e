#include "tests/support/mixed_workload.hpp"

#include "tests/support/http_client.hpp"
#include "tests/support/links_api.hpp"

namespace linkly::e2e {

bool run_mixed_workload(const std::string& data_dir, const server_options& options,
                        std::string* why) {
  server_process server(data_dir, options);
  http_client client(server.port());
  auto expect = [why](const http_response& res, int status, const char* what) {
    if (res.status == status) return true;
    *why = std::string(what) + ": expected " + std::to_string(status) + ", got " + res.describe();
    return false;
  };
  if (!expect(create_link(client, "https://example.com/a", "a"), 201, "create a") ||
      !expect(create_link(client, "https://example.com/b", "b"), 201, "create b") ||
      !expect(create_link(client, "https://example.com/c", "c"), 201, "create c") ||
      !expect(client.put("/links/a", link_body("https://example.com/a2")), 200, "update a") ||
      !expect(client.del("/links/b"), 204, "delete b")) {
    return false;
  }
  for (const char* target : {"/s/a", "/s/a", "/s/a", "/s/c"}) {
    if (!expect(client.get(target), 302, target)) return false;
  }
  client.close();
  exit_status st = server.stop();
  if (!st.success()) {
    *why = "server stop: " + st.describe() + "\n" + server.output_text();
    return false;
  }
  return true;
}

}  // namespace linkly::e2e
