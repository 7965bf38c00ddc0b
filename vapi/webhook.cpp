// Validation is a table of (path, expected kind) rules per message type, walked over the parsed
// document, so the rule list reads like the contract and a new field is one line.
#include "vapi/webhook.hpp"

#include "vapi/fast_parse.hpp"

#include <algorithm>

namespace vapi {
namespace {

using nlohmann::json;

enum class kind { object, string, call_id, number, scalar };

struct rule {
  const char* path;  // under "message", dotted
  kind expected;
  bool required;
};

// What an end-of-call report must look like: every field the transform reads (call_result.cpp),
// at each place VAPI has put it. A parent is listed before its children: a child is only checked
// when its parent is an object, so one mistake is reported once. The call comes first: it is the
// seed's layout, and its id is what a sender most needs to hear about.
const rule report_rules[] = {
  {"call", kind::object, true},
  {"call.id", kind::call_id, true},
  {"call.status", kind::string, false},
  {"call.endedReason", kind::string, false},
  {"call.transcript", kind::string, false},
  {"call.summary", kind::string, false},
  {"call.recordingUrl", kind::string, false},
  {"call.startedAt", kind::string, false},
  {"call.endedAt", kind::string, false},
  {"call.cost", kind::number, false},
  {"call.analysis", kind::object, false},
  {"call.analysis.summary", kind::string, false},
  {"call.analysis.structuredData", kind::object, false},
  {"call.analysis.successEvaluation", kind::scalar, false},  // VAPI: "true", "8"; some send 8
  {"call.metadata", kind::object, false},
  {"call.assistantOverrides", kind::object, false},
  {"call.assistantOverrides.metadata", kind::object, false},
  // Where VAPI really puts the results: on the message, beside a call snapshot taken at creation.
  {"endedReason", kind::string, false},
  {"startedAt", kind::string, false},
  {"endedAt", kind::string, false},
  {"cost", kind::number, false},
  {"durationMs", kind::number, false},
  {"durationSeconds", kind::number, false},
  {"durationMinutes", kind::number, false},
  {"summary", kind::string, false},
  {"transcript", kind::string, false},
  {"recordingUrl", kind::string, false},
  {"analysis", kind::object, false},
  {"analysis.summary", kind::string, false},
  {"analysis.structuredData", kind::object, false},
  {"analysis.successEvaluation", kind::scalar, false},
  {"artifact", kind::object, false},
  {"artifact.transcript", kind::string, false},
  {"artifact.recordingUrl", kind::string, false},
  {"artifact.recording", kind::object, false},
  {"artifact.recording.mono", kind::object, false},
  {"artifact.recording.mono.combinedUrl", kind::string, false},
  {"assistant", kind::object, false},
  {"assistant.metadata", kind::object, false},
  // message.timestamp is not read, so not checked: it was an ISO string before 2025 and is
  // epoch milliseconds now, and neither may cost a report.
};

// A status-update names the call whose state it reports, so it needs the call as a report does.
const rule status_update_rules[] = {
  {"call", kind::object, true},
  {"call.id", kind::call_id, true},
  {"status", kind::string, false},
  {"endedReason", kind::string, false},
};

constexpr size_t max_call_id_length = 128;

bool is_call_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '_' || c == ':' || c == '-';
}

const char* type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "boolean";
    case json::value_t::object: return "object";
    case json::value_t::array: return "array";
    case json::value_t::string: return "string";
    case json::value_t::discarded: return "nothing";
    default: return "number";
  }
}

const char* kind_name(kind k) {
  switch (k) {
    case kind::object: return "object";
    case kind::number: return "number";
    case kind::scalar: return "string, number or boolean";
    default: return "string";
  }
}

bool matches(const json& v, kind k) {
  switch (k) {
    case kind::object: return v.is_object();
    case kind::string: return v.is_string();
    case kind::call_id: return v.is_string() && is_valid_call_id(v.get_ref<const std::string&>());
    case kind::number: return v.is_number();
    case kind::scalar: return v.is_string() || v.is_number() || v.is_boolean();
  }
  return false;
}

