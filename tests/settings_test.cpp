// Tests config/settings.cpp: the layers (defaults < --config file < environment < flags), --help,
// and exit code 2 with a message naming the setting and its source for every bad input.
#include "config/settings.hpp"
#include "config/cpu_budget.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

using env_map = std::map<std::string, std::string>;

config::load_result load(const std::vector<std::string>& args, const env_map& env = {},
                         const std::string& defaults = config::defaults_text) {
  config::env_lookup lookup = [&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  return config::load(args, lookup, defaults);
}

// A config file on disk for the test's lifetime.
class temp_file {
 public:
  explicit temp_file(const std::string& text) {
    std::string pattern = testing::TempDir() + "vapi_settings_XXXXXX";
    std::vector<char> name(pattern.begin(), pattern.end());
    name.push_back('\0');
    int fd = mkstemp(name.data());
    EXPECT_GE(fd, 0) << "mkstemp " << pattern;
    if (fd >= 0)
      close(fd);
    path_ = name.data();
    std::ofstream(path_, std::ios::binary) << text;
  }
  ~temp_file() { std::remove(path_.c_str()); }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The setting names defaults.conf declares, in its order.
std::vector<std::string> names_in_defaults() {
  std::vector<std::string> names;
  std::istringstream in(config::defaults_text);
  for (std::string line; std::getline(in, line);) {
    auto eq = line.find('=');
    if (!line.empty() && line[0] != '#' && eq != std::string::npos)
      names.push_back(line.substr(0, eq));
  }
  return names;
}

// config::defaults_text with one line replaced, removed (replacement ""), or added (no match).
std::string defaults_with(const std::string& name, const std::string& replacement) {
  std::istringstream in(config::defaults_text);
  std::string out;
  bool replaced = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name + "=", 0) == 0) {
      replaced = true;
      if (!replacement.empty())
        out += replacement + "\n";
    } else {
      out += line + "\n";
    }
  }
  if (!replaced)
    out += replacement + "\n";
  return out;
}

// What HTTP_THREADS=0 resolves to: the CPUs this process may use, not the host's.
unsigned resolved_cores() { return config::detect().count; }

// Asserts a refusal: exit code 2, no values, and an output that mentions every `parts`.
void expect_refused(const config::load_result& r, const std::vector<std::string>& parts) {
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(r.values.has_value());
  EXPECT_EQ(r.output.rfind("vapi-cache: ", 0), 0u) << r.output;
  for (const auto& part : parts)
    EXPECT_NE(r.output.find(part), std::string::npos) << "no \"" << part << "\" in " << r.output;
}

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

// --- --help -----------------------------------------------------------------------------------

TEST(settings, help_exits_0_and_lists_every_setting) {
  for (std::string flag : {"--help", "-h"}) {
    auto r = load({flag});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_FALSE(r.values.has_value());
    for (const auto& name : names_in_defaults()) {
      EXPECT_NE(r.output.find(name), std::string::npos) << name;
      std::string flag_name = "--";
      for (char c : name)
        flag_name += c == '_' ? '-' : char(std::tolower(static_cast<unsigned char>(c)));
      EXPECT_NE(r.output.find(flag_name), std::string::npos) << flag_name;
    }
    EXPECT_NE(r.output.find("--config"), std::string::npos);
    EXPECT_NE(r.output.find("CONFIG_FILE"), std::string::npos);
    EXPECT_NE(r.output.find("(default 8000)"), std::string::npos);
    // The comment right above a setting is its help text.
    EXPECT_NE(r.output.find("TCP port to listen on"), std::string::npos);
  }
}

TEST(settings, help_wins_over_bad_values_later_in_the_layers) {
  auto r = load({"--help"}, {{"PORT", "not a port"}, {"CONFIG_FILE", "/nonexistent/x.conf"}});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("PORT"), std::string::npos);
  r = load({"--port", "99999", "--help"});
  EXPECT_EQ(r.exit_code, 0);
}

// --- refusals ---------------------------------------------------------------------------------

TEST(settings, bad_env_value_names_setting_and_source) {
  expect_refused(load({}, {{"PORT", "abc"}}), {"PORT", "abc", "environment", "(see --help)"});
}

TEST(settings, bad_flag_value_names_setting_and_flag) {
  expect_refused(load({"--port", "70000"}), {"PORT", "70000", "--port"});
  expect_refused(load({"--log-level=loud"}), {"LOG_LEVEL", "loud", "--log-level"});
}

TEST(settings, bad_file_value_names_setting_and_file) {
  temp_file file("MAX_BODY_BYTES=12\n");
  expect_refused(load({"--config", file.path()}), {"MAX_BODY_BYTES", "12", file.path()});
}

TEST(settings, the_winning_layer_is_the_one_named) {
  // The flag's good value replaces the environment's bad one: no error.
  auto r = load({"--port", "1"}, {{"PORT", "bad"}});
  ASSERT_TRUE(r.values.has_value()) << r.output;
  // The flag's bad value is named, not the environment's good one.
  r = load({"--port", "bad"}, {{"PORT", "1"}});
  expect_refused(r, {"--port"});
  EXPECT_EQ(r.output.find("environment"), std::string::npos) << r.output;
}

