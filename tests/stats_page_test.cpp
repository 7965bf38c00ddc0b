// Tests actors/stats_page.cpp and actors/stats_order.hpp: the cursor's text form, and the stats body's keys, order and paging.
#include "actors/stats_page.hpp"
#include "actors/stats_order.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace {

using nlohmann::json;
using vapi_cache::format_cursor;
using vapi_cache::parse_cursor;
using vapi_cache::stats_cursor;
using vapi_cache::stats_request;

// (stored at ms, call id); every entry expires 60 s after it was stored.
using entry = std::pair<int64_t, std::string>;

json render(const std::vector<entry>& entries, const stats_request& req,
            const vapi_cache::cache_counters& counters = {}, size_t stored_bytes = 0,
            size_t waiters = 0, const vapi_cache::actor_system_view& system = {}) {
  vapi_cache::stats_order order;  // as the cache keeps it, in whatever order entries came
  for (const auto& [at, id] : entries)
    order.add(at, &id, at + 60000);
  auto page = order.select(req);
  return json::parse(vapi_cache::render_stats_page(page.rows, page.more, order.size(), counters,
                                                   stored_bytes, waiters, system));
}

// The call ids of a page's entries, in order.
std::vector<std::string> ids_of(const json& page) {
  std::vector<std::string> ids;
  for (const auto& e : page.at("stats").at("entries"))
    ids.push_back(e.at("callId").get<std::string>());
  return ids;
}

stats_request after(const json& page, size_t limit) {
  stats_request req;
  req.limit = limit;
  req.after = parse_cursor(page.at("stats").at("nextCursor").get<std::string>());
  EXPECT_TRUE(req.after) << page.at("stats").at("nextCursor");
  return req;
}

TEST(stats_page, cursor_round_trips_through_its_text) {
  EXPECT_EQ(format_cursor({1700000000000, "call-1"}), "1700000000000-call-1");
  for (const stats_cursor& c : {stats_cursor{1700000000000, "call-1"}, stats_cursor{0, "x"},
                                stats_cursor{999999999999999, "a.b_c:d"}}) {
    auto back = parse_cursor(format_cursor(c));
    ASSERT_TRUE(back) << format_cursor(c);
    EXPECT_EQ(back->stored_at_ms, c.stored_at_ms);
    EXPECT_EQ(back->call_id, c.call_id);
  }
}

TEST(stats_page, malformed_cursors_are_refused) {
  for (const char* bad : {"", "-id", "12", "12-", "x1-id", "1x-id", "1234567890123456-id",
                          "12-a b", "12-a/b", "12-a,b", "+12-id", " 12-id"})
    EXPECT_EQ(parse_cursor(bad), std::nullopt) << bad;
  EXPECT_EQ(parse_cursor("12-" + std::string(129, 'a')), std::nullopt);
  EXPECT_TRUE(parse_cursor("123456789012345-id"));  // 15 digits: the most taken
  EXPECT_TRUE(parse_cursor("12-" + std::string(128, 'a')));
}

TEST(stats_page, a_call_id_may_contain_dashes) {
  auto c = parse_cursor("1700000000000-call-1-2");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->stored_at_ms, 1700000000000);
  EXPECT_EQ(c->call_id, "call-1-2");
}

TEST(stats_page, body_keeps_the_seed_shape) {
  auto page = render({{1000, "b"}, {2000, "a"}}, {});
  EXPECT_EQ(page.at("success"), true);
  EXPECT_EQ(page.at("stats").at("size"), 2);
  ASSERT_TRUE(page.at("stats").at("entries").is_array());
  EXPECT_EQ(page.at("stats").at("entries"),
            json::parse(R"([{"callId":"b","timestamp":1000,"expiresAt":61000},
                            {"callId":"a","timestamp":2000,"expiresAt":62000}])"));
  for (const auto& e : page.at("stats").at("entries"))
    EXPECT_EQ(e.size(), 3u) << e;
}

TEST(stats_page, entries_are_ordered_by_time_then_call_id) {
  auto page = render({{30, "c"}, {10, "z"}, {20, "b"}, {10, "a"}, {20, "a"}, {5, "y"}}, {});
  EXPECT_EQ(ids_of(page), (std::vector<std::string>{"y", "a", "z", "a", "b", "c"}));
  std::vector<int64_t> times;
  for (const auto& e : page.at("stats").at("entries"))
    times.push_back(e.at("timestamp").get<int64_t>());
  EXPECT_EQ(times, (std::vector<int64_t>{5, 10, 10, 20, 20, 30}));
}

TEST(stats_page, default_limit_is_1000_and_the_cursor_gives_the_rest) {
  std::vector<entry> entries;
  for (int i = 1005; i > 0; --i)  // newest first: the page must still start at the oldest
    entries.push_back({1000 + i, "call-" + std::to_string(i)});
  auto first = render(entries, {});
  EXPECT_EQ(first.at("stats").at("size"), 1005);
  ASSERT_EQ(first.at("stats").at("entries").size(), 1000u);
  EXPECT_EQ(first.at("stats").at("entries").front().at("callId"), "call-1");
  EXPECT_EQ(first.at("stats").at("entries").back().at("callId"), "call-1000");
  EXPECT_EQ(first.at("stats").at("nextCursor"), "2000-call-1000");

  auto rest = render(entries, after(first, vapi_cache::default_stats_page));
  EXPECT_EQ(rest.at("stats").at("size"), 1005);
  EXPECT_EQ(ids_of(rest), (std::vector<std::string>{"call-1001", "call-1002", "call-1003",
                                                    "call-1004", "call-1005"}));
  EXPECT_TRUE(rest.at("stats").at("nextCursor").is_null());
}

