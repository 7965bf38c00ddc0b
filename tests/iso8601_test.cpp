// Tests vapi/iso8601.cpp: which ISO 8601 timestamps parse, and to which epoch milliseconds.
#include "vapi/iso8601.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>

namespace {

using vapi::parse_iso8601_ms;

constexpr int64_t jan_15_2025_10h = 1736935200000;  // 2025-01-15T10:00:00Z
constexpr int64_t hour_ms = 3600 * 1000;
constexpr int64_t minute_ms = 60 * 1000;

TEST(iso8601, known_epoch_values) {
  EXPECT_EQ(parse_iso8601_ms("1970-01-01T00:00:00Z"), int64_t{0});
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00Z"), jan_15_2025_10h);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:05:30Z"), jan_15_2025_10h + 330000);
  EXPECT_EQ(parse_iso8601_ms("2000-02-29T00:00:00Z"), int64_t{951782400000});
  EXPECT_EQ(parse_iso8601_ms("9999-12-31T23:59:59Z"), int64_t{253402300799000});
}

TEST(iso8601, seed_timestamps_are_330_seconds_apart) {
  auto start = parse_iso8601_ms("2025-01-15T10:00:00Z");
  auto end = parse_iso8601_ms("2025-01-15T10:05:30Z");
  ASSERT_TRUE(start && end);
  EXPECT_EQ(*end - *start, 330000);
}

TEST(iso8601, lowercase_t_and_z) {
  EXPECT_EQ(parse_iso8601_ms("2025-01-15t10:00:00z"), jan_15_2025_10h);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15t10:00:00Z"), jan_15_2025_10h);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00z"), jan_15_2025_10h);
}

TEST(iso8601, space_separator) {
  EXPECT_EQ(parse_iso8601_ms("2025-01-15 10:00:00Z"), jan_15_2025_10h);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15 10:00:00"), jan_15_2025_10h);
}

TEST(iso8601, date_only_is_midnight_utc) {
  EXPECT_EQ(parse_iso8601_ms("2025-01-15"), jan_15_2025_10h - 10 * hour_ms);
  EXPECT_EQ(parse_iso8601_ms("1970-01-01"), int64_t{0});
}

TEST(iso8601, missing_zone_means_utc) {
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00"), jan_15_2025_10h);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00"), jan_15_2025_10h);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00.250"), jan_15_2025_10h + 250);
}

TEST(iso8601, seconds_are_optional) {
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00Z"), jan_15_2025_10h);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:07+01:00"), jan_15_2025_10h - hour_ms + 7 * minute_ms);
}

TEST(iso8601, offset_with_colon) {
  // 10:00 at +05:30 is 04:30 UTC.
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00+05:30"),
            jan_15_2025_10h - 5 * hour_ms - 30 * minute_ms);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T15:30:00+05:30"), jan_15_2025_10h);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T02:00:00-08:00"), jan_15_2025_10h);
}

TEST(iso8601, offset_without_colon) {
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T02:00:00-0800"), jan_15_2025_10h);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00-0800"), jan_15_2025_10h + 8 * hour_ms);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T15:30:00+0530"), jan_15_2025_10h);
}

TEST(iso8601, offset_hours_only) {
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T11:00:00+01"), jan_15_2025_10h);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T09:00:00-01"), jan_15_2025_10h);
}

TEST(iso8601, zero_and_extreme_offsets) {
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00+00:00"), jan_15_2025_10h);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00-00:00"), jan_15_2025_10h);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00+23:59"),
            jan_15_2025_10h - 23 * hour_ms - 59 * minute_ms);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00-23:59"),
            jan_15_2025_10h + 23 * hour_ms + 59 * minute_ms);
}

TEST(iso8601, offset_crosses_the_date_line) {
  // 23:30 on Dec 31 at -01:00 is 00:30 UTC on Jan 1.
  EXPECT_EQ(parse_iso8601_ms("2024-12-31T23:30:00-01:00"),
            parse_iso8601_ms("2025-01-01T00:30:00Z"));
}

TEST(iso8601, fractions) {
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00.1Z"), jan_15_2025_10h + 100);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00.12Z"), jan_15_2025_10h + 120);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00.123Z"), jan_15_2025_10h + 123);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00.000Z"), jan_15_2025_10h);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00.999Z"), jan_15_2025_10h + 999);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00,5Z"), jan_15_2025_10h + 500);
}

TEST(iso8601, fraction_past_milliseconds_is_truncated) {
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00.123456Z"), jan_15_2025_10h + 123);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00.9999Z"), jan_15_2025_10h + 999);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00.123456789012345678901234567890Z"),
            jan_15_2025_10h + 123);
}

