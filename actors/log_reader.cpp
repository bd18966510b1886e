#include "actors/log_reader.hpp"

#include "actors/atoms.hpp"
#include "actors/exception_text.hpp"
#include "storage/event_log.hpp"
#include "storage/read_failure.hpp"
#include "storage/thread_priority.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

namespace linkly {

namespace {

log_reader_actor::behavior_type log_reader(log_reader_actor::pointer self,
                                           std::shared_ptr<const event_log> log) {
  // Named, not lowered: a client's history request waits for its reads.
  name_thread("links-reader");
  self->set_exception_handler([](std::exception_ptr& e) -> caf::error {
    spdlog::error("links log reader failed: {}", describe_exception(e));
    return caf::sec::runtime_error;
  });
  // The last seq logged as unreadable: a client asking again and again for
  // the same damaged event is answered each time but logged once.
  auto last_logged = std::make_shared<std::uint64_t>(0);
  return {
      [log, last_logged](
          read_atom, const std::vector<std::uint64_t>& seqs) -> caf::result<std::vector<envelope>> {
        std::vector<envelope> out(seqs.size());
        for (std::size_t i = 0; i < seqs.size(); ++i) {
          if (status st = log->get(seqs[i], &out[i]); !st) {
            std::string message = read_failure_message("links", seqs[i], st);
            if (*last_logged != seqs[i]) {
              *last_logged = seqs[i];
              spdlog::error("{} (`linkly log check` lists every damaged record)", message);
            }
            return make_error(journal_errc::read_failed, std::move(message));
          }
        }
        return out;
      },
  };
}

}  // namespace

log_reader_actor spawn_log_reader(caf::actor_system& sys, std::shared_ptr<const event_log> log) {
  return sys.spawn<caf::detached>(log_reader, std::move(log));
}

}  // namespace linkly
