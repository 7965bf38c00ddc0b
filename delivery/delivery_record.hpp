// A pending delivery as a journal record, so that a result stored but not yet delivered is
// delivered after a restart too. Pure: no I/O, no clock; any thread.
//
// A pending delivery is a `stored` record and its end an `evicted` one, both keyed by
// key_of(target, call id): journal::replayer then keeps exactly the deliveries still owed (a
// later pending of the same key replaces the earlier; the end removes it; the deadline is the
// record's expiry, so one given up while the service was down is gone at finish(now)).
// A `stored` record carries no status or ended_reason fields, so what else must survive goes
// into its body: the execution id, a '\n', then the payload. The target is the key's prefix.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "journal/journal_record.hpp"

namespace delivery {

enum class target : uint8_t { kestra_resume = 1, forward = 2 };

struct pending {
  target to = target::kestra_resume;
  std::string call_id;
  std::string execution_id;  // kestra_resume only
  std::string payload;       // the CallResult JSON (exact bytes)
  int64_t created_ms = 0;    // when the result was stored
  int64_t deadline_ms = 0;   // created + DELIVERY_RETRY_SECONDS: given up after

  bool operator==(const pending& o) const;
  bool operator!=(const pending& o) const { return !(*this == o); }
};

// "kestra/<callId>" or "forward/<callId>": one delivery per target and call.
std::string key_of(target to, std::string_view call_id);

// type stored, call_id = key_of(to, call_id), at_ms = created_ms, expires_at_ms = deadline_ms,
// body = execution_id + "\n" + payload, uncompressed, text_size = body size. Throws
// std::invalid_argument for an empty call id, a kestra_resume without a valid execution id or
// a forward with one: such a record could not be read back.
journal::record to_record(const pending& p);

// type evicted, call_id = key_of(to, call_id): the delivery is over (delivered, refused or
// given up).
journal::record ended_record(target to, std::string_view call_id, int64_t at_ms);

// The inverse of to_record; nullopt for any other record (another type, a key of no target,
// a compressed body or one without the '\n', an execution id that does not fit the target).
std::optional<pending> from_record(const journal::record& r);

}  // namespace delivery
