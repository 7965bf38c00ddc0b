// Tests config/settings.cpp's --help and its refusals: exit code 2 with a message naming the
// setting and where its value came from, for every bad input.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "tests/support/settings_load.hpp"

namespace {

using namespace settings_support;

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
