// libFuzzer target over the pure webhook path: bytes -> parse_webhook -> call_status_of, and for
// a valid end-of-call report to_call_result -> render_get_body; plus is_valid_call_id on the
// raw bytes. Built only with -DVAPI_CACHE_FUZZ=ON (clang); run it with scripts/fuzz.sh.
//
// Besides the sanitizers' findings it checks the contracts the headers promise, and aborts (a
// crash the fuzzer keeps) when one breaks: parse_webhook never throws, sets exactly one of ok
// and errors, names a call id only when it is valid; render_get_body never throws and wraps
// the CallResult in {"success":true,"data":...} with every seed key present; the fast renderer
// (vapi/json_render) writes exactly the bytes nlohmann's dump writes, for the CallResult and for
// the whole parsed input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include "vapi/call_result.hpp"
#include "vapi/fast_parse.hpp"
#include "vapi/json_render.hpp"
#include "vapi/webhook.hpp"

namespace {

[[noreturn]] void broken(const char* what) {
  std::fprintf(stderr, "webhook_fuzz: contract broken: %s\n", what);
  std::abort();
}

void expect(bool holds, const char* what) {
  if (!holds)
    broken(what);
}

// The keys of the seed's CallResult, in its order (vapi/call_result.hpp).
constexpr const char* call_result_keys[] = {
  "status", "callId", "callMethod", "duration", "endedReason", "transcript", "analysis",
  "provider", "request", "cost", "startedAt", "endedAt", "recordingUrl", "metadata"};

void check_report(const vapi::webhook& hook) {
  auto result = vapi::to_call_result(hook);
  expect(result.is_object(), "to_call_result gave a non-object");
  for (const char* key : call_result_keys)
    expect(result.contains(key), "to_call_result left out a seed key");
  std::string body = vapi::render_get_body(result);
  constexpr std::string_view head = R"({"success":true,"data":{)";
  expect(body.compare(0, head.size(), head) == 0 && body.back() == '}',
         "render_get_body is not {\"success\":true,\"data\":{...}}");
  expect(body == R"({"success":true,"data":)" +
                   result.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "}",
         "append_json differs from nlohmann's dump for a CallResult");
  expect(vapi::render_get_body(hook) == body,
         "the GET body written straight from the report differs from the CallResult's");
  // What the cache serves must be JSON a client can read back.
  expect(!nlohmann::json::parse(body, nullptr, false).is_discarded(),
         "render_get_body produced invalid JSON");
}

// simdjson's tree, copied, must be nlohmann's: both refuse, or both give the same text. (simdjson
// may refuse what nlohmann takes: parse_webhook then falls back to nlohmann.)
void check_fast_parse(std::string_view input) {
  if (input.size() > 4096)
    return;  // enough for the grammar; keeps each run fast
  auto fast = vapi::fast_parse(input, vapi::max_json_depth);
  if (!fast)
    return;
  auto reference = nlohmann::json::parse(input.begin(), input.end(), nullptr, false);
  expect(!reference.is_discarded(), "simdjson took a body nlohmann refuses");
  expect(fast->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) ==
           reference.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
         "simdjson's tree differs from nlohmann's");
}

void run(std::string_view input) {
  (void)vapi::is_valid_call_id(input);
  check_fast_parse(input);

  vapi::parsed_webhook parsed = vapi::parse_webhook(input);
  expect(parsed.ok.has_value() == parsed.errors.empty(), "ok and errors both set, or neither");
  if (!parsed.ok)
    return;
  const vapi::webhook& hook = *parsed.ok;
  nlohmann::ordered_json whole = hook.body;  // every kind of value the parser can produce
  std::string fast;
  vapi::append_json(fast, whole);
  expect(fast == whole.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
         "append_json differs from nlohmann's dump for a parsed document");
  expect(hook.body.is_object() && hook.message().is_object(), "ok without an object message");
  expect(hook.call_id.empty() || vapi::is_valid_call_id(hook.call_id),
         "parsed call id is not a valid call id");
  if (hook.is_report())
    check_report(hook);
  if (auto status = vapi::call_status_of(hook)) {
    expect(hook.is_status_update(), "call_status_of answered for a type other than status-update");
    expect(!status->status.empty(), "call_status_of gave an empty status");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    run(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "webhook_fuzz: exception escaped: %s\n", e.what());
    std::abort();
  } catch (...) {
    broken("non-standard exception escaped");
  }
  return 0;
}
