// The lookup, delete and stats routes, and the route table (the webhook is in
// webhook_route.cpp, the operations endpoints in ops_routes.cpp). Handlers translate HTTP to
// cache messages and back, nothing more: validation and the transform live in vapi/, the map in
// actors/.
#include "http/routes.hpp"

#include <algorithm>

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
    {std::string(prefix) + "/openapi.json", {{Method::Get, bind(&routes::get_openapi)}}},
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
  auto w = share(std::move(rsp));
  auto cache = actors_.cache;
  auto ask_cache = [w, ex, cache](std::optional<vapi_cache::delivery_metrics> deliveries,
                                  vapi_cache::stats_request page) {
    ask(cache, vapi_cache::stats_atom_v, std::move(page),
        reply_fn([w, ex, deliveries = std::move(deliveries)](answer a) {
          if (replies::send_unavailable(*w, a.what, ex))
            return;
          if (!a.body)  // every store answers listed with a body; never a crash
            return replies::send_error(*w, Code::Internal_Server_Error,
                                       "The store gave no stats", ex);
          if (!deliveries)
            return replies::send_stored(*w, replies::to_code(a.what), a.body, ex);
          replies::send(*w, replies::to_code(a.what),
                        replies::with_deliveries(a.body->text(), *deliveries), ex);
        }));
  };
  if (!actors_.delivery)
    return ask_cache(std::nullopt, std::move(*page.value));
  // The delivery actor's counts first (it answers between two polls of the network, within
  // about 10 ms), then the cache's page with them.
  caf::anon_send(actors_.delivery, vapi_cache::stats_atom_v,
                 vapi_cache::delivery_view_fn(
                   [ask_cache, page = std::move(*page.value)](vapi_cache::delivery_metrics m) {
                     ask_cache(std::move(m), page);
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
