// Tests http/http_metrics.cpp: the webhook counter and the request duration histogram as written
// to /metrics, label names, bucket edges, status clamping and exact totals under concurrency.
#include "http/http_metrics.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using http::http_metrics;
using http::name_of;
using http::route_label;
using http::webhook_outcome;

const std::string webhooks = "vapi_cache_webhooks_received_total";
const std::string duration = "vapi_cache_http_request_duration_seconds";

std::vector<std::string> lines_of(const http_metrics& m) {
  metrics::prometheus_text out;
  m.write(out);
  std::vector<std::string> lines;
  std::istringstream in(out.text());
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

std::vector<std::string> starting_with(const std::vector<std::string>& lines,
                                       const std::string& prefix) {
  std::vector<std::string> found;
  for (const auto& l : lines)
    if (l.rfind(prefix, 0) == 0)
      found.push_back(l);
  return found;
}

// `name{route="..",status_class=".."<extra>}`: a sample's name and labels, before its value.
std::string series(const std::string& suffix, route_label r, const std::string& status_class,
                   const std::string& extra = "") {
  return duration + suffix + "{route=\"" + std::string(name_of(r)) + "\",status_class=\"" +
         status_class + "\"" + extra + "}";
}
std::string bucket(route_label r, const std::string& status_class, const std::string& le) {
  return series("_bucket", r, status_class, ",le=\"" + le + "\"");
}

// The value of the one sample named exactly `sample`; "absent" when there is none.
std::string value_of(const std::vector<std::string>& lines, const std::string& sample) {
  auto found = starting_with(lines, sample + " ");
  if (found.size() != 1)
    return found.empty() ? "absent" : "repeated";
  return found[0].substr(sample.size() + 1);
}

TEST(http_metrics, empty_metrics_write_only_the_family_headers) {
  http_metrics m;
  auto lines = lines_of(m);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].rfind("# HELP " + webhooks + " ", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1], "# TYPE " + webhooks + " counter");
  EXPECT_EQ(lines[2].rfind("# HELP " + duration + " ", 0), 0u) << lines[2];
  EXPECT_EQ(lines[3], "# TYPE " + duration + " histogram");
}

TEST(http_metrics, webhooks_are_counted_by_type_and_outcome) {
  http_metrics m;
  m.count_webhook("end-of-call-report", webhook_outcome::stored);
  m.count_webhook("end-of-call-report", webhook_outcome::stored);
  m.count_webhook("", webhook_outcome::invalid);
  m.count_webhook("made-up-type", webhook_outcome::ignored);
  auto got = starting_with(lines_of(m), webhooks);
  std::sort(got.begin(), got.end());
  std::vector<std::string> want = {
    webhooks + R"({type="end-of-call-report",outcome="stored"} 2)",
    webhooks + R"({type="other",outcome="ignored"} 1)",
    webhooks + R"({type="unknown",outcome="invalid"} 1)",
  };
  EXPECT_EQ(got, want);
  EXPECT_TRUE(starting_with(lines_of(m), duration + "_").empty());
}

TEST(http_metrics, requests_are_timed_by_route_and_status_class) {
  http_metrics m;
  m.observe_request(route_label::get_call, 200, 3ms);
  m.observe_request(route_label::get_call, 404, 100us);
  m.observe_request(route_label::webhook, 503, 2s);
  auto lines = lines_of(m);
  EXPECT_EQ(starting_with(lines, duration + "_count").size(), 3u);
  EXPECT_EQ(starting_with(lines, duration + "_bucket").size(), 3u * 17);
  EXPECT_TRUE(starting_with(lines, webhooks + "{").empty());

  auto call = route_label::get_call;
  EXPECT_EQ(value_of(lines, bucket(call, "2xx", "0.001")), "0");
  EXPECT_EQ(value_of(lines, bucket(call, "2xx", "0.0025")), "0");
  EXPECT_EQ(value_of(lines, bucket(call, "2xx", "0.005")), "1");
  EXPECT_EQ(value_of(lines, bucket(call, "2xx", "60")), "1");
  EXPECT_EQ(value_of(lines, bucket(call, "2xx", "+Inf")), "1");
  EXPECT_EQ(value_of(lines, series("_count", call, "2xx")), "1");
  EXPECT_NEAR(std::stod(value_of(lines, series("_sum", call, "2xx"))), 0.003, 1e-12);

  EXPECT_EQ(value_of(lines, bucket(call, "4xx", "0.0005")), "1");
  EXPECT_EQ(value_of(lines, bucket(call, "4xx", "+Inf")), "1");
  EXPECT_EQ(value_of(lines, series("_count", call, "4xx")), "1");
  EXPECT_NEAR(std::stod(value_of(lines, series("_sum", call, "4xx"))), 0.0001, 1e-12);

  auto hook = route_label::webhook;
  EXPECT_EQ(value_of(lines, bucket(hook, "5xx", "1")), "0");
  EXPECT_EQ(value_of(lines, bucket(hook, "5xx", "2.5")), "1");
  EXPECT_EQ(value_of(lines, bucket(hook, "5xx", "+Inf")), "1");
  EXPECT_EQ(value_of(lines, series("_count", hook, "5xx")), "1");
  EXPECT_NEAR(std::stod(value_of(lines, series("_sum", hook, "5xx"))), 2.0, 1e-12);

  EXPECT_EQ(value_of(lines, series("_count", call, "5xx")), "absent");
  EXPECT_EQ(value_of(lines, series("_count", hook, "2xx")), "absent");
}

