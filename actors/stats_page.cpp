// The page's rows come in order from the cache's stats_order; this only renders them.
#include "actors/stats_page.hpp"

#include <nlohmann/json.hpp>

#include "vapi/webhook.hpp"

namespace vapi_cache {
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

std::string render_stats_page(const std::vector<stats_row>& rows, bool more, size_t total,
                              const cache_counters& counters, size_t stored_bytes, size_t waiters,
                              const actor_system_view& system,
                              const std::optional<std::string>& next_cursor) {
  auto list = nlohmann::ordered_json::array();
  for (const auto& r : rows)
    list.push_back({{"callId", *r.call_id}, {"timestamp", r.stored_at_ms},
                    {"expiresAt", r.expires_at_ms}});
  nlohmann::ordered_json next = nullptr;
  if (more && next_cursor)
    next = *next_cursor;
  else if (more && !rows.empty())
    next = format_cursor({rows.back().stored_at_ms, *rows.back().call_id});
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
