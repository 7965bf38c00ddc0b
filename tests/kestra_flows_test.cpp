// Tests the Kestra flows in examples/kestra: first-available-provider.yml asks once per
// long-poll, not once a second (its rounds replayed against the real binary, and at the flow's
// own numbers against a model of the batch endpoint); what a round and the deadline can cost;
// that the flows tell vapi-cache's 404 from a proxy's or another server's; and the shape of
// the Pause (resume) and Webhook flows. The flows are read through python3 with PyYAML.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <future>
#include <nlohmann/json.hpp>
#include <iostream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>

#include "tests/kestra_flows/flow_files.hpp"
#include "tests/kestra_flows/flow_rounds.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/service_process.hpp"

namespace {

using namespace std::chrono_literals;
using namespace kestra_flows;
using nlohmann::json;
using std::chrono::steady_clock;
using test_support::http_client;
using test_support::service_process;

// An end-of-call report whose analysis says `availability`.
std::string report(const std::string& id, const std::string& availability) {
  return json{{"message",
               {{"type", "end-of-call-report"},
                {"endedReason", "customer-ended-call"},
                {"call", {{"id", id}}},
                {"analysis", {{"structuredData", {{"availability", availability}}}}}}}}
    .dump();
}

// The batch endpoint of the binary, in real time since `begin`.
struct real_service {
  real_service(uint16_t port, steady_clock::time_point begin) : begin_(begin), client_(port, 30) {}
  double now() const { return std::chrono::duration<double>(steady_clock::now() - begin_).count(); }
  void sleep(double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }
  answer ask(const std::string& ids, int wait_s) {
    auto r = client_.get("/api/v1/vapi/calls?wait=" + std::to_string(wait_s) +
                         "&mode=any&ids=" + ids);
    return {r.status, r.body};
  }

