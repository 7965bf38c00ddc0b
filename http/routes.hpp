// The HTTP API: each handler parses its request, sends one message to the cache actor and
// returns; the answer is written when the actor replies. Handlers run on any reactor thread,
// hold no state of their own and never wait for the actor.
#pragma once

#include <pistache/router.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "actors/messages.hpp"
#include "actors/probe_actor.hpp"
#include "http/exchange.hpp"
#include "http/http_metrics.hpp"
#include "http/lifecycle.hpp"
#include "http/responder.hpp"
#include "http/webhook_auth.hpp"
#include "net/reactor.hpp"

namespace http {

// Who may call what (README, "Secure it").
struct access_rules {
  webhook_auth_config webhook;  // checked on POST /webhook
  std::string api_token;        // empty: reads, deletes, stats and metrics are open
};

// How long a GET may wait for a result (README, "Wait for a result").
struct wait_rules {
  std::chrono::seconds max_wait{55};  // ?wait=N above it is capped
};

// The connection layer's counts, for /metrics.
struct connection_view {
  const net::counters* count = nullptr;
  const net::output_budget* output = nullptr;
  size_t max_connections = 0;
};

// The actors a route talks to.
struct route_targets {
  vapi_cache::cache_actor cache;  // every call and stats request
  vapi_cache::probe_actor probe;  // /health and /metrics
  // Told of each stored result (KESTRA_URL or FORWARD_URL set); a null handle: off.
  vapi_cache::delivery_actor delivery;
  std::string execution_key;  // KESTRA_EXECUTION_KEY: the metadata key naming the execution
};

class routes {
 public:
  routes(route_targets targets, std::shared_ptr<lifecycle> life, http_metrics& metrics,
         access_rules access, wait_rules waits, connection_view connections);

  // Registers every endpoint, and a JSON 405 for every other method on each of their paths
  // (registering all methods also avoids Pistache 0.0.5's race on unrouted methods).
  void bind(Pistache::Rest::Router& router);

 private:
  using request = Pistache::Rest::Request;
  using writer = responder;

  void post_webhook(const request& req, writer rsp);
  void get_call(const request& req, writer rsp);
  void get_calls(const request& req, writer rsp);
  void delete_call(const request& req, writer rsp);
  void get_stats(const request& req, writer rsp);
  void not_found(const request& req, writer rsp);
  // Operations (http/ops_routes.cpp).
  void get_metrics(const request& req, writer rsp);
  void get_health(const request& req, writer rsp);
  void get_ready(const request& req, writer rsp);
  // This service's OpenAPI document (http/openapi_route.cpp).
  void get_openapi(const request& req, writer rsp);

  // A route as Pistache's router takes it.
  Pistache::Rest::Route::Handler bind(void (routes::*handler)(const request&, responder));

  // The request's exchange: counted in flight, timed, with its X-Request-Id.
  exchange_ptr open(const request& req, route_label route) const;

  // Each answers the request itself (401, 400) and returns false/nullopt when it must stop.
  bool read_allowed(const request& req, writer& rsp, const exchange_ptr& ex) const;
  std::optional<std::string> call_id_of(const request& req, writer& rsp,
                                        const exchange_ptr& ex) const;
  std::optional<std::chrono::seconds> wait_of(const request& req, writer& rsp,
                                              const exchange_ptr& ex) const;

  route_targets actors_;
  std::shared_ptr<lifecycle> life_;
  http_metrics& metrics_;
  const access_rules access_;
  const wait_rules waits_;
  const connection_view connections_;
};

}  // namespace http
