// Every response leaves through here: the seed's texts (clients compare them), JSON bodies for
// errors, the one mapping from a cache outcome to a status code, and the send itself.
// Any thread may call these.
#pragma once

#include <pistache/http.h>

#include <string>
#include <string_view>
#include <vector>

#include "actors/messages.hpp"
#include "http/exchange.hpp"
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
// {"success":true,"data":{"<id>":<CallResult or null>,...},"pending":["<id>",...]}, ids in order.
std::string batch(const std::vector<std::string>& ids,
                  const std::vector<vapi_cache::lookup>& results);

// 503 with Retry-After: too many long-polls are held.
void send_busy(Pistache::Http::ResponseWriter& writer, const exchange_ptr& ex);

// For the message types VAPI waits on for an answer body: we have nothing to add.
std::string empty_object();
std::string deleted(std::string_view call_id);
std::string processing_failed(std::string_view why);

// {"success":false,"error":<the status's reason phrase>,"message":<message>}
std::string error(Pistache::Http::Code code, std::string_view message);

// The only place a cache outcome becomes an HTTP status.
Pistache::Http::Code to_code(vapi_cache::outcome what);

// application/json; charset=utf-8
const Pistache::Http::Mime::MediaType& json_type();

// Sends `body` (JSON unless `type` says otherwise) with the exchange's X-Request-Id, and
// records its duration. `ex` stays alive until Pistache has written or dropped the bytes.
void send(Pistache::Http::ResponseWriter& writer, Pistache::Http::Code code,
          const std::string& body, const exchange_ptr& ex,
          const Pistache::Http::Mime::MediaType& type = json_type());

// Sends error(code, message).
void send_error(Pistache::Http::ResponseWriter& writer, Pistache::Http::Code code,
                std::string_view message, const exchange_ptr& ex);

}  // namespace http::replies
