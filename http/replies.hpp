// Every response leaves through here: the seed's texts (clients compare them), JSON bodies for
// errors, the one mapping from a cache outcome to a status code, and the send itself.
// Any thread may call these.
#pragma once

#include <pistache/http_defs.h>

#include <string>
#include <string_view>
#include <vector>

#include "actors/messages.hpp"
#include "http/exchange.hpp"
#include "http/responder.hpp"
#include "vapi/webhook.hpp"

namespace http::replies {

// The seed's bodies.
std::string stored(std::string_view call_id);
std::string ignored();
std::string invalid_payload(const std::vector<vapi::field_error>& errors);
std::string call_not_found(std::string_view call_id);
// The seed's 404 plus what status-updates said: "callStatus", and "endedReason" when known.
std::string call_not_found(std::string_view call_id, const vapi_cache::call_progress& progress);
std::string status_noted(std::string_view call_id);
// {"success":true,"data":{"<id>":<CallResult or null>,...},"pending":["<id>",...]}, ids in order;
// each CallResult a slice of its stored body, shared, not copied.
response batch(const std::vector<std::string>& ids, const std::vector<vapi_cache::lookup>& results);

// 503 with Retry-After: too many long-polls are held.
void send_busy(responder& w, const exchange_ptr& ex);
// 503 with Retry-After: the journal could not write the change (it is made in memory).
void send_unsaved(responder& w, const exchange_ptr& ex);
// 503 with Retry-After: the journal is being replayed and no more requests can be held.
void send_replaying(responder& w, const exchange_ptr& ex);
void send_store_unavailable(responder& w, const exchange_ptr& ex);
// One of the three above for busy, unsaved and unavailable (true); false for any other.
bool send_unavailable(responder& w, vapi_cache::outcome what, const exchange_ptr& ex);

// A stats body with "deliveries" added as the last key of "stats": per target (kestra,
// forward, those configured), pending, delivered, retried, gaveUp and refused.
std::string with_deliveries(std::string_view stats_body, const vapi_cache::delivery_metrics& m);

// For the message types VAPI waits on for an answer body: we have nothing to add.
std::string empty_object();
std::string deleted(std::string_view call_id);
std::string processing_failed(std::string_view why);

// {"success":false,"error":<the status's reason phrase>,"message":<message>}
std::string error(Pistache::Http::Code code, std::string_view message);

// The only place a cache outcome becomes an HTTP status.
Pistache::Http::Code to_code(vapi_cache::outcome what);

// Sends `r` with the exchange's X-Request-Id, and records its duration. `ex` stays alive
// until the bytes are written or dropped. Any thread.
void send(responder& w, response r, const exchange_ptr& ex);
// Sends `body` (JSON unless `type` says otherwise).
void send(responder& w, Pistache::Http::Code code, std::string body, const exchange_ptr& ex,
          std::string type = "application/json; charset=utf-8");
// Sends a stored body, shared rather than copied.
void send_stored(responder& w, Pistache::Http::Code code, const vapi_cache::body_ptr& body,
                 const exchange_ptr& ex);

// Sends error(code, message).
void send_error(responder& w, Pistache::Http::Code code, std::string_view message,
                const exchange_ptr& ex);

}  // namespace http::replies
