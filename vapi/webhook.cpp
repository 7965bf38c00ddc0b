// Validation is a table of (path, expected kind) rules walked over the parsed document, so the
// rule list reads like the contract and a new field is one line.
#include "vapi/webhook.hpp"

namespace vapi {
namespace {

using nlohmann::json;

enum class kind { object, string, nonempty_string, number, scalar };

struct rule {
  const char* path;  // under "message", dotted
  kind expected;
  bool required;
};

// What an end-of-call report must look like. A parent is listed before its children: a child
// is only checked when its parent is an object, so one mistake is reported once.
const rule report_rules[] = {
  {"call", kind::object, true},
  {"call.id", kind::nonempty_string, true},
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
};

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
    case kind::nonempty_string: return v.is_string() && !v.get_ref<const std::string&>().empty();
    case kind::number: return v.is_number();
    case kind::scalar: return v.is_string() || v.is_number() || v.is_boolean();
  }
  return false;
}

std::string mismatch(const json& v, kind k) {
  if (k == kind::nonempty_string && v.is_string())
    return "Expected a non-empty string";
  return std::string("Expected ") + kind_name(k) + ", received " + type_name(v);
}

// Checks one rule. A missing or null optional field is fine (null means "not known"); a field
// under a parent that is not an object is skipped, as the parent's own rule reports it.
void check(const json& message, const rule& r, std::vector<field_error>& errors) {
  const json* node = &message;
  std::string_view rest = r.path;
  while (true) {
    auto dot = rest.find('.');
    auto key = std::string(rest.substr(0, dot));
    if (!node->is_object())
      return;
    auto it = node->find(key);
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

}  // namespace

parsed_webhook parse_webhook(std::string_view body) {
  parsed_webhook out;
  bool too_deep = false;
  // The callback sees every value's depth; past the limit it drops the value and we refuse
  // the body, so no deeply nested tree is ever built.
  auto limit = [&](int depth, json::parse_event_t event, json&) {
    if (depth >= max_json_depth &&  // the outermost container is depth 0
        (event == json::parse_event_t::object_start || event == json::parse_event_t::array_start))
      too_deep = true;
    return !too_deep;
  };
  json doc = json::parse(body.begin(), body.end(), limit, /*allow_exceptions=*/false);
  if (too_deep) {
    out.errors.push_back(
      {"", "JSON nested deeper than " + std::to_string(max_json_depth) + " levels"});
    return out;
  }
  if (doc.is_discarded()) {
    // Re-parse to learn where it broke; only bad input pays for this.
    std::string why = "Malformed JSON";
    try {
      auto unreachable = json::parse(body.begin(), body.end());  // throws: it failed above
      (void)unreachable;
    } catch (const json::parse_error& e) {
      why += " at byte " + std::to_string(e.byte);
    }
    out.errors.push_back({"", why});
    return out;
  }
  if (!doc.is_object()) {
    out.errors.push_back({"", std::string("Expected object, received ") + type_name(doc)});
    return out;
  }
  auto message = doc.find("message");
  if (message == doc.end()) {
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
  if (w.is_report()) {
    for (const auto& r : report_rules)
      check(*message, r, out.errors);
    if (!out.errors.empty())
      return out;
    w.call_id = (*message)["call"]["id"].get<std::string>();
  }
  w.body = std::move(doc);
  out.ok = std::move(w);
  return out;
}

}  // namespace vapi
