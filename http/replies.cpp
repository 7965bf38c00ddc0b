// Bodies are built with nlohmann so that any call id, however odd, is escaped correctly.
#include "http/replies.hpp"

#include <nlohmann/json.hpp>


namespace http::replies {
namespace {

using nlohmann::ordered_json;
using Pistache::Http::Code;

std::string dump(const ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string stored(std::string_view call_id) {
  // The answer to every stored webhook: built without a JSON tree when the id needs no escaping
  // (an id that passed vapi::is_valid_call_id never does); the bytes are the same.
  if (vapi::is_valid_call_id(call_id))
    return R"({"success":true,"message":"Webhook processed and cached successfully","callId":")" +
           std::string(call_id) + "\"}";
  return dump({{"success", true},
               {"message", "Webhook processed and cached successfully"},
               {"callId", call_id}});
}

std::string ignored() {
  return R"json({"success":true,"message":"Webhook received (ignored type)"})json";
}

std::string invalid_payload(const std::vector<vapi::field_error>& errors) {
  auto details = ordered_json::array();
  for (const auto& e : errors)
    details.push_back({{"path", e.path}, {"message", e.message}});
  return dump({{"success", false}, {"error", "Invalid webhook payload"}, {"details", details}});
}

namespace {
ordered_json not_found_json(std::string_view call_id) {
  return {{"success", false},
          {"error", "Call result not found"},
          {"message", "No cached result found for call ID: " + std::string(call_id) +
                        ". It may have expired or not been received yet."}};
}
}  // namespace

std::string call_not_found(std::string_view call_id) {
  // The answer to every miss, so built without a JSON tree when the id needs no escaping (an id
  // that passed vapi::is_valid_call_id never does); the bytes are the same.
  if (vapi::is_valid_call_id(call_id))
    return R"({"success":false,"error":"Call result not found","message":"No cached result )"
           R"(found for call ID: )" +
           std::string(call_id) + R"(. It may have expired or not been received yet."})";
  return dump(not_found_json(call_id));
}

std::string call_not_found(std::string_view call_id, const vapi_cache::call_progress& progress) {
  auto body = not_found_json(call_id);
  body["callStatus"] = progress.status;
  if (!progress.ended_reason.empty())
    body["endedReason"] = progress.ended_reason;
  return dump(body);
}

std::string status_noted(std::string_view call_id) {
  if (vapi::is_valid_call_id(call_id))  // as stored(): one per status-update, the same bytes
    return R"({"success":true,"message":"Call status recorded","callId":")" +
           std::string(call_id) + "\"}";
  return dump({{"success", true}, {"message", "Call status recorded"}, {"callId", call_id}});
}

std::string empty_object() { return "{}"; }

response batch(const std::vector<std::string>& ids,
               const std::vector<vapi_cache::lookup>& results) {
  // Stored bodies are {"success":true,"data":<CallResult>} (vapi::render_get_body): each
  // CallResult is a slice of its stored body, so nothing is parsed, copied or decompressed here.
  static constexpr std::string_view head = R"({"success":true,"data":)";
  response r;
  std::string text = R"({"success":true,"data":{)", pending = "[";
  for (size_t i = 0; i < ids.size(); ++i) {
    text += (i ? "," : "") + dump(ids[i]) + ":";
    const auto& body = results.at(i).body;
    if (body && body->size() > head.size() + 1) {
      r.text(std::exchange(text, std::string()));
      r.stored(body, head.size(), body->size() - head.size() - 1);
    } else {
      text += "null";
      pending += (pending.size() > 1 ? "," : "") + dump(ids[i]);
    }
  }
  r.text(text + R"(},"pending":)" + pending + "]}");
  return r;
}

void send_busy(responder& w, const exchange_ptr& ex) {
  w.header("Retry-After", "1");
  send_error(w, Code::Service_Unavailable,
             "Too many requests are waiting; retry after 1 second", ex);
}

void send_unsaved(responder& w, const exchange_ptr& ex) {
  w.header("Retry-After", "1");
  send(w, Code::Service_Unavailable,
       dump({{"success", false},
             {"error", "Journal unavailable"},
             {"message", "The change is made in memory and served, but it could not be written "
                         "to disk, so it may not survive a restart; retry after 1 second"}}),
       ex);
}

