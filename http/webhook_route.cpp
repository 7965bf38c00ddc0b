// POST /api/v1/vapi/webhook: authenticate, validate (vapi/), transform into the stored body,
// and hand it to the cache; the reply waits for the cache's answer (and, with a journal, for
// its record to be durable).
#include "http/replies.hpp"
#include "http/route_support.hpp"
#include "http/routes.hpp"
#include "logging/log.hpp"
#include "vapi/call_result.hpp"

namespace http {
namespace {

using Pistache::Http::Code;
using vapi_cache::answer;
using vapi_cache::outcome;
using vapi_cache::reply_fn;

bool is_json(const Pistache::Rest::Request& req) {
  auto type = req.headers().tryGet<Pistache::Http::Header::ContentType>();
  if (!type)
    return true;  // VAPI always sends one; a bare curl -d without it still works
  const auto& mime = type->mime();
  using namespace Pistache::Http::Mime;
  return mime.top() == Type::Application &&
         (mime.sub() == Subtype::Json || mime.suffix() == Suffix::Json);
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

  vapi::call_summary result;
  vapi_cache::body_ptr body;
  try {
    body = vapi_cache::stored_body::make(vapi::render_get_body(hook, &result));
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
      .add("status", result.status)
      .add("duration", result.duration)
      .add("cost", result.cost)
      .add("requestId", ex->request_id);
  // Once stored, the result is pushed to where it is awaited (actors/delivery_actor.hpp); the
  // answer to VAPI does not wait for that. Only the execution id comes from the payload.
  vapi_cache::delivery_actor delivery = actors_.delivery;
  std::string execution;
  if (delivery)
    execution = vapi::metadata_text(hook, actors_.execution_key).value_or("");
  ask(actors_.cache, caf::put_atom_v, hook.call_id, body,
                 reply_fn([w = share(std::move(rsp)), ex, id = hook.call_id,
                           cached = std::move(cached), delivery, body,
                           execution = std::move(execution)](answer a) {
                   if (a.what == outcome::unsaved) {
                     logging::warn("not_journaled", {{"callId", id}, {"requestId", ex->request_id}});
                     ex->metrics.count_webhook(vapi::end_of_call_report, webhook_outcome::unsaved);
                     return replies::send_unsaved(*w, ex);
                   }
                   if (replies::send_unavailable(*w, a.what, ex))
                     return;
                   if (cached)
                     logging::info("cached", *cached);
                   ex->metrics.count_webhook(vapi::end_of_call_report, webhook_outcome::stored);
                   replies::send(*w, replies::to_code(a.what), replies::stored(id), ex);
                   if (delivery)
                     caf::anon_send(delivery, vapi_cache::deliver_atom_v, id, body, execution);
                 }));
}

}  // namespace http
