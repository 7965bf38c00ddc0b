// Measures the pure payload layer that every POST pays before the cache sees it: parse_webhook
// (JSON parse + validation), to_call_result, render_get_body, and the whole ingest path as
// routes.cpp runs it (parse -> transform -> render into a shared body), for reports of about
// 1 KB (the seed), 2 KB, 48 KB and 105 KB (the long call). Bytes/s tell how the cost scales
// with report size; items/s is reports per second on one core.
#include <benchmark/benchmark.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>

#include "actors/stored_body.hpp"
#include "vapi/call_result.hpp"
#include "vapi/webhook.hpp"

namespace {

enum class size_class { seed_1k, report_2k, report_48k, long_105k };

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return {};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

// Without benchmarks/data/report_48k.json: the long call with turns dropped from its message
// lists until it is at most 48 KB, so the shape stays that of a real report.
std::string trimmed_long_call(size_t max_bytes) {
  auto doc = nlohmann::json::parse(read_file(VAPI_CACHE_PAYLOADS "/long_call_report.json"));
  auto& m = doc["message"];
  nlohmann::json* lists[] = {&m["messages"], &m["artifact"]["messages"],
                             &m["artifact"]["messagesOpenAIFormatted"]};
  for (size_t turn = 0; doc.dump().size() > max_bytes; ++turn) {
    auto& list = *lists[turn % 3];
    if (list.is_array() && !list.empty())
      list.erase(list.size() - 1);
  }
  return doc.dump(2);
}

// The report bodies, read once. benchmarks/data files carry CALL_ID as a placeholder id.
const std::string& report(size_class which) {
  static const std::string bodies[] = {
    read_file(VAPI_CACHE_PAYLOADS "/seed_report.json"),
    [] {
      auto text = read_file(VAPI_CACHE_BENCH_DATA "/report_2k.json");
      if (text.empty())
        return read_file(VAPI_CACHE_PAYLOADS "/timestamp_iso_report.json");
      replace_all(text, "CALL_ID", "5f0d3c1e-8b4a-4f5e-9c2d-7a1b3e6f9d20");
      return text;
    }(),
    [] {
      auto text = read_file(VAPI_CACHE_BENCH_DATA "/report_48k.json");
      if (text.empty())
        return trimmed_long_call(48 * 1024);
      replace_all(text, "CALL_ID", "5f0d3c1e-8b4a-4f5e-9c2d-7a1b3e6f9d20");
      return text;
    }(),
    read_file(VAPI_CACHE_PAYLOADS "/long_call_report.json"),
  };
  const auto& body = bodies[static_cast<int>(which)];
  if (body.empty())
    throw std::runtime_error("a benchmark payload is missing");
  return body;
}

vapi::webhook parsed(size_class which) {
  auto p = vapi::parse_webhook(report(which));
  if (!p.ok || !p.ok->is_report())
    throw std::runtime_error("a benchmark payload is not a valid end-of-call report");
  return std::move(*p.ok);
}

void account(benchmark::State& state, size_t bytes_per_item) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes_per_item));
  state.SetLabel(std::to_string(bytes_per_item) + " B");
}

// JSON parse plus every field check; what a 400 or a 200 costs before any transform.
void BM_parse_webhook(benchmark::State& state, size_class which) {
  const auto& body = report(which);
  for (auto _ : state) {
    auto p = vapi::parse_webhook(body);
    benchmark::DoNotOptimize(p);
  }
  account(state, body.size());
}

// Picking the CallResult fields out of an already parsed report. Bytes are the report's.
void BM_to_call_result(benchmark::State& state, size_class which) {
  auto hook = parsed(which);
  for (auto _ : state) {
    auto result = vapi::to_call_result(hook);
    benchmark::DoNotOptimize(result);
  }
  account(state, report(which).size());
}

// Serializing the stored GET body once at ingest. Bytes are the rendered body's.
void BM_render_get_body(benchmark::State& state, size_class which) {
  auto result = vapi::to_call_result(parsed(which));
  size_t out_bytes = vapi::render_get_body(result).size();
  for (auto _ : state) {
    auto text = vapi::render_get_body(result);
    benchmark::DoNotOptimize(text);
  }
  account(state, out_bytes);
}

// The GET body written straight from the parsed report (the webhook's path), against
// to_call_result + render_get_body above. Bytes are the rendered body's.
void BM_render_report_body(benchmark::State& state, size_class which) {
  auto hook = parsed(which);
  size_t out_bytes = vapi::render_get_body(hook).size();
  for (auto _ : state) {
    auto text = vapi::render_get_body(hook);
    benchmark::DoNotOptimize(text);
  }
  account(state, out_bytes);
}

// The whole ingest path of webhook_route.cpp: body text -> validated webhook -> the shared GET
// body the cache actor stores. Bytes are the report's.
void BM_ingest(benchmark::State& state, size_class which) {
  const auto& body = report(which);
  for (auto _ : state) {
    auto p = vapi::parse_webhook(body);
    auto stored = vapi_cache::stored_body::make(vapi::render_get_body(*p.ok));
    benchmark::DoNotOptimize(stored);
  }
  account(state, body.size());
}

#define PAYLOAD_BENCH(fn)                                            \
  BENCHMARK_CAPTURE(fn, seed_1k, size_class::seed_1k);               \
  BENCHMARK_CAPTURE(fn, report_2k, size_class::report_2k);           \
  BENCHMARK_CAPTURE(fn, report_48k, size_class::report_48k);         \
  BENCHMARK_CAPTURE(fn, long_105k, size_class::long_105k)

PAYLOAD_BENCH(BM_parse_webhook);
PAYLOAD_BENCH(BM_to_call_result);
PAYLOAD_BENCH(BM_render_get_body);
PAYLOAD_BENCH(BM_render_report_body);
PAYLOAD_BENCH(BM_ingest);

}  // namespace
