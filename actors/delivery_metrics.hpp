// What the delivery actor (actors/delivery_actor.hpp) counts about itself, copied out when
// asked, as the cache does with cache_metrics: only its own thread writes these.
#pragma once

#include <cstddef>
#include <cstdint>

#include "metrics/histogram.hpp"

namespace vapi_cache {

// Per target (Kestra's resume, FORWARD_URL).
struct delivery_counts {
  uint64_t delivered = 0;  // accepted by the target (2xx)
  uint64_t retried = 0;    // attempts that will be tried again (no answer, 408/425/429/5xx)
  uint64_t gave_up = 0;    // still failing when DELIVERY_RETRY_SECONDS ran out
  uint64_t refused = 0;    // a 4xx no retry can fix, or an execution id that is no Kestra id
  size_t pending = 0;      // not delivered yet (waiting for a retry, or in flight)
  // Seconds from the result being stored to the target accepting it.
  metrics::histogram latency{{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900}};
};

struct delivery_metrics {
  delivery_counts kestra;
  delivery_counts forward;
  bool kestra_on = false;   // KESTRA_URL set
  bool forward_on = false;  // FORWARD_URL set
  bool journaled = false;   // pending deliveries survive a restart (DATA_DIR set)
  uint64_t journal_failures = 0;  // writes or syncs of the delivery journal that failed
};

}  // namespace vapi_cache
