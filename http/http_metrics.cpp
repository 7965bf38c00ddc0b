// Shards are assigned to threads round-robin on their first record; with more threads than
// shards two threads share one, which stays correct (the adds are atomic), only slower.
#include "http/http_metrics.hpp"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "vapi/webhook.hpp"

namespace http {
namespace {

constexpr size_t shard_count = 16;
constexpr size_t routes = static_cast<size_t>(route_label::count);
constexpr size_t classes = 5;  // 1xx .. 5xx
constexpr size_t buckets = http_metrics::duration_bounds.size() + 1;  // + above the last
constexpr size_t outcomes = static_cast<size_t>(webhook_outcome::count);
constexpr size_t max_types = 48;  // room for vapi::known_message_types() + other + unknown

size_t type_count() { return vapi::known_message_types().size() + 2; }  // + other, unknown

size_t type_index(std::string_view type) {
  if (type.empty())
    return type_count() - 1;  // unknown
  const auto& known = vapi::known_message_types();
  auto it = std::find(known.begin(), known.end(), type);
  return static_cast<size_t>(it - known.begin());  // end: other
}

std::string type_name(size_t index) {
  const auto& known = vapi::known_message_types();
  if (index < known.size())
    return std::string(known[index]);
  return index == known.size() ? "other" : "unknown";
}

std::atomic<size_t> next_shard{0};

void add(std::atomic<uint64_t>& counter, uint64_t n) {
  counter.fetch_add(n, std::memory_order_relaxed);
}

}  // namespace

const std::array<double, 16> http_metrics::duration_bounds = {
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

struct alignas(64) http_metrics::shard {
  std::atomic<uint64_t> counts[routes][classes][buckets] = {};
  std::atomic<uint64_t> sum_ns[routes][classes] = {};
  std::atomic<uint64_t> webhooks[max_types * outcomes] = {};  // in the shard: no false sharing
};

http_metrics::http_metrics() : shards_(new shard[shard_count]) {
  if (type_count() > max_types)
    throw std::logic_error("http_metrics: raise max_types to count every VAPI message type");
}
http_metrics::~http_metrics() = default;

http_metrics::shard& http_metrics::mine() {
  thread_local size_t index = next_shard.fetch_add(1, std::memory_order_relaxed) % shard_count;
  return shards_[index];
}

std::string_view name_of(route_label r) {
  switch (r) {
    case route_label::webhook: return "POST /api/v1/vapi/webhook";
    case route_label::get_call: return "GET /api/v1/vapi/calls/:callId";
    case route_label::get_call_wait: return "GET /api/v1/vapi/calls/:callId?wait";
    case route_label::get_calls: return "GET /api/v1/vapi/calls";
    case route_label::get_calls_wait: return "GET /api/v1/vapi/calls?wait";
    case route_label::delete_call: return "DELETE /api/v1/vapi/calls/:callId";
    case route_label::stats: return "GET /api/v1/vapi/cache/stats";
    case route_label::metrics: return "GET /metrics";
    case route_label::health: return "GET /health";
    case route_label::ready: return "GET /ready";
    case route_label::openapi: return "GET /api/v1/vapi/openapi.json";
    case route_label::other:
    case route_label::count: break;
  }
  return "other";
}

std::string_view name_of(webhook_outcome o) {
  switch (o) {
    case webhook_outcome::stored: return "stored";
    case webhook_outcome::noted: return "noted";
    case webhook_outcome::ignored: return "ignored";
    case webhook_outcome::invalid: return "invalid";
    case webhook_outcome::unauthorized: return "unauthorized";
    case webhook_outcome::too_large: return "too_large";
    case webhook_outcome::unsaved: return "unsaved";
    case webhook_outcome::failed:
    case webhook_outcome::count: break;
  }
  return "failed";
}

void http_metrics::observe_request(route_label route, int status,
                                   std::chrono::steady_clock::duration took) {
  auto r = std::min(static_cast<size_t>(route), routes - 1);
  auto c = static_cast<size_t>(std::clamp(status / 100, 1, 5) - 1);
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(took).count();
  double seconds = static_cast<double>(ns) / 1e9;
  auto b = static_cast<size_t>(
    std::lower_bound(duration_bounds.begin(), duration_bounds.end(), seconds) -
    duration_bounds.begin());
  auto& s = mine();
  add(s.counts[r][c][b], 1);
  add(s.sum_ns[r][c], static_cast<uint64_t>(std::max<int64_t>(ns, 0)));
}

void http_metrics::count_webhook(std::string_view type, webhook_outcome outcome) {
  auto o = std::min(static_cast<size_t>(outcome), outcomes - 1);
  add(mine().webhooks[type_index(type) * outcomes + o], 1);
}

void http_metrics::write(metrics::prometheus_text& out) const {
  auto load = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };

  out.family("vapi_cache_webhooks_received_total", metrics::metric_type::counter,
             "Webhooks received, by VAPI message type and by what became of them.");
  for (size_t t = 0; t < type_count(); ++t)
    for (size_t o = 0; o < outcomes; ++o) {
      uint64_t n = 0;
      for (size_t i = 0; i < shard_count; ++i)
        n += load(shards_[i].webhooks[t * outcomes + o]);
      if (n > 0)
        out.sample({{"type", type_name(t)},
                    {"outcome", std::string(name_of(static_cast<webhook_outcome>(o)))}},
                   static_cast<double>(n));
    }

  out.family("vapi_cache_http_request_duration_seconds", metrics::metric_type::histogram,
             "Time from routing a request to handing its response to the socket, by route and "
             "status class.");
  std::vector<double> bounds(duration_bounds.begin(), duration_bounds.end());
  for (size_t r = 0; r < routes; ++r)
    for (size_t c = 0; c < classes; ++c) {
      std::vector<uint64_t> counts(buckets, 0);
      uint64_t total = 0, sum_ns = 0;
      for (size_t i = 0; i < shard_count; ++i) {
        for (size_t b = 0; b < buckets; ++b) {
          auto n = load(shards_[i].counts[r][c][b]);
          counts[b] += n;
          total += n;
        }
        sum_ns += load(shards_[i].sum_ns[r][c]);
      }
      if (total == 0)
        continue;
      out.histogram({{"route", std::string(name_of(static_cast<route_label>(r)))},
                     {"status_class", std::to_string(c + 1) + "xx"}},
                    bounds, counts, static_cast<double>(sum_ns) / 1e9);
    }
}

}  // namespace http
