// The HTTP endpoint: the listening socket, the reactor threads (net/reactor.hpp) with an HTTP
// session on each connection, Pistache's router with our routes; drains on shutdown and stops.
// Owned and driven by main's thread only.
#pragma once

#include <pistache/router.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "actors/messages.hpp"
#include "config/settings.hpp"
#include "http/http_metrics.hpp"
#include "http/lifecycle.hpp"
#include "http/routes.hpp"
#include "http/session.hpp"
#include "net/reactor.hpp"

namespace http {

class server {
 public:
  // `max_connections`: connections held at once; past it a client gets 503 and is closed.
  server(const config::settings& settings, route_targets actors, size_t max_connections);
  ~server();

  // Binds and starts serving in the background; throws std::runtime_error if it cannot bind.
  void start();
  uint16_t port() const { return port_; }

  // GET /ready answers 503 from now on; everything else is still served.
  void stop_being_ready();
  // Refuses new requests (503), then calls `refusing_new` (to release held long-polls), and waits
  // up to `grace` for requests in flight; true if all ended.
  bool drain(std::chrono::milliseconds grace, const std::function<void()>& refusing_new = {});
  // Stops the reactors. Call after the cache actor is gone, so no reply is still on its way.
  void stop();

 private:
  const config::settings settings_;
  std::shared_ptr<lifecycle> life_;
  std::unique_ptr<http_metrics> metrics_;  // outlives every reply (stop() runs after the actors)
  net::counters connections_;
  net::output_budget output_budget_;
  std::shared_ptr<Pistache::Rest::Router> router_;
  routes routes_;
  session_context context_;
  std::unique_ptr<net::shared_state> shared_;
  std::vector<std::unique_ptr<net::reactor>> reactors_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
};

}  // namespace http
