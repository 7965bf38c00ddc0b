// The operations endpoints (README, "Operate"): /metrics and /health ask the probe actor, which
// asks the cache with a deadline; /ready reads the lifecycle. None of them waits on a reactor.
#include "http/replies.hpp"
#include "http/route_support.hpp"
#include "http/routes.hpp"
#include "http/metrics_page.hpp"
#include "metrics/process_stats.hpp"

namespace http {
namespace {

using Pistache::Http::Code;

std::string status_body(const char* status) {
  return std::string(R"({"success":true,"status":")") + status + "\"}";
}

}  // namespace

// GET /metrics: guarded by API_TOKEN like every read; the page is rendered on the probe's
// thread, off the reactors and off the cache.
void routes::get_metrics(const request& req, writer rsp) {
  auto ex = open(req, route_label::metrics);
  if (!read_allowed(req, rsp, ex))
    return;
  caf::anon_send(actors_.probe, vapi_cache::metrics_atom_v,
                 vapi_cache::view_reply_fn([w = share(std::move(rsp)), ex, life = life_,
                                            c = connections_](vapi_cache::system_view view) {
                   auto page = render_metrics_page(
                     view, ex->metrics, life->in_flight(),
                     connection_counts{*c.count, *c.output, c.max_connections},
                     metrics::read_process_stats());
                   replies::send(*w, Code::Ok, std::move(page), ex,
                                 std::string(metrics::prometheus_text::content_type));
                 }));
}

// GET /health: 200 when the cache actor answers a ping within the probe's deadline (1 s) and
// the journal writes; 503 when either fails, saying which.
void routes::get_health(const request& req, writer rsp) {
  auto ex = open(req, route_label::health);
  caf::anon_send(actors_.probe, caf::ping_atom_v,
                 vapi_cache::health_reply_fn([w = share(std::move(rsp)), ex](
                                               vapi_cache::health_view h) {
                   if (!h.cache_up)
                     return replies::send_error(*w, Code::Service_Unavailable,
                                                "The cache actor did not answer within 1 s", ex);
                   const auto& j = h.cache.journal;
                   if (j.failing) {
                     nlohmann::ordered_json body = {
                       {"success", false},
                       {"error", "Journal failing"},
                       {"message", "The journal cannot write (" + j.error +
                                     "); results are kept in memory and served, webhooks are "
                                     "answered 503 until writes succeed again"},
                       {"status", "degraded"},
                       {"journal", "failing"},
                       {"journalWriteFailures", j.write_failures}};
                     return replies::send(*w, Code::Service_Unavailable, body.dump(), ex);
                   }
                   // Redis away is not this process failing: 200, so that a liveness probe
                   // does not restart every instance while webhooks still land in the outbox;
                   // /ready is 503 meanwhile, and the body says why.
                   if (!h.cache.store_up) {
                     nlohmann::ordered_json body = {
                       {"success", true},
                       {"status", "degraded"},
                       {"error", "Store unavailable"},
                       {"message", "Redis cannot be reached (" + h.cache.store_error +
                                     "); reads answer 503, webhooks are acknowledged and kept "
                                     "in the outbox until Redis is back"},
                       {"journal", !h.cache.journaled ? "off" : "ok"},
                       {"store", h.cache.store},
                       {"outbox", h.cache.outbox}};
                     return replies::send(*w, Code::Ok, body.dump(), ex);
                   }
                   const char* journal = !h.cache.journaled ? "off"
                                         : h.cache.replaying ? "replaying" : "ok";
                   // Redis answers but refuses writes for now (LOADING, READONLY, OOM): the
                   // outbox holds them; reads are served.
                   if (h.cache.outbox > 0) {
                     nlohmann::ordered_json body = {
                       {"success", true},
                       {"status", "degraded"},
                       {"message", std::to_string(h.cache.outbox) +
                                     " acknowledged changes wait in the outbox for Redis to "
                                     "take them (see the redis_refused log lines)"},
                       {"journal", journal},
                       {"store", h.cache.store},
                       {"outbox", h.cache.outbox}};
                     return replies::send(*w, Code::Ok, body.dump(), ex);
                   }
                   replies::send(*w, Code::Ok,
                                 std::string(R"({"success":true,"status":"ok","journal":")") +
                                   journal + R"(","store":")" + h.cache.store + "\"}",
                                 ex);
                 }));
}

// GET /ready: 200 while serving; 503 while the journal is replayed at start, and from SIGTERM
// on, so load balancers stop sending here before requests are refused (SHUTDOWN_DELAY_SECONDS).
void routes::get_ready(const request& req, writer rsp) {
  auto ex = open(req, route_label::ready);
  if (!life_->ready())
    return replies::send_error(rsp, Code::Service_Unavailable,
                               "The service is shutting down", ex);
  caf::anon_send(actors_.probe, caf::ping_atom_v,
                 vapi_cache::health_reply_fn([w = share(std::move(rsp)), ex, life = life_](
                                               vapi_cache::health_view h) {
                   if (!h.cache_up)
                     return replies::send_error(*w, Code::Service_Unavailable,
                                                "The cache actor did not answer within 1 s", ex);
                   if (h.cache.replaying)
                     return replies::send_error(*w, Code::Service_Unavailable,
                                                "Replaying the journal", ex);
                   if (!h.cache.store_up)
                     return replies::send_error(*w, Code::Service_Unavailable,
                                                "The store (Redis) cannot be reached", ex);
                   if (!life->ready())
                     return replies::send_error(*w, Code::Service_Unavailable,
                                                "The service is shutting down", ex);
                   replies::send(*w, Code::Ok, status_body("ready"), ex);
                 }));
}

}  // namespace http
