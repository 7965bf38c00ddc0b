// Tests the store's settings in config/settings.cpp (STORE, REDIS_*): defaults, parsing, and
// that a bad REDIS_URL is refused without its password appearing in the message.
#include "config/settings.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace {

using env_map = std::map<std::string, std::string>;

config::load_result load(const std::vector<std::string>& args, const env_map& env = {}) {
  config::env_lookup lookup = [&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  return config::load(args, lookup);
}

TEST(settings_store, defaults_are_the_memory_store_and_a_local_redis) {
  auto r = load({});
  ASSERT_TRUE(r.values) << r.output;
  EXPECT_EQ(r.values->store, "memory");
  EXPECT_EQ(r.values->redis.host, "127.0.0.1");
  EXPECT_EQ(r.values->redis.port, 6379);
  EXPECT_EQ(r.values->redis.db, 0u);
  EXPECT_EQ(r.values->redis_key_prefix, "vapi:");
  EXPECT_TRUE(r.values->redis_sentinels.empty());
  EXPECT_EQ(r.values->redis_master_name, "mymaster");
  EXPECT_EQ(r.values->redis_timeout.count(), 2000);
  EXPECT_EQ(r.values->redis_wait_replicas, -1);  // auto
}

TEST(settings_store, redis_settings_from_the_environment_and_flags) {
  auto r = load({"--redis-key-prefix", "prod:"},
                {{"STORE", "redis"},
                 {"REDIS_URL", "redis://app:s3cret@cache.internal:6380/2"},
                 {"REDIS_SENTINELS", "10.0.0.1:26379,10.0.0.2"},
                 {"REDIS_MASTER_NAME", "calls"}});
  ASSERT_TRUE(r.values) << r.output;
  EXPECT_EQ(r.values->store, "redis");
  EXPECT_EQ(r.values->redis.host, "cache.internal");
  EXPECT_EQ(r.values->redis.port, 6380);
  EXPECT_EQ(r.values->redis.username, "app");
  EXPECT_EQ(r.values->redis.password, "s3cret");
  EXPECT_EQ(r.values->redis.db, 2u);
  EXPECT_EQ(r.values->redis_key_prefix, "prod:");
  ASSERT_EQ(r.values->redis_sentinels.size(), 2u);
  EXPECT_EQ(r.values->redis_sentinels[1].host, "10.0.0.2");
  EXPECT_EQ(r.values->redis_sentinels[1].port, 26379);
  EXPECT_EQ(r.values->redis_master_name, "calls");
  EXPECT_EQ(load({}, {{"REDIS_WAIT_REPLICAS", "2"}}).values->redis_wait_replicas, 2);
}

TEST(settings_store, a_unix_socket_url) {
  auto r = load({}, {{"REDIS_URL", "unix:///run/redis/redis.sock?db=3"}});
  ASSERT_TRUE(r.values) << r.output;
  EXPECT_EQ(r.values->redis.path, "/run/redis/redis.sock");
  EXPECT_EQ(r.values->redis.db, 3u);
}

TEST(settings_store, bad_values_exit_2_naming_the_setting) {
  for (auto [name, value] : std::vector<std::pair<std::string, std::string>>{
         {"STORE", "postgres"},
         {"REDIS_SENTINELS", "host:notaport"},
         {"REDIS_MASTER_NAME", "two words"},
         {"REDIS_TIMEOUT_MS", "0"},
         {"REDIS_WAIT_REPLICAS", "some"}}) {
    auto r = load({}, {{name, value}});
    EXPECT_FALSE(r.values) << name;
    EXPECT_EQ(r.exit_code, 2) << name;
    EXPECT_NE(r.output.find(name), std::string::npos) << r.output;
  }
}

TEST(settings_store, a_bad_redis_url_is_refused_without_showing_its_password) {
  for (const char* url : {"rediss://:hunter2@host", "redis://:hunter2@host:99999",
                          "http://:hunter2@host"}) {
    auto r = load({}, {{"REDIS_URL", url}});
    EXPECT_FALSE(r.values) << url;
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.output.find("REDIS_URL"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("hunter2"), std::string::npos) << r.output;
  }
}

}  // namespace
