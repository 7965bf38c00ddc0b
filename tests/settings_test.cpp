// Tests config/settings.cpp: the defaults and the layers (defaults < --config file <
// environment < flags). Value ranges are in settings_values_test.cpp, --help and the refusals
// in settings_refusals_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "tests/support/settings_load.hpp"

namespace {

using namespace settings_support;

// --- defaults ---------------------------------------------------------------------------------

TEST(settings, defaults_text_declares_every_setting) {
  std::vector<std::string> want = {"HOST",         "PORT",          "CACHE_TTL_SECONDS",
                                   "MAX_BODY_BYTES", "HTTP_THREADS", "ACTOR_THREADS",
                                   "THREAD_SCHEDULING", "LOG_LEVEL",    "MAX_WAIT_SECONDS", "MAX_WAITERS",
                                   "MAX_CONNECTIONS", "SEND_TIMEOUT_SECONDS",
                                   "MAX_OUTPUT_BUFFER_BYTES", "SHUTDOWN_DELAY_SECONDS", "SHUTDOWN_GRACE_SECONDS",
                                   "WEBHOOK_SECRET", "WEBHOOK_SECRET_HEADER",
                                   "WEBHOOK_HMAC_SECRET", "WEBHOOK_HMAC_ALGORITHM",
                                   "WEBHOOK_SIGNATURE_HEADER", "WEBHOOK_SIGNATURE_PREFIX",
                                   "WEBHOOK_TIMESTAMP_HEADER",
                                   "WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS", "API_TOKEN",
                                   "DATA_DIR", "JOURNAL_FSYNC", "JOURNAL_SEGMENT_MB",
                                   "MAX_MEMORY_MB", "MAX_ENTRIES", "STORE", "REDIS_URL",
                                   "REDIS_KEY_PREFIX", "REDIS_SENTINELS", "REDIS_MASTER_NAME",
                                   "REDIS_TIMEOUT_MS", "REDIS_WAIT_REPLICAS", "KESTRA_URL",
                                   "KESTRA_TENANT", "KESTRA_USERNAME", "KESTRA_PASSWORD",
                                   "KESTRA_API_TOKEN", "KESTRA_RESUME_INPUT",
                                   "KESTRA_EXECUTION_KEY", "KESTRA_RESUME_PATH", "FORWARD_URL",
                                   "FORWARD_SECRET", "DELIVERY_RETRY_SECONDS",
                                   "DELIVERY_TIMEOUT_SECONDS"};
  EXPECT_EQ(names_in_defaults(), want);
}

TEST(settings, defaults_values) {
  auto r = load({});
  ASSERT_TRUE(r.values.has_value()) << r.output;
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output, "");
  const auto& s = *r.values;
  EXPECT_EQ(s.host, "0.0.0.0");
  EXPECT_EQ(s.port, 8000);
  EXPECT_EQ(s.cache_ttl, std::chrono::seconds(1800));
  EXPECT_EQ(s.max_body_bytes, 8388608u);
  EXPECT_EQ(s.http_threads, resolved_cores());  // HTTP_THREADS=0: one per core
  EXPECT_EQ(s.actor_threads, 1u);
  EXPECT_EQ(s.log_level, "info");
  EXPECT_TRUE(s.batch_scheduling);
  EXPECT_EQ(s.shutdown_delay, std::chrono::seconds(0));
  EXPECT_EQ(s.shutdown_grace, std::chrono::seconds(5));
  EXPECT_EQ(s.max_wait, std::chrono::seconds(55));
  EXPECT_EQ(s.max_waiters, 10000u);
  EXPECT_EQ(s.max_connections, 0u);  // derived from the descriptor limit at start
  EXPECT_EQ(s.send_timeout, std::chrono::seconds(30));
  EXPECT_EQ(s.max_output_buffer_bytes, 268435456u);
  EXPECT_EQ(s.webhook_secret, "");  // every authentication option is off by default
  EXPECT_EQ(s.webhook_secret_header, "");
  EXPECT_EQ(s.webhook_hmac_secret, "");
  EXPECT_EQ(s.webhook_hmac_algorithm, "sha256");
  EXPECT_EQ(s.webhook_signature_header, "x-signature");
  EXPECT_EQ(s.webhook_signature_prefix, "");
  EXPECT_EQ(s.webhook_timestamp_header, "x-timestamp");
  EXPECT_EQ(s.webhook_timestamp_tolerance, std::chrono::seconds(300));
  EXPECT_EQ(s.api_token, "");
}

TEST(settings, security_settings_from_each_layer) {
  auto r = load({"--webhook-secret", "s3cret", "--webhook-timestamp-header="},
                {{"WEBHOOK_HMAC_SECRET", "k"}, {"WEBHOOK_HMAC_ALGORITHM", "sha512"},
                 {"WEBHOOK_SECRET_HEADER", "X-My-Token"}, {"API_TOKEN", "t0k en"},
                 {"WEBHOOK_SIGNATURE_PREFIX", "sha512="}});
  ASSERT_TRUE(r.values.has_value()) << r.output;
  EXPECT_EQ(r.values->webhook_secret, "s3cret");
  EXPECT_EQ(r.values->webhook_timestamp_header, "");  // a flag may set it empty: body-only HMAC
  EXPECT_EQ(r.values->webhook_hmac_secret, "k");
  EXPECT_EQ(r.values->webhook_hmac_algorithm, "sha512");
  EXPECT_EQ(r.values->webhook_secret_header, "X-My-Token");
  EXPECT_EQ(r.values->webhook_signature_prefix, "sha512=");
  EXPECT_EQ(r.values->api_token, "t0k en");
}

