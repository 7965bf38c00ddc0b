// A VAPI server message, parsed and checked: every field the service reads is validated and each
// bad one is named by its dotted path. Unknown fields are never an error: VAPI adds them often.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vapi {

inline constexpr std::string_view end_of_call_report = "end-of-call-report";
inline constexpr std::string_view status_update = "status-update";

// Call ids are 1-128 characters of [A-Za-z0-9._:-] (VAPI's are UUIDs). Anything else is refused
// before it reaches the cache, a log line or a URL: a report or status-update naming such an id
// is a 400 at message.call.id; any other type is accepted with call_id left empty.
bool is_valid_call_id(std::string_view id);

// The message types for which VAPI waits for an answer body, per the reply schemas of its
// OpenAPI spec: assistant-request, tool-calls, transfer-destination-request,
// knowledge-base-request, handoff-destination-request, call.endpointing.request, voice-request
// (its answer is raw PCM audio, and VAPI sends it to the voice server's own URL) and
// campaign.predial (an answer without "eligible": true means the contact is not dialled).
// We are not a tool server: they get {}.
bool expects_response_body(std::string_view type);

// Every message type VAPI's OpenAPI spec documents for server messages (ServerMessage), so that
// counting by type never takes a label from the sender: any other text counts as "other".
const std::vector<std::string_view>& known_message_types();

// JSON nested deeper than this is refused: it is never a real report, and the serializer
// would recurse once per level.
inline constexpr int max_json_depth = 64;

struct field_error {
  std::string path;     // dotted from the body's root, "message.call.id"; "" is the body itself
  std::string message;  // what is wrong, for a person reading the 400
};

struct webhook {
  nlohmann::json body;  // the whole document; body["message"] is an object
  std::string type;     // message.type
  std::string call_id;  // message.call.id when it is a valid call id (any type); else empty

  bool is_report() const { return type == end_of_call_report; }
  bool is_status_update() const { return type == status_update; }
  const nlohmann::json& message() const { return body["message"]; }
};

struct parsed_webhook {
  std::optional<webhook> ok;
  std::vector<field_error> errors;  // empty exactly when ok is set
};

// Parses and validates a webhook body. Pure: no I/O, never throws.
parsed_webhook parse_webhook(std::string_view body);

// Where a call is, from a status-update: "scheduled", "queued", "ringing", "in-progress",
// "forwarding", "ended", "not-found", "deletion-failed" (the spec's list; VAPI may add more, so
// any non-empty string is kept).
struct call_status {
  std::string status;
  std::string ended_reason;  // empty unless VAPI sent one (it does with "ended")
};

// The status a valid status-update reports for hook.call_id; nullopt for other types, or when
// the message names no valid call id or no non-empty status.
std::optional<call_status> call_status_of(const webhook& hook);

}  // namespace vapi
