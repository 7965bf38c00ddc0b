// Tests the shape of the Kestra flows in examples/kestra, read through python3 with PyYAML:
// the README's 1.x recipe uses only 1.x constructs, the Pause (resume) flow waits for the
// CallResult without a loop, the Webhook flow reads the forwarded result, and every flow uses
// core tasks only. (tests/kestra_flows_test.cpp runs their logic against the service.)
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>

#include "tests/kestra_flows/flow_files.hpp"

namespace {

using namespace kestra_flows;
using nlohmann::json;

TEST(KestraFlows, ReadmeRecipeFor1xUsesOnly1xConstructs) {
  std::string readme = text_of(examples + "README.md");
  const std::string open =
    "```yaml\n  - id: start_calls\n    type: io.kestra.plugin.core.flow.ForEach";
  auto at = readme.find(open);
  ASSERT_NE(at, std::string::npos) << "README: the 1.x recipe";
  std::string recipe = readme.substr(at + 8, readme.find("```", at + 8) - at - 8);
  std::string dir = test_support::make_temp_dir("kestra-recipe");
  std::ofstream(dir + "/recipe.yml") << "tasks:\n" << recipe;
  auto read = flow_json(dir + "/recipe.yml");
  std::filesystem::remove_all(dir);
  if (!read)
    FAIL() << needs_yaml;
  auto& tasks = (*read)["tasks"];
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[0]["id"], "start_calls");
  EXPECT_FALSE(tasks[0].contains("outputs")) << "ForEach takes no outputs block";
  EXPECT_TRUE(contains(tasks[0]["tasks"][0]["body"].get<std::string>(),
                       "fromJson(taskrun.value).phone"));
  EXPECT_EQ(tasks[1]["id"], "calls");
  for (auto part : {"item.", "loopOutputs", "flow.Loop\n"})
    EXPECT_FALSE(contains(recipe, part)) << part;
  std::string flow = text_of(examples + "first-available-provider.yml");
  std::string rest = flow.substr(flow.find("  - id: init_pending"));
  for (auto part : {"item.", "loopOutputs", "flow.Loop\n"})
    EXPECT_FALSE(contains(rest, part)) << "the rest of the flow must be 1.x too: " << part;
  // After a ForEach, outputs.create_call is {value: that iteration's outputs}.
  auto ids = run_jq(jq_of(tasks[1]["values"]["ids"].get<std::string>()),
                    R"({"{\"name\":\"A\"}": {"code": 201, "body": "{\"id\":\"call-1\"}"},
                        "{\"name\":\"B\"}": {"code": 201, "body": "{\"id\":\"call-2\"}"}})");
  if (!ids)
    FAIL() << needs_jq;
  EXPECT_EQ(*ids, R"("call-1,call-2")");
}

TEST(KestraFlows, ResumeFlowPausesForTheResultInputWithoutALoop) {
  FLOW_OR_FAIL(flow, "resume-on-result.yml");
  std::string body = task(flow["tasks"], "create_call")["body"].get<std::string>();
  EXPECT_TRUE(contains(body, R"("kestraExecutionId": execution.id)")) << body;
  auto& pause = task(flow["tasks"], "wait_for_result");
  EXPECT_EQ(pause["type"], "io.kestra.plugin.core.flow.Pause");
  EXPECT_EQ(pause["pauseDuration"], "PT15M");
  EXPECT_EQ(pause["behavior"], "RESUME");
  ASSERT_EQ(pause["onResume"].size(), 1u);
  EXPECT_EQ(pause["onResume"][0]["id"], "result");
  EXPECT_EQ(pause["onResume"][0]["type"], "JSON");
  EXPECT_TRUE(contains(task(flow["tasks"], "result")["values"]["call_result"].get<std::string>(),
                       "outputs.wait_for_result.onResume.result"));
  EXPECT_FALSE(contains(text_of(examples + "resume-on-result.yml"), "LoopUntil"));
  // vapi-cache's defaults name the same input and metadata key.
  std::string defaults = text_of(examples + "../../config/defaults.conf");
  EXPECT_TRUE(contains(defaults, "\nKESTRA_RESUME_INPUT=result\n"));
  EXPECT_TRUE(contains(defaults, "\nKESTRA_EXECUTION_KEY=kestraExecutionId\n"));
}

TEST(KestraFlows, WebhookFlowReadsTheForwardedCallResult) {
  FLOW_OR_FAIL(flow, "on-forwarded-result.yml");
  ASSERT_EQ(flow["triggers"].size(), 1u);
  EXPECT_EQ(flow["triggers"][0]["type"], "io.kestra.plugin.core.trigger.Webhook");
  EXPECT_EQ(flow["triggers"][0]["key"], "{{ secret('VAPI_CACHE_WEBHOOK_KEY') }}");
  EXPECT_EQ(task(flow["tasks"], "next_step")["value"], "{{ trigger.body.data.status }}");
  EXPECT_TRUE(contains(task(flow["tasks"], "only_call_results")["condition"].get<std::string>(),
                       "'call.result'"));
}

TEST(KestraFlows, EveryFlowParsesAndUsesCoreTasks) {
  for (auto file : {"wait-for-call.yml", "first-available-provider.yml", "resume-on-result.yml",
                    "on-forwarded-result.yml", "node-script-task.yml"}) {
    auto read = flow_json(examples + file);
    if (!read)
      FAIL() << needs_yaml;
    EXPECT_EQ((*read)["namespace"], "company.team") << file;
    std::string text = read->dump();
    std::regex type(R"re("type":"(io\.kestra\.[A-Za-z.]+)")re");
    for (std::sregex_iterator i(text.begin(), text.end(), type), end; i != end; ++i) {
      std::string t = (*i)[1].str();
      EXPECT_TRUE(t.rfind("io.kestra.plugin.core.", 0) == 0 ||
                  t == "io.kestra.plugin.scripts.node.Script")
        << file << ": " << t;
    }
  }
}

}  // namespace
