// linkly: a URL shortener and link-analytics service.

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
  if (*dlq_list) return linkly::run_dlq_list(cfg);
  if (*dlq_redrive) return linkly::run_dlq_redrive(cfg, dlq_id);
  if (*dlq_discard) return linkly::run_dlq_discard(cfg, dlq_id);
  return EXIT_FAILURE;
}