TEST(iso8601, fraction_with_offset) {
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T15:30:00.123+05:30"), jan_15_2025_10h + 123);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T02:00:00.5-0800"), jan_15_2025_10h + 500);
}

TEST(iso8601, fraction_needs_digits_and_seconds) {
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00.Z"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00."), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00.5Z"), std::nullopt);
}

TEST(iso8601, leap_days) {
  EXPECT_EQ(parse_iso8601_ms("2024-02-29T12:00:00Z"), int64_t{1709208000000});
  EXPECT_EQ(parse_iso8601_ms("2025-02-29T12:00:00Z"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-02-28T12:00:00Z"),
            parse_iso8601_ms("2025-03-01T12:00:00Z").value() - 24 * hour_ms);
  EXPECT_EQ(parse_iso8601_ms("2000-02-29"), int64_t{951782400000});  // divisible by 400
  EXPECT_EQ(parse_iso8601_ms("1900-02-29"), std::nullopt);          // divisible by 100 only
  EXPECT_EQ(parse_iso8601_ms("2024-02-30"), std::nullopt);
}

TEST(iso8601, month_out_of_range) {
  EXPECT_EQ(parse_iso8601_ms("2025-00-15T10:00:00Z"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-13-15T10:00:00Z"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-99-01"), std::nullopt);
  EXPECT_TRUE(parse_iso8601_ms("2025-12-31T23:59:59Z").has_value());
}

TEST(iso8601, day_out_of_range) {
  EXPECT_EQ(parse_iso8601_ms("2025-01-00T10:00:00Z"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-01-32T10:00:00Z"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-04-31T10:00:00Z"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-06-31"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-02-30"), std::nullopt);
  EXPECT_TRUE(parse_iso8601_ms("2025-04-30").has_value());
  EXPECT_TRUE(parse_iso8601_ms("2025-01-31").has_value());
}

TEST(iso8601, hour_minute_second_out_of_range) {
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T24:00:00Z"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:60:00Z"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:60Z"), std::nullopt);  // no leap seconds
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T99:00Z"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T23:59:59Z"),
            jan_15_2025_10h + 13 * hour_ms + 59 * minute_ms + 59000);
}

TEST(iso8601, offset_out_of_range_or_malformed) {
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00+24:00"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00+05:60"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00+5"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00+053"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00+05:3"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00+"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00+05:"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00+05:30Z"), std::nullopt);
}

TEST(iso8601, trailing_junk) {
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00Zjunk"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00Z "), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00 "), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00ZZ"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00+01:00:00"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00+0100x"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:00.123abc"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15x"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15Z"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms(std::string("2025-01-15T10:00:00Z\0", 21)), std::nullopt);
}

TEST(iso8601, malformed_shapes) {
  EXPECT_EQ(parse_iso8601_ms(""), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms(" 2025-01-15T10:00:00Z"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-1-15"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("25-01-15"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025/01/15"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("20250115T100000Z"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10Z"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:0"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T10:00:0Z"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15TT10:00:00Z"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15_10:00:00Z"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025-01-15T1a:00:00Z"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("-2025-01-15"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("not a date"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2025"), std::nullopt);
}

TEST(iso8601, dates_before_1970_are_negative) {
  EXPECT_EQ(parse_iso8601_ms("1969-12-31T23:59:59Z"), int64_t{-1000});
  EXPECT_EQ(parse_iso8601_ms("1969-12-31T23:59:59.500Z"), int64_t{-500});
  EXPECT_EQ(parse_iso8601_ms("1900-01-01T00:00:00Z"), int64_t{-2208988800000});
  EXPECT_EQ(parse_iso8601_ms("1600-02-29"), int64_t{-11670998400000});
  EXPECT_EQ(parse_iso8601_ms("0001-01-01T00:00:00Z"), int64_t{-62135596800000});
  EXPECT_EQ(parse_iso8601_ms("1970-01-01T00:30:00+01:00"), int64_t{-30 * minute_ms});
}

TEST(iso8601, later_is_larger_across_the_epoch) {
  auto before = parse_iso8601_ms("1969-06-01T00:00:00Z");
  auto after = parse_iso8601_ms("1970-06-01T00:00:00Z");
  ASSERT_TRUE(before && after);
  EXPECT_LT(*before, 0);
  EXPECT_GT(*after, 0);
  EXPECT_EQ(*after - *before, 365 * 24 * hour_ms);
}

}  // namespace
