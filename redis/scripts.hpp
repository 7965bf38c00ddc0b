// The Lua scripts the Redis store runs (EVAL), each one atomic step: Redis runs a script with
// nothing else in between, so every instance sees the whole change or none of it. Pure text;
// tests/redis_scripts_test.cpp runs each against a real redis-server.
//
// Ordering across instances: <prefix>changed:<id> holds the time (epoch ms) of the call's last
// store or delete. A change sent late (from an instance's outbox, after Redis was away) passes
// only_if_newer = "1" and is skipped when that time is not older than its own: a later delete
// or a newer report, made meanwhile by any instance, is never overwritten by an older one.
// A change made while Redis is up passes "0" and always applies.
#pragma once

#include <string_view>

namespace redis::scripts {

// A result stored: the CallResult under its key with the TTL, the change time beside it, the
// call's status removed (a result supersedes it), and the call id published to every
// instance's waiters.
//   KEYS[1] <prefix>call:<id>  KEYS[2] <prefix>status:<id>  KEYS[3] <prefix>changed:<id>
//   ARGV[1] the CallResult JSON  ARGV[2] TTL in ms  ARGV[3] the channel  ARGV[4] the call id
//   ARGV[5] the change time (epoch ms)  ARGV[6] only_if_newer ("1" or "0")
// Returns the number of instances that got the message, or -1 when skipped as older.
inline constexpr std::string_view store = R"lua(
if ARGV[6] == '1' then
  local last = tonumber(redis.call('GET', KEYS[3]) or '') or 0
  if last >= tonumber(ARGV[5]) then
    return -1
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SET', KEYS[3], ARGV[5], 'PX', ARGV[2])
redis.call('DEL', KEYS[2])
return redis.call('PUBLISH', ARGV[3], ARGV[4])
)lua";

// A status-update noted, unless the call already has a result (a result is never shadowed by
// a status), or (only_if_newer) the call was stored or deleted since.
//   KEYS[1] <prefix>call:<id>  KEYS[2] <prefix>status:<id>  KEYS[3] <prefix>changed:<id>
//   ARGV[1] the status JSON  ARGV[2] TTL in ms  ARGV[3] the change time  ARGV[4] only_if_newer
// Returns 1 when written, 0 when not.
inline constexpr std::string_view note_status = R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
if ARGV[4] == '1' then
  local last = tonumber(redis.call('GET', KEYS[3]) or '') or 0
  if last >= tonumber(ARGV[3]) then
    return 0
  end
end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return 1
)lua";

// A call forgotten: its result and its status, the change time kept (for ARGV[2] ms) so that
// an older store sent late does not bring the result back.
//   KEYS[1] <prefix>call:<id>  KEYS[2] <prefix>status:<id>  KEYS[3] <prefix>changed:<id>
//   ARGV[1] the change time  ARGV[2] how long to keep it, ms  ARGV[3] only_if_newer
// Returns {result removed (0/1), status removed (0/1)}; {-1, -1} when skipped as older.
inline constexpr std::string_view remove = R"lua(
if ARGV[3] == '1' then
  local last = tonumber(redis.call('GET', KEYS[3]) or '') or 0
  if last >= tonumber(ARGV[1]) then
    return {-1, -1}
  end
end
local had_result = redis.call('DEL', KEYS[1])
local had_status = redis.call('DEL', KEYS[2])
redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[2])
return {had_result, had_status}
)lua";

}  // namespace redis::scripts
