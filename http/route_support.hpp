// Small pieces every route file uses; internal to http/.
#pragma once

#include <pistache/http.h>
#include <pistache/router.h>

#include <memory>
#include <optional>
#include <string>

namespace http {

// The writer is move-only and the actors answer on their own threads. Pistache queues every
// write to the connection's reactor, so sending from there is safe; the shared_ptr makes the
// reply callable copyable, as std::function requires.
inline std::shared_ptr<Pistache::Http::ResponseWriter> share(Pistache::Http::ResponseWriter rsp) {
  return std::make_shared<Pistache::Http::ResponseWriter>(std::move(rsp));
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
