// Paging selects before it sorts: only the entries after the cursor are kept, and only the
// page's worth of them is ordered, so a page of a large cache costs O(n log limit).
#include "actors/stats_page.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <tuple>

#include "vapi/webhook.hpp"

namespace vapi_cache {
namespace {

bool before(const stats_row& a, const stats_row& b) {
  return std::tie(a.stored_at_ms, *a.call_id) < std::tie(b.stored_at_ms, *b.call_id);
}

bool after_cursor(const stats_row& r, const stats_cursor& c) {
  return std::tie(r.stored_at_ms, *r.call_id) > std::tie(c.stored_at_ms, c.call_id);
}

}  // namespace

std::string format_cursor(const stats_cursor& c) {
  return std::to_string(c.stored_at_ms) + "-" + c.call_id;
}

std::optional<stats_cursor> parse_cursor(std::string_view text) {
  auto dash = text.find('-');
  if (dash == 0 || dash == std::string_view::npos || dash > 15)
    return std::nullopt;
  stats_cursor c;
  for (char ch : text.substr(0, dash)) {
    if (ch < '0' || ch > '9')
      return std::nullopt;
    c.stored_at_ms = c.stored_at_ms * 10 + (ch - '0');
  }
  c.call_id = std::string(text.substr(dash + 1));
  if (!vapi::is_valid_call_id(c.call_id))
    return std::nullopt;
  return c;
}

std::string render_stats_page(std::vector<stats_row> rows, const stats_request& req,
                              const cache_counters& counters, size_t stored_bytes, size_t waiters,
                              const actor_system_view& system) {
  size_t total = rows.size();
  if (req.after)
    rows.erase(std::remove_if(rows.begin(), rows.end(),
                              [&](const stats_row& r) { return !after_cursor(r, *req.after); }),
               rows.end());
  bool more = rows.size() > req.limit;
  auto page_end = rows.begin() + static_cast<std::ptrdiff_t>(std::min(req.limit, rows.size()));
  std::partial_sort(rows.begin(), page_end, rows.end(), before);

  auto list = nlohmann::ordered_json::array();
  for (auto it = rows.begin(); it != page_end; ++it)
    list.push_back({{"callId", *it->call_id},
                    {"timestamp", it->stored_at_ms},
                    {"expiresAt", it->expires_at_ms}});
  nlohmann::ordered_json next = nullptr;
  if (more && page_end != rows.begin()) {
    const auto& last = *(page_end - 1);
    next = format_cursor({last.stored_at_ms, *last.call_id});
  }
  nlohmann::ordered_json stats = {
    {"size", total},
    {"entries", std::move(list)},
    {"nextCursor", std::move(next)},
    {"storedBytes", stored_bytes},
    {"waiters", waiters},
    {"counters",
     {{"stored", counters.cached},
      {"replaced", counters.replaced},
      {"hits", counters.hits},
      {"misses", counters.misses},
      {"deleted", counters.deleted},
      {"expired", counters.expired},
      {"evictions", counters.evictions},
      {"restored", counters.restored},
      {"statusUpdates", counters.status_updates},
      {"waitsAnswered", counters.waits_answered},
      {"waitsTimedOut", counters.waits_timed_out},
      {"waitsRefused", counters.waits_refused},
      {"waitsReleased", counters.waits_released},
      {"waitsAbandoned", counters.waits_abandoned}}},
    {"actorSystem",
     {{"workers", system.workers},
      {"runningActors", system.running_actors},
      {"cacheMailbox", system.cache_mailbox},
      {"messagesProcessed", system.messages_processed},
      {"uptimeSeconds", system.uptime_seconds}}}};
  nlohmann::ordered_json body = {{"success", true}, {"stats", std::move(stats)}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace vapi_cache
