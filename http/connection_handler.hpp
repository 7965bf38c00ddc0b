// The Pistache handler of every connection: frames requests (http/request_framing.hpp), feeds
// them to Pistache's parser one at a time, decides keep-alive, answers what cannot be parsed
// with a JSON error, and hands each request to the router. Pistache makes one clone per reactor
// thread; a connection's own state lives on its Tcp::Peer, touched only by that reactor.
#pragma once

#include <pistache/http.h>
#include <pistache/router.h>

#include <memory>

#include "actors/messages.hpp"
#include "http/http_metrics.hpp"
#include "http/lifecycle.hpp"
#include "http/request_framing.hpp"

namespace http {

class connection_handler : public Pistache::Http::Handler {
 public:
  HTTP_PROTOTYPE(connection_handler)

  connection_handler(std::shared_ptr<Pistache::Rest::Router> router,
                     std::shared_ptr<lifecycle> life, http_metrics& metrics,
                     vapi_cache::cache_actor cache, framing_limits limits);

  void onRequest(const Pistache::Http::Request& request,
                 Pistache::Http::ResponseWriter response) override;

 private:
  class sink;
  struct connection_state;
  // Replaces Pistache's own input handling (see request_framing.hpp for why).
  void onInput(const char* buffer, size_t len,
               const std::shared_ptr<Pistache::Tcp::Peer>& peer) override;
  // Tells the cache to drop the connection's held long-polls (http/wait_tickets.hpp).
  void onDisconnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) override;

  std::shared_ptr<Pistache::Rest::Router> router_;
  std::shared_ptr<lifecycle> life_;
  http_metrics& metrics_;
  vapi_cache::cache_actor cache_;
  framing_limits limits_;
};

}  // namespace http