TEST(settings, security_settings_are_checked) {
  for (auto [name, value] : std::vector<std::pair<std::string, std::string>>{
         {"WEBHOOK_HMAC_ALGORITHM", "md5"},
         {"WEBHOOK_SECRET_HEADER", "X Bad"},
         {"WEBHOOK_SIGNATURE_HEADER", "x:sig"},
         {"WEBHOOK_TIMESTAMP_HEADER", "x/ts"},
         {"WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS", "0"}}) {
    auto r = load({}, {{name, value}});
    EXPECT_FALSE(r.values.has_value()) << name;
    EXPECT_EQ(r.exit_code, 2) << name;
    EXPECT_NE(r.output.find(name), std::string::npos) << r.output;
  }
  auto r = load({"--webhook-signature-header="});  // the signature header cannot be "none"
  EXPECT_FALSE(r.values.has_value());
}

TEST(settings, custom_defaults_text_is_used) {
  auto r = load({}, {}, defaults_with("LOG_LEVEL", "  LOG_LEVEL = warn  "));
  ASSERT_TRUE(r.values.has_value()) << r.output;
  EXPECT_EQ(r.values->log_level, "warn");
  EXPECT_EQ(r.values->port, 8000);
  r = load({}, {{"PORT", "1235"}}, defaults_with("PORT", "PORT=1234"));
  ASSERT_TRUE(r.values.has_value()) << r.output;
  EXPECT_EQ(r.values->port, 1235);  // the environment still overrides custom defaults
}

TEST(settings, custom_defaults_missing_a_setting_exit_2) {
  for (const auto& name : names_in_defaults()) {
    SCOPED_TRACE(name);
    expect_refused(load({}, {}, defaults_with(name, "")), {name});
  }
}

TEST(settings, custom_defaults_naming_an_unknown_setting_exit_2) {
  expect_refused(load({}, {}, defaults_with("COLOUR", "COLOUR=blue")), {"COLOUR"});
}

TEST(settings, custom_defaults_malformed_or_invalid_exit_2) {
  expect_refused(load({}, {}, defaults_with("PORT", "PORT 8000")), {"line", "PORT 8000"});
  expect_refused(load({}, {}, defaults_with("PORT", "PORT=eighty")),
                 {"PORT", "eighty", "defaults"});
}

// --- layers -----------------------------------------------------------------------------------

TEST(settings, env_overrides_defaults) {
  auto r = load({}, {{"HOST", "127.0.0.1"},
                     {"PORT", "9000"},
                     {"CACHE_TTL_SECONDS", "60"},
                     {"MAX_BODY_BYTES", "2048"},
                     {"HTTP_THREADS", "3"},
                     {"ACTOR_THREADS", "4"},
                     {"LOG_LEVEL", "debug"},
                     {"SHUTDOWN_GRACE_SECONDS", "0"}});
  ASSERT_TRUE(r.values.has_value()) << r.output;
  const auto& s = *r.values;
  EXPECT_EQ(s.host, "127.0.0.1");
  EXPECT_EQ(s.port, 9000);
  EXPECT_EQ(s.cache_ttl, std::chrono::seconds(60));
  EXPECT_EQ(s.max_body_bytes, 2048u);
  EXPECT_EQ(s.http_threads, 3u);
  EXPECT_EQ(s.actor_threads, 4u);
  EXPECT_EQ(s.log_level, "debug");
  EXPECT_EQ(s.shutdown_grace, std::chrono::seconds(0));
}

TEST(settings, env_names_are_exact) {
  auto r = load({}, {{"port", "9000"}, {"VAPI_PORT", "9001"}, {"--port", "9002"}});
  ASSERT_TRUE(r.values.has_value()) << r.output;
  EXPECT_EQ(r.values->port, 8000);
}

TEST(settings, flag_overrides_env) {
  auto r = load({"--port", "9100", "--log-level=error"},
                {{"PORT", "9000"}, {"LOG_LEVEL", "debug"}});
  ASSERT_TRUE(r.values.has_value()) << r.output;
  EXPECT_EQ(r.values->port, 9100);
  EXPECT_EQ(r.values->log_level, "error");
}

