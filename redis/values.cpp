#include "redis/values.hpp"

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include "vapi/json_render.hpp"

namespace redis {
namespace {
constexpr std::string_view envelope_head = R"({"success":true,"data":)";
}  // namespace

std::optional<std::string_view> value_of_get_body(std::string_view get_body) {
  if (get_body.size() < envelope_head.size() + 3 ||
      get_body.substr(0, envelope_head.size()) != envelope_head || get_body.back() != '}')
    return std::nullopt;
  get_body.remove_prefix(envelope_head.size());
  get_body.remove_suffix(1);
  if (get_body.front() != '{' || get_body.back() != '}')
    return std::nullopt;
  return get_body;
}

std::optional<std::string> get_body_for(std::string_view value) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  // padded_string copies: a value is a few KB, and Redis's reply buffer is not padded.
  if (parser.parse(simdjson::padded_string(value)).get(root) ||
      root.type() != simdjson::dom::element_type::OBJECT)
    return std::nullopt;
  std::string out;
  out.reserve(envelope_head.size() + value.size() + 1);
  out += envelope_head;
  out += value;
  out += '}';
  return out;
}

std::string status_value(std::string_view status, std::string_view ended_reason) {
  std::string out = R"({"status":)";
  vapi::append_json_string(out, status);
  if (!ended_reason.empty()) {
    out += R"(,"endedReason":)";
    vapi::append_json_string(out, ended_reason);
  }
  out += '}';
  return out;
}

std::optional<status_fields> parse_status_value(std::string_view value) {
  auto j = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object())
    return std::nullopt;
  auto status = j.find("status");
  if (status == j.end() || !status->is_string() || status->get_ref<const std::string&>().empty())
    return std::nullopt;
  status_fields out{status->get<std::string>(), {}};
  auto reason = j.find("endedReason");
  if (reason != j.end() && reason->is_string())
    out.ended_reason = reason->get<std::string>();
  return out;
}

std::optional<entry_times> times_from_pttl(int64_t now_ms, int64_t pttl_ms, int64_t ttl_ms) {
  if (pttl_ms < 0)
    return std::nullopt;
  int64_t expires = now_ms + pttl_ms;
  return entry_times{expires - ttl_ms, expires};
}

}  // namespace redis
