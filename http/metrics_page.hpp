// The /metrics page: every family the service exposes, in the Prometheus text format, from the
// probe's view of the actors, the HTTP layer's counters and the process. Any thread.
#pragma once

#include <string>

#include "actors/probe_actor.hpp"
#include "http/http_metrics.hpp"
#include "metrics/process_stats.hpp"

namespace http {

std::string render_metrics_page(const vapi_cache::system_view& actors,
                                const http_metrics& requests, int in_flight,
                                const metrics::process_stats& process);

}  // namespace http
