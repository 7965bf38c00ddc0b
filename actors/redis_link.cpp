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
  bool up = false;            // as last logged
  bool ever_tried = false;    // the first failure is logged as a change too
  std::chrono::milliseconds backoff{0};
  clock_type::time_point next_attempt{};
  std::minstd_rand jitter{std::random_device{}()};
};

void went_down(link_state& st, const std::string& why) {
  st.conn.reset();
  st.backoff = st.backoff.count() == 0 ? st.opts.min_backoff
                                       : std::min(st.backoff * 2, st.opts.max_backoff);
  // +-25 %: instances that lost Redis together do not come back in step.
  auto spread = std::uniform_int_distribution<long>(-st.backoff.count() / 4,
                                                    st.backoff.count() / 4)(st.jitter);
  st.next_attempt = clock_type::now() + st.backoff + std::chrono::milliseconds(spread);
  if (st.up || !st.ever_tried)
    logging::warn("redis_down", {{"redis", st.opts.where.redacted()},
                                 {"reason", why},
                                 {"retryMs", st.backoff.count()}});
  st.up = false;
  st.ever_tried = true;
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
    st.conn = redis::connection::open(st.opts.where, st.opts.timeout);
  } catch (const redis::connection_error& e) {
    went_down(st, e.what());
    return std::string(e.what());
  }
  if (!st.up)
    logging::info("redis_up", {{"redis", st.opts.where.redacted()}});
  st.up = true;
  st.ever_tried = true;
  st.backoff = std::chrono::milliseconds(0);
  return std::nullopt;
}

}  // namespace

redis_link_actor spawn_redis_link(caf::actor_system& system, redis_link_options options) {
  auto behavior = [](redis_link_actor::stateful_pointer<link_state> self,
                     redis_link_options opts) -> redis_link_actor::behavior_type {
    self->state.opts = std::move(opts);
    return {
      [self](redis_run_atom, const std::vector<redis::command>& commands) {
        auto& st = self->state;
        redis_result out;
        if (auto why = ensure_connected(st)) {
          out.error = *why;
          return out;
        }
        try {
          out.replies = st.conn->pipeline(commands);
          out.ok = true;
        } catch (const redis::connection_error& e) {
          out.error = e.what();
          went_down(st, e.what());
        }
        return out;
      },
    };
  };
  return system.spawn<caf::detached>(behavior, std::move(options));
}

}  // namespace vapi_cache
