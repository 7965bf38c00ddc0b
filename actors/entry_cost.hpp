// What one cache entry costs in memory, as the cache actor counts it against MAX_MEMORY_MB:
// its bytes as the allocator rounds them, plus a fixed overhead for everything around them.
// Pure; calibrated against RSS with benchmarks/memory.py (100,000 entries, 11- and 36-character
// ids, reports and status-updates; benchmarks/RESULTS.md), and meant to be a little above it,
// never below: the bound is on RSS, not on payload.
#pragma once

#include <cstddef>
#include <string_view>

namespace vapi_cache {

// The size class an allocation of `n` bytes takes (jemalloc's: multiples of 16 up to 128, then
// four classes per doubling), so a 2 KB report's 649-byte body counts as the 768 it occupies.
constexpr size_t size_class(size_t n) {
  if (n <= 16)
    return 16;
  if (n <= 128)
    return (n + 15) / 16 * 16;
  size_t p = 128;
  while (p * 2 < n)
    p *= 2;
  size_t step = p / 4;
  return (n + step - 1) / step * step;
}

// A std::string's heap block: none when its text fits in place (15 bytes in libstdc++).
constexpr size_t string_heap(std::string_view s) {
  return s.size() <= 15 ? 0 : size_class(s.size() + 1);
}

// Everything but the body and the id strings: the map's node and bucket, the entry, the shared
// body's control block, the expiry index's node and the entry's pending expiry message (CAF's
// timer node and message), and for a result its node in the stats order. Measured 640-690
// bytes for a result and 540 for a status.
inline constexpr size_t result_overhead = 704;
inline constexpr size_t status_overhead = 560;

// The call id is held twice: the map's key and the expiry message's copy.
constexpr size_t result_cost(std::string_view call_id, size_t stored_body_bytes) {
  return size_class(stored_body_bytes) + 2 * string_heap(call_id) + result_overhead;
}

constexpr size_t status_cost(std::string_view call_id, std::string_view status,
                             std::string_view ended_reason) {
  return 2 * string_heap(call_id) + string_heap(status) + string_heap(ended_reason) +
         status_overhead;
}

}  // namespace vapi_cache
