// When a delivery is over and how long to wait before trying it again. Pure: no I/O, no clock
// and no randomness of its own (the caller passes the time and a random number); any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace delivery {

enum class verdict { delivered, retry, refused };

// status 0 = no HTTP answer (connection refused, timeout, reset, DNS). 2xx delivered; 0, 408,
// 425, 429 and 5xx retry; every other (1xx, 3xx: redirects are not followed, other 4xx)
// refused: the same request would be refused again.
verdict classify(long status);

// Kestra's 409 ("not paused") soon after the result was stored usually means the flow has not
// reached its Pause yet (a call that failed within a second or two reports before the flow's
// next task starts): retried while the delivery is younger than `grace`, refused after.
inline constexpr std::chrono::seconds not_paused_yet_grace{60};
verdict classify_resume(long status, std::chrono::milliseconds age,
                        std::chrono::milliseconds grace = not_paused_yet_grace);

struct backoff {
  std::chrono::milliseconds first{1000};
  std::chrono::milliseconds cap{std::chrono::minutes(5)};
};

// The wait before attempt `attempt` (1 = the first retry; 0 counts as 1): first * 2^(attempt-1),
// at most cap, with "equal jitter": half of it fixed, half scaled by `unit` in [0,1) (clamped),
// so the wait is in [w/2, w). The jitter keeps deliveries refused together (Kestra restarting)
// from coming back together.
std::chrono::milliseconds retry_delay(const backoff& b, unsigned attempt, double unit);

// A Retry-After header's value (RFC 9110 10.2.3): delta-seconds ("120") or an HTTP-date
// (IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT" or
// asctime "Sun Nov  6 08:49:37 1994") taken relative to now_epoch_s. nullopt when absent or
// unparseable; a date in the past gives 0; at most 1 hour.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, int64_t now_epoch_s);

// The next wait: the longer of retry_after (when the answer had one) and retry_delay, so the
// server's wish is honoured and a "Retry-After: 0" cannot make a loop of requests. nullopt when
// the retry would come at or after deadline_ms (give up): a pending delivery's deadline is its
// journal expiry, which a replay at that very moment already treats as over.
std::optional<std::chrono::milliseconds> next_wait(const backoff& b, unsigned attempt,
                                                   double unit,
                                                   std::optional<std::chrono::seconds> retry_after,
                                                   int64_t now_ms, int64_t deadline_ms);

}  // namespace delivery
