// The transform: each CallResult field is read from the places VAPI has put it, in a fixed
// precedence, with typed lookups that yield null when a field is absent, so a sparse report gives
// a complete, well-typed result.
//
// Where the fields are: a real report carries the results on the message itself (endedReason,
// startedAt, cost, durationMs, analysis, artifact, plus legacy copies summary, transcript,
// recordingUrl), beside `call`, a snapshot taken when the call was created (status "queued", no
// results). The seed's layout puts everything on `call`. So every field is looked up message
// first, then in the message's analysis or artifact, then on the call; the seed layout, having
// only the last, works unchanged.
#include "vapi/call_result.hpp"

#include "vapi/call_result_fields.hpp"
#include "vapi/json_render.hpp"

#include <cmath>
#include <functional>
#include <initializer_list>

#include "vapi/iso8601.hpp"

namespace vapi {
namespace detail {

using nlohmann::json;

namespace {
const json null_value;
}  // namespace

// The value at a dotted path under `root`; null when a step is missing or not an object.
const json& at(const json& root, std::string_view path) {
  const json* node = &root;
  while (true) {
    auto dot = path.find('.');
    if (!node->is_object())
      return null_value;
    auto it = node->find(path.substr(0, dot));
    if (it == node->end())
      return null_value;
    node = &*it;
    if (dot == std::string_view::npos)
      return *node;
    path.remove_prefix(dot + 1);
  }
}

}  // namespace detail

namespace {

using detail::at;
using detail::null_value;
using nlohmann::json;
using nlohmann::ordered_json;
using candidates = std::initializer_list<std::reference_wrapper<const json>>;

// An empty string or object says "nothing here" rather than "unknown".
bool is_blank(const json& v) {
  return (v.is_string() && v.get_ref<const std::string&>().empty()) ||
         (v.is_object() && v.empty());
}

// The first candidate, in precedence order, that carries something: a blank one does not hide a
// real value further down (VAPI sends "" and {} for what it did not produce, and a higher level
// may be blank while the call has the value). When every present candidate is blank the first
// of them is kept, so "VAPI said empty" stays distinct from "VAPI said nothing" (null).
const json& first_of(candidates in_order) {
  const json* blank = &null_value;
  for (const json& v : in_order) {
    if (v.is_null())
      continue;
    if (!is_blank(v))
      return v;
    if (blank->is_null())
      blank = &v;
  }
  return *blank;
}

ordered_json string_or_null(const json& v) {
  return v.is_string() ? ordered_json(v.get_ref<const std::string&>()) : ordered_json();
}

ordered_json object_or_null(const json& v) {
  return v.is_object() ? ordered_json(v) : ordered_json();
}

ordered_json scalar_or_null(const json& v) {
  return v.is_string() || v.is_number() || v.is_boolean() ? ordered_json(v) : ordered_json();
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

// To 4 decimals; nullopt for a negative or non-finite value (durationMinutes 1e308 overflows
// on the way), which no call has. "+ 0.0" turns -0.0 into 0.
std::optional<double> round_minutes(double minutes) {
  double rounded = std::round(minutes * 10000.0) / 10000.0 + 0.0;
  if (!(minutes >= 0) || !std::isfinite(rounded))
    return std::nullopt;
  return rounded;
}

// Minutes between the two timestamps (the seed's 10:00:00 to 10:05:30 is 5.5).
std::optional<double> minutes_between(const json& started_at, const json& ended_at) {
  if (!started_at.is_string() || !ended_at.is_string())
    return std::nullopt;
  auto start = parse_iso8601_ms(started_at.get_ref<const std::string&>());
  auto end = parse_iso8601_ms(ended_at.get_ref<const std::string&>());
  if (!start || !end || *end < *start)
    return std::nullopt;
  return round_minutes(double(*end - *start) / 60000.0);
}

// Minutes to 4 decimals. VAPI's own measures come first, durationMs before the seconds and
// minutes derived from it (durationMinutes is already rounded); a negative or absurd one is
// skipped. Only then the timestamps, which the snapshot call usually lacks.
std::optional<double> duration_minutes(const json& message, const json& started_at,
                                       const json& ended_at) {
  static const std::pair<const char*, double> measures[] = {
    {"durationMs", 60000.0}, {"durationSeconds", 60.0}, {"durationMinutes", 1.0}};
  for (const auto& [key, per_minute] : measures) {
    const json& v = at(message, key);
    if (!v.is_number())
      continue;
    if (auto minutes = round_minutes(v.get<double>() / per_minute))
      return *minutes;
  }
  return minutes_between(started_at, ended_at);
}

bool contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

template <size_t n>
bool is_one_of(std::string_view s, const std::string_view (&set)[n]) {
  for (auto item : set)
    if (s == item)
      return true;
  return false;
}

// Reasons meaning the other side was never reached, though none says "did-not-answer".
constexpr std::string_view not_reached[] = {
  "customer-did-not-answer",
  "customer-busy",
  "vonage-rejected",  // Vonage: "rejected by the destination"; carriers report busy so too
  "call.ringing.sip-inbound-caller-hungup-before-call-connect",
};

// Reasons meaning the call did not work, though they say neither "error" nor "failed": setup
// and configuration faults, a bad number, VAPI's own worker stopping. Read as "completed", they
// would send a flow to read a transcript that does not exist.
constexpr std::string_view failed_quietly[] = {
  "assistant-not-found",
  "assistant-not-valid",
  "assistant-request-returned-invalid-assistant",
  "assistant-request-returned-no-assistant",
  "assistant-join-timed-out",
  "customer-did-not-give-microphone-permission",
  "phone-call-provider-bypass-enabled-but-no-call-received",
  "twilio-reported-customer-misdialed",
  "worker-shutdown",
};

}  // namespace

std::string_view status_for(std::optional<std::string_view> reason) {
  if (!reason)
    return "completed";
  if (contains(*reason, "voicemail"))
    return "voicemail";
  if (is_one_of(*reason, not_reached))
    return "no_answer";
  if (contains(*reason, "error") || contains(*reason, "failed") ||
      is_one_of(*reason, failed_quietly))
    return "failed";
  return "completed";
}

namespace detail {

call_fields pick_fields(const webhook& report) {
  const json& m = report.message();
  const json& call = at(m, "call");
  call_fields f;
  f.reason = &first_of({at(m, "endedReason"), at(call, "endedReason")});
  f.started_at = &first_of({at(m, "startedAt"), at(call, "startedAt")});
  f.ended_at = &first_of({at(m, "endedAt"), at(call, "endedAt")});
  f.transcript =
    &first_of({at(m, "transcript"), at(m, "artifact.transcript"), at(call, "transcript")});
  f.summary = &first_of({at(m, "analysis.summary"), at(m, "summary"),
                         at(call, "analysis.summary"), at(call, "summary")});
  f.structured =
    &first_of({at(m, "analysis.structuredData"), at(call, "analysis.structuredData")});
  f.evaluation =
    &first_of({at(m, "analysis.successEvaluation"), at(call, "analysis.successEvaluation")});
  // Mono recordings: the legacy copy, then the artifact's two names for the same URL. The
  // stereo and presigned URLs are other files (two channels; links that expire), not fallbacks.
  f.recording = &first_of({at(m, "recordingUrl"), at(m, "artifact.recordingUrl"),
                           at(m, "artifact.recording.mono.combinedUrl"), at(call, "recordingUrl")});
  f.cost = &first_of({at(m, "cost"), at(call, "cost")});
  // Where VAPI carries the flow's metadata: set on the call (seed), per call through
  // assistantOverrides, or on the assistant itself. The first that has keys wins, whole.
  f.metadata = &first_of({at(call, "metadata"), at(call, "assistantOverrides.metadata"),
                          at(m, "assistant.metadata")});
  std::optional<std::string_view> reason_text;
  if (f.reason->is_string())
    reason_text = f.reason->get_ref<const std::string&>();
  f.status = status_for(reason_text);
  f.duration = duration_minutes(m, *f.started_at, *f.ended_at);
  return f;
}

}  // namespace detail

ordered_json to_call_result(const webhook& report) {
  const detail::call_fields f = detail::pick_fields(report);
  auto fields_of = [&](const auto& keys) {
    ordered_json out = ordered_json::object();
    for (const auto& [name, key] : keys)
      out[name] = text_or_null(at(*f.metadata, key));
    return out;
  };
  ordered_json out;
  out["status"] = f.status;
  out["callId"] = report.call_id;
  out["callMethod"] = "direct_vapi";
  out["duration"] = f.duration ? ordered_json(*f.duration) : ordered_json();
  out["endedReason"] = string_or_null(*f.reason);
  out["transcript"] = string_or_null(*f.transcript);
  out["analysis"] = {
    {"summary", string_or_null(*f.summary)},
    {"structuredData", object_or_null(*f.structured)},
    {"successEvaluation", scalar_or_null(*f.evaluation)},
  };
  out["provider"] = fields_of(detail::provider_keys);
  out["request"] = fields_of(detail::request_keys);
  out["cost"] = f.cost->is_number() ? ordered_json(*f.cost) : ordered_json();
  out["startedAt"] = string_or_null(*f.started_at);
  out["endedAt"] = string_or_null(*f.ended_at);
  out["recordingUrl"] = string_or_null(*f.recording);
  out["metadata"] = object_or_null(*f.metadata);
  return out;
}

std::optional<std::string> metadata_text(const webhook& report, std::string_view key) {
  const json& m = report.message();
  const json& call = at(m, "call");
  for (const json* place : {&at(call, "metadata"), &at(call, "assistantOverrides.metadata"),
                            &at(m, "assistant.metadata")}) {
    if (!place->is_object())
      continue;
    auto it = place->find(std::string(key));
    if (it != place->end() && it->is_string() && !it->get_ref<const std::string&>().empty())
      return it->get<std::string>();
  }
  return std::nullopt;
}

std::string render_get_body(const ordered_json& call_result) {
  // Invalid UTF-8 cannot come from the parser (it refuses it); replace is a second guard, so
  // rendering never throws.
  std::string body = R"({"success":true,"data":)";
  append_json(body, call_result);
  body += '}';
  // Appending grows the capacity by doubling, up to twice the size; this string is kept for the
  // whole TTL, so it gives the slack back.
  body.shrink_to_fit();
  return body;
}

}  // namespace vapi
