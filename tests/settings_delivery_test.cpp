// Tests the delivery settings in config/delivery_settings.cpp (KESTRA_*, FORWARD_*,
// DELIVERY_*): defaults, what goes together, and that no secret appears in a refusal.
#include "config/settings.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace {

using env_map = std::map<std::string, std::string>;

config::load_result load(const env_map& env) {
  config::env_lookup lookup = [&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  return config::load({}, lookup);
}

TEST(settings_delivery, defaults_are_off_with_kestras_own_names) {
  auto r = load({});
  ASSERT_TRUE(r.values) << r.output;
  EXPECT_EQ(r.values->kestra_url, "");
  EXPECT_EQ(r.values->forward_url, "");
  EXPECT_EQ(r.values->kestra_tenant, "main");
  EXPECT_EQ(r.values->kestra_resume_input, "result");
  EXPECT_EQ(r.values->kestra_execution_key, "kestraExecutionId");
  EXPECT_EQ(r.values->kestra_resume_path, "/api/v1/{tenant}/executions/{executionId}/resume");
  EXPECT_EQ(r.values->delivery_retry.count(), 900);
  EXPECT_EQ(r.values->delivery_timeout.count(), 10);
}

TEST(settings_delivery, a_kestra_with_basic_auth) {
  auto r = load({{"KESTRA_URL", "https://kestra.example.com"},
                 {"KESTRA_USERNAME", "a@b.c"},
                 {"KESTRA_PASSWORD", "pw"}});
  ASSERT_TRUE(r.values) << r.output;
  EXPECT_EQ(r.values->kestra_url, "https://kestra.example.com");
}

TEST(settings_delivery, refusals_say_why_and_never_repeat_a_secret) {
  struct bad {
    env_map env;
    std::string says, secret;
  };
  std::vector<bad> cases = {
    {{{"KESTRA_URL", "ftp://kestra"}}, "KESTRA_URL", ""},
    {{{"KESTRA_URL", "https://user:hunter2@kestra"}}, "KESTRA_URL", ""},
    {{{"KESTRA_URL", "http://k"}, {"KESTRA_USERNAME", "u"}}, "KESTRA_PASSWORD", ""},
    {{{"KESTRA_URL", "http://k"}, {"KESTRA_USERNAME", "u"}, {"KESTRA_PASSWORD", "p"},
      {"KESTRA_API_TOKEN", "t"}}, "both", ""},
    {{{"KESTRA_RESUME_PATH", "/api/v1/executions/resume"}}, "KESTRA_RESUME_PATH", ""},
    {{{"FORWARD_URL", "https://hooks.example.com/k3y-in-path"}}, "FORWARD_SECRET",
     "k3y-in-path"},
    {{{"FORWARD_URL", "not a url k3y"}, {"FORWARD_SECRET", "x"}}, "FORWARD_URL", "k3y"},
    {{{"FORWARD_URL", "https://h"}, {"FORWARD_SECRET", "whsec_!!!not-base64"}},
     "FORWARD_SECRET", "!!!not-base64"},
    {{{"DELIVERY_RETRY_SECONDS", "0"}}, "DELIVERY_RETRY_SECONDS", ""},
  };
  for (const auto& c : cases) {
    auto r = load(c.env);
    EXPECT_FALSE(r.values) << c.says;
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.output.find(c.says), std::string::npos) << r.output;
    if (!c.secret.empty()) {
      EXPECT_EQ(r.output.find(c.secret), std::string::npos) << r.output;
    }
  }
  EXPECT_EQ(load({{"KESTRA_URL", "https://user:hunter2@kestra"}}).output.find("hunter2"),
            std::string::npos);
}

TEST(settings_delivery, forwarding_with_a_standard_webhooks_secret) {
  auto r = load({{"FORWARD_URL", "https://kestra.example.com/api/v1/main/executions/webhook/ns/flow/key"},
                 {"FORWARD_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}});
  ASSERT_TRUE(r.values) << r.output;
}

}  // namespace
