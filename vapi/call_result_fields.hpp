// Where each CallResult field comes from in a report, picked once (see to_call_result in
// call_result.hpp for the precedence), for the two writers of a CallResult: the JSON tree
// (call_result.cpp, what tests and tools read) and the stored GET body written straight from the
// report (call_result_text.cpp, the webhook's path). Internal to vapi/.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "vapi/webhook.hpp"

namespace vapi::detail {

// The value at a dotted path under `root`; null when a step is missing or not an object.
const nlohmann::json& at(const nlohmann::json& root, std::string_view path);

// References into the report; valid while it lives. Each is the first candidate that carries
// something, or null.
struct call_fields {
  std::string_view status;          // status_for(endedReason)
  std::optional<double> duration;   // minutes, 4 decimals
  const nlohmann::json* reason;
  const nlohmann::json* transcript;
  const nlohmann::json* summary;
  const nlohmann::json* structured;
  const nlohmann::json* evaluation;
  const nlohmann::json* metadata;
  const nlohmann::json* cost;
  const nlohmann::json* started_at;
  const nlohmann::json* ended_at;
  const nlohmann::json* recording;
};

call_fields pick_fields(const webhook& report);

// The metadata keys each provider and request field is read from, in the CallResult's order.
inline constexpr std::pair<const char*, const char*> provider_keys[] = {
  {"name", "providerName"}, {"phone", "providerPhone"},
  {"service", "serviceNeeded"}, {"location", "location"}};
inline constexpr std::pair<const char*, const char*> request_keys[] = {
  {"criteria", "userCriteria"}, {"urgency", "urgency"}};

}  // namespace vapi::detail