 private:
  steady_clock::time_point begin_;
  http_client client_;
};

size_t answered_early(const run_result& r, double wait_s) {  // rounds shorter than the wait
  size_t n = 0;
  for (auto& round : r.rounds)
    n += round.took < wait_s - 0.5;
  return n;
}

TEST(KestraFlows, FirstAvailableKeepsThePendingIdsInTheKvStore) {
  FLOW_OR_FAIL(flow, "first-available-provider.yml");
  const std::string key = "vapi_cache_pending_{{ execution.id }}";
  const std::string read = "kv('vapi_cache_pending_' ~ execution.id)";
  auto& init = task(flow["tasks"], "init_pending");
  EXPECT_EQ(init["type"], "io.kestra.plugin.core.kv.Set");
  EXPECT_EQ(init["key"], key);
  EXPECT_EQ(init["value"], "{{ outputs.calls.values.ids }}");

  auto& loop = task(flow["tasks"], "wait_for_available");
  EXPECT_EQ(loop["type"], "io.kestra.plugin.core.flow.LoopUntil");
  std::vector<std::string> order;  // the order run_first_available follows
  for (auto& t : loop["tasks"])
    order.push_back(t["id"].get<std::string>());
  EXPECT_EQ(order, (std::vector<std::string>{"ask", "stop_if_refused", "check",
                                             "remember_pending"}));
  std::string uri = task(loop["tasks"], "ask")["uri"].get<std::string>();
  EXPECT_TRUE(contains(uri, "/api/v1/vapi/calls?wait=50&mode=any&ids={{ " + read + " }}")) << uri;
  EXPECT_FALSE(contains(uri, "outputs.")) << "a round's outputs are gone in the next: " << uri;
  std::string pending = task(loop["tasks"], "check")["values"]["pending"].get<std::string>();
  EXPECT_TRUE(contains(pending, "fromJson(outputs.ask.body).pending | join(',')")) << pending;
  EXPECT_TRUE(contains(pending, ": " + read)) << "after a 503, the same ids: " << pending;
  auto& remember = task(loop["tasks"], "remember_pending");
  EXPECT_EQ(remember["type"], "io.kestra.plugin.core.kv.Set");
  EXPECT_EQ(remember["key"], key);
  EXPECT_EQ(remember["value"], "{{ outputs.check.values.pending }}");
  EXPECT_EQ(loop["checkFrequency"]["interval"], "PT1S");
  EXPECT_EQ(loop["checkFrequency"]["maxDuration"], "PT15M");
  ASSERT_TRUE(flow.contains("finally"));
  EXPECT_EQ(flow["finally"][0]["type"], "io.kestra.plugin.core.kv.Delete");
  EXPECT_EQ(flow["finally"][0]["key"], key);
}

// Calls x-b (not available) at 0.5 s and x-c (available) at 12 s; a 3 s long-poll stands for
// the flow's 50 s, the 1 s pause is the flow's. The flow before the fix runs alongside.
TEST(KestraFlows, FirstAvailableAsksOncePerLongPollNotOnceASecond) {
  service_process svc;
  const flow_numbers n{3, 1, 60};
  auto begin = steady_clock::now();
  auto run = [&](const std::string& p, bool keep_pending) {
    return std::async(std::launch::async, [&, p, keep_pending] {
      real_service s(svc.port(), begin);
      return run_first_available(s, p + "-a," + p + "-b," + p + "-c", n, keep_pending);
    });
  };
  auto fixed_run = run("new", true), old_run = run("old", false);
  http_client poster(svc.port());
  std::this_thread::sleep_until(begin + 500ms);
  for (auto p : {"new", "old"})
    ASSERT_EQ(poster.post_json("/api/v1/vapi/webhook", report(std::string(p) + "-b", "no")).status,
              200);
  std::this_thread::sleep_until(begin + 12s);
  for (auto p : {"new", "old"})
    ASSERT_EQ(poster.post_json("/api/v1/vapi/webhook", report(std::string(p) + "-c", "available"))
                .status,
              200);
  auto fixed = fixed_run.get(), old = old_run.get();

  EXPECT_EQ(fixed.available, "new-c");
  EXPECT_EQ(old.available, "old-c");
  // Fixed: one request per long-poll, plus one per result that ends one early.
  EXPECT_LE(fixed.rounds.size(), 2 + size_t(std::ceil(12.0 / (n.wait_s + n.interval_s))));
  EXPECT_LE(answered_early(fixed, n.wait_s), 2u);
  for (size_t i = 1; i < fixed.rounds.size(); ++i)
    EXPECT_EQ(fixed.rounds[i].asked, "new-a,new-c") << "round " << i;
  // Before: once x-b is in, mode=any answers every round at once, about once a second.
  EXPECT_GE(old.rounds.size(), 9u);
  EXPECT_GE(answered_early(old, n.wait_s), old.rounds.size() - 1);
  EXPECT_GE(old.rounds.size(), 2 * fixed.rounds.size());

  // The model agrees with the binary, round for round.
  model_service model;
  model.arrives = {{"m-b", 0.5}, {"m-c", 12}};
  model.results["m-b"] = {{"status", "completed"}};
  model.results["m-c"] = {{"status", "completed"},
                          {"analysis", {{"structuredData", {{"availability", "available"}}}}}};
  auto modelled = run_first_available(model, "m-a,m-b,m-c", n, true);
  EXPECT_EQ(modelled.rounds.size(), fixed.rounds.size());
  EXPECT_EQ(modelled.available, "m-c");

  // The service counted every one of those requests, and no more.
  auto metrics = http_client(svc.port()).get("/metrics").body;
  double served = 0;
  std::istringstream lines(metrics);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(R"(vapi_cache_http_request_duration_seconds_count{route=)"
                   R"("GET /api/v1/vapi/calls?wait")",
                   0) == 0)
      served += std::stod(line.substr(line.rfind(' ') + 1));
  EXPECT_EQ(served, double(fixed.rounds.size() + old.rounds.size())) << metrics;
  std::cout << "[ requests ] fixed " << fixed.rounds.size() << ", before the fix "
            << old.rounds.size() << " (12 s, 3 s long-polls)\n";
}

