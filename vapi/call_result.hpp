// The CallResult a polling workflow reads, built from a validated end-of-call report.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "vapi/webhook.hpp"

namespace vapi {

// What the flow should do next, from VAPI's endedReason: "voicemail" (reason mentions
// voicemail), "no_answer" (customer-did-not-answer, customer-busy), "failed" (reason mentions
// error or failed), else "completed" (also when the reason is unknown, as in the seed).
std::string_view status_for(std::optional<std::string_view> ended_reason);

// The CallResult of a report, keys in the seed's order and always present (null when unknown).
// `report` must have passed parse_webhook and be an end-of-call report.
nlohmann::ordered_json to_call_result(const webhook& report);

// The GET body stored for a call: {"success":true,"data":<CallResult>}. Rendered once at
// ingest, so that every poll is a copy of finished bytes.
std::string render_get_body(const nlohmann::ordered_json& call_result);

}  // namespace vapi
