// Tests actors/entry_cost.hpp: allocator size classes and what an entry is counted as.
#include "actors/entry_cost.hpp"

#include <gtest/gtest.h>

namespace {

using namespace vapi_cache;

TEST(entry_cost, size_classes_are_jemallocs) {
  EXPECT_EQ(size_class(0), 16u);
  EXPECT_EQ(size_class(1), 16u);
  EXPECT_EQ(size_class(17), 32u);
  EXPECT_EQ(size_class(128), 128u);
  EXPECT_EQ(size_class(129), 160u);
  EXPECT_EQ(size_class(256), 256u);
  EXPECT_EQ(size_class(257), 320u);
  EXPECT_EQ(size_class(628), 640u);
  EXPECT_EQ(size_class(649), 768u);
  EXPECT_EQ(size_class(1024), 1024u);
  EXPECT_EQ(size_class(1025), 1280u);
  EXPECT_EQ(size_class(48 * 1024 + 1), 56u * 1024);
  for (size_t n = 1; n < (1u << 20); n = n * 3 / 2 + 1) {
    SCOPED_TRACE(n);
    EXPECT_GE(size_class(n), n);
    EXPECT_LE(size_class(n), n + n / 4 + 16);  // never more than a quarter over
  }
}

TEST(entry_cost, short_strings_live_in_place) {
  EXPECT_EQ(string_heap(""), 0u);
  EXPECT_EQ(string_heap("123456789012345"), 0u);
  EXPECT_EQ(string_heap("1234567890123456"), 32u);
  EXPECT_EQ(string_heap("3f9a1c2e-0000-4000-8000-000000000000"), 48u);  // a VAPI call id
}

TEST(entry_cost, an_entry_counts_at_least_what_rss_showed) {
  // benchmarks/memory.py, 100,000 entries: RSS per entry 1,321 B (11-character ids, 628-byte
  // bodies), 1,509 B (36-character ids, 649-byte bodies); statuses 540 B and 637 B.
  EXPECT_GE(result_cost("mem-0000001", 628), 1321u);
  EXPECT_GE(result_cost("3f9a1c2e-0000-4000-8000-000000000000", 649), 1509u);
  EXPECT_GE(status_cost("mem-0000001", "in-progress", ""), 540u);
  EXPECT_GE(status_cost("3f9a1c2e-0000-4000-8000-000000000000", "in-progress", ""), 637u);
  // and not far above it (within 10 %)
  EXPECT_LE(result_cost("mem-0000001", 628), 1321u * 11 / 10);
  EXPECT_LE(result_cost("3f9a1c2e-0000-4000-8000-000000000000", 649), 1509u * 11 / 10);
}

}  // namespace
