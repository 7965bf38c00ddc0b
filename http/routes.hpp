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
#include "http/lifecycle.hpp"
#include "http/webhook_auth.hpp"

namespace http {

// Who may call what (README, "Secure it").
struct access_rules {
  webhook_auth_config webhook;  // checked on POST /webhook
  std::string api_token;        // empty: reads, deletes and stats are open
};

// How long a GET may wait for a result (README, "Wait for a result").
struct wait_rules {
  std::chrono::seconds max_wait{55};  // ?wait=N above it is capped
};

class routes {
 public:
  routes(vapi_cache::cache_actor cache, std::shared_ptr<lifecycle> life, access_rules access,
         wait_rules waits);

  // Registers every endpoint, and a JSON 405 for every other method on each of their paths
  // (registering all methods also avoids Pistache 0.0.5's race on unrouted methods).
  void bind(Pistache::Rest::Router& router);

 private:
  using request = Pistache::Rest::Request;
  using writer = Pistache::Http::ResponseWriter;

  void post_webhook(const request& req, writer rsp);
  void get_call(const request& req, writer rsp);
  void get_calls(const request& req, writer rsp);
  void delete_call(const request& req, writer rsp);
  void get_stats(const request& req, writer rsp);
  void not_found(const request& req, writer rsp);

  // Each answers the request itself (401, 400) and returns false/nullopt when it must stop.
  bool read_allowed(const request& req, writer& rsp, const lifecycle::token& token) const;
  std::optional<std::string> call_id_of(const request& req, writer& rsp,
                                        const lifecycle::token& token) const;
  std::optional<std::chrono::seconds> wait_of(const request& req, writer& rsp,
                                              const lifecycle::token& token) const;

  vapi_cache::cache_actor cache_;
  std::shared_ptr<lifecycle> life_;
  const access_rules access_;
  const wait_rules waits_;
};

}  // namespace http
