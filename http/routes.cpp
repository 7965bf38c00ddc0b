// Handlers translate HTTP to cache messages and back, nothing more: validation and the
// transform live in vapi/, the map in actors/.
#include "http/routes.hpp"

#include <algorithm>

#include "http/replies.hpp"
#include "logging/log.hpp"
#include "vapi/call_result.hpp"

namespace http {
namespace {

using Pistache::Http::Code;
using Pistache::Http::Method;
using Pistache::Http::ResponseWriter;
using vapi_cache::answer;
using vapi_cache::outcome;
using vapi_cache::reply_fn;

constexpr const char* prefix = "/api/v1/vapi";

const Method all_methods[] = {Method::Options, Method::Get,   Method::Post,
                              Method::Head,    Method::Put,   Method::Patch,
                              Method::Delete,  Method::Trace, Method::Connect};

// The writer is move-only and the cache answers on its own thread. Pistache queues every write
// to the connection's reactor, so sending from there is safe; the shared_ptr makes the reply
// callable copyable, as std::function requires.
std::shared_ptr<ResponseWriter> share(ResponseWriter rsp) {
  return std::make_shared<ResponseWriter>(std::move(rsp));
}

bool is_json(const Pistache::Rest::Request& req) {
  auto type = req.headers().tryGet<Pistache::Http::Header::ContentType>();
  if (!type)
    return true;  // VAPI always sends one; a bare curl -d without it still works
  const auto& mime = type->mime();
  using namespace Pistache::Http::Mime;
  return mime.top() == Type::Application &&
         (mime.sub() == Subtype::Json || mime.suffix() == Suffix::Json);
}

// Logs carry the call id of any message that names one, never its content.
nlohmann::ordered_json call_id_field(const nlohmann::json& message) {
  auto call = message.find("call");
  if (call != message.end() && call->is_object()) {
    auto id = call->find("id");
    if (id != call->end() && id->is_string())
      return *id;
  }
  return nullptr;
}

}  // namespace

routes::routes(vapi_cache::cache_actor cache, std::shared_ptr<lifecycle> life)
  : cache_(std::move(cache)), life_(std::move(life)) {}

void routes::bind(Pistache::Rest::Router& router) {
  using Pistache::Rest::Routes::bind;
  struct endpoint {
    std::string path;
    std::vector<std::pair<Method, Pistache::Rest::Route::Handler>> handlers;
  };
  const endpoint endpoints[] = {
    {std::string(prefix) + "/webhook", {{Method::Post, bind(&routes::post_webhook, this)}}},
    {std::string(prefix) + "/calls/:callId",
     {{Method::Get, bind(&routes::get_call, this)},
      {Method::Delete, bind(&routes::delete_call, this)}}},
    {std::string(prefix) + "/cache/stats", {{Method::Get, bind(&routes::get_stats, this)}}},
  };
  for (const auto& e : endpoints) {
    std::vector<Method> allowed;
    for (const auto& [method, handler] : e.handlers) {
      router.addRoute(method, e.path, handler);
      allowed.push_back(method);
    }
    for (Method m : all_methods) {
      if (std::find(allowed.begin(), allowed.end(), m) != allowed.end())
        continue;
      router.addRoute(m, e.path, [this, allowed](const request& req, writer rsp) {
        auto token = life_->hold();
        rsp.headers().add<Pistache::Http::Header::Allow>(allowed);
        std::string names;
        for (Method a : allowed)
          names += std::string(names.empty() ? "" : ", ") + Pistache::Http::methodString(a);
        replies::send_error(rsp, Code::Method_Not_Allowed,
                            std::string(Pistache::Http::methodString(req.method())) +
                              " is not allowed on " + req.resource() + "; use " + names,
                            token);
        return Pistache::Rest::Route::Result::Ok;
      });
    }
  }
  router.addNotFoundHandler(bind(&routes::not_found, this));
}

// POST /api/v1/vapi/webhook
void routes::post_webhook(const request& req, writer rsp) {
  auto token = life_->hold();
  if (!is_json(req))
    return replies::send_error(rsp, Code::Unsupported_Media_Type,
                               "Content-Type must be application/json", token);
  auto parsed = vapi::parse_webhook(req.body());
  if (!parsed.ok) {
    auto paths = nlohmann::ordered_json::array();
    for (const auto& e : parsed.errors)
      paths.push_back(e.path);
    logging::warn("webhook_invalid", {{"paths", paths}});
    return replies::send(rsp, Code::Bad_Request, replies::invalid_payload(parsed.errors), token);
  }
  const vapi::webhook& hook = *parsed.ok;
  if (!hook.is_report()) {
    logging::debug("webhook_received",
                   {{"type", hook.type}, {"callId", call_id_field(hook.message())}});
    return replies::send(rsp, Code::Ok, replies::ignored(), token);
  }
  logging::info("webhook_received", {{"type", hook.type}, {"callId", hook.call_id}});

  nlohmann::ordered_json result;
  vapi_cache::body_ptr body;
  try {
    result = vapi::to_call_result(hook);
    body = std::make_shared<const std::string>(vapi::render_get_body(result));
  } catch (const std::exception& e) {
    // Validation admits only what the transform handles, so this is a bug; answer 200 as the
    // seed does, because VAPI does not resend and a retry would fail the same way.
    logging::error("webhook_failed", {{"callId", hook.call_id}, {"reason", e.what()}});
    return replies::send(rsp, Code::Ok, replies::processing_failed(e.what()), token);
  }
  nlohmann::ordered_json cached = {{"callId", hook.call_id},
                                   {"status", result["status"]},
                                   {"duration", result["duration"]},
                                   {"cost", result["cost"]}};
  caf::anon_send(cache_, caf::put_atom_v, hook.call_id, std::move(body),
                 reply_fn([w = share(std::move(rsp)), token, id = hook.call_id,
                           cached = std::move(cached)](answer a) {
                   logging::info("cached", cached);
                   replies::send(*w, replies::to_code(a.what), replies::stored(id), token);
                 }));
}

// GET /api/v1/vapi/calls/:callId
void routes::get_call(const request& req, writer rsp) {
  auto token = life_->hold();
  auto id = req.param(":callId").as<std::string>();
  caf::anon_send(cache_, caf::get_atom_v, id,
                 reply_fn([w = share(std::move(rsp)), token, id](answer a) {
                   if (a.what == outcome::found) {
                     logging::info("retrieved", {{"callId", id}});
                     return replies::send(*w, Code::Ok, *a.body, token);
                   }
                   logging::debug("not_found", {{"callId", id}});
                   replies::send(*w, replies::to_code(a.what), replies::call_not_found(id), token);
                 }));
}

// DELETE /api/v1/vapi/calls/:callId
void routes::delete_call(const request& req, writer rsp) {
  auto token = life_->hold();
  auto id = req.param(":callId").as<std::string>();
  caf::anon_send(cache_, caf::delete_atom_v, id,
                 reply_fn([w = share(std::move(rsp)), token, id](answer a) {
                   bool gone = a.what == outcome::deleted;
                   if (gone)
                     logging::info("deleted", {{"callId", id}});
                   replies::send(*w, replies::to_code(a.what),
                                 gone ? replies::deleted(id) : replies::call_not_found(id), token);
                 }));
}

// GET /api/v1/vapi/cache/stats
void routes::get_stats(const request&, writer rsp) {
  auto token = life_->hold();
  caf::anon_send(cache_, vapi_cache::stats_atom_v,
                 reply_fn([w = share(std::move(rsp)), token](answer a) {
                   replies::send(*w, replies::to_code(a.what), *a.body, token);
                 }));
}

void routes::not_found(const request& req, writer rsp) {
  auto token = life_->hold();
  replies::send_error(rsp, Code::Not_Found,
                      std::string("Route ") + Pistache::Http::methodString(req.method()) + " " +
                        req.resource() + " not found",
                      token);
}

}  // namespace http
