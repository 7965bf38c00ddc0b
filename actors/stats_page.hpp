// The stats body: the seed's {success, stats: {size, entries}} plus the cache's counters and the
// actor system's view, with entries paged oldest first so a cache of a million results can be
// listed a page at a time. Pure: the cache actor passes in what it owns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/cache_metrics.hpp"

namespace vapi_cache {

// Where a page starts: after the entry with this store time and call id. Entries are ordered by
// (stored at, call id), which is stable while entries come and go; a result stored again moves
// to the end.
struct stats_cursor {
  int64_t stored_at_ms = 0;
  std::string call_id;
};

// The cursor's text form is "<stored at ms>-<call id>"; clients treat it as opaque.
std::string format_cursor(const stats_cursor& c);
std::optional<stats_cursor> parse_cursor(std::string_view text);

inline constexpr size_t default_stats_page = 1000;
inline constexpr size_t max_stats_page = 10000;

struct stats_request {
  size_t limit = default_stats_page;  // 0: counts only, no entries
  std::optional<stats_cursor> after;  // none: from the oldest
};

struct stats_row {
  const std::string* call_id;
  int64_t stored_at_ms;
  int64_t expires_at_ms;
};

// The actor system as the cache actor sees it when it answers.
struct actor_system_view {
  size_t workers = 0;         // scheduler threads
  size_t running_actors = 0;  // from CAF's registry
  size_t cache_mailbox = 0;   // messages queued for the cache actor
  uint64_t messages_processed = 0;
  double uptime_seconds = 0;
};

// Renders one page: `rows` in order (actors/stats_order.hpp selects them), `more` if entries
// follow them, `total` the count of every cached result. `next_cursor`, when given, is the
// next page's cursor (the Redis store's, from SCAN) instead of one made from the last row.
std::string render_stats_page(const std::vector<stats_row>& rows, bool more, size_t total,
                              const cache_counters& counters, size_t stored_bytes, size_t waiters,
                              const actor_system_view& system,
                              const std::optional<std::string>& next_cursor = std::nullopt);

}  // namespace vapi_cache
