// Tests http/query_params.cpp: ?wait, ?ids and the stats page's ?limit and ?cursor, into values or
// into the 400's message.
#include "http/query_params.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using http::parse_ids;
using http::parse_stats_page;
using http::parse_wait;
using std::chrono::seconds;

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

using ids = std::vector<std::string>;

TEST(query_params, absent_wait_is_zero) {
  auto w = parse_wait(std::nullopt, seconds(30));
  EXPECT_EQ(w.value, seconds(0));
  EXPECT_EQ(w.error, "");
}

TEST(query_params, wait_is_whole_seconds_capped_at_max) {
  EXPECT_EQ(parse_wait("0", seconds(30)).value, seconds(0));
  EXPECT_EQ(parse_wait("5", seconds(30)).value, seconds(5));
  EXPECT_EQ(parse_wait("30", seconds(30)).value, seconds(30));
  EXPECT_EQ(parse_wait("31", seconds(30)).value, seconds(30));
  EXPECT_EQ(parse_wait("999999999", seconds(30)).value, seconds(30));
  EXPECT_EQ(parse_wait("007", seconds(30)).value, seconds(7));
}

TEST(query_params, malformed_wait_is_refused) {
  for (const char* bad : {"", "-1", "+1", "1.5", " 5", "5 ", "abc", "5s", "1234567890"}) {
    auto w = parse_wait(std::string(bad), seconds(30));
    EXPECT_EQ(w.value, std::nullopt) << bad;
    EXPECT_TRUE(starts_with(w.error, "Invalid wait")) << bad << ": " << w.error;
  }
}

TEST(query_params, absent_or_empty_ids_are_missing) {
  for (const auto& list : {std::optional<std::string>{}, std::optional<std::string>{""}}) {
    auto p = parse_ids(list, 10);
    EXPECT_EQ(p.value, std::nullopt);
    EXPECT_TRUE(starts_with(p.error, "Missing ids")) << p.error;
  }
}

TEST(query_params, ids_are_deduplicated_first_kept) {
  EXPECT_EQ(parse_ids("a,b,a", 10).value, (ids{"a", "b"}));
  EXPECT_EQ(parse_ids("b,a,b,a", 10).value, (ids{"b", "a"}));
  EXPECT_EQ(parse_ids("call-1", 10).value, (ids{"call-1"}));
  EXPECT_EQ(parse_ids("a,b,a", 10).error, "");
}

TEST(query_params, ids_are_percent_decoded) {
  EXPECT_EQ(parse_ids("a%2Db", 10).value, (ids{"a-b"}));
  EXPECT_EQ(parse_ids("a%2Db,a-b", 10).value, (ids{"a-b"}));  // a duplicate once decoded
}

TEST(query_params, invalid_ids_are_refused) {
  for (const char* bad : {"a b", "a,,b", "a,", ",a", ",", "a%20b", "a%2Cb", "a%", "a/b"}) {
    auto p = parse_ids(std::string(bad), 10);
    EXPECT_EQ(p.value, std::nullopt) << bad;
    EXPECT_TRUE(starts_with(p.error, "Invalid ids")) << bad << ": " << p.error;
  }
  EXPECT_TRUE(starts_with(parse_ids(std::string(129, 'a'), 10).error, "Invalid ids"));
}

TEST(query_params, at_most_max_ids) {
  EXPECT_EQ(parse_ids("a,b,c", 3).value, (ids{"a", "b", "c"}));
  EXPECT_EQ(parse_ids("a,b,c,a,b,c", 3).value, (ids{"a", "b", "c"}));  // distinct ones count
  auto p = parse_ids("a,b,c,d", 3);
  EXPECT_EQ(p.value, std::nullopt);
  EXPECT_EQ(p.error, "Too many ids: at most 3");
}

TEST(query_params, stats_page_defaults_to_1000_from_the_oldest) {
  auto p = parse_stats_page(std::nullopt, std::nullopt);
  ASSERT_TRUE(p.value) << p.error;
  EXPECT_EQ(p.value->limit, 1000u);
  EXPECT_EQ(p.value->after.has_value(), false);
}

TEST(query_params, stats_limit_is_taken_and_capped) {
  EXPECT_EQ(parse_stats_page("0", std::nullopt).value->limit, 0u);
  EXPECT_EQ(parse_stats_page("20", std::nullopt).value->limit, 20u);
  EXPECT_EQ(parse_stats_page("10000", std::nullopt).value->limit, 10000u);
  EXPECT_EQ(parse_stats_page("20000", std::nullopt).value->limit, 10000u);
}

TEST(query_params, malformed_limit_is_refused) {
  for (const char* bad : {"-1", "x", "", "1.5", " 1", "1234567890"}) {
    auto p = parse_stats_page(std::string(bad), std::nullopt);
    EXPECT_EQ(p.value.has_value(), false) << bad;
    EXPECT_TRUE(starts_with(p.error, "Invalid limit")) << bad << ": " << p.error;
  }
}

TEST(query_params, cursor_round_trips_from_format_cursor) {
  auto text = vapi_cache::format_cursor({1700000000000, "call-1-2"});
  auto p = parse_stats_page("5", text);
  ASSERT_TRUE(p.value) << p.error;
  EXPECT_EQ(p.value->limit, 5u);
  ASSERT_TRUE(p.value->after);
  EXPECT_EQ(p.value->after->stored_at_ms, 1700000000000);
  EXPECT_EQ(p.value->after->call_id, "call-1-2");
}

TEST(query_params, percent_encoded_cursor_is_decoded) {
  auto p = parse_stats_page(std::nullopt, std::string("1700000000000%2Dcall%3A1"));
  ASSERT_TRUE(p.value) << p.error;
  ASSERT_TRUE(p.value->after);
  EXPECT_EQ(p.value->after->stored_at_ms, 1700000000000);
  EXPECT_EQ(p.value->after->call_id, "call:1");
}

TEST(query_params, bad_cursor_is_refused) {
  for (const char* bad : {"", "x", "12", "12-", "-id", "12-a b", "12-a%", "12-a%20b"}) {
    auto p = parse_stats_page(std::nullopt, std::string(bad));
    EXPECT_EQ(p.value.has_value(), false) << bad;
    EXPECT_TRUE(starts_with(p.error, "Invalid cursor")) << bad << ": " << p.error;
  }
}

}  // namespace
