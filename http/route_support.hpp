// Small pieces every route file uses; internal to http/.
#pragma once

#include <pistache/router.h>

#include <memory>
#include <optional>
#include <string>

#include "http/responder.hpp"

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

}  // namespace http
