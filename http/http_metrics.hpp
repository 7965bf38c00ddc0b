// What the HTTP layer counts: request durations by route and status class, and webhooks by
// type and outcome. Any reactor or actor thread records; the /metrics page reads. Each thread
// writes its own cache-line-aligned shard with relaxed atomics, so recording takes no lock and
// shares no cache line with another recording thread; reading sums the shards.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>

#include "metrics/prometheus_text.hpp"

namespace http {

// The route label of a request: its endpoint, or "other" for what matched none.
enum class route_label : uint8_t {
  webhook, get_call, get_call_wait, get_calls, get_calls_wait, delete_call, stats, metrics,
  health, ready, openapi, other, count
};
std::string_view name_of(route_label r);  // "GET /api/v1/vapi/calls/:callId", ...

enum class webhook_outcome : uint8_t {
  stored,        // a report, cached
  noted,         // a status-update, recorded
  ignored,       // any other type, answered 200
  invalid,       // 400 or 415
  unauthorized,  // 401
  too_large,     // 413
  failed,        // the transform threw: a bug
  unsaved,       // a report stored in memory that the journal could not write: 503
  count
};
std::string_view name_of(webhook_outcome o);

class http_metrics {
 public:
  http_metrics();
  ~http_metrics();

  // Any thread.
  void observe_request(route_label route, int status, std::chrono::steady_clock::duration took);
  // `type` is the message type as sent: a type VAPI does not document counts as "other"; an
  // empty one (the body was not read) as "unknown".
  void count_webhook(std::string_view type, webhook_outcome outcome);

  // Writes vapi_cache_webhooks_received_total and vapi_cache_http_request_duration_seconds,
  // each series only once it has counted something. Any thread.
  void write(metrics::prometheus_text& out) const;

  static const std::array<double, 16> duration_bounds;  // seconds

 private:
  struct shard;
  shard& mine();
  std::unique_ptr<shard[]> shards_;
};

}  // namespace http
