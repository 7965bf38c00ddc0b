// Small pieces every route file uses; internal to http/.
#pragma once

#include <pistache/router.h>

#include <caf/all.hpp>

#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "actors/messages.hpp"
#include "http/responder.hpp"
#include "http/webhook_auth.hpp"

namespace http {

// A responder is move-only and the actors answer on their own threads (a responder may send
// from any); the shared_ptr makes the reply callable copyable, as std::function requires.
inline std::shared_ptr<responder> share(responder rsp) {
  return std::make_shared<responder>(std::move(rsp));
}

// A query parameter's raw text.
inline std::optional<std::string> query_value(const Pistache::Rest::Request& req,
                                              const std::string& name) {
  auto v = req.query().get(name);
  if (!v)
    return std::nullopt;
  return *v;
}

// Requests go ahead of the cache's own timers (expiries, wait deadlines): CAF's mailbox gives
// urgent messages twice the turns of normal ones, so a million results expiring at once delay
// a GET by a few messages, not by the whole burst.
template <class... Ts>
void ask(const vapi_cache::cache_actor& cache, Ts&&... xs) {
  caf::anon_send<caf::message_priority::high>(cache, std::forward<Ts>(xs)...);
}

// Pistache keeps headers it knows (Authorization, ...) parsed and the rest raw, both looked up
// case-insensitively; authentication needs any of them by name, as text.
inline header_lookup headers_of(const Pistache::Rest::Request& req) {
  return [&req](std::string_view name) -> std::optional<std::string> {
    std::string key(name);
    if (auto raw = req.headers().tryGetRaw(key))
      return raw->value();
    if (auto typed = req.headers().tryGet(key)) {
      std::ostringstream text;
      typed->write(text);
      return text.str();
    }
    return std::nullopt;
  };
}

}  // namespace http
