// One request from its routing to its response: it keeps the request counted in flight, names
// its route and X-Request-Id, and knows when it began, so the response can be timed. Made by
// the handler that takes the request; its reply callbacks share it (exchange_ptr) and the last
// copy goes once Pistache has written or dropped the response.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "http/http_metrics.hpp"
#include "http/lifecycle.hpp"

namespace http {

struct exchange {
  exchange(lifecycle& life, http_metrics& metrics, route_label route, std::string request_id)
    : token(life.hold()), metrics(metrics), route(route), request_id(std::move(request_id)) {}

  lifecycle::token token;
  http_metrics& metrics;
  route_label route;  // the handler may refine it (a GET that turns out to be a long-poll)
  std::string request_id;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

using exchange_ptr = std::shared_ptr<exchange>;

}  // namespace http