void send_replaying(responder& w, const exchange_ptr& ex) {
  w.header("Retry-After", "1");
  send(w, Code::Service_Unavailable,
       dump({{"success", false},
             {"error", "Replaying journal"},
             {"message", "The service is reading its results back after a restart; retry "
                         "after 1 second"}}),
       ex);
}

void send_store_unavailable(responder& w, const exchange_ptr& ex) {
  w.header("Retry-After", "1");
  send(w, Code::Service_Unavailable,
       dump({{"success", false},
             {"error", "Store unavailable"},
             {"message", "The shared store (Redis) cannot be reached; retry after 1 second"}}),
       ex);
}

bool send_unavailable(responder& w, vapi_cache::outcome what, const exchange_ptr& ex) {
  if (what == vapi_cache::outcome::store_unavailable)
    return send_store_unavailable(w, ex), true;
  if (what == vapi_cache::outcome::unsaved)
    return send_unsaved(w, ex), true;
  if (what == vapi_cache::outcome::unavailable)
    return send_replaying(w, ex), true;
  if (what == vapi_cache::outcome::busy)
    return send_busy(w, ex), true;
  return false;
}

std::string deleted(std::string_view call_id) {
  return dump({{"success", true},
               {"message", "Call result " + std::string(call_id) + " deleted from cache"}});
}

std::string processing_failed(std::string_view why) {
  return dump({{"success", false},
               {"error", "Webhook received but processing failed"},
               {"message", why}});
}

std::string error(Code code, std::string_view message) {
  return dump({{"success", false},
               {"error", Pistache::Http::codeString(code)},
               {"message", message}});
}

Code to_code(vapi_cache::outcome what) {
  switch (what) {
    case vapi_cache::outcome::stored:
    case vapi_cache::outcome::found:
    case vapi_cache::outcome::deleted:
    case vapi_cache::outcome::listed:
    case vapi_cache::outcome::noted:
    case vapi_cache::outcome::waited: return Code::Ok;
    case vapi_cache::outcome::not_found: return Code::Not_Found;
    case vapi_cache::outcome::busy:
    case vapi_cache::outcome::unsaved:
    case vapi_cache::outcome::unavailable:
    case vapi_cache::outcome::store_unavailable: return Code::Service_Unavailable;
  }
  return Code::Internal_Server_Error;
}

void send(responder& w, response r, const exchange_ptr& ex) {
  w.header("X-Request-Id", ex->request_id);
  ex->metrics.observe_request(ex->route, r.status,
                              std::chrono::steady_clock::now() - ex->started);
  w.send(std::move(r), ex);  // the exchange (and its in-flight token) lives until written
}

void send(responder& w, Code code, std::string body, const exchange_ptr& ex, std::string type) {
  response r;
  r.status = static_cast<int>(code);
  r.content_type = std::move(type);
  r.text(std::move(body));
  send(w, std::move(r), ex);
}

void send_stored(responder& w, Code code, const vapi_cache::body_ptr& body,
                 const exchange_ptr& ex) {
  response r;
  r.status = static_cast<int>(code);
  r.stored(body, 0, body->size());
  send(w, std::move(r), ex);
}

void send_error(responder& w, Code code, std::string_view message, const exchange_ptr& ex) {
  send(w, code, error(code, message), ex);
}

std::string with_deliveries(std::string_view stats_body, const vapi_cache::delivery_metrics& m) {
  auto counts = [](const vapi_cache::delivery_counts& c) {
    return nlohmann::ordered_json{{"pending", c.pending},    {"delivered", c.delivered},
                                  {"retried", c.retried},    {"gaveUp", c.gave_up},
                                  {"refused", c.refused}};
  };
  nlohmann::ordered_json d = nlohmann::ordered_json::object();
  if (m.kestra_on)
    d["kestra"] = counts(m.kestra);
  if (m.forward_on)
    d["forward"] = counts(m.forward);
  d["journaled"] = m.journaled;
  // The body is {"success":true,"stats":{...}}: the member goes before its last two braces.
  std::string out(stats_body);
  if (out.size() < 2 || out.compare(out.size() - 2, 2, "}}") != 0)
    return out;
  out.insert(out.size() - 2, ",\"deliveries\":" + d.dump());
  return out;
}

}  // namespace http::replies
