// What the Redis store keeps under each key, and how it becomes our answers. Pure; any thread.
//   <prefix>call:<id>    the CallResult JSON itself: the bytes of "data" in our GET body, as
//                        the seed's Redis sketch writes JSON.stringify(result), so either can
//                        read the other's
//   <prefix>status:<id>  {"status":"ended","endedReason":"..."} (endedReason only when sent)
// Neither carries a time: when it was stored and when it expires are derived from its PTTL and
// the TTL it was stored with (times_from_pttl), which also holds for the seed's values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace redis {

// The value to store for a GET body we rendered ({"success":true,"data":<CallResult>}): the
// CallResult's bytes. nullopt if `get_body` does not have that shape.
std::optional<std::string_view> value_of_get_body(std::string_view get_body);

// Our GET body for a value read back: {"success":true,"data":<value>}. nullopt when the value
// is not a JSON object (a key someone else wrote, or damage): the caller answers not found and
// logs it, rather than serve text that is not JSON.
std::optional<std::string> get_body_for(std::string_view value);

std::string status_value(std::string_view status, std::string_view ended_reason);

struct status_fields {
  std::string status;
  std::string ended_reason;  // empty when none was stored
};
// nullopt when the value is not a status this store wrote (no non-empty "status" string).
std::optional<status_fields> parse_status_value(std::string_view value);

struct entry_times {
  int64_t stored_at_ms;
  int64_t expires_at_ms;
};
// From Redis's PTTL at `now_ms` and the TTL the value was stored with: expires at now + PTTL,
// stored TTL before that. nullopt for a key without an expiry (-1) or gone (-2).
std::optional<entry_times> times_from_pttl(int64_t now_ms, int64_t pttl_ms, int64_t ttl_ms);

}  // namespace redis
