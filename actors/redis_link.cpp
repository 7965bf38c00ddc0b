// Everything here runs on the link's own thread; the connection never leaves it.
#include "actors/redis_link.hpp"

#include <optional>
#include <random>

#include "logging/log.hpp"

namespace vapi_cache {
namespace {

using clock_type = std::chrono::steady_clock;

struct link_state {
  static constexpr const char* name = "redis_link";
  redis_link_options opts;
  std::optional<redis::connection> conn;
  std::optional<redis::endpoint> master;  // with sentinels: the last one they named
  bool up = false;            // as last logged
  bool ever_tried = false;    // the first failure is logged as a change too
  std::chrono::milliseconds backoff{0};
  clock_type::time_point next_attempt{};
  std::minstd_rand jitter{std::random_device{}()};
};

bool via_sentinels(const link_state& st) { return !st.opts.sentinels.empty(); }

// Where the link is (or was last) connected, for log lines: never the password.
std::string where(const link_state& st) {
  if (!via_sentinels(st))
    return st.opts.where.redacted();
  return st.master ? st.master->redacted() : "sentinel master " + st.opts.master_name;
}

void went_down(link_state& st, const std::string& why) {
  st.conn.reset();
  st.backoff = st.backoff.count() == 0 ? st.opts.min_backoff
                                       : std::min(st.backoff * 2, st.opts.max_backoff);
  // +-25 %: instances that lost Redis together do not come back in step.
  auto spread = std::uniform_int_distribution<long>(-st.backoff.count() / 4,
                                                    st.backoff.count() / 4)(st.jitter);
  st.next_attempt = clock_type::now() + st.backoff + std::chrono::milliseconds(spread);
  if (st.up || !st.ever_tried)
    logging::warn("redis_down", {{"redis", where(st)},
                                 {"reason", why},
                                 {"retryMs", st.backoff.count()}});
  st.up = false;
  st.ever_tried = true;
}

// A connection to the master the sentinels name; throws connection_error with their reasons.
redis::connection open_via_sentinels(link_state& st) {
  auto found = redis::resolve_master(st.opts.sentinels, st.opts.master_name, st.opts.where,
                                     st.opts.timeout);
  if (!found.ok)
    throw redis::connection_error(found.error);
  bool changed = !st.master || st.master->host != found.ok->host ||
                 st.master->port != found.ok->port;
  if (changed)
    logging::info("redis_master", {{"redis", found.ok->redacted()},
                                   {"master", st.opts.master_name},
                                   {"previous", st.master ? st.master->redacted() : ""}});
  st.master = std::move(found.ok);
  return std::move(*found.conn);
}

// A connection, or the reason there is none.
std::optional<std::string> ensure_connected(link_state& st) {
  if (st.conn)
    return std::nullopt;
  if (st.ever_tried && !st.up && clock_type::now() < st.next_attempt)
    return std::string("Redis is unavailable; next connection attempt in ") +
           std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                            st.next_attempt - clock_type::now())
                            .count()) +
           " ms";
  try {
    st.conn = via_sentinels(st) ? open_via_sentinels(st)
                                : redis::connection::open(st.opts.where, st.opts.timeout);
  } catch (const redis::connection_error& e) {
    went_down(st, e.what());
    return std::string(e.what());
  }
  if (!st.up)
    logging::info("redis_up", {{"redis", where(st)}});
  st.up = true;
  st.ever_tried = true;
  st.backoff = std::chrono::milliseconds(0);
  return std::nullopt;
}

// A reply saying the server we hold is a replica now (demoted by a failover).
bool demoted(const std::vector<redis::reply>& replies) {
  for (const auto& r : replies)
    if (r.is_error() && r.text.rfind("READONLY", 0) == 0)
      return true;
  return false;
}

redis_result run(link_state& st, const std::vector<redis::command>& commands) {
  redis_result out;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (auto why = ensure_connected(st)) {
      if (attempt == 0)
        out.error = *why;
      return out;  // the second time: the first attempt's READONLY replies
    }
    try {
      auto replies = st.conn->pipeline(commands);
      bool again = via_sentinels(st) && demoted(replies);
      if (attempt == 0 || !again) {
        out.replies = std::move(replies);
        out.ok = true;
      }
      if (!again)
        return out;
      logging::warn("redis_demoted", {{"redis", where(st)}, {"master", st.opts.master_name}});
      st.conn.reset();  // not down: ask the sentinels again at once
    } catch (const redis::connection_error& e) {
      out = redis_result{};
      out.error = e.what();
      went_down(st, e.what());
      return out;
    }
  }
  return out;
}

}  // namespace

redis_link_actor spawn_redis_link(caf::actor_system& system, redis_link_options options) {
  auto behavior = [](redis_link_actor::stateful_pointer<link_state> self,
                     redis_link_options opts) -> redis_link_actor::behavior_type {
    self->state.opts = std::move(opts);
    return {
      [self](redis_run_atom, const std::vector<redis::command>& commands) {
        return run(self->state, commands);
      },
      [self](redis_master_atom) {
        auto& st = self->state;
        if (!via_sentinels(st))
          return;
        st.conn.reset();
        st.next_attempt = clock_type::now();  // news, not a retry: no back-off to wait out
      },
    };
  };
  return system.spawn<caf::detached>(behavior, std::move(options));
}

}  // namespace vapi_cache