// The same rounds at the flow's numbers (50 s long-polls, 1 s pause, 15 min), in virtual time.
TEST(KestraFlows, RequestsPerRunAtTheFlowsOwnNumbers) {
  auto run = [](std::optional<double> available_at, bool keep_pending) {
    model_service m;
    m.arrives["b"] = 120;  // answers, but not available
    m.results["b"] = {{"status", "completed"}};
    if (available_at) {
      m.arrives["c"] = *available_at;
      m.results["c"] = {{"status", "completed"},
                        {"analysis", {{"structuredData", {{"availability", "available"}}}}}};
    }
    return run_first_available(m, "a,b,c", flow_numbers{}, keep_pending);
  };
  auto found = run(600, true), found_before = run(600, false);
  EXPECT_EQ(found.available, "c");
  EXPECT_EQ(found.ended, 600);
  EXPECT_LE(found.rounds.size(), 2 + size_t(std::ceil(600.0 / 51)));  // 13
  EXPECT_GE(found_before.rounds.size(), 400u);  // 483
  auto none = run(std::nullopt, true), none_before = run(std::nullopt, false);
  EXPECT_TRUE(none.deadline);
  EXPECT_LE(none.rounds.size(), 2 + size_t(std::ceil(900.0 / 51)));  // 19
  EXPECT_GE(none_before.rounds.size(), 700u);  // 784
  EXPECT_LE(none.ended - 900, 51);  // the last round ends within one long-poll of the deadline
  std::cout << "[ requests ] available at 10 min: " << found.rounds.size() << " (before the fix "
            << found_before.rounds.size() << "); nobody, 15 min: " << none.rounds.size()
            << " (before " << none_before.rounds.size() << ")\n";
}

// A round is one request task with its retries; LoopUntil looks at maxDuration only after a
// round. So a flow can end at most pause + attempts x timeout + retries x interval late.
TEST(KestraFlows, TheDeadlineCanBeOverrunByOneBoundedRound) {
  const std::string readme = text_of(examples + "README.md");
  for (auto [file, loop_id, request_id] :
       {std::tuple{"wait-for-call.yml", "wait", "get_result"},
        std::tuple{"first-available-provider.yml", "wait_for_available", "ask"}}) {
    auto read = flow_json(examples + file);
    if (!read)
      FAIL() << needs_yaml;
    auto& loop = task((*read)["tasks"], loop_id);
    auto& request = task(loop["tasks"], request_id);
    double pause = seconds(loop["checkFrequency"]["interval"].get<std::string>());
    double attempt = seconds(request["timeout"].get<std::string>());
    double attempts = request["retry"]["maxAttempts"].get<double>();
    double between = seconds(request["retry"]["interval"].get<std::string>());
    double idle = seconds(request["options"]["timeout"]["readIdleTimeout"].get<std::string>());
    double connect = seconds(request["options"]["timeout"]["connectTimeout"].get<std::string>());
    EXPECT_GT(idle, 50) << file << ": the read must outlast the 50 s hold";
    EXPECT_GE(attempt, 50 + connect) << file << ": an attempt must fit a connect and the hold";
    double overrun = pause + attempts * attempt + (attempts - 1) * between;
    EXPECT_EQ(overrun, 136) << file;
    EXPECT_TRUE(contains(readme, std::to_string(int(overrun)) + " s")) << "README: the overrun";
    // A result from the round that ends past maxDuration still counts: the deadline is a
    // task after the loop, not failOnMaxReached.
    EXPECT_EQ(loop["failOnMaxReached"], false) << file;
    EXPECT_EQ(task((*read)["tasks"], "deadline")["type"], "io.kestra.plugin.core.execution.Fail");
  }
}

