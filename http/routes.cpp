// Handlers translate HTTP to cache messages and back, nothing more: validation and the
// transform live in vapi/, the map in actors/.
#include "http/routes.hpp"

#include <algorithm>
#include <sstream>

#include "http/percent_decode.hpp"
#include "http/query_params.hpp"
#include "http/replies.hpp"
#include "http/request_id.hpp"
#include "http/route_support.hpp"
#include "logging/log.hpp"
#include "vapi/call_result.hpp"

namespace http {
namespace {

using Pistache::Http::Code;
using Pistache::Http::Method;
using vapi_cache::answer;
using vapi_cache::outcome;
using vapi_cache::reply_fn;
using vapi_cache::wait_answer;
using vapi_cache::wait_reply_fn;

constexpr size_t max_batch_ids = 100;

constexpr const char* prefix = "/api/v1/vapi";

const Method all_methods[] = {Method::Options, Method::Get,   Method::Post,
                              Method::Head,    Method::Put,   Method::Patch,
                              Method::Delete,  Method::Trace, Method::Connect};

bool is_json(const Pistache::Rest::Request& req) {
  auto type = req.headers().tryGet<Pistache::Http::Header::ContentType>();
  if (!type)
    return true;  // VAPI always sends one; a bare curl -d without it still works
  const auto& mime = type->mime();
  using namespace Pistache::Http::Mime;
  return mime.top() == Type::Application &&
         (mime.sub() == Subtype::Json || mime.suffix() == Suffix::Json);
}

// Pistache keeps headers it knows (Authorization, ...) parsed and the rest raw, both looked up
// case-insensitively; authentication needs any of them by name, as text.
header_lookup headers_of(const Pistache::Rest::Request& req) {
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

// A single call's GET answer, with or without a wait: 200 with the stored body, else the seed's
// 404 plus the call's status when one is known.
void send_lookup(responder& w, const std::string& id, const vapi_cache::body_ptr& body,
                 const std::optional<vapi_cache::call_progress>& progress, bool waited,
                 const exchange_ptr& ex) {
  if (body) {
    if (logging::enabled(logging::level::info))
      logging::info("retrieved", logging::fields()
                                   .add("callId", id)
                                   .add("waited", waited)
                                   .add("requestId", ex->request_id));
    return replies::send_stored(w, Code::Ok, body, ex);
  }
  logging::debug("not_found", {{"callId", id}, {"waited", waited}, {"requestId", ex->request_id}});
  replies::send(w, Code::Not_Found,
                progress ? replies::call_not_found(id, *progress) : replies::call_not_found(id),
                ex);
}

// Requests go ahead of the cache's own timers (expiries, wait deadlines): CAF's mailbox gives
// urgent messages twice the turns of normal ones, so a million results expiring at once delay
// a GET by a few messages, not by the whole burst.
template <class... Ts>
void ask(const vapi_cache::cache_actor& cache, Ts&&... xs) {
  caf::anon_send<caf::message_priority::high>(cache, std::forward<Ts>(xs)...);
}

int64_t now_epoch_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
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

routes::routes(route_targets targets, std::shared_ptr<lifecycle> life, http_metrics& metrics,
               access_rules access, wait_rules waits, connection_view connections)
  : actors_(std::move(targets)),
    life_(std::move(life)),
    metrics_(metrics),
    access_(std::move(access)),
    waits_(waits),
    connections_(connections) {}

exchange_ptr routes::open(const request& req, route_label route) const {
  std::optional<std::string_view> given;
  auto raw = req.headers().tryGetRaw("X-Request-Id");
  if (raw)
    given = raw->value();
  return std::make_shared<exchange>(*life_, metrics_, route, request_id_for(given));
}

std::optional<std::chrono::seconds> routes::wait_of(const request& req, writer& rsp,
                                                    const exchange_ptr& ex) const {
  auto wait = parse_wait(query_value(req, "wait"), waits_.max_wait);
  if (!wait.value)
    replies::send_error(rsp, Code::Bad_Request, wait.error, ex);
  return wait.value;
}

bool routes::read_allowed(const request& req, writer& rsp, const exchange_ptr& ex) const {
  if (access_.api_token.empty())
    return true;
  std::optional<std::string> authorization = headers_of(req)("Authorization");
  if (bearer_matches(access_.api_token, authorization))
    return true;
  rsp.header("WWW-Authenticate", "Bearer");
  replies::send_error(rsp, Code::Unauthorized,
                      authorization ? "The bearer token is not valid"
                                    : "This endpoint needs Authorization: Bearer <API_TOKEN>",
                      ex);
  return false;
}

std::optional<std::string> routes::call_id_of(const request& req, writer& rsp,
                                              const exchange_ptr& ex) const {
  auto id = percent_decode(req.param(":callId").as<std::string>());
  if (id && vapi::is_valid_call_id(*id))
    return id;
  // The id is not echoed: it may be anything, of any length.
  replies::send_error(rsp, Code::Bad_Request,
                      "Invalid call ID: expected 1-128 characters of A-Z a-z 0-9 . _ : -", ex);
  return std::nullopt;
}

// Pistache's router calls a route with its own ResponseWriter, never used here: the route
// answers through the responder its session handed over (http/responder.hpp).
Pistache::Rest::Route::Handler routes::bind(void (routes::*handler)(const request&, responder)) {
  return [this, handler](const request& req, Pistache::Http::ResponseWriter) {
    (this->*handler)(req, route_handoff::take());
    return Pistache::Rest::Route::Result::Ok;
  };
}

void routes::bind(Pistache::Rest::Router& router) {
  struct endpoint {
    std::string path;
    std::vector<std::pair<Method, Pistache::Rest::Route::Handler>> handlers;
  };
  const endpoint endpoints[] = {
    {std::string(prefix) + "/webhook", {{Method::Post, bind(&routes::post_webhook)}}},
    {std::string(prefix) + "/calls/:callId",
     {{Method::Get, bind(&routes::get_call)}, {Method::Delete, bind(&routes::delete_call)}}},
    {std::string(prefix) + "/calls", {{Method::Get, bind(&routes::get_calls)}}},
    {std::string(prefix) + "/cache/stats", {{Method::Get, bind(&routes::get_stats)}}},
    {"/metrics", {{Method::Get, bind(&routes::get_metrics)}}},
    {"/health", {{Method::Get, bind(&routes::get_health)}}},
    {"/ready", {{Method::Get, bind(&routes::get_ready)}}},
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
      router.addRoute(m, e.path, [this, allowed](const request& req,
                                                 Pistache::Http::ResponseWriter) {
        auto rsp = route_handoff::take();
        auto ex = open(req, route_label::other);
        std::string names;
        for (Method a : allowed)
          names += std::string(names.empty() ? "" : ", ") + Pistache::Http::methodString(a);
        rsp.header("Allow", names);
        replies::send_error(rsp, Code::Method_Not_Allowed,
                            std::string(Pistache::Http::methodString(req.method())) +
                              " is not allowed on " + req.resource() + "; use " + names,
                            ex);
        return Pistache::Rest::Route::Result::Ok;
      });
    }
  }
  router.addNotFoundHandler(bind(&routes::not_found));
}

// POST /api/v1/vapi/webhook
void routes::post_webhook(const request& req, writer rsp) {
  auto ex = open(req, route_label::webhook);
  if (access_.webhook.enabled()) {
    auto verdict = check_webhook(access_.webhook, headers_of(req), req.body(), now_epoch_ms());
    if (!verdict.ok) {
      logging::warn("webhook_unauthorized",
                    {{"reason", verdict.reason}, {"requestId", ex->request_id}});
      metrics_.count_webhook("", webhook_outcome::unauthorized);
      return replies::send_error(rsp, Code::Unauthorized, verdict.reason, ex);
    }
  }
  if (!is_json(req)) {
    metrics_.count_webhook("", webhook_outcome::invalid);
    return replies::send_error(rsp, Code::Unsupported_Media_Type,
                               "Content-Type must be application/json", ex);
  }
  auto parsed = vapi::parse_webhook(req.body());
  if (!parsed.ok) {
    auto paths = nlohmann::ordered_json::array();
    for (const auto& e : parsed.errors)
      paths.push_back(e.path);
    logging::warn("webhook_invalid", {{"paths", paths}, {"requestId", ex->request_id}});
    metrics_.count_webhook("", webhook_outcome::invalid);
    return replies::send(rsp, Code::Bad_Request, replies::invalid_payload(parsed.errors), ex);
  }
  const vapi::webhook& hook = *parsed.ok;
  if (auto status = vapi::call_status_of(hook)) {
    logging::debug("webhook_received", {{"type", hook.type},
                                        {"callId", hook.call_id},
                                        {"status", status->status},
                                        {"requestId", ex->request_id}});
    vapi_cache::call_progress progress{std::move(status->status), std::move(status->ended_reason)};
    ask(actors_.cache, vapi_cache::status_atom_v, hook.call_id, std::move(progress),
                   reply_fn([w = share(std::move(rsp)), ex, id = hook.call_id](answer a) {
                     if (replies::send_unavailable(*w, a.what, ex))
                       return;
                     ex->metrics.count_webhook(vapi::status_update, webhook_outcome::noted);
                     replies::send(*w, replies::to_code(a.what), replies::status_noted(id), ex);
                   }));
    return;
  }
  if (!hook.is_report()) {
    logging::debug("webhook_received", {{"type", hook.type},
                                        {"callId", call_id_field(hook.message())},
                                        {"requestId", ex->request_id}});
    metrics_.count_webhook(hook.type, webhook_outcome::ignored);
    return replies::send(rsp, Code::Ok,
                         vapi::expects_response_body(hook.type) ? replies::empty_object()
                                                                : replies::ignored(),
                         ex);
  }
  if (logging::enabled(logging::level::info))
    logging::info("webhook_received", logging::fields()
                                        .add("type", hook.type)
                                        .add("callId", hook.call_id)
                                        .add("requestId", ex->request_id));

  nlohmann::ordered_json result;
  vapi_cache::body_ptr body;
  try {
    result = vapi::to_call_result(hook);
    body = vapi_cache::stored_body::make(vapi::render_get_body(result));
  } catch (const std::exception& e) {
    // Validation admits only what the transform handles, so this is a bug; answer 200 as the
    // seed does, because VAPI does not resend and a retry would fail the same way.
    logging::error("webhook_failed", {{"callId", hook.call_id},
                                      {"reason", e.what()},
                                      {"requestId", ex->request_id}});
    metrics_.count_webhook(hook.type, webhook_outcome::failed);
    return replies::send(rsp, Code::Ok, replies::processing_failed(e.what()), ex);
  }
  std::optional<logging::fields> cached;  // the log line's fields, built only when written
  if (logging::enabled(logging::level::info))
    cached.emplace()
      .add("callId", hook.call_id)
      .add("status", result["status"])
      .add("duration", result["duration"])
      .add("cost", result["cost"])
      .add("requestId", ex->request_id);
  ask(actors_.cache, caf::put_atom_v, hook.call_id, std::move(body),
                 reply_fn([w = share(std::move(rsp)), ex, id = hook.call_id,
                           cached = std::move(cached)](answer a) {
                   if (a.what == outcome::unsaved) {
                     logging::warn("not_journaled", {{"callId", id}, {"requestId", ex->request_id}});
                     ex->metrics.count_webhook(vapi::end_of_call_report, webhook_outcome::unsaved);
                     return replies::send_unsaved(*w, ex);
                   }
                   if (cached)
                     logging::info("cached", *cached);
                   ex->metrics.count_webhook(vapi::end_of_call_report, webhook_outcome::stored);
                   replies::send(*w, replies::to_code(a.what), replies::stored(id), ex);
                 }));
}

// GET /api/v1/vapi/calls/:callId
void routes::get_call(const request& req, writer rsp) {
  auto ex = open(req, route_label::get_call);
  if (!read_allowed(req, rsp, ex))
    return;
  auto id = call_id_of(req, rsp, ex);
  if (!id)
    return;
  auto wait = wait_of(req, rsp, ex);
  if (!wait)
    return;
  if (*wait > std::chrono::seconds(0)) {
    // Held by the cache actor until the result is stored or the wait is over.
    ex->route = route_label::get_call_wait;
    vapi_cache::wait_request held{{*id}, *wait, false, rsp.wait_ticket()};
    ask(
      actors_.cache, vapi_cache::wait_atom_v, std::move(held),
      wait_reply_fn([w = share(std::move(rsp)), ex, id = *id](wait_answer a) {
        if (replies::send_unavailable(*w, a.what, ex))
          return;
        const auto& got = a.results.at(0);
        send_lookup(*w, id, got.body, got.progress, true, ex);
      }));
    return;
  }
  ask(actors_.cache, caf::get_atom_v, *id,
                 reply_fn([w = share(std::move(rsp)), ex, id = *id](answer a) {
                   if (replies::send_unavailable(*w, a.what, ex))
                     return;
                   send_lookup(*w, id, a.body, a.progress, false, ex);
                 }));
}

// GET /api/v1/vapi/calls?ids=a,b,c[&wait=N][&mode=all|any]
void routes::get_calls(const request& req, writer rsp) {
  auto ex = open(req, route_label::get_calls);
  if (!read_allowed(req, rsp, ex))
    return;
  auto wait = wait_of(req, rsp, ex);
  if (!wait)
    return;
  auto mode = req.query().get("mode").value_or("all");
  if (mode != "all" && mode != "any")
    return replies::send_error(rsp, Code::Bad_Request, "Invalid mode: expected all or any", ex);
  auto ids = parse_ids(query_value(req, "ids"), max_batch_ids);
  if (!ids.value)
    return replies::send_error(rsp, Code::Bad_Request, ids.error, ex);
  vapi_cache::wait_request held{*ids.value, *wait, mode == "any"};
  if (*wait > std::chrono::seconds(0)) {
    ex->route = route_label::get_calls_wait;
    held.ticket = rsp.wait_ticket();
  }
  ask(actors_.cache, vapi_cache::wait_atom_v, std::move(held),
                 wait_reply_fn([w = share(std::move(rsp)), ex,
                                ids = std::move(*ids.value)](wait_answer a) {
                   if (replies::send_unavailable(*w, a.what, ex))
                     return;
                   auto r = replies::batch(ids, a.results);
                   replies::send(*w, std::move(r), ex);
                 }));
}

// DELETE /api/v1/vapi/calls/:callId
void routes::delete_call(const request& req, writer rsp) {
  auto ex = open(req, route_label::delete_call);
  if (!read_allowed(req, rsp, ex))
    return;
  auto id = call_id_of(req, rsp, ex);
  if (!id)
    return;
  ask(actors_.cache, caf::delete_atom_v, *id,
                 reply_fn([w = share(std::move(rsp)), ex, id = *id](answer a) {
                   if (replies::send_unavailable(*w, a.what, ex))
                     return;
                   bool gone = a.what == outcome::deleted;
                   if (gone)
                     logging::info("deleted", {{"callId", id}, {"requestId", ex->request_id}});
                   replies::send(*w, replies::to_code(a.what),
                                 gone ? replies::deleted(id) : replies::call_not_found(id), ex);
                 }));
}

// GET /api/v1/vapi/cache/stats[?limit=N][&cursor=C]
void routes::get_stats(const request& req, writer rsp) {
  auto ex = open(req, route_label::stats);
  if (!read_allowed(req, rsp, ex))
    return;
  auto page = parse_stats_page(query_value(req, "limit"), query_value(req, "cursor"));
  if (!page.value)
    return replies::send_error(rsp, Code::Bad_Request, page.error, ex);
  ask(actors_.cache, vapi_cache::stats_atom_v, std::move(*page.value),
                 reply_fn([w = share(std::move(rsp)), ex](answer a) {
                   replies::send_stored(*w, replies::to_code(a.what), a.body, ex);
                 }));
}

void routes::not_found(const request& req, writer rsp) {
  auto ex = open(req, route_label::other);
  replies::send_error(rsp, Code::Not_Found,
                      std::string("Route ") + Pistache::Http::methodString(req.method()) + " " +
                        req.resource() + " not found",
                      ex);
}

}  // namespace http