TEST(stats_page, walking_pages_visits_every_entry_once_in_order) {
  const std::vector<entry> entries = {{20, "b"}, {10, "b"}, {20, "a"}, {10, "a"}, {30, "a"}};
  stats_request req;
  req.limit = 2;
  std::vector<std::vector<std::string>> pages;
  for (;;) {
    auto page = render(entries, req);
    EXPECT_EQ(page.at("stats").at("size"), 5);
    pages.push_back(ids_of(page));
    if (page.at("stats").at("nextCursor").is_null())
      break;
    ASSERT_LT(pages.size(), 5u) << "paging does not end";
    req = after(page, 2);
  }
  EXPECT_EQ(pages, (std::vector<std::vector<std::string>>{{"a", "b"}, {"a", "b"}, {"a"}}));
}

TEST(stats_page, a_page_ending_at_the_last_entry_has_no_next_cursor) {
  const std::vector<entry> entries = {{1, "a"}, {2, "b"}, {3, "c"}, {4, "d"}};
  stats_request req;
  req.limit = 2;
  auto first = render(entries, req);
  EXPECT_EQ(first.at("stats").at("nextCursor"), "2-b");
  auto last = render(entries, after(first, 2));
  EXPECT_EQ(ids_of(last), (std::vector<std::string>{"c", "d"}));
  EXPECT_TRUE(last.at("stats").at("nextCursor").is_null());

  req.limit = 4;
  EXPECT_TRUE(render(entries, req).at("stats").at("nextCursor").is_null());
}

TEST(stats_page, limit_zero_gives_counts_only) {
  stats_request req;
  req.limit = 0;
  auto page = render({{1, "a"}, {2, "b"}, {3, "c"}}, req);
  EXPECT_EQ(page.at("stats").at("size"), 3);
  EXPECT_TRUE(page.at("stats").at("entries").empty());
  EXPECT_TRUE(page.at("stats").at("nextCursor").is_null());
}

TEST(stats_page, a_cursor_past_the_end_gives_no_entries) {
  stats_request req;
  req.after = stats_cursor{3, "c"};
  auto page = render({{1, "a"}, {2, "b"}, {3, "c"}}, req);
  EXPECT_EQ(page.at("stats").at("size"), 3);
  EXPECT_TRUE(page.at("stats").at("entries").empty());
  EXPECT_TRUE(page.at("stats").at("nextCursor").is_null());

  req.after = stats_cursor{999, "a"};
  EXPECT_TRUE(render({{1, "a"}}, req).at("stats").at("entries").empty());
  EXPECT_TRUE(render({}, {}).at("stats").at("entries").empty());
}

TEST(stats_page, counters_and_actor_system_come_through_under_their_keys) {
  vapi_cache::cache_counters c;
  c.cached = 1;
  c.replaced = 2;
  c.hits = 3;
  c.misses = 4;
  c.deleted = 5;
  c.expired = 6;
  c.status_updates = 7;
  c.waits_answered = 8;
  c.waits_timed_out = 9;
  c.waits_refused = 10;
  c.waits_released = 11;
  c.waits_abandoned = 12;
  c.evictions = 19;
  c.restored = 20;
  vapi_cache::actor_system_view system;
  system.workers = 12;
  system.running_actors = 13;
  system.cache_mailbox = 14;
  system.messages_processed = 15;
  system.uptime_seconds = 16.5;
  auto stats = render({}, {}, c, 17, 18, system).at("stats");
  EXPECT_EQ(stats.at("counters"), json::parse(R"({
    "stored": 1, "replaced": 2, "hits": 3, "misses": 4, "deleted": 5, "expired": 6,
    "evictions": 19, "restored": 20, "statusUpdates": 7, "waitsAnswered": 8, "waitsTimedOut": 9, "waitsRefused": 10,
    "waitsReleased": 11, "waitsAbandoned": 12})"));
  EXPECT_EQ(stats.at("actorSystem"), json::parse(R"({
    "workers": 12, "runningActors": 13, "cacheMailbox": 14, "messagesProcessed": 15,
    "uptimeSeconds": 16.5})"));
  EXPECT_EQ(stats.at("storedBytes"), 17);
  EXPECT_EQ(stats.at("waiters"), 18);
  EXPECT_EQ(stats.at("size"), 0);
}

}  // namespace

namespace {

TEST(stats_order, removed_and_restored_entries_move_and_a_cursor_at_a_gone_entry_still_works) {
  vapi_cache::stats_order order;
  std::string a = "a", b = "b", c = "c";
  order.add(1, &a, 61);
  order.add(2, &b, 62);
  order.add(3, &c, 63);
  order.remove(1, "a");
  order.add(4, &a, 64);  // stored again: now the newest
  stats_request req;
  req.limit = 10;
  auto page = order.select(req);
  ASSERT_EQ(page.rows.size(), 3u);
  EXPECT_EQ(*page.rows[0].call_id, "b");
  EXPECT_EQ(*page.rows[2].call_id, "a");
  EXPECT_EQ(page.rows[2].expires_at_ms, 64);
  EXPECT_FALSE(page.more);
  order.remove(2, "b");  // the cursor's own entry goes (deleted, expired): paging goes on
  req.after = stats_cursor{2, "b"};
  req.limit = 1;
  page = order.select(req);
  ASSERT_EQ(page.rows.size(), 1u);
  EXPECT_EQ(*page.rows[0].call_id, "c");
  EXPECT_TRUE(page.more);
  order.remove(99, "none");  // not there: nothing happens
  EXPECT_EQ(order.size(), 2u);
}

}  // namespace