// Says which part of the call id rule a string breaks. Only a position is named, never the
// offending byte: the id may be anything, and the answer should not echo it back.
std::string call_id_mismatch(const std::string& id) {
  if (id.empty())
    return "Expected a non-empty string";
  if (id.size() > max_call_id_length)
    return "Expected at most " + std::to_string(max_call_id_length) + " characters, received " +
           std::to_string(id.size());
  auto bad = std::find_if_not(id.begin(), id.end(), is_call_id_char) - id.begin();
  return "Expected only letters, digits, '.', '_', ':' or '-'; byte " +
         std::to_string(bad + 1) + " is not one of them";
}

std::string mismatch(const json& v, kind k) {
  if (k == kind::call_id && v.is_string())
    return call_id_mismatch(v.get_ref<const std::string&>());
  return std::string("Expected ") + kind_name(k) + ", received " + type_name(v);
}

// Checks one rule. A missing or null optional field is fine (null means "not known"); a field
// under a parent that is not an object is skipped, as the parent's own rule reports it.
void check(const json& message, const rule& r, std::vector<field_error>& errors) {
  const json* node = &message;
  std::string_view rest = r.path;
  while (true) {
    auto dot = rest.find('.');
    if (!node->is_object())
      return;
    auto it = node->find(rest.substr(0, dot));  // std::less<>: no key string is made
    bool last = dot == std::string_view::npos;
    if (it == node->end() || (it->is_null() && !r.required)) {
      if (r.required && last)  // a missing parent is its own rule's error
        errors.push_back({std::string("message.") + r.path, "Required"});
      return;
    }
    node = &*it;
    if (last)
      break;
    rest.remove_prefix(dot + 1);
  }
  if (!matches(*node, r.expected))
    errors.push_back({std::string("message.") + r.path, mismatch(*node, r.expected)});
}

template <size_t n>
void check_all(const json& message, const rule (&rules)[n], std::vector<field_error>& errors) {
  for (const auto& r : rules)
    check(message, r, errors);
}

// Records where and why a body failed to parse. Only bad input is parsed a second time with it,
// so the common path pays nothing. nlohmann's own text is never passed on (it quotes the
// input, which may not even be UTF-8); a fixed reason is picked from it instead.
struct parse_error_sink : nlohmann::json_sax<json> {
  size_t byte = 0;
  std::string why = "syntax error";

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(size_t) override { return true; }
  bool end_array() override { return true; }

  bool parse_error(size_t position, const std::string&,
                   const nlohmann::detail::exception& e) override {
    byte = position;
    if (e.id == 406) {  // out_of_range: 1e999 is JSON, but no double holds it
      why = "number out of range";
      return false;
    }
    std::string_view what = e.what();
    what = what.substr(0, what.find("; last read:"));  // the rest quotes the input
    auto has = [&](std::string_view part) { return what.find(part) != std::string_view::npos; };
    if (has("UTF-8"))
      why = "invalid UTF-8";
    else if (has("surrogate"))
      why = "unpaired UTF-16 surrogate in a \\u escape";
    else if (has("control character"))
      why = "unescaped control character in a string";
    else if (has("missing closing quote"))
      why = "unterminated string";
    else if (has("end of input"))
      why = "unexpected end of input";
    return false;
  }
};

field_error malformed(std::string_view body) {
  parse_error_sink sink;
  json::sax_parse(body.begin(), body.end(), &sink, json::input_format_t::json,
                  /*strict=*/true);
  return {"", "Malformed JSON at byte " + std::to_string(sink.byte) + ": " + sink.why};
}

// True when containers nest deeper than max_json_depth. One pass over the bytes, skipping
// strings, is much cheaper than a parse callback on every value; a body that is not JSON at all
// is refused by the parser afterwards either way.
bool nests_too_deep(std::string_view body) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (in_string) {
      if (c == '\\')
        ++i;  // the escaped character cannot end the string
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_json_depth)
        return true;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return false;
}

