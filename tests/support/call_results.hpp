// Test support for the CallResult tests (call_result_test, call_result_sources_test,
// call_result_payloads_test): reports parsed from text or payload files, and the CallResult of
// each, checked on the way against the webhook's own writer (call_result_of).
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/payloads.hpp"
#include "vapi/call_result.hpp"
#include "vapi/webhook.hpp"

namespace test_support::call_results {

using nlohmann::json;
using nlohmann::ordered_json;
using test_support::read_payload;

// A report that passed parse_webhook; throws (failing the test) when it did not.
inline vapi::webhook parse_report(const std::string& body) {
  auto r = vapi::parse_webhook(body);
  if (!r.ok)
    throw std::runtime_error("parse_webhook refused the body: " + r.errors.at(0).path + ": " +
                             r.errors.at(0).message);
  return std::move(*r.ok);
}

// The CallResult of a report, as vapi::to_call_result builds it. Every one a test reads is also
// written straight from the report, as the webhook's path writes it: both must give the same
// GET body, byte for byte, and the summary the "cached" log line takes must agree with it.
inline ordered_json call_result_of(const vapi::webhook& report) {
  ordered_json tree = vapi::to_call_result(report);
  vapi::call_summary summary;
  EXPECT_EQ(vapi::render_get_body(report, &summary), vapi::render_get_body(tree));
  EXPECT_EQ(summary.status, tree["status"].get<std::string>());
  EXPECT_EQ(summary.duration, tree["duration"]);
  EXPECT_EQ(summary.cost, tree["cost"]);
  return tree;
}

// The CallResult of a report whose call has id "x" and then `fields` (JSON members, or "").
inline ordered_json result_of(const std::string& fields) {
  return call_result_of(parse_report(R"({"message":{"type":"end-of-call-report","call":{"id":"x")" +
                                     (fields.empty() ? "" : "," + fields) + "}}}"));
}

inline ordered_json duration_of(const std::string& started_at, const std::string& ended_at) {
  return result_of(R"("startedAt":)" + started_at + R"(,"endedAt":)" + ended_at)["duration"];
}

inline std::vector<std::string> keys_of(const ordered_json& object) {
  std::vector<std::string> out;
  for (const auto& item : object.items())
    out.push_back(item.key());
  return out;
}

inline const std::string minimal_result_dump =
  R"({"status":"completed","callId":"x","callMethod":"direct_vapi","duration":null,)"
  R"("endedReason":null,"transcript":null,)"
  R"("analysis":{"summary":null,"structuredData":null,"successEvaluation":null},)"
  R"("provider":{"name":null,"phone":null,"service":null,"location":null},)"
  R"("request":{"criteria":null,"urgency":null},"cost":null,"startedAt":null,"endedAt":null,)"
  R"("recordingUrl":null,"metadata":null})";

// The CallResult of a report whose call is {"id":"x"<call_fields>} and whose message also has
// `message_fields` (JSON members, or "").
inline ordered_json result_with(const std::string& message_fields, const std::string& call_fields = "") {
  return call_result_of(parse_report(
    R"({"message":{"type":"end-of-call-report","call":{"id":"x")" +
    (call_fields.empty() ? "" : "," + call_fields) + "}" +
    (message_fields.empty() ? "" : "," + message_fields) + "}}"));
}

inline vapi::webhook parse_payload(const std::string& name) { return parse_report(read_payload(name)); }

// Asserts every CallResult key, one at a time, against `want` (in contract order). Values
// compare as JSON values, so pass-through objects may come back in any key order.
inline void expect_result(const ordered_json& got, const ordered_json& want) {
  ASSERT_EQ(keys_of(got), keys_of(want));
  for (const auto& item : want.items()) {
    SCOPED_TRACE(item.key());
    EXPECT_EQ(json(got[item.key()]), json(item.value()));
  }
  for (const char* nested : {"analysis", "provider", "request"})
    EXPECT_EQ(keys_of(got[nested]), keys_of(want[nested])) << nested;
}

}  // namespace test_support::call_results
