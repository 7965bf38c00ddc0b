// ISO 8601 timestamps as VAPI sends them ("2025-01-15T10:05:30.123Z") to epoch milliseconds.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace vapi {

// Accepts YYYY-MM-DD, optionally followed by T (or t, or a space) HH:MM[:SS[.fraction]] and a
// zone: Z, +HH:MM, +HHMM or +HH (a missing zone means UTC, so the result never depends on the
// server's time zone). Anything else, or an impossible date such as Feb 30, is nullopt.
std::optional<int64_t> parse_iso8601_ms(std::string_view text);

}  // namespace vapi
