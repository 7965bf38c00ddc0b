// Tests config/settings.cpp: the ranges of values a setting takes (boundaries accepted, what is
// out of range refused with exit 2), the durability and memory bounds, HTTP_THREADS=0.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/support/settings_load.hpp"

namespace {

using namespace settings_support;

TEST(settings, http_threads_zero_resolves_to_at_least_one) {
  for (const auto& args : std::vector<std::vector<std::string>>{
         {"--http-threads", "0", "--actor-threads", "0"}, {}}) {
    auto r = load(args, {{"ACTOR_THREADS", "0"}});
    ASSERT_TRUE(r.values.has_value()) << r.output;
    EXPECT_GE(r.values->http_threads, 1u);
    EXPECT_GE(r.values->actor_threads, 1u);
    EXPECT_EQ(r.values->http_threads, resolved_cores());
    EXPECT_EQ(r.values->actor_threads, resolved_cores());
  }
}

TEST(settings, boundary_values_are_accepted) {
  auto r = load({"--port=0", "--cache-ttl-seconds=1", "--max-body-bytes=1024",
                 "--http-threads=256", "--actor-threads=256", "--shutdown-grace-seconds=3600"});
  ASSERT_TRUE(r.values.has_value()) << r.output;
  EXPECT_EQ(r.values->port, 0);
  EXPECT_EQ(r.values->cache_ttl, std::chrono::seconds(1));
  EXPECT_EQ(r.values->max_body_bytes, 1024u);
  EXPECT_EQ(r.values->http_threads, 256u);
  EXPECT_EQ(r.values->actor_threads, 256u);
  EXPECT_EQ(r.values->shutdown_grace, std::chrono::seconds(3600));
  r = load({"--port=65535", "--cache-ttl-seconds=31536000", "--max-body-bytes=1073741824"});
  ASSERT_TRUE(r.values.has_value()) << r.output;
  EXPECT_EQ(r.values->port, 65535);
  EXPECT_EQ(r.values->cache_ttl, std::chrono::seconds(31536000));
  EXPECT_EQ(r.values->max_body_bytes, 1073741824u);
}

TEST(settings, connection_limits_are_checked) {
  auto r = load({"--max-connections=5", "--send-timeout-seconds=1",
                 "--max-output-buffer-bytes=1048576"});
  ASSERT_TRUE(r.values.has_value()) << r.output;
  EXPECT_EQ(r.values->max_connections, 5u);
  EXPECT_EQ(r.values->send_timeout, std::chrono::seconds(1));
  EXPECT_EQ(r.values->max_output_buffer_bytes, 1048576u);
  EXPECT_EQ(load({"--send-timeout-seconds=0"}).exit_code, 2);
  EXPECT_EQ(load({"--max-output-buffer-bytes=1000"}).exit_code, 2);
  EXPECT_EQ(load({"--max-connections=-1"}).exit_code, 2);
}

TEST(settings, durability_and_memory_bounds) {
  auto d = load({});
  ASSERT_TRUE(d.values.has_value()) << d.output;
  EXPECT_EQ(d.values->data_dir, "data");
  EXPECT_EQ(d.values->journal_fsync, "always");
  EXPECT_EQ(d.values->journal_segment_bytes, size_t(64) << 20);
  EXPECT_EQ(d.values->max_memory_bytes, size_t(1024) << 20);
  EXPECT_EQ(d.values->max_entries, 1000000u);

  auto r = load({"--journal-fsync=everysec", "--max-memory-mb=32", "--max-entries=10",
                 "--journal-segment-mb=1", "--max-body-bytes=1048576"},
                {{"DATA_DIR", "/var/lib/vapi-cache"}});
  ASSERT_TRUE(r.values.has_value()) << r.output;
  EXPECT_EQ(r.values->data_dir, "/var/lib/vapi-cache");
  EXPECT_EQ(r.values->journal_fsync, "everysec");
  EXPECT_EQ(r.values->max_memory_bytes, size_t(32) << 20);
  EXPECT_EQ(r.values->max_entries, 10u);
  EXPECT_EQ(r.values->journal_segment_bytes, size_t(1) << 20);

  // DATA_DIR empty means memory only, from the environment too (unlike every other setting).
  auto memory = load({}, {{"DATA_DIR", ""}});
  ASSERT_TRUE(memory.values.has_value()) << memory.output;
  EXPECT_EQ(memory.values->data_dir, "");
  EXPECT_EQ(load({"--data-dir="}).values->data_dir, "");

  EXPECT_EQ(load({"--journal-fsync=sometimes"}).exit_code, 2);
  EXPECT_EQ(load({"--max-entries=0"}).exit_code, 2);
  EXPECT_EQ(load({"--max-memory-mb=0"}).exit_code, 2);
  // A bound that cannot hold one report of MAX_BODY_BYTES (8 MiB by default) is refused.
  auto small = load({"--max-memory-mb=4"});
  EXPECT_EQ(small.exit_code, 2);
  EXPECT_NE(small.output.find("MAX_MEMORY_MB"), std::string::npos) << small.output;
  EXPECT_NE(small.output.find("MAX_BODY_BYTES"), std::string::npos) << small.output;
  EXPECT_TRUE(load({"--max-memory-mb=4", "--max-body-bytes=4194304"}).values.has_value());
}

TEST(settings, every_log_level_is_accepted) {
  for (std::string level : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    auto r = load({"--log-level", level});
    ASSERT_TRUE(r.values.has_value()) << r.output;
    EXPECT_EQ(r.values->log_level, level);
  }
}

}  // namespace
