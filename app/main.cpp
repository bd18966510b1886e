// linkly: a URL shortener and link-analytics service.

#include "app/api_key_command.hpp"
#include "app/cluster_command.hpp"
#include "app/commands.hpp"
#include "app/config.hpp"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>

int main(int argc, char** argv) {
  linkly::config cfg;
  auto settings = linkly::settings_of(cfg);

  CLI::App app{"linkly: short links, redirects and click analytics over an event log"};
  app.require_subcommand(1);
  app.fallthrough();
  std::string config_path;
  app.add_option("--config", config_path, "YAML config file (any setting below)")
      ->envname("LINKLY_CONFIG");
  std::vector<std::string> values(settings.size());
  std::vector<CLI::Option*> options;
  for (std::size_t i = 0; i < settings.size(); ++i) {
    const auto& s = settings[i];
    options.push_back(app.add_option(s.flag, values[i], s.help + " [" + s.key + "]")
                          ->envname(s.env)
                          ->default_str(s.get())
                          ->group("Settings (flag, LINKLY_* variable or YAML key)"));
  }

  auto* serve = app.add_subcommand("serve", "run the HTTP server");
  auto* log = app.add_subcommand("log", "read the event logs");
  log->require_subcommand(1);
  linkly::dump_options dump;
  auto* dump_cmd = log->add_subcommand("dump", "print a log as JSON lines, oldest first");
  dump_cmd->add_option("log", dump.log, "which log")->check(CLI::IsMember({"links", "clicks"}));
  dump_cmd->add_option("--from", dump.from, "first sequence number")->check(CLI::PositiveNumber);
  dump_cmd->add_option("--limit", dump.limit, "most events to print");

  linkly::tail_options tail;
  auto* tail_cmd = log->add_subcommand(
      "tail", "follow a running server's log over HTTP (SSE), printing JSON lines as they come");
  tail_cmd
      ->add_option("log", tail.log,
                   "links: GET /events (durable, resumed after a dropped connection); clicks: "
                   "GET /clicks/stream (live only)")
      ->check(CLI::IsMember({"links", "clicks"}))
      ->capture_default_str();
  tail_cmd->add_option("--url", tail.url, "the server's base url")->capture_default_str();
  tail_cmd
      ->add_option("--from", tail.from,
                   "links: first sequence number to print (default: where /events starts "
                   "without ?after)")
      ->check(CLI::PositiveNumber);
  tail_cmd->add_option("--limit", tail.limit, "exit 0 after printing this many events")
      ->check(CLI::PositiveNumber);
  tail_cmd
      ->add_option("--retries", tail.retries,
                   "failed reconnects in a row (exponential backoff) before giving up with exit 1")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  tail_cmd->add_option("--token", tail.token, "API token, sent as Authorization: Bearer")
      ->envname("LINKLY_TOKEN");

  std::string stats_log = "links";
  auto* stats_cmd = log->add_subcommand(
      "stats",
      "offline: records per event type and per UTC day, first/last seq, as one JSON "
      "object");
  stats_cmd->add_option("log", stats_log, "which log")
      ->check(CLI::IsMember({"links", "clicks"}))
      ->capture_default_str();

  std::string check_log = "all";
  auto* check_cmd = log->add_subcommand(
      "check",
      "offline, changing nothing: read and decode every record (checksums, gaps, payloads), "
      "name what LevelDB's recovery would drop and any projection ahead of the log; exit 1 "
      "naming the seqs of any problem");
  check_cmd->add_option("log", check_log, "which log (all: links, and clicks if present)")
      ->check(CLI::IsMember({"links", "clicks", "all"}))
      ->capture_default_str();

  linkly::repair_options repair;
  auto* repair_cmd = log->add_subcommand(
      "repair",
      "offline: after records were lost from a log (see `log check`), mark their seqs as lost "
      "(never reused), recreate the links the cache still holds, and rebuild every projection; "
      "prints a JSON summary");
  repair_cmd->add_flag("--truncate", repair.truncate,
                       "accept the loss: recreate nothing, rewind every projection to the log");

  linkly::import_options import;
  auto* import_cmd = app.add_subcommand(
      "import",
      "stream a CSV file (header line, then code,url per line) to a running server's POST "
      "/links/import; prints its JSON answer");
  import_cmd->add_option("file", import.file, "the CSV file")->required();
  import_cmd->add_option("--server", import.server, "the server's base url")->capture_default_str();
  import_cmd->add_option("--token", import.token, "API token, sent as Authorization: Bearer")
      ->envname("LINKLY_TOKEN");

  linkly::api_key_options api_key;
  auto* api_key_cmd = app.add_subcommand(
      "api-key", "create, list or revoke the API keys of a running server; prints its JSON answer");
  api_key_cmd->require_subcommand(1);
  auto* key_create = api_key_cmd->add_subcommand(
      "create", "create a key; the answer holds the key, shown only this once");
  key_create->add_option("name", api_key.name, "the key's name (1-64 of A-Za-z0-9_.-)")->required();
  key_create->add_option("--expires", api_key.expires,
                         "when the key stops working (RFC 3339, e.g. 2027-01-31T00:00:00Z)");
  auto* key_list = api_key_cmd->add_subcommand("list", "list the keys (never their secrets)");
  auto* key_revoke =
      api_key_cmd->add_subcommand("revoke", "revoke a key: refused from the next request on");
  key_revoke->add_option("name", api_key.name, "the key's name")->required();
  for (auto* cmd : {key_create, key_list, key_revoke}) {
    cmd->add_option("--server", api_key.server, "the server's base url")->capture_default_str();
    cmd->add_option("--token", api_key.token, "API token or key, sent as Authorization: Bearer")
        ->envname("LINKLY_TOKEN");
  }

  linkly::replay_options replay;
  auto* replay_cmd = app.add_subcommand(
      "replay",
      "offline: rebuild projections from the logs, verify them, or show a link's past state "
      "(refuses while a server holds the data)");
  auto* replay_projection =
      replay_cmd
          ->add_option("--projection", replay.projection,
                       "which projection to rebuild (its store is cleared first); with --verify, "
                       "which to verify (default all)")
          ->check(CLI::IsMember({"cache", "analytics", "all"}));
  auto* replay_from =
      replay_cmd
          ->add_option("--from", replay.from,
                       "partial rebuild: apply only the events at and after this seq of each log "
                       "the projection reads (default 1: a full rebuild)")
          ->check(CLI::PositiveNumber)
          ->needs(replay_projection);
  auto* replay_verify = replay_cmd->add_flag(
      "--verify", replay.verify,
      "rebuild every projection in a temporary directory up to the live store's checkpoints and "
      "compare key by key; print each difference, exit 1 on any, 0 when identical");
  auto* replay_code = replay_cmd->add_option("--code", replay.code,
                                             "show this link as of --as-of (one JSON object)");
  auto* replay_as_of =
      replay_cmd
          ->add_option("--as-of", replay.as_of,
                       "links-log seq: the link's state right after it; exit 1 if the code did "
                       "not exist by then")
          ->check(CLI::PositiveNumber);
  replay_code->needs(replay_as_of)->excludes(replay_verify)->excludes(replay_projection);
  replay_as_of->needs(replay_code);
  replay_verify->excludes(replay_from);

  auto* dlq = app.add_subcommand("dlq", "dead letters: click batches that could not be written");
  dlq->require_subcommand(1);
  auto* dlq_list = dlq->add_subcommand("list", "print the dead letters as JSON lines");
  std::uint64_t dlq_id = 0;
  auto* dlq_redrive =
      dlq->add_subcommand("redrive", "write dead letters to the clicks log, then erase them");
  dlq_redrive->add_option("--id", dlq_id, "only this dead letter (default: all)")
      ->check(CLI::PositiveNumber);
  auto* dlq_discard = dlq->add_subcommand("discard", "erase a dead letter without writing it");
  dlq_discard->add_option("id", dlq_id, "the dead letter's id")
      ->required()
      ->check(CLI::PositiveNumber);

  auto* cluster = app.add_subcommand(
      "cluster", "cluster mode on NATS JetStream (docs/CLUSTER.md); needs cluster.nats_urls");
  cluster->require_subcommand(1);
  auto* cluster_init = cluster->add_subcommand(
      "init",
      "create the links and clicks streams, or check existing ones (replicas, file storage, "
      "limits retention, duplicate window); changes no existing stream");
  auto* cluster_status = cluster->add_subcommand(
      "status",
      "each server's reachability and each stream's messages, last seq, replicas and leader, as "
      "JSON; exit 1 if anything is unreachable, missing or mismatching");
  auto* cluster_import = cluster->add_subcommand(
      "import",
      "offline: publish the data dir's links log into the EMPTY links stream in order, keeping "
      "sequence numbers (a run cut short is continued by the next)");

  CLI11_PARSE(app, argc, argv);

  if (!config_path.empty()) {
    if (auto st = linkly::load_yaml_config(config_path, settings); !st) {
      std::cerr << "linkly: " << st.message() << "\n";
      return 2;
    }
  }
  for (std::size_t i = 0; i < settings.size(); ++i) {
    if (options[i]->count() == 0) continue;
    std::string error;
    if (!settings[i].set(values[i], &error)) {
      std::cerr << "linkly: " << settings[i].flag << " (" << settings[i].env << "): " << error
                << "\n";
      return 2;
    }
  }

  if (*serve) return linkly::run_serve(cfg);
  if (*dump_cmd) return linkly::run_log_dump(cfg, dump);
  if (*tail_cmd) return linkly::run_log_tail(tail);
  if (*stats_cmd) return linkly::run_log_stats(cfg, stats_log);
  if (*check_cmd) return linkly::run_log_check(cfg, check_log);
  if (*repair_cmd) return linkly::run_log_repair(cfg, repair);
  if (*import_cmd) return linkly::run_import(import);
  if (*api_key_cmd) {
    api_key.action = *key_create ? "create" : *key_list ? "list" : "revoke";
    return linkly::run_api_key(api_key);
  }
  if (*replay_cmd) return linkly::run_replay(cfg, replay);
  if (*cluster_init) return linkly::run_cluster_init(cfg);
  if (*cluster_status) return linkly::run_cluster_status(cfg);
  if (*cluster_import) return linkly::run_cluster_import(cfg);
  if (*dlq_list) return linkly::run_dlq_list(cfg);
  if (*dlq_redrive) return linkly::run_dlq_redrive(cfg, dlq_id);
  if (*dlq_discard) return linkly::run_dlq_discard(cfg, dlq_id);
  return EXIT_FAILURE;
}