TEST(http_metrics, a_duration_on_a_bound_falls_in_that_bucket) {
  http_metrics m;
  m.observe_request(route_label::stats, 200, 5ms);
  m.observe_request(route_label::stats, 200, 1s);
  m.observe_request(route_label::stats, 200, 500us);
  auto lines = lines_of(m);
  EXPECT_EQ(value_of(lines, bucket(route_label::stats, "2xx", "0.0005")), "1");
  EXPECT_EQ(value_of(lines, bucket(route_label::stats, "2xx", "0.0025")), "1");
  EXPECT_EQ(value_of(lines, bucket(route_label::stats, "2xx", "0.005")), "2");
  EXPECT_EQ(value_of(lines, bucket(route_label::stats, "2xx", "0.5")), "2");
  EXPECT_EQ(value_of(lines, bucket(route_label::stats, "2xx", "1")), "3");
  EXPECT_EQ(value_of(lines, bucket(route_label::stats, "2xx", "+Inf")), "3");
}

TEST(http_metrics, durations_above_every_bound_count_only_in_inf) {
  http_metrics m;
  m.observe_request(route_label::health, 200, 61s);
  auto lines = lines_of(m);
  EXPECT_EQ(value_of(lines, bucket(route_label::health, "2xx", "60")), "0");
  EXPECT_EQ(value_of(lines, bucket(route_label::health, "2xx", "+Inf")), "1");
  EXPECT_EQ(value_of(lines, series("_sum", route_label::health, "2xx")), "61");
}

TEST(http_metrics, statuses_outside_100_to_599_are_clamped) {
  http_metrics m;
  for (int status : {0, 42, 99, -1, 100})
    m.observe_request(route_label::other, status, 1ms);
  for (int status : {599, 600, 999, 1000})
    m.observe_request(route_label::other, status, 1ms);
  auto lines = lines_of(m);
  EXPECT_EQ(value_of(lines, series("_count", route_label::other, "1xx")), "5");
  EXPECT_EQ(value_of(lines, series("_count", route_label::other, "5xx")), "4");
  EXPECT_EQ(starting_with(lines, duration + "_count").size(), 2u);
}

TEST(http_metrics, totals_are_exact_with_eight_threads_recording_at_once) {
  constexpr int threads = 8, each = 100000;
  http_metrics m;
  std::atomic<int> ready{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      ready.fetch_add(1);
      while (ready.load() < threads) {
      }  // all start together
      for (int i = 0; i < each; ++i) {
        m.observe_request(route_label::get_calls, 200, 1ms);
        m.count_webhook("status-update", webhook_outcome::noted);
      }
    });
  for (auto& th : pool)
    th.join();
  auto lines = lines_of(m);
  auto calls = route_label::get_calls;
  EXPECT_EQ(value_of(lines, bucket(calls, "2xx", "0.0005")), "0");
  EXPECT_EQ(value_of(lines, bucket(calls, "2xx", "0.001")), "800000");
  EXPECT_EQ(value_of(lines, bucket(calls, "2xx", "+Inf")), "800000");
  EXPECT_EQ(value_of(lines, series("_count", calls, "2xx")), "800000");
  EXPECT_EQ(value_of(lines, series("_sum", calls, "2xx")), "800");  // 800,000 ms, integral
  std::vector<std::string> want = {webhooks + R"({type="status-update",outcome="noted"} 800000)"};
  EXPECT_EQ(starting_with(lines, webhooks + "{"), want);
}

TEST(http_metrics, route_and_outcome_names) {
  EXPECT_EQ(name_of(route_label::webhook), "POST /api/v1/vapi/webhook");
  EXPECT_EQ(name_of(route_label::get_call), "GET /api/v1/vapi/calls/:callId");
  EXPECT_EQ(name_of(route_label::get_call_wait), "GET /api/v1/vapi/calls/:callId?wait");
  EXPECT_EQ(name_of(route_label::get_calls), "GET /api/v1/vapi/calls");
  EXPECT_EQ(name_of(route_label::get_calls_wait), "GET /api/v1/vapi/calls?wait");
  EXPECT_EQ(name_of(route_label::delete_call), "DELETE /api/v1/vapi/calls/:callId");
  EXPECT_EQ(name_of(route_label::stats), "GET /api/v1/vapi/cache/stats");
  EXPECT_EQ(name_of(route_label::metrics), "GET /metrics");
  EXPECT_EQ(name_of(route_label::health), "GET /health");
  EXPECT_EQ(name_of(route_label::ready), "GET /ready");
  EXPECT_EQ(name_of(route_label::other), "other");

  EXPECT_EQ(name_of(webhook_outcome::stored), "stored");
  EXPECT_EQ(name_of(webhook_outcome::noted), "noted");
  EXPECT_EQ(name_of(webhook_outcome::ignored), "ignored");
  EXPECT_EQ(name_of(webhook_outcome::invalid), "invalid");
  EXPECT_EQ(name_of(webhook_outcome::unauthorized), "unauthorized");
  EXPECT_EQ(name_of(webhook_outcome::too_large), "too_large");
  EXPECT_EQ(name_of(webhook_outcome::failed), "failed");
}

}  // namespace