TEST(settings, every_setting_has_a_flag_in_both_forms) {
  std::vector<std::string> separate = {"--host", "localhost", "--port", "1",
                                       "--cache-ttl-seconds", "2", "--max-body-bytes", "4096",
                                       "--http-threads", "5", "--actor-threads", "6",
                                       "--log-level", "trace", "--shutdown-grace-seconds", "7",
                                       "--shutdown-delay-seconds", "8",
                                       "--thread-scheduling", "normal"};
  std::vector<std::string> joined;
  for (size_t i = 0; i < separate.size(); i += 2)
    joined.push_back(separate[i] + "=" + separate[i + 1]);
  for (const auto& args : {separate, joined}) {
    auto r = load(args);
    ASSERT_TRUE(r.values.has_value()) << r.output;
    const auto& s = *r.values;
    EXPECT_EQ(s.host, "localhost");
    EXPECT_EQ(s.port, 1);
    EXPECT_EQ(s.cache_ttl, std::chrono::seconds(2));
    EXPECT_EQ(s.max_body_bytes, 4096u);
    EXPECT_EQ(s.http_threads, 5u);
    EXPECT_EQ(s.actor_threads, 6u);
    EXPECT_EQ(s.log_level, "trace");
    EXPECT_EQ(s.shutdown_grace, std::chrono::seconds(7));
    EXPECT_EQ(s.shutdown_delay, std::chrono::seconds(8));
    EXPECT_FALSE(s.batch_scheduling);
  }
}

TEST(settings, only_the_first_equals_splits_a_flag) {
  auto r = load({"--host=a=b"});
  ASSERT_TRUE(r.values.has_value()) << r.output;
  EXPECT_EQ(r.values->host, "a=b");
  r = load({"--host", "c=d"});
  ASSERT_TRUE(r.values.has_value()) << r.output;
  EXPECT_EQ(r.values->host, "c=d");
}

TEST(settings, last_flag_wins) {
  auto r = load({"--port", "1", "--port=2"});
  ASSERT_TRUE(r.values.has_value()) << r.output;
  EXPECT_EQ(r.values->port, 2);
}

TEST(settings, empty_env_var_counts_as_unset) {
  auto r = load({}, {{"PORT", ""}, {"LOG_LEVEL", ""}, {"HOST", ""}, {"CONFIG_FILE", ""}});
  ASSERT_TRUE(r.values.has_value()) << r.output;
  EXPECT_EQ(r.values->port, 8000);
  EXPECT_EQ(r.values->log_level, "info");
  EXPECT_EQ(r.values->host, "0.0.0.0");
}

TEST(settings, config_file_sits_between_defaults_and_env) {
  temp_file file("PORT=7000\nLOG_LEVEL=warn\nCACHE_TTL_SECONDS=99\n");
  auto r = load({"--config", file.path()}, {{"LOG_LEVEL", "error"}});
  ASSERT_TRUE(r.values.has_value()) << r.output;
  EXPECT_EQ(r.values->port, 7000);                           // file over defaults
  EXPECT_EQ(r.values->log_level, "error");                   // env over file
  EXPECT_EQ(r.values->cache_ttl, std::chrono::seconds(99));  // file over defaults
  EXPECT_EQ(r.values->host, "0.0.0.0");                      // defaults where the file is silent

  r = load({"--config=" + file.path(), "--cache-ttl-seconds", "5"}, {{"PORT", "7100"}});
  ASSERT_TRUE(r.values.has_value()) << r.output;
  EXPECT_EQ(r.values->port, 7100);                          // env over file
  EXPECT_EQ(r.values->cache_ttl, std::chrono::seconds(5));  // flag over file
  EXPECT_EQ(r.values->log_level, "warn");
}

TEST(settings, config_file_position_among_flags_does_not_matter) {
  temp_file file("PORT=7000\n");
  auto r = load({"--port", "7200", "--config", file.path()});
  ASSERT_TRUE(r.values.has_value()) << r.output;
  EXPECT_EQ(r.values->port, 7200);
}

TEST(settings, config_file_format) {
  temp_file file(
    "# a comment\n"
    "\n"
    "   # an indented comment\n"
    "  PORT = 7001  \n"
    "LOG_LEVEL=critical\r\n"
    "\t\n"
    "HOST=10.0.0.1");  // no final newline
  auto r = load({"--config", file.path()});
  ASSERT_TRUE(r.values.has_value()) << r.output;
  EXPECT_EQ(r.values->port, 7001);
  EXPECT_EQ(r.values->log_level, "critical");
  EXPECT_EQ(r.values->host, "10.0.0.1");
}

TEST(settings, config_file_from_env) {
  temp_file file("PORT=7300\nLOG_LEVEL=debug\n");
  auto r = load({}, {{"CONFIG_FILE", file.path()}, {"LOG_LEVEL", "warn"}});
  ASSERT_TRUE(r.values.has_value()) << r.output;
  EXPECT_EQ(r.values->port, 7300);
  EXPECT_EQ(r.values->log_level, "warn");
}

TEST(settings, config_flag_beats_config_file_env) {
  temp_file from_env("PORT=7300\n");
  temp_file from_flag("PORT=7400\n");
  auto r = load({"--config", from_flag.path()}, {{"CONFIG_FILE", from_env.path()}});
  ASSERT_TRUE(r.values.has_value()) << r.output;
  EXPECT_EQ(r.values->port, 7400);
}

}  // namespace
