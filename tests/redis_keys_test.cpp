// Tests redis/keys.cpp: the seed's key names, SCAN's pattern with a prefix full of glob
// characters (checked against a real redis-server), and reading ids back from keys.
#include "redis/keys.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <set>

#include "tests/support/redis_server.hpp"

namespace {

using redis::key_layout;

TEST(RedisKeys, TheSeedsLayout) {
  key_layout k("vapi:");
  EXPECT_EQ(k.call("abc-123"), "vapi:call:abc-123");
  EXPECT_EQ(k.status("abc-123"), "vapi:status:abc-123");
  EXPECT_EQ(k.channel(), "vapi:stored");
  EXPECT_EQ(k.call_pattern(), "vapi:call:*");
}

TEST(RedisKeys, CallIdsAreReadBackOnlyFromResultKeys) {
  key_layout k("vapi:");
  EXPECT_EQ(k.call_id_of("vapi:call:abc"), "abc");
  EXPECT_EQ(k.call_id_of("vapi:call:a:b"), "a:b");
  EXPECT_FALSE(k.call_id_of("vapi:call:"));
  EXPECT_FALSE(k.call_id_of("vapi:status:abc"));
  EXPECT_FALSE(k.call_id_of("other:call:abc"));
  EXPECT_FALSE(k.call_id_of("vapi:"));
  EXPECT_EQ(key_layout("").call_id_of("call:x"), "x");
}

TEST(RedisKeys, GlobCharactersInThePrefixAreEscaped) {
  EXPECT_EQ(key_layout("a*b?[c]\\:").call_pattern(), "a\\*b\\?\\[c\\]\\\\:call:*");
}

// The pattern, sent to Redis, matches this layout's result keys and nothing else, even when the
// prefix would be a wildcard unescaped.
TEST(RedisKeys, ScanWithThePatternFindsExactlyThisPrefixsResults) {
  std::signal(SIGPIPE, SIG_IGN);
  test_support::redis_server server;
  auto c = redis::connection::open(*redis::parse_url(server.url()).ok,
                                   std::chrono::milliseconds(2000));
  key_layout odd("t*[1]:");
  key_layout other("tX1:");  // what "t*[1]:" would match as a glob
  c.pipeline({{"SET", odd.call("a"), "1"},
              {"SET", odd.call("b"), "1"},
              {"SET", odd.status("c"), "1"},
              {"SET", other.call("z"), "1"},
              {"SET", "t*[1]:callx", "1"}});
  std::set<std::string> found;
  std::string cursor = "0";
  do {
    auto r = c.run({"SCAN", cursor, "MATCH", odd.call_pattern(), "COUNT", "100"});
    ASSERT_EQ(r.type, redis::reply::kind::array);
    cursor = r.items.at(0).text;
    for (const auto& key : r.items.at(1).items)
      found.insert(key.text);
  } while (cursor != "0");
  EXPECT_EQ(found, (std::set<std::string>{odd.call("a"), odd.call("b")}));
  for (const auto& key : found)
    EXPECT_TRUE(odd.call_id_of(key));
}

}  // namespace
