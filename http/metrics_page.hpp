// The /metrics page: every family the service exposes, in the Prometheus text format, from the
// probe's view of the actors, the HTTP layer's counters and the process. Any thread.
#pragma once

#include <string>

#include "actors/probe_actor.hpp"
#include "http/http_metrics.hpp"
#include "metrics/process_stats.hpp"
#include "net/reactor.hpp"

namespace http {

// The connection layer's counts (net/reactor.hpp).
struct connection_counts {
  const net::counters& count;
  const net::output_budget& output;
  size_t max_connections;
};

std::string render_metrics_page(const vapi_cache::system_view& actors,
                                const http_metrics& requests, int in_flight,
                                const connection_counts& connections,
                                const metrics::process_stats& process);

}  // namespace http
