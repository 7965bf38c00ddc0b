// The transform: each CallResult field is read from the report with a typed lookup that yields
// null when the field is absent, so a sparse report gives a complete, well-typed result.
#include "vapi/call_result.hpp"

#include <cmath>

#include "vapi/iso8601.hpp"

namespace vapi {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

const json null_value;

const json& field(const json& obj, const char* key) {
  if (!obj.is_object())
    return null_value;
  auto it = obj.find(key);
  return it == obj.end() ? null_value : *it;
}

ordered_json string_or_null(const json& v) {
  return v.is_string() ? ordered_json(v.get_ref<const std::string&>()) : ordered_json();
}

// Metadata is the flow's own; a number or boolean where the seed expects text is kept as its
// JSON text, rather than failing a report that VAPI will not resend.
ordered_json text_or_null(const json& v) {
  if (v.is_string())
    return v.get_ref<const std::string&>();
  if (v.is_number() || v.is_boolean())
    return v.dump();
  return nullptr;
}

// Minutes between the two timestamps, to 4 decimals (the seed's 10:00:00 to 10:05:30 is 5.5).
ordered_json duration_minutes(const json& started_at, const json& ended_at) {
  if (!started_at.is_string() || !ended_at.is_string())
    return nullptr;
  auto start = parse_iso8601_ms(started_at.get_ref<const std::string&>());
  auto end = parse_iso8601_ms(ended_at.get_ref<const std::string&>());
  if (!start || !end || *end < *start)
    return nullptr;
  return std::round(double(*end - *start) / 60000.0 * 10000.0) / 10000.0;
}

// A non-empty string: an empty analysis summary does not hide the call's own summary.
bool is_text(const json& v) { return v.is_string() && !v.get_ref<const std::string&>().empty(); }

bool contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

}  // namespace

std::string_view status_for(std::optional<std::string_view> reason) {
  if (!reason)
    return "completed";
  if (contains(*reason, "voicemail"))
    return "voicemail";
  if (*reason == "customer-did-not-answer" || *reason == "customer-busy")
    return "no_answer";
  if (contains(*reason, "error") || contains(*reason, "failed"))
    return "failed";
  return "completed";
}

ordered_json to_call_result(const webhook& report) {
  const json& call = field(report.message(), "call");
  const json& analysis = field(call, "analysis");
  const json& metadata = field(call, "metadata");
  const json& reason = field(call, "endedReason");

  const json& summary = field(analysis, "summary");
  const json& evaluation = field(analysis, "successEvaluation");
  const json& structured = field(analysis, "structuredData");
  const json& cost = field(call, "cost");

  std::optional<std::string_view> reason_text;
  if (reason.is_string())
    reason_text = reason.get_ref<const std::string&>();

  ordered_json out;
  out["status"] = status_for(reason_text);
  out["callId"] = report.call_id;
  out["callMethod"] = "direct_vapi";
  out["duration"] = duration_minutes(field(call, "startedAt"), field(call, "endedAt"));
  out["endedReason"] = string_or_null(reason);
  out["transcript"] = string_or_null(field(call, "transcript"));
  out["analysis"] = {
    {"summary", string_or_null(is_text(summary) ? summary : field(call, "summary"))},
    {"structuredData", structured.is_object() ? ordered_json(structured) : ordered_json()},
    {"successEvaluation", evaluation.is_null() ? ordered_json() : ordered_json(evaluation)},
  };
  out["provider"] = {
    {"name", text_or_null(field(metadata, "providerName"))},
    {"phone", text_or_null(field(metadata, "providerPhone"))},
    {"service", text_or_null(field(metadata, "serviceNeeded"))},
    {"location", text_or_null(field(metadata, "location"))},
  };
  out["request"] = {
    {"criteria", text_or_null(field(metadata, "userCriteria"))},
    {"urgency", text_or_null(field(metadata, "urgency"))},
  };
  out["cost"] = cost.is_number() ? ordered_json(cost) : ordered_json();
  out["startedAt"] = string_or_null(field(call, "startedAt"));
  out["endedAt"] = string_or_null(field(call, "endedAt"));
  out["recordingUrl"] = string_or_null(field(call, "recordingUrl"));
  out["metadata"] = metadata.is_object() ? ordered_json(metadata) : ordered_json();
  return out;
}

std::string render_get_body(const ordered_json& call_result) {
  // Invalid UTF-8 cannot come from the parser (it refuses it); replace is a second guard, so
  // rendering never throws.
  return R"({"success":true,"data":)" +
         call_result.dump(-1, ' ', false, json::error_handler_t::replace) + "}";
}

}  // namespace vapi
