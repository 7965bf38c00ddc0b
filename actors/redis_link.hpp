// The one owner of a Redis connection (redis/connection.hpp), on a thread of its own (CAF
// detached), so that no reactor and no cache-side actor ever waits on Redis. Each request is a
// batch of commands sent as one pipeline (one round trip, however many commands); the actor
// that asks does the batching, as the cache's commit queue does for the journal.
//
// When Redis is down, a request is answered at once with ok = false: the link connects again
// on the first request after its back-off (100 ms doubling to 5 s, with jitter), never in a
// tight loop, and logs once per change of state (redis_down at warn with the reason,
// redis_up at info with the URL, password shown as ***), not once per attempt.
//
// With sentinels (REDIS_SENTINELS, REDIS_MASTER_NAME) every (re)connect first asks them for
// the master (redis/sentinel.hpp) and logs redis_master at info when it is another one. The
// link drops its connection, so that the next request asks again, when:
//   - the connection breaks (a failover's sentinels kill the demoted master's clients);
//   - a reply is a READONLY error: the server was demoted to a replica under us. That batch is
//     then sent once more on the master the sentinels name now, if they name one that is a
//     master, and its caller gets those replies; otherwise the caller gets the first replies
//     (READONLY errors, ok = true). Sending twice is within the contract below: replicas refuse
//     every write, and a batch must be safe to send again anyway;
//   - it is told redis_master_atom (actors/sentinel_watch.hpp heard +switch-master): the next
//     request reconnects at once, even within a back-off. Without sentinels the message is
//     ignored: the URL is the master.
#pragma once

#include <caf/all.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "redis/connection.hpp"
#include "redis/redis_url.hpp"
#include "redis/sentinel.hpp"

namespace vapi_cache {

using redis_run_atom = caf::atom_constant<caf::atom("redis_run")>;
constexpr redis_run_atom redis_run_atom_v{};
// "The master may have changed": drop the connection, ask the sentinels on the next request.
using redis_master_atom = caf::atom_constant<caf::atom("redis_mstr")>;
constexpr redis_master_atom redis_master_atom_v{};

// ok = false after a batch went out means Redis may have run part of it: whatever the store
// sends must be safe to send again (SET, DEL and PUBLISH of the same values are).
struct redis_result {
  bool ok = false;                   // false: not sent, or the connection broke on the way
  std::string error;                 // why, when not ok (never the password)
  std::vector<redis::reply> replies;  // one per command when ok (an error reply is a reply)
};

using redis_link_actor = caf::typed_actor<
  caf::replies_to<redis_run_atom, std::vector<redis::command>>::with<redis_result>,
  caf::reacts_to<redis_master_atom>>;

struct redis_link_options {
  redis::endpoint where;  // with sentinels: the user, password and db (host and port unused)
  std::vector<redis::sentinel_address> sentinels;  // empty: connect to `where`
  std::string master_name;                         // with sentinels: REDIS_MASTER_NAME
  std::chrono::milliseconds timeout{2000};  // connect, and every round trip
  std::chrono::milliseconds min_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
};

redis_link_actor spawn_redis_link(caf::actor_system& system, redis_link_options options);

}  // namespace vapi_cache

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vapi_cache::redis_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<redis::command>)