// Parses the body; nullopt with the one error when it is not JSON or nests too deep. simdjson
// checks the depth itself; on the slow path it is checked first, so no deeply nested tree is
// ever built (nlohmann's parser keeps its stack on the heap, but its serializer and destructor
// would recurse once per level).
std::optional<json> parse_document(std::string_view body, std::vector<field_error>& errors) {
  if (auto doc = fast_parse(body, max_json_depth))
    return doc;
  if (nests_too_deep(body)) {
    errors.push_back({"", "JSON nested deeper than " + std::to_string(max_json_depth) + " levels"});
    return std::nullopt;
  }
  // simdjson refused it: nlohmann says why, or takes what only it takes (a byte order mark,
  // an integer beyond 64 bits).
  json doc = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    errors.push_back(malformed(body));
    return std::nullopt;
  }
  return doc;
}

// The string at obj[key], or null when obj is not an object or the member is not a string.
const std::string* string_at(const json& obj, const char* key) {
  if (!obj.is_object())
    return nullptr;
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

// The call id a message names, whatever its type, when it is a valid one; else "".
std::string valid_call_id_of(const json& message) {
  auto call = message.find("call");
  const std::string* id = call == message.end() ? nullptr : string_at(*call, "id");
  return id && is_valid_call_id(*id) ? *id : std::string();
}

}  // namespace

bool is_valid_call_id(std::string_view id) {
  return !id.empty() && id.size() <= max_call_id_length &&
         std::all_of(id.begin(), id.end(), is_call_id_char);
}

bool expects_response_body(std::string_view type) {
  // Exactly the types with a reply schema in ServerMessageResponse, VAPI's OpenAPI spec.
  static constexpr std::string_view types[] = {
    "assistant-request",      "tool-calls",    "transfer-destination-request",
    "knowledge-base-request", "handoff-destination-request",
    "call.endpointing.request", "voice-request", "campaign.predial",
  };
  return std::find(std::begin(types), std::end(types), type) != std::end(types);
}

const std::vector<std::string_view>& known_message_types() {
  static const std::vector<std::string_view> types = {
    "end-of-call-report", "status-update", "assistant-request", "assistant.started",
    "assistant.speechStarted", "call.artifact.upload", "call.delete.failed", "call.deleted",
    "call.endpointing.request", "campaign.predial", "chat.created", "chat.deleted",
    "conversation-update", "function-call", "handoff-destination-request", "hang",
    "knowledge-base-request", "language-change-detected", "model-output", "phone-call-control",
    "session.created", "session.deleted", "session.updated", "speech-update", "tool-calls",
    "transcript", "transfer-destination-request", "transfer-update", "user-interrupted",
    "voice-input", "voice-request"};
  return types;
}

parsed_webhook parse_webhook(std::string_view body) {
  parsed_webhook out;
  auto doc = parse_document(body, out.errors);
  if (!doc)
    return out;
  if (!doc->is_object()) {
    out.errors.push_back({"", std::string("Expected object, received ") + type_name(*doc)});
    return out;
  }
  auto message = doc->find("message");
  if (message == doc->end()) {
    out.errors.push_back({"message", "Required"});
    return out;
  }
  if (!message->is_object()) {
    out.errors.push_back({"message", mismatch(*message, kind::object)});
    return out;
  }
  auto type = message->find("type");
  if (type == message->end())
    out.errors.push_back({"message.type", "Required"});
  else if (!type->is_string())
    out.errors.push_back({"message.type", mismatch(*type, kind::string)});
  if (!out.errors.empty())
    return out;

  webhook w;
  w.type = type->get<std::string>();
  // Every other type passes with no rule: we only acknowledge it, and VAPI sends some with no
  // call at all.
  if (w.is_report())
    check_all(*message, report_rules, out.errors);
  else if (w.is_status_update())
    check_all(*message, status_update_rules, out.errors);
  if (!out.errors.empty())
    return out;
  w.call_id = valid_call_id_of(*message);
  w.body = std::move(*doc);
  out.ok = std::move(w);
  return out;
}

std::optional<call_status> call_status_of(const webhook& hook) {
  if (!hook.is_status_update() || hook.call_id.empty())
    return std::nullopt;
  const std::string* status = string_at(hook.message(), "status");
  if (!status || status->empty())
    return std::nullopt;
  const std::string* reason = string_at(hook.message(), "endedReason");
  return call_status{*status, reason ? *reason : std::string()};
}

}  // namespace vapi
