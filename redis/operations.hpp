// Each thing the Redis store does, as the commands it sends and what their replies mean. Pure
// (no I/O): the store actor sends the commands through its batch (actors/redis_batch.hpp) and
// reads the replies with these; tests/redis_operations_test.cpp runs each against a real Redis.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "redis/connection.hpp"
#include "redis/keys.hpp"
#include "redis/values.hpp"

namespace redis::ops {

// When a change was made, and whether it may apply only over older ones (redis/scripts.hpp):
// a change sent late, from the outbox, is only_if_newer.
struct change_time {
  int64_t at_ms = 0;  // epoch ms
  bool only_if_newer = false;
};

// A result stored (scripts::store): the value, its TTL, the status dropped, the id published.
std::vector<command> store(const key_layout& keys, std::string_view id, std::string_view value,
                           std::chrono::milliseconds ttl, change_time when = {});
// nullopt: stored (or skipped as older: see skipped); else Redis's error text.
std::optional<std::string> stored(const std::vector<reply>& replies);
// True when an only_if_newer store found a newer change and left it.
bool skipped(const std::vector<reply>& replies);

// A call looked up: its result, else its last status.
std::vector<command> lookup(const key_layout& keys, std::string_view id);
struct found {
  std::optional<std::string> value;     // the CallResult JSON as stored
  std::optional<status_fields> status;  // only when there is no value
  std::optional<std::string> error;     // Redis refused a command (a wrong type, say)
};
found looked_up(const std::vector<reply>& replies);

// A call forgotten: its result and its status; its change time kept for `keep` (scripts::remove).
std::vector<command> remove(const key_layout& keys, std::string_view id,
                            std::chrono::milliseconds keep, change_time when = {});
struct removed {
  bool had_result = false;
  bool had_status = false;
  bool skipped = false;  // only_if_newer, and the call changed since
  std::optional<std::string> error;
};
removed removed_from(const std::vector<reply>& replies);

// A status-update noted unless the call has a result (scripts::note_status).
std::vector<command> note_status(const key_layout& keys, std::string_view id,
                                 std::string_view status, std::string_view ended_reason,
                                 std::chrono::milliseconds ttl, change_time when = {});
struct noted {
  bool written = false;  // false: the call has a result, which a status never shadows
  std::optional<std::string> error;
};
noted noted_from(const std::vector<reply>& replies);

// One step of a listing of every result key (SCAN cursor MATCH <prefix>call:* COUNT n).
std::vector<command> scan_calls(const key_layout& keys, uint64_t cursor, size_t count);
struct scanned {
  uint64_t next = 0;  // 0: the listing is complete
  std::vector<std::string> call_ids;
  std::optional<std::string> error;
};
scanned scanned_from(const key_layout& keys, const std::vector<reply>& replies);

// Each call's remaining life (PTTL of its result key), for stats' times (values.hpp).
std::vector<command> ttls(const key_layout& keys, const std::vector<std::string>& call_ids);

}  // namespace redis::ops
