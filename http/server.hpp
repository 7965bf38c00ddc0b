// The HTTP endpoint: binds, serves on its reactor threads, drains on shutdown and stops.
// Owned and driven by main's thread only.
#pragma once

#include <pistache/endpoint.h>
#include <pistache/router.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "actors/messages.hpp"
#include "config/settings.hpp"
#include "http/http_metrics.hpp"
#include "http/lifecycle.hpp"
#include "http/routes.hpp"

namespace http {

class server {
 public:
  server(const config::settings& settings, route_targets actors);
  ~server();

  // Binds and starts serving in the background; throws std::runtime_error if it cannot bind.
  void start();
  uint16_t port() const;

  // GET /ready answers 503 from now on; everything else is still served.
  void stop_being_ready();
  // Refuses new requests (503), then calls `refusing_new` (to release held long-polls), and waits
  // up to `grace` for requests in flight; true if all ended.
  bool drain(std::chrono::milliseconds grace, const std::function<void()>& refusing_new = {});
  // Stops the reactors. Call after the cache actor is gone, so no reply is still on its way.
  void stop();

 private:
  std::shared_ptr<lifecycle> life_;
  std::unique_ptr<http_metrics> metrics_;  // outlives every reply (stop() runs after the actors)
  std::shared_ptr<Pistache::Rest::Router> router_;
  routes routes_;
  Pistache::Http::Endpoint endpoint_;
  bool running_ = false;
};

}  // namespace http
