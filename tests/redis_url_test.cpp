// Tests redis/redis_url.cpp: REDIS_URL's forms, the defaults, every refusal, and that neither an
// error nor redacted() ever shows the password.
#include "redis/redis_url.hpp"

#include <gtest/gtest.h>

namespace {

using redis::endpoint;
using redis::parse_url;

endpoint ok(std::string_view url) {
  auto r = parse_url(url);
  EXPECT_TRUE(r.ok) << url << ": " << r.error;
  EXPECT_TRUE(r.ok || !r.error.empty());
  return r.ok.value_or(endpoint{});
}

std::string refused(std::string_view url) {
  auto r = parse_url(url);
  EXPECT_FALSE(r.ok) << url;
  EXPECT_FALSE(r.error.empty()) << url;
  return r.error;
}

TEST(RedisUrl, TheDefaultUrl) {
  auto e = ok("redis://127.0.0.1:6379/0");
  EXPECT_EQ(e.via, endpoint::transport::tcp);
  EXPECT_EQ(e.host, "127.0.0.1");
  EXPECT_EQ(e.port, 6379);
  EXPECT_EQ(e.db, 0u);
  EXPECT_TRUE(e.username.empty());
  EXPECT_TRUE(e.password.empty());
}

TEST(RedisUrl, PortAndDatabaseAreOptional) {
  auto e = ok("redis://cache.internal");
  EXPECT_EQ(e.host, "cache.internal");
  EXPECT_EQ(e.port, 6379);
  EXPECT_EQ(e.db, 0u);
  EXPECT_EQ(ok("redis://h:7000").port, 7000);
  EXPECT_EQ(ok("redis://h/3").db, 3u);
  EXPECT_EQ(ok("redis://h:7000/15").db, 15u);
  EXPECT_EQ(ok("redis://h/").db, 0u);
}

TEST(RedisUrl, PasswordAloneIsTheDefaultUser) {
  auto e = ok("redis://:s3cret@h:6380/2");
  EXPECT_TRUE(e.username.empty());
  EXPECT_EQ(e.password, "s3cret");
  EXPECT_EQ(e.host, "h");
  EXPECT_EQ(e.port, 6380);
  EXPECT_EQ(e.db, 2u);
}

TEST(RedisUrl, UserAndPasswordArePercentDecoded) {
  auto e = ok("redis://app%2Dwriter:p%40ss%3Aword@h");
  EXPECT_EQ(e.username, "app-writer");
  EXPECT_EQ(e.password, "p@ss:word");
  // An '@' the writer did not encode still belongs to the password: the last one ends it.
  EXPECT_EQ(ok("redis://:a@b@h").password, "a@b");
  EXPECT_EQ(ok("redis://:a@b@h").host, "h");
}

TEST(RedisUrl, Ipv6InBrackets) {
  auto e = ok("redis://[::1]:6390/1");
  EXPECT_EQ(e.host, "::1");
  EXPECT_EQ(e.port, 6390);
  EXPECT_EQ(e.db, 1u);
  EXPECT_EQ(ok("redis://[fe80::1]").port, 6379);
  refused("redis://::1:6379");
  refused("redis://[::1");
  refused("redis://[::1]x");
}

TEST(RedisUrl, UnixSockets) {
  auto e = ok("unix:///run/redis/redis.sock");
  EXPECT_EQ(e.via, endpoint::transport::unix_socket);
  EXPECT_EQ(e.path, "/run/redis/redis.sock");
  EXPECT_EQ(e.db, 0u);
  auto d = ok("unix://:pw@/tmp/r.sock?db=4");
  EXPECT_EQ(d.path, "/tmp/r.sock");
  EXPECT_EQ(d.password, "pw");
  EXPECT_EQ(d.db, 4u);
  refused("unix://relative.sock");
  refused("unix://");
  refused("unix:///tmp/r.sock?timeout=1");
  refused("unix:///tmp/r.sock?db=x");
}

TEST(RedisUrl, Refusals) {
  EXPECT_NE(refused("rediss://h:6379").find("TLS"), std::string::npos);
  refused("http://h:6379");
  refused("");
  refused("redis://");
  refused("redis://:6379");
  refused("redis://h:");
  refused("redis://h:0");
  refused("redis://h:65536");
  refused("redis://h:-1");
  refused("redis://h:63x9");
  refused("redis://h/db");
  refused("redis://h/-1");
  refused("redis://h?x=1");
  refused("redis://user@h");  // a user needs a password
  refused("redis://:%zz@h");
}

TEST(RedisUrl, NoErrorShowsThePassword) {
  for (std::string_view url : {"redis://:hunter2@", "redis://:hunter2@h:99999",
                               "redis://u:hunter2@h/zz", "redis://:hunter2%zz@h",
                               "unix://:hunter2@relative", "rediss://:hunter2@h"}) {
    auto r = parse_url(url);
    ASSERT_FALSE(r.ok) << url;
    EXPECT_EQ(r.error.find("hunter2"), std::string::npos) << r.error;
  }
}

TEST(RedisUrl, RedactedHidesThePasswordAndNamesEverythingElse) {
  EXPECT_EQ(ok("redis://:hunter2@h:6380/2").redacted(), "redis://:***@h:6380/2");
  EXPECT_EQ(ok("redis://app:hunter2@h").redacted(), "redis://app:***@h:6379/0");
  EXPECT_EQ(ok("redis://h").redacted(), "redis://h:6379/0");
  EXPECT_EQ(ok("redis://[::1]:7000").redacted(), "redis://[::1]:7000/0");
  EXPECT_EQ(ok("unix://:hunter2@/tmp/r.sock?db=3").redacted(), "unix://:***@/tmp/r.sock?db=3");
  EXPECT_EQ(ok("unix:///tmp/r.sock").redacted(), "unix:///tmp/r.sock");
}

}  // namespace
