// Measures response assembly off the actor, on the HTTP threads: the seed's small JSON bodies
// (stored, call_not_found, error), a batch answer for 10 ids (7 cached results spliced in,
// 3 pending), and the /metrics page rendered from a realistic system_view and HTTP counters,
// with reading /proc for the process_* metrics timed on its own (it is I/O, the rest is not).
#include <benchmark/benchmark.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "http/metrics_page.hpp"
#include "http/replies.hpp"

namespace {

const std::string call_id = "5f0d3c1e-8b4a-4f5e-9c2d-7a1b3e6f9d20";

void BM_reply_stored(benchmark::State& state) {
  for (auto _ : state) {
    auto body = http::replies::stored(call_id);
    benchmark::DoNotOptimize(body);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_reply_call_not_found(benchmark::State& state) {
  for (auto _ : state) {
    auto body = http::replies::call_not_found(call_id);
    benchmark::DoNotOptimize(body);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_reply_error(benchmark::State& state) {
  for (auto _ : state) {
    auto body = http::replies::error(Pistache::Http::Code::Bad_Request,
                                     "wait must be a whole number of seconds from 0 to 60");
    benchmark::DoNotOptimize(body);
  }
  state.SetItemsProcessed(state.iterations());
}

// GET /calls?ids=<10 ids>: 7 stored GET bodies of about 600 bytes, 3 without a result.
void BM_reply_batch_10(benchmark::State& state) {
  std::vector<std::string> ids;
  std::vector<vapi_cache::lookup> results;
  for (int i = 0; i < 10; ++i) {
    ids.push_back("5f0d3c1e-8b4a-4f5e-9c2d-7a1b3e6f9d" + std::to_string(10 + i));
    vapi_cache::lookup l;
    if (i % 3 != 2)
      l.body = vapi_cache::stored_body::make(
        R"({"success":true,"data":{"callId":")" + ids.back() +
        R"(","status":"completed","summary":")" + std::string(500, 's') + R"("}})");
    results.push_back(std::move(l));
  }
  size_t out_bytes = http::replies::batch(ids, results).content_length();
  for (auto _ : state) {
    auto body = http::replies::batch(ids, results);
    benchmark::DoNotOptimize(body);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out_bytes));
}

// A cache that has been serving for a while: every counter non-zero, 10,000 entries, a
// first-retrieval histogram with observations in most buckets.
vapi_cache::system_view busy_view() {
  vapi_cache::system_view v;
  v.cache_up = true;
  auto& c = v.cache.counters;
  c.cached = 120345;
  c.replaced = 321;
  c.hits = 987654;
  c.misses = 45678;
  c.deleted = 1234;
  c.expired = 110000;
  c.status_updates = 456789;
  c.waits_answered = 34567;
  c.waits_timed_out = 2345;
  c.waits_refused = 12;
  c.waits_released = 3;
  c.messages_processed = 1789012;
  for (int i = 0; i < 5000; ++i)
    c.first_retrieval.observe(0.05 * (i % 97) + (i % 11) * 30.0);
  v.cache.entries = 10000;
  v.cache.stored_bytes = 6400000;
  v.cache.call_statuses = 250;
  v.cache.waiters = 42;
  v.cache.mailbox = 3;
  v.cache.oldest_message_age_seconds = 0.000125;
  v.cache_oldest_message_age_seconds = 0.000125;
  v.workers = 1;
  v.running_actors = 2;
  return v;
}

// Requests on most routes with 2xx/4xx/5xx statuses and webhooks of several types and outcomes.
void fill(http::http_metrics& m) {
  using http::route_label;
  const route_label routes[] = {route_label::webhook, route_label::get_call,
                                route_label::get_call_wait, route_label::get_calls,
                                route_label::delete_call, route_label::stats,
                                route_label::metrics, route_label::health, route_label::ready};
  const int statuses[] = {200, 200, 200, 404, 400, 503};
  for (int i = 0; i < 20000; ++i)
    m.observe_request(routes[i % 9], statuses[i % 6], std::chrono::microseconds(20 + (i % 500) * 37));
  const char* types[] = {"end-of-call-report", "status-update", "transcript", "speech-update",
                         "conversation-update", "not-a-vapi-type"};
  const http::webhook_outcome outcomes[] = {
    http::webhook_outcome::stored, http::webhook_outcome::noted, http::webhook_outcome::ignored,
    http::webhook_outcome::ignored, http::webhook_outcome::ignored,
    http::webhook_outcome::invalid};
  for (int i = 0; i < 6000; ++i)
    m.count_webhook(types[i % 6], outcomes[i % 6]);
}

void BM_render_metrics_page(benchmark::State& state) {
  auto view = busy_view();
  http::http_metrics requests;
  fill(requests);
  auto process = metrics::read_process_stats();
  net::counters counters;
  net::output_budget budget(1 << 20);
  http::connection_counts connections{counters, budget, 1000};
  size_t out_bytes = http::render_metrics_page(view, requests, 3, connections, process).size();
  for (auto _ : state) {
    auto page = http::render_metrics_page(view, requests, 3, connections, process);
    benchmark::DoNotOptimize(page);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out_bytes));
  state.SetLabel(std::to_string(out_bytes) + " B page");
}

// The /proc reads behind the process_* families, done once per scrape.
void BM_read_process_stats(benchmark::State& state) {
  for (auto _ : state) {
    auto s = metrics::read_process_stats();
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_reply_stored);
BENCHMARK(BM_reply_call_not_found);
BENCHMARK(BM_reply_error);
BENCHMARK(BM_reply_batch_10);
BENCHMARK(BM_render_metrics_page);
BENCHMARK(BM_read_process_stats);

}  // namespace
