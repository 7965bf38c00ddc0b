// The stored GET body written straight from a report: the CallResult's keys in the seed's
// order, each value copied from where pick_fields found it, with the conversions to_call_result
// applies (call_result.cpp) spelled out as writers. tests/call_result_test.cpp and the fuzzer
// check that the bytes are render_get_body(to_call_result(report))'s for every input.
#include "vapi/call_result.hpp"

#include "vapi/call_result_fields.hpp"
#include "vapi/json_render.hpp"

namespace vapi {
namespace {

using nlohmann::json;

void key(std::string& out, const char* name) {
  out += '"';
  out += name;
  out += "\":";
}

void string_or_null(std::string& out, const json& v) {
  if (v.is_string())
    append_json_string(out, v.get_ref<const std::string&>());
  else
    out += "null";
}

void object_or_null(std::string& out, const json& v) {
  if (v.is_object())
    append_json(out, v);
  else
    out += "null";
}

void scalar_or_null(std::string& out, const json& v) {
  if (v.is_string() || v.is_number() || v.is_boolean())
    append_json(out, v);
  else
    out += "null";
}

// Metadata text; a number or boolean as its JSON text, in a string.
void text_or_null(std::string& out, const json& v) {
  if (v.is_string())
    append_json_string(out, v.get_ref<const std::string&>());
  else if (v.is_number() || v.is_boolean())
    append_json_string(out, v.dump());
  else
    out += "null";
}

template <size_t n>
void metadata_fields(std::string& out, const json& metadata,
                     const std::pair<const char*, const char*> (&keys)[n]) {
  out += '{';
  for (size_t i = 0; i < n; ++i) {
    if (i)
      out += ',';
    key(out, keys[i].first);
    text_or_null(out, detail::at(metadata, keys[i].second));
  }
  out += '}';
}

size_t text_size(const json* v) {
  return v->is_string() ? v->get_ref<const std::string&>().size() : 0;
}

}  // namespace

std::string render_get_body(const webhook& report, call_summary* summary) {
  const detail::call_fields f = detail::pick_fields(report);
  nlohmann::ordered_json duration = f.duration ? nlohmann::ordered_json(*f.duration) : nullptr;
  nlohmann::ordered_json cost = f.cost->is_number() ? nlohmann::ordered_json(*f.cost) : nullptr;
  std::string out;
  // The fixed text is about 400 bytes; the long strings are most of the rest.
  out.reserve(512 + report.call_id.size() + text_size(f.transcript) + text_size(f.summary) +
              text_size(f.recording));
  out += R"({"success":true,"data":{"status":")";
  out += f.status;  // plain ASCII
  out += R"(","callId":)";
  append_json_string(out, report.call_id);
  out += R"(,"callMethod":"direct_vapi","duration":)";
  append_json(out, duration);
  out += R"(,"endedReason":)";
  string_or_null(out, *f.reason);
  out += R"(,"transcript":)";
  string_or_null(out, *f.transcript);
  out += R"(,"analysis":{"summary":)";
  string_or_null(out, *f.summary);
  out += R"(,"structuredData":)";
  object_or_null(out, *f.structured);
  out += R"(,"successEvaluation":)";
  scalar_or_null(out, *f.evaluation);
  out += R"(},"provider":)";
  metadata_fields(out, *f.metadata, detail::provider_keys);
  out += R"(,"request":)";
  metadata_fields(out, *f.metadata, detail::request_keys);
  out += R"(,"cost":)";
  append_json(out, cost);
  out += R"(,"startedAt":)";
  string_or_null(out, *f.started_at);
  out += R"(,"endedAt":)";
  string_or_null(out, *f.ended_at);
  out += R"(,"recordingUrl":)";
  string_or_null(out, *f.recording);
  out += R"(,"metadata":)";
  object_or_null(out, *f.metadata);
  out += "}}";
  // Kept for the whole TTL: give back what the estimate over-reserved.
  out.shrink_to_fit();
  if (summary)
    *summary = {f.status, std::move(duration), std::move(cost)};
  return out;
}

}  // namespace vapi