TEST(KestraFlows, OnlyVapiCachesOwn404MeansNotYet) {
  // The markers the flows test with `contains`, as written in them.
  std::set<std::string> markers;
  for (auto file : {"wait-for-call.yml", "first-available-provider.yml", "resume-on-result.yml"}) {
    std::string text = text_of(examples + file);
    std::regex quoted(R"(contains '([^']*)')");
    for (std::sregex_iterator i(text.begin(), text.end(), quoted), end; i != end; ++i)
      markers.insert((*i)[1]);
  }
  EXPECT_EQ(markers, (std::set<std::string>{not_found_marker, found_marker}));
  auto refused_by_flow = [](const test_support::http_response& r) {
    return refused({r.status, r.body}, not_found_marker, found_marker);
  };

  service_process svc;
  http_client c(svc.port());
  auto missing = c.get("/api/v1/vapi/calls/nothing-yet?wait=0");
  ASSERT_EQ(missing.status, 404);
  EXPECT_FALSE(refused_by_flow(missing)) << missing.body;
  c.post_json("/api/v1/vapi/webhook", R"({"message":{"type":"status-update","status":"ringing",)"
                                      R"("call":{"id":"ringing-call"}}})");
  auto ringing = c.get("/api/v1/vapi/calls/ringing-call");
  ASSERT_EQ(ringing.status, 404);
  EXPECT_TRUE(contains(ringing.body, "callStatus")) << ringing.body;
  EXPECT_FALSE(refused_by_flow(ringing)) << ringing.body;
  ASSERT_EQ(c.post_json("/api/v1/vapi/webhook", report("done-call", "available")).status, 200);
  for (auto path : {"/api/v1/vapi/calls/done-call", "/api/v1/vapi/calls?ids=done-call,x"}) {
    auto found = c.get(path);
    ASSERT_EQ(found.status, 200);
    EXPECT_FALSE(refused_by_flow(found)) << found.body;
  }
  EXPECT_FALSE(refused_by_flow({503, {}, R"({"success":false,"error":"Too many waiting"})"}));

  auto wrong_route = c.get("/api/v1/vapi/call/done-call");  // the service's own "no route"
  ASSERT_EQ(wrong_route.status, 404);
  EXPECT_TRUE(refused_by_flow(wrong_route)) << wrong_route.body;
  EXPECT_TRUE(refused_by_flow({404, {}, "<html><body><h1>404 Not Found</h1>nginx</body></html>"}));
  EXPECT_TRUE(refused_by_flow({404, {}, R"({"status":404,"error":"Not Found","path":"/x"})"}));
  EXPECT_TRUE(refused_by_flow({404, {}, ""}));
  EXPECT_TRUE(refused_by_flow({200, {}, "<html>a login page</html>"}));
  EXPECT_TRUE(refused_by_flow({401, {}, R"({"success":false,"error":"Unauthorized"})"}));
}

// The expression that picks the available call, run by jq on the real service's batch body.
TEST(KestraFlows, FirstAvailablePicksFromTheRealBatchBody) {
  FLOW_OR_FAIL(flow, "first-available-provider.yml");
  auto& loop = task(flow["tasks"], "wait_for_available");
  std::string expression =
    jq_of(task(loop["tasks"], "check")["values"]["available"].get<std::string>());
  service_process svc;
  http_client c(svc.port());
  ASSERT_EQ(c.post_json("/api/v1/vapi/webhook", report("busy-one", "no")).status, 200);
  ASSERT_EQ(c.post_json("/api/v1/vapi/webhook", report("free-one", "available")).status, 200);
  ASSERT_EQ(c.post_json("/api/v1/vapi/webhook", report("free-two", "available")).status, 200);
  auto body = c.get("/api/v1/vapi/calls?ids=silent,busy-one,free-two,free-one").body;
  auto picked = run_jq(expression, body);
  if (!picked)
    FAIL() << needs_jq;
  EXPECT_EQ(*picked, R"("free-two")") << "the first available in the order asked; " << body;
  EXPECT_EQ(run_jq(expression, c.get("/api/v1/vapi/calls?ids=silent,busy-one").body), R"("")");
}

// The README's 1.x recipe: ForEach, taskrun.value, no outputs block, the ids rebuilt from
// outputs.create_call; and nothing after those two tasks is 2.0's.
}  // namespace
