// Tests actors/sharded_map.hpp: it behaves as one map (find, add, replace, erase, size, visit
// every entry once) whatever shard a key lands in.
#include "actors/sharded_map.hpp"

#include <gtest/gtest.h>

#include <set>

namespace {

using vapi_cache::sharded_map;

TEST(sharded_map, behaves_as_one_map) {
  sharded_map<int> m;
  EXPECT_EQ(m.find("a"), nullptr);
  auto [a, added] = m.try_emplace("a");
  ASSERT_TRUE(added);
  *a = 1;
  auto [again, added_again] = m.try_emplace("a");
  EXPECT_FALSE(added_again);
  EXPECT_EQ(*again, 1);
  EXPECT_TRUE(m.contains("a"));
  EXPECT_EQ(m.size(), 1u);
  EXPECT_TRUE(m.erase("a"));
  EXPECT_FALSE(m.erase("a"));
  EXPECT_EQ(m.size(), 0u);
  EXPECT_FALSE(m.contains("a"));
}

TEST(sharded_map, many_keys_spread_and_are_each_visited_once) {
  sharded_map<int> m;
  for (int i = 0; i < 10000; ++i)
    *m.try_emplace("call-" + std::to_string(i)).first = i;
  EXPECT_EQ(m.size(), 10000u);
  std::set<int> seen;
  m.for_each([&](const std::string& key, const int& v) {
    EXPECT_EQ(key, "call-" + std::to_string(v));
    EXPECT_TRUE(seen.insert(v).second);
  });
  EXPECT_EQ(seen.size(), 10000u);
  for (int i = 0; i < 10000; i += 2)
    EXPECT_TRUE(m.erase("call-" + std::to_string(i)));
  EXPECT_EQ(m.size(), 5000u);
  EXPECT_EQ(*m.find("call-9999"), 9999);
  EXPECT_EQ(m.find("call-9998"), nullptr);
}

}  // namespace
