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
  std::string call_id;  // message.call.id; empty unless this is an end-of-call report

  bool is_report() const { return type == end_of_call_report; }
  const nlohmann::json& message() const { return body["message"]; }
};

struct parsed_webhook {
  std::optional<webhook> ok;
  std::vector<field_error> errors;  // empty exactly when ok is set
};

// Parses and validates a webhook body. Pure: no I/O, never throws.
parsed_webhook parse_webhook(std::string_view body);

}  // namespace vapi
