#include "actors/supervisor.hpp"

#include "actors/exception_text.hpp"
#include "actors/restart_budget.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace linkly {

namespace {

struct supervised_child {
  child_spec spec;
  caf::actor_addr addr;  // of the running incarnation
  restart_budget budget;
};

struct supervisor_state {
  // Not an aggregate: C++20 would otherwise let CAF build it from the actor.
  supervisor_state() = default;
  supervision_options options;
  supervisor_hooks hooks;
  std::vector<supervised_child> children;
  bool stopping = false;
  static inline const char* name = "supervisor";
};

using supervisor_pointer = caf::stateful_actor<supervisor_state>*;

bool all_down(const supervisor_state& st) {
  return std::all_of(st.children.begin(), st.children.end(),
                     [](const supervised_child& c) { return !c.addr; });
}

// Books a restart of child `i` after its backoff, or gives up when the
// child restarts too often.
void schedule_restart(supervisor_pointer self, std::size_t i) {
  auto& st = self->state;
  auto& child = st.children[i];
  if (!child.budget.spend()) {
    auto reason = child.spec.name + " stopped " + std::to_string(child.budget.spent()) +
                  " times within " + std::to_string(st.options.restart_window.count()) +
                  " ms; giving up";
    spdlog::critical("supervisor: {}", reason);
    st.stopping = true;
    if (st.hooks.on_fatal) st.hooks.on_fatal(reason);
    for (auto& c : st.children) {
      if (c.addr) self->send_exit(c.addr, caf::exit_reason::user_shutdown);
    }
    self->quit(caf::exit_reason::user_shutdown);
    return;
  }
  auto backoff = child.budget.backoff(st.options.initial_backoff, st.options.max_backoff);
  spdlog::warn("supervisor: restarting {} in {} ms", child.spec.name, backoff.count());
  self->delayed_send(self, backoff, restart_atom::value, static_cast<std::uint64_t>(i));
}

void watch(supervisor_pointer self, std::size_t i, const caf::actor& hdl) {
  self->state.children[i].addr = hdl.address();
  self->monitor(hdl);
}

caf::behavior supervisor(supervisor_pointer self, supervision_options options,
                         std::vector<child_spec> specs, supervisor_hooks hooks) {
  auto& st = self->state;
  st.options = options;
  st.hooks = std::move(hooks);
  for (auto& spec : specs) {
    st.children.push_back(
        {std::move(spec), {}, restart_budget(options.max_restarts, options.restart_window)});
  }
  for (std::size_t i = 0; i < st.children.size(); ++i) {
    watch(self, i, st.children[i].spec.initial);
    st.children[i].spec.initial = nullptr;  // the directory holds it; don't keep it alive
  }
  // Nobody restarts the supervisor: if it fails, the server must stop.
  self->set_exception_handler([self](std::exception_ptr& e) -> caf::error {
    std::string what = describe_exception(e);
    spdlog::critical("supervisor failed: {}", what);
    if (self->state.hooks.on_fatal) self->state.hooks.on_fatal("supervisor failed: " + what);
    return caf::sec::runtime_error;
  });
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    for (std::size_t i = 0; i < st.children.size(); ++i) {
      auto& child = st.children[i];
      if (child.addr != dm.source) continue;
      child.addr = nullptr;
      if (st.stopping) {
        if (all_down(st)) self->quit(caf::exit_reason::user_shutdown);
        return;
      }
      spdlog::error("supervisor: {} stopped: {}", child.spec.name,
                    self->system().render(dm.reason));
      schedule_restart(self, i);
      return;
    }
  });
  return {
      [self](restart_atom, std::uint64_t i) {
        auto& st = self->state;
        if (st.stopping || i >= st.children.size()) return;
        st.children[i].spec.restart(self, [self, i](caf::actor hdl) {
          auto& st = self->state;
          if (st.stopping) {
            if (hdl) self->send_exit(hdl, caf::exit_reason::user_shutdown);
            return;
          }
          if (!hdl) {
            spdlog::error("supervisor: {} could not start", st.children[i].spec.name);
            return schedule_restart(self, i);
          }
          watch(self, i, hdl);
          if (st.hooks.restarts) st.hooks.restarts->fetch_add(1);
          spdlog::info("supervisor: {} restarted", st.children[i].spec.name);
        });
      },
      [self](shutdown_atom) {
        auto& st = self->state;
        st.stopping = true;
        for (auto& c : st.children) {
          if (c.addr) self->send_exit(c.addr, caf::exit_reason::user_shutdown);
        }
        if (all_down(st)) self->quit(caf::exit_reason::user_shutdown);
      },
  };
}

}  // namespace

caf::actor spawn_supervisor(caf::actor_system& sys, const supervision_options& options,
                            std::vector<child_spec> children, supervisor_hooks hooks) {
  return sys.spawn(supervisor, options, std::move(children), std::move(hooks));
}

}  // namespace linkly
