// The Lua scripts the Redis store runs (EVALSHA, loaded at connect), each one atomic step:
// Redis runs a script with nothing else in between, so every instance sees the whole change
// or none of it. Pure text; tests/redis_scripts_test.cpp runs each against a real redis-server.
#pragma once

#include <string_view>

namespace redis::scripts {

// A result stored: the CallResult under its key with the TTL, the call's status removed (a
// result supersedes it), and the call id published to every instance's waiters.
//   KEYS[1] <prefix>call:<id>  KEYS[2] <prefix>status:<id>
//   ARGV[1] the CallResult JSON  ARGV[2] TTL in ms  ARGV[3] the channel  ARGV[4] the call id
// Returns the number of instances that got the message.
inline constexpr std::string_view store = R"lua(
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('DEL', KEYS[2])
return redis.call('PUBLISH', ARGV[3], ARGV[4])
)lua";

// A status-update noted, unless the call already has a result (a late "ended" must not hide
// nothing, and a result is never shadowed by a status).
//   KEYS[1] <prefix>call:<id>  KEYS[2] <prefix>status:<id>
//   ARGV[1] the status JSON  ARGV[2] TTL in ms
// Returns 1 when written, 0 when the call has a result.
inline constexpr std::string_view note_status = R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return 1
)lua";

}  // namespace redis::scripts