struct bad_value_case {
  std::string name;
  std::string value;
};

// Readable test names in ctest, instead of the struct's raw bytes.
[[maybe_unused]] void PrintTo(const bad_value_case& c, std::ostream* os) { *os << c.name << "=" << c.value; }

class settings_bad_value : public testing::TestWithParam<bad_value_case> {};

TEST_P(settings_bad_value, exits_2_from_env_and_from_flag) {
  const auto& c = GetParam();
  std::string flag = "--";
  for (char ch : c.name)
    flag += ch == '_' ? '-' : char(std::tolower(static_cast<unsigned char>(ch)));
  expect_refused(load({}, {{c.name, c.value}}), {c.name, "environment"});
  expect_refused(load({flag, c.value}), {c.name, flag});
  expect_refused(load({flag + "=" + c.value}), {c.name, flag});
}

INSTANTIATE_TEST_SUITE_P(
  settings, settings_bad_value,
  testing::Values(
    bad_value_case{"HOST", "a b"}, bad_value_case{"HOST", "http://x"},
    bad_value_case{"HOST", "h\tx"}, bad_value_case{"PORT", "65536"},
    bad_value_case{"PORT", "-1"}, bad_value_case{"PORT", "80x"}, bad_value_case{"PORT", " 80"},
    bad_value_case{"PORT", "+80"}, bad_value_case{"PORT", "1e3"},
    bad_value_case{"PORT", "99999999999999999999999"},
    bad_value_case{"CACHE_TTL_SECONDS", "0"}, bad_value_case{"CACHE_TTL_SECONDS", "31536001"},
    bad_value_case{"CACHE_TTL_SECONDS", "1.5"}, bad_value_case{"MAX_BODY_BYTES", "1023"},
    bad_value_case{"MAX_BODY_BYTES", "1073741825"}, bad_value_case{"MAX_BODY_BYTES", "8MB"},
    bad_value_case{"HTTP_THREADS", "257"}, bad_value_case{"HTTP_THREADS", "-1"},
    bad_value_case{"ACTOR_THREADS", "257"}, bad_value_case{"ACTOR_THREADS", "many"},
    bad_value_case{"LOG_LEVEL", "verbose"}, bad_value_case{"LOG_LEVEL", "INFO"},
    bad_value_case{"LOG_LEVEL", "warning"}, bad_value_case{"SHUTDOWN_GRACE_SECONDS", "3601"},
    bad_value_case{"SHUTDOWN_GRACE_SECONDS", "5s"},
    bad_value_case{"SHUTDOWN_DELAY_SECONDS", "-1"},
    bad_value_case{"THREAD_SCHEDULING", "fifo"}));

TEST(settings, empty_flag_value_is_refused) {
  expect_refused(load({"--port="}), {"PORT", "--port"});
  expect_refused(load({"--host", ""}), {"HOST", "--host"});
}

TEST(settings, unknown_flag_exit_2) {
  expect_refused(load({"--colour", "blue"}), {"--colour"});
  expect_refused(load({"--colour=blue"}), {"--colour"});
  expect_refused(load({"--PORT", "1"}), {"--PORT"});
  expect_refused(load({"--port_number", "1"}), {"--port_number"});
}

TEST(settings, missing_value_exit_2) {
  expect_refused(load({"--port"}), {"--port", "needs a value"});
  expect_refused(load({"--log-level", "debug", "--host"}), {"--host", "needs a value"});
  expect_refused(load({"--config"}), {"--config", "needs a value"});
}

TEST(settings, positional_argument_exit_2) {
  expect_refused(load({"serve"}), {"serve"});
  expect_refused(load({"--port", "1", "extra"}), {"extra"});
  expect_refused(load({"-p", "80"}), {"-p"});
  expect_refused(load({"-"}), {"\"-\""});
}

TEST(settings, unknown_key_in_config_file_exit_2) {
  temp_file file("PORT=7000\nCOLOUR=blue\n");
  expect_refused(load({"--config", file.path()}), {"COLOUR", file.path()});
  temp_file nested("CONFIG_FILE=/etc/other.conf\n");
  expect_refused(load({"--config", nested.path()}), {"CONFIG_FILE"});
}

TEST(settings, malformed_config_line_exit_2) {
  temp_file file("# ok\nPORT=7000\nPORT 7001\n");
  expect_refused(load({"--config", file.path()}), {file.path(), "line 3", "PORT 7001"});
  temp_file no_key("=7000\n");
  expect_refused(load({"--config", no_key.path()}), {no_key.path(), "line 1"});
}

TEST(settings, unreadable_config_file_exit_2) {
  expect_refused(load({"--config", "/nonexistent/vapi-cache.conf"}),
                 {"/nonexistent/vapi-cache.conf"});
  expect_refused(load({}, {{"CONFIG_FILE", "/nonexistent/env.conf"}}), {"/nonexistent/env.conf"});
}

}  // namespace
