// Tests vapi/call_result.cpp: the CallResult built from an end-of-call report (keys, order,
// nulls, duration, status mapping) and the GET body rendered from it.
#include "vapi/call_result.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/payloads.hpp"
#include "vapi/webhook.hpp"

namespace {

using nlohmann::json;
using nlohmann::ordered_json;
using vapi::status_for;

using test_support::read_payload;

// A report that passed parse_webhook; throws (failing the test) when it did not.
vapi::webhook parse_report(const std::string& body) {
  auto r = vapi::parse_webhook(body);
  if (!r.ok)
    throw std::runtime_error("parse_webhook refused the body: " + r.errors.at(0).path + ": " +
                             r.errors.at(0).message);
  return std::move(*r.ok);
}

// The CallResult of a report, as vapi::to_call_result builds it. Every one a test reads is also
// written straight from the report, as the webhook's path writes it: both must give the same
// GET body, byte for byte, and the summary the "cached" log line takes must agree with it.
ordered_json call_result_of(const vapi::webhook& report) {
  ordered_json tree = vapi::to_call_result(report);
  vapi::call_summary summary;
  EXPECT_EQ(vapi::render_get_body(report, &summary), vapi::render_get_body(tree));
  EXPECT_EQ(summary.status, tree["status"].get<std::string>());
  EXPECT_EQ(summary.duration, tree["duration"]);
  EXPECT_EQ(summary.cost, tree["cost"]);
  return tree;
}

// The CallResult of a report whose call has id "x" and then `fields` (JSON members, or "").
ordered_json result_of(const std::string& fields) {
  return call_result_of(parse_report(R"({"message":{"type":"end-of-call-report","call":{"id":"x")" +
                                     (fields.empty() ? "" : "," + fields) + "}}}"));
}

ordered_json duration_of(const std::string& started_at, const std::string& ended_at) {
  return result_of(R"("startedAt":)" + started_at + R"(,"endedAt":)" + ended_at)["duration"];
}

std::vector<std::string> keys_of(const ordered_json& object) {
  std::vector<std::string> out;
  for (const auto& item : object.items())
    out.push_back(item.key());
  return out;
}

const std::string minimal_result_dump =
  R"({"status":"completed","callId":"x","callMethod":"direct_vapi","duration":null,)"
  R"("endedReason":null,"transcript":null,)"
  R"("analysis":{"summary":null,"structuredData":null,"successEvaluation":null},)"
  R"("provider":{"name":null,"phone":null,"service":null,"location":null},)"
  R"("request":{"criteria":null,"urgency":null},"cost":null,"startedAt":null,"endedAt":null,)"
  R"("recordingUrl":null,"metadata":null})";

// --- the seed payloads --------------------------------------------------------------------------

TEST(call_result, seed_report_field_by_field) {
  auto result = call_result_of(parse_report(read_payload("seed_report.json")));
  EXPECT_EQ(result["status"], "completed");
  EXPECT_EQ(result["callId"], "call_abc123");
  EXPECT_EQ(result["callMethod"], "direct_vapi");
  ASSERT_TRUE(result["duration"].is_number());
  EXPECT_DOUBLE_EQ(result["duration"].get<double>(), 5.5);
  EXPECT_EQ(result["endedReason"], "customer-ended-call");
  EXPECT_EQ(result["transcript"], "AI: Hello...\nCustomer: Hi...");
  EXPECT_EQ(result["analysis"]["summary"], "Customer confirmed availability");
  EXPECT_EQ(json(result["analysis"]["structuredData"]),
            json::parse(R"({"availability":"available","estimated_rate":"$100/hour",)"
                        R"("recommended":true})"));
  EXPECT_TRUE(result["analysis"]["successEvaluation"].is_null());
  EXPECT_EQ(result["provider"]["name"], "Joe's Plumbing");
  EXPECT_EQ(result["provider"]["phone"], "+15551234567");
  EXPECT_EQ(result["provider"]["service"], "plumbing");
  EXPECT_EQ(result["provider"]["location"], "Greenville, SC");
  EXPECT_EQ(result["request"]["criteria"], "Need same-day service");
  EXPECT_TRUE(result["request"]["urgency"].is_null());
  EXPECT_DOUBLE_EQ(result["cost"].get<double>(), 0.45);
  EXPECT_EQ(result["startedAt"], "2025-01-15T10:00:00Z");
  EXPECT_EQ(result["endedAt"], "2025-01-15T10:05:30Z");
  EXPECT_TRUE(result["recordingUrl"].is_null());
  EXPECT_EQ(json(result["metadata"]),
            json::parse(R"({"providerName":"Joe's Plumbing","providerPhone":"+15551234567",)"
                        R"("serviceNeeded":"plumbing","location":"Greenville, SC",)"
                        R"("userCriteria":"Need same-day service"})"));
}

TEST(call_result, seed_report_whole_document_in_order) {
  auto result = call_result_of(parse_report(read_payload("seed_report.json")));
  // The two pass-through objects are compared by value above; everything else byte for byte.
  result["analysis"]["structuredData"] = "<compared by value>";
  result["metadata"] = "<compared by value>";
  EXPECT_EQ(
    result.dump(),
    R"({"status":"completed","callId":"call_abc123","callMethod":"direct_vapi","duration":5.5,)"
    R"("endedReason":"customer-ended-call","transcript":"AI: Hello...\nCustomer: Hi...",)"
    R"("analysis":{"summary":"Customer confirmed availability",)"
    R"("structuredData":"<compared by value>","successEvaluation":null},)"
    R"("provider":{"name":"Joe's Plumbing","phone":"+15551234567","service":"plumbing",)"
    R"("location":"Greenville, SC"},"request":{"criteria":"Need same-day service",)"
    R"("urgency":null},"cost":0.45,"startedAt":"2025-01-15T10:00:00Z",)"
    R"("endedAt":"2025-01-15T10:05:30Z","recordingUrl":null,"metadata":"<compared by value>"})");
}

TEST(call_result, seed_curl_whole_document_in_order) {
  auto result = call_result_of(parse_report(read_payload("seed_curl.json")));
  EXPECT_EQ(
    result.dump(),
    R"({"status":"completed","callId":"test_call_123","callMethod":"direct_vapi",)"
    R"("duration":null,"endedReason":"customer-ended-call","transcript":"Test transcript",)"
    R"("analysis":{"summary":"Test summary","structuredData":null,"successEvaluation":null},)"
    R"("provider":{"name":"Test Provider","phone":"+15551234567","service":null,)"
    R"("location":null},"request":{"criteria":null,"urgency":null},"cost":0.25,)"
    R"("startedAt":null,"endedAt":null,"recordingUrl":null,)"
    R"("metadata":{"providerName":"Test Provider","providerPhone":"+15551234567"}})");
}

TEST(call_result, keys_always_present_in_contract_order) {
  for (const auto& result : {call_result_of(parse_report(read_payload("seed_report.json"))),
                             call_result_of(parse_report(read_payload("seed_curl.json"))),
                             result_of("")}) {
    std::vector<std::string> top = {"status",   "callId",    "callMethod", "duration",
                                    "endedReason", "transcript", "analysis", "provider",
                                    "request",  "cost",      "startedAt",  "endedAt",
                                    "recordingUrl", "metadata"};
    EXPECT_EQ(keys_of(result), top);
    EXPECT_EQ(keys_of(result["analysis"]),
              (std::vector<std::string>{"summary", "structuredData", "successEvaluation"}));
    EXPECT_EQ(keys_of(result["provider"]),
              (std::vector<std::string>{"name", "phone", "service", "location"}));
    EXPECT_EQ(keys_of(result["request"]), (std::vector<std::string>{"criteria", "urgency"}));
  }
}

TEST(call_result, minimal_report_gives_nulls) {
  EXPECT_EQ(call_result_of(parse_report(
                             R"({"message":{"type":"end-of-call-report","call":{"id":"x"}}})"))
              .dump(),
            minimal_result_dump);
}

TEST(call_result, explicit_nulls_are_the_same_as_absent_fields) {
  auto result = result_of(
    R"("status":null,"endedReason":null,"transcript":null,"summary":null,"recordingUrl":null,)"
    R"("startedAt":null,"endedAt":null,"cost":null,"analysis":null,"metadata":null)");
  EXPECT_EQ(result.dump(), minimal_result_dump);
  result = result_of(
    R"("analysis":{"summary":null,"structuredData":null,"successEvaluation":null},)"
    R"("metadata":{"providerName":null,"providerPhone":null,"serviceNeeded":null,)"
    R"("location":null,"userCriteria":null,"urgency":null})");
  result["metadata"] = nullptr;  // an object of nulls is kept as such; the rest must be null
  EXPECT_EQ(result.dump(), minimal_result_dump);
}

TEST(call_result, unknown_fields_do_not_leak_into_the_result) {
  auto result = result_of(R"("orgId":"o","customer":{"number":"+1"},"analysis":{"extra":1})");
  EXPECT_EQ(result.dump(), minimal_result_dump);
}

// --- fields ---------------------------------------------------------------------------------

TEST(call_result, analysis_summary_beats_call_summary) {
  auto result = result_of(R"("summary":"call level","analysis":{"summary":"analysis level"})");
  EXPECT_EQ(result["analysis"]["summary"], "analysis level");
}

TEST(call_result, call_summary_used_when_analysis_summary_absent) {
  EXPECT_EQ(result_of(R"("summary":"call level")")["analysis"]["summary"], "call level");
  EXPECT_EQ(result_of(R"("summary":"call level","analysis":{})")["analysis"]["summary"],
            "call level");
  EXPECT_EQ(result_of(R"("summary":"call level","analysis":{"summary":null})")["analysis"]
                     ["summary"],
            "call level");
  EXPECT_EQ(result_of(R"("analysis":{"summary":"only"})")["analysis"]["summary"], "only");
  EXPECT_TRUE(result_of(R"("analysis":{})")["analysis"]["summary"].is_null());
}

TEST(call_result, structured_data_is_passed_through_whole) {
  const std::string data =
    R"({"availability":"available","rate":{"amount":100,"unit":"hour","ranges":[1,2.5,null]},)"
    R"("recommended":true,"notes":"caf\u00e9","empty":{},"list":[{"a":[]}],"n":null})";
  auto result = result_of(R"("analysis":{"structuredData":)" + data + "}");
  EXPECT_EQ(json(result["analysis"]["structuredData"]), json::parse(data));
  EXPECT_TRUE(result_of(R"("analysis":{"structuredData":{}})")["analysis"]["structuredData"]
                .is_object());
}

TEST(call_result, success_evaluation_keeps_its_type) {
  EXPECT_EQ(result_of(R"("analysis":{"successEvaluation":"true"})")["analysis"]
                     ["successEvaluation"],
            "true");
  EXPECT_EQ(result_of(R"("analysis":{"successEvaluation":8})")["analysis"]["successEvaluation"],
            8);
  EXPECT_EQ(result_of(R"("analysis":{"successEvaluation":false})")["analysis"]
                     ["successEvaluation"],
            false);
  EXPECT_EQ(result_of(R"("analysis":{"successEvaluation":"8"})")["analysis"]["successEvaluation"]
              .dump(),
            R"("8")");
}

TEST(call_result, metadata_scalars_are_rendered_as_their_json_text) {
  auto result = result_of(
    R"("metadata":{"providerName":42,"providerPhone":15551234567,"serviceNeeded":true,)"
    R"("location":1.5,"userCriteria":false,"urgency":-3})");
  EXPECT_EQ(result["provider"].dump(),
            R"({"name":"42","phone":"15551234567","service":"true","location":"1.5"})");
  EXPECT_EQ(result["request"].dump(), R"({"criteria":"false","urgency":"-3"})");
  // The metadata itself is passed through unchanged.
  EXPECT_EQ(result["metadata"]["providerPhone"], 15551234567);
  EXPECT_EQ(result["metadata"]["serviceNeeded"], true);
}

TEST(call_result, metadata_objects_and_arrays_become_null) {
  auto result = result_of(
    R"("metadata":{"providerName":{"first":"Joe"},"providerPhone":["+1"],"serviceNeeded":{},)"
    R"("location":[],"userCriteria":null,"urgency":"high"})");
  EXPECT_EQ(result["provider"].dump(),
            R"({"name":null,"phone":null,"service":null,"location":null})");
  EXPECT_EQ(result["request"].dump(), R"({"criteria":null,"urgency":"high"})");
}

TEST(call_result, cost_is_any_number) {
  EXPECT_EQ(result_of(R"("cost":1)")["cost"].dump(), "1");
  EXPECT_EQ(result_of(R"("cost":0)")["cost"].dump(), "0");
  EXPECT_EQ(result_of(R"("cost":0.0123)")["cost"].dump(), "0.0123");
}

TEST(call_result, strings_are_copied) {
  auto result = result_of(
    R"("endedReason":"silence-timed-out","transcript":"","recordingUrl":"https://r/x.wav",)"
    R"("startedAt":"garbage","endedAt":"2025-01-15T10:00:00Z")");
  EXPECT_EQ(result["endedReason"], "silence-timed-out");
  EXPECT_EQ(result["transcript"], "");
  EXPECT_EQ(result["recordingUrl"], "https://r/x.wav");
  EXPECT_EQ(result["startedAt"], "garbage");  // kept as sent, though it gives no duration
  EXPECT_EQ(result["endedAt"], "2025-01-15T10:00:00Z");
  EXPECT_TRUE(result["duration"].is_null());
}

// --- duration -----------------------------------------------------------------------------------

TEST(call_result, duration_is_minutes) {
  EXPECT_DOUBLE_EQ(duration_of(R"("2025-01-15T10:00:00Z")", R"("2025-01-15T10:05:30Z")")
                     .get<double>(),
                   5.5);
  EXPECT_DOUBLE_EQ(duration_of(R"("2025-01-15T10:00:00Z")", R"("2025-01-15T11:30:00Z")")
                     .get<double>(),
                   90.0);
  EXPECT_DOUBLE_EQ(duration_of(R"("2025-01-15T10:00:00Z")", R"("2025-01-15T10:00:00Z")")
                     .get<double>(),
                   0.0);
  // Across zones and midnight: 23:58 UTC to 00:03:30 UTC the next day.
  EXPECT_DOUBLE_EQ(duration_of(R"("2025-01-15T23:58:00Z")", R"("2025-01-16T01:03:30+01:00")")
                     .get<double>(),
                   5.5);
}

TEST(call_result, duration_is_rounded_to_four_decimals) {
  auto twenty = duration_of(R"("2025-01-15T10:00:00Z")", R"("2025-01-15T10:00:20Z")");
  EXPECT_DOUBLE_EQ(twenty.get<double>(), 0.3333);
  EXPECT_EQ(twenty.dump(), "0.3333");
  EXPECT_DOUBLE_EQ(duration_of(R"("2025-01-15T10:00:00Z")", R"("2025-01-15T10:00:40Z")")
                     .get<double>(),
                   0.6667);
  EXPECT_DOUBLE_EQ(duration_of(R"("2025-01-15T10:00:00Z")", R"("2025-01-15T10:00:01Z")")
                     .get<double>(),
                   0.0167);
  EXPECT_DOUBLE_EQ(duration_of(R"("2025-01-15T10:00:00.000Z")", R"("2025-01-15T10:00:20.500Z")")
                     .get<double>(),
                   0.3417);
  EXPECT_DOUBLE_EQ(duration_of(R"("2025-01-15T10:00:00Z")", R"("2025-01-15T10:00:00.001Z")")
                     .get<double>(),
                   0.0);
}

TEST(call_result, duration_null_when_a_timestamp_is_missing) {
  EXPECT_TRUE(result_of(R"("startedAt":"2025-01-15T10:00:00Z")")["duration"].is_null());
  EXPECT_TRUE(result_of(R"("endedAt":"2025-01-15T10:00:00Z")")["duration"].is_null());
  EXPECT_TRUE(duration_of("null", R"("2025-01-15T10:00:00Z")").is_null());
  EXPECT_TRUE(duration_of(R"("2025-01-15T10:00:00Z")", "null").is_null());
}

TEST(call_result, duration_null_when_a_timestamp_is_unparseable) {
  EXPECT_TRUE(duration_of(R"("yesterday")", R"("2025-01-15T10:00:00Z")").is_null());
  EXPECT_TRUE(duration_of(R"("2025-01-15T10:00:00Z")", R"("2025-01-15T10:05:30Zjunk")").is_null());
  EXPECT_TRUE(duration_of(R"("2025-02-29T10:00:00Z")", R"("2025-03-01T10:00:00Z")").is_null());
  EXPECT_TRUE(duration_of(R"("")", R"("")").is_null());
}

TEST(call_result, duration_null_when_end_is_before_start) {
  EXPECT_TRUE(duration_of(R"("2025-01-15T10:05:30Z")", R"("2025-01-15T10:00:00Z")").is_null());
  EXPECT_TRUE(
    duration_of(R"("2025-01-15T10:00:00.001Z")", R"("2025-01-15T10:00:00Z")").is_null());
}

// --- status -----------------------------------------------------------------------------------

struct status_case {
  std::optional<std::string> reason;
  std::string status;
};

// Readable test names in ctest, instead of the struct's raw bytes.
[[maybe_unused]] void PrintTo(const status_case& c, std::ostream* os) {
  *os << (c.reason ? "\"" + *c.reason + "\"" : std::string("no reason")) << " -> " << c.status;
}

class call_result_status : public testing::TestWithParam<status_case> {};

TEST_P(call_result_status, maps_ended_reason) {
  const auto& c = GetParam();
  std::optional<std::string_view> reason;
  if (c.reason)
    reason = *c.reason;
  EXPECT_EQ(status_for(reason), c.status);
  // And through the transform, from the report's endedReason.
  auto fields = c.reason ? R"("endedReason":)" + json(*c.reason).dump() : std::string();
  EXPECT_EQ(result_of(fields)["status"], c.status);
}

INSTANTIATE_TEST_SUITE_P(
  call_result, call_result_status,
  testing::Values(
    status_case{std::nullopt, "completed"}, status_case{"", "completed"},
    status_case{"customer-ended-call", "completed"},
    status_case{"assistant-ended-call", "completed"},
    status_case{"silence-timed-out", "completed"},
    status_case{"exceeded-max-duration", "completed"},
    status_case{"voicemail", "voicemail"},
    status_case{"assistant-ended-call-voicemail", "voicemail"},
    status_case{"customer-did-not-answer", "no_answer"},
    status_case{"customer-busy", "no_answer"},
    status_case{"pipeline-error-openai-llm-failed", "failed"},
    status_case{"assistant-error", "failed"},
    status_case{"twilio-failed-to-connect-call", "failed"},
    status_case{"assistant-request-failed", "failed"},
    status_case{"call.in-progress.error-vapifault-transport-never-connected", "failed"},
    // Precedence: voicemail first, then the exact no-answer reasons, then error/failed.
    status_case{"voicemail-error", "voicemail"},
    status_case{"failed-voicemail", "voicemail"},
    status_case{"customer-busy-error", "failed"},
    status_case{"customer-did-not-answer-failed", "failed"},
    status_case{"customer-busy-signal", "completed"},
    // Reasons from VAPI's endedReason enum that the substring rules alone would misread.
    status_case{"vonage-rejected", "no_answer"},
    status_case{"call.ringing.sip-inbound-caller-hungup-before-call-connect", "no_answer"},
    status_case{"twilio-reported-customer-misdialed", "failed"},
    status_case{"assistant-not-found", "failed"},
    status_case{"assistant-not-valid", "failed"},
    status_case{"assistant-request-returned-invalid-assistant", "failed"},
    status_case{"assistant-request-returned-no-assistant", "failed"},
    status_case{"assistant-join-timed-out", "failed"},
    status_case{"customer-did-not-give-microphone-permission", "failed"},
    status_case{"phone-call-provider-bypass-enabled-but-no-call-received", "failed"},
    status_case{"worker-shutdown", "failed"},
    // ... and some that stay where the substring rules put them.
    status_case{"pipeline-error-cartesia-socket-hang-up", "failed"},  // TTS socket, not a caller
    status_case{"call.in-progress.error-assistant-did-not-receive-customer-audio", "failed"},
    status_case{"call.in-progress.error-providerfault-outbound-sip-480-temporarily-unavailable",
                "failed"},
    status_case{"call.in-progress.error-warm-transfer-max-duration", "failed"},
    status_case{"customer-ended-call-during-transfer", "completed"},
    status_case{"assistant-request-returned-forwarding-phone-number", "completed"},
    status_case{"call.forwarding.operator-busy", "completed"},
    status_case{"call.forwarding.no-answer", "completed"},
    status_case{"manually-canceled", "completed"},
    status_case{"vonage-completed", "completed"},
    status_case{"call.in-progress.twilio-completed-call", "completed"},
    status_case{"assistant-said-end-call-phrase", "completed"},
    // Exact matches only: a longer reason is judged by the substring rules.
    status_case{"vonage-rejected-later", "completed"},
    status_case{"worker-shutdown-error", "failed"}));

// --- precedence: message, then its analysis or artifact, then the call ----------------------

// The CallResult of a report whose call is {"id":"x"<call_fields>} and whose message also has
// `message_fields` (JSON members, or "").
ordered_json result_with(const std::string& message_fields, const std::string& call_fields = "") {
  return call_result_of(parse_report(
    R"({"message":{"type":"end-of-call-report","call":{"id":"x")" +
    (call_fields.empty() ? "" : "," + call_fields) + "}" +
    (message_fields.empty() ? "" : "," + message_fields) + "}}"));
}

TEST(call_result, ended_reason_message_beats_call) {
  auto r =
    result_with(R"("endedReason":"customer-busy")", R"("endedReason":"customer-ended-call")");
  EXPECT_EQ(r["endedReason"], "customer-busy");
  EXPECT_EQ(r["status"], "no_answer");  // the status follows the reason that won
  r = result_with("", R"("endedReason":"voicemail")");
  EXPECT_EQ(r["endedReason"], "voicemail");
  EXPECT_EQ(r["status"], "voicemail");
  r = result_with(R"("endedReason":"")", R"("endedReason":"twilio-failed-to-connect-call")");
  EXPECT_EQ(r["endedReason"], "twilio-failed-to-connect-call");  // "" hides nothing
  EXPECT_EQ(r["status"], "failed");
  r = result_with(R"("endedReason":null)", R"("endedReason":"customer-ended-call")");
  EXPECT_EQ(r["endedReason"], "customer-ended-call");
}

TEST(call_result, timestamps_message_beats_call) {
  auto r = result_with(R"("startedAt":"2025-07-12T10:00:00Z","endedAt":"2025-07-12T10:03:00Z")",
                       R"("startedAt":"2025-07-12T09:00:00Z","endedAt":"2025-07-12T09:30:00Z")");
  EXPECT_EQ(r["startedAt"], "2025-07-12T10:00:00Z");
  EXPECT_EQ(r["endedAt"], "2025-07-12T10:03:00Z");
  EXPECT_DOUBLE_EQ(r["duration"].get<double>(), 3.0);
  // Each is chosen on its own: the call's start with the message's end.
  r = result_with(R"("endedAt":"2025-07-12T09:10:00Z")", R"("startedAt":"2025-07-12T09:00:00Z")");
  EXPECT_EQ(r["startedAt"], "2025-07-12T09:00:00Z");
  EXPECT_EQ(r["endedAt"], "2025-07-12T09:10:00Z");
  EXPECT_DOUBLE_EQ(r["duration"].get<double>(), 10.0);
  r = result_with(R"("startedAt":"")", R"("startedAt":"2025-07-12T09:00:00Z")");
  EXPECT_EQ(r["startedAt"], "2025-07-12T09:00:00Z");
}

TEST(call_result, transcript_message_then_artifact_then_call) {
  const std::string call = R"("transcript":"call")";
  EXPECT_EQ(result_with(R"("transcript":"message","artifact":{"transcript":"artifact"})", call)
              ["transcript"], "message");
  EXPECT_EQ(result_with(R"("artifact":{"transcript":"artifact"})", call)["transcript"],
            "artifact");
  EXPECT_EQ(result_with(R"("artifact":{})", call)["transcript"], "call");
  EXPECT_EQ(result_with("", call)["transcript"], "call");
  // An empty string at a higher level does not hide a real transcript lower down...
  EXPECT_EQ(result_with(R"("transcript":"","artifact":{"transcript":"artifact"})", call)
              ["transcript"], "artifact");
  EXPECT_EQ(result_with(R"("transcript":"","artifact":{"transcript":""})", call)["transcript"],
            "call");
  // ... but when every level is empty, the result says so ("") rather than "unknown" (null).
  EXPECT_EQ(result_with(R"("transcript":"")", R"("transcript":"")")["transcript"], "");
  EXPECT_EQ(result_with(R"("artifact":{"transcript":""})")["transcript"], "");
  EXPECT_TRUE(result_with(R"("artifact":{"messages":[]})")["transcript"].is_null());
}

TEST(call_result, recording_url_message_then_artifact_then_recording_then_call) {
  const std::string call = R"("recordingUrl":"https://r/call.wav")";
  const std::string mono = R"("recording":{"mono":{"combinedUrl":"https://r/mono.wav"}})";
  auto url = [&](const std::string& message_fields) {
    return result_with(message_fields, call)["recordingUrl"];
  };
  EXPECT_EQ(url(R"("recordingUrl":"https://r/msg.wav","artifact":{"recordingUrl":)"
                R"("https://r/art.wav",)" + mono + "}"),
            "https://r/msg.wav");
  EXPECT_EQ(url(R"("artifact":{"recordingUrl":"https://r/art.wav",)" + mono + "}"),
            "https://r/art.wav");
  EXPECT_EQ(url(R"("artifact":{)" + mono + "}"), "https://r/mono.wav");
  EXPECT_EQ(url(R"("artifact":{"recording":{"mono":{}}})"), "https://r/call.wav");
  EXPECT_EQ(url(""), "https://r/call.wav");
  EXPECT_EQ(url(R"("recordingUrl":"","artifact":{"recordingUrl":"",)" + mono + "}"),
            "https://r/mono.wav");
  // Stereo, per-channel and presigned recordings are other files, never the recordingUrl.
  auto r = result_with(
    R"("stereoRecordingUrl":"https://r/s.wav","artifact":{"stereoRecordingUrl":"https://r/s.wav",)"
    R"("presignedMonoUrl":"https://r/p.wav","recording":{"stereoUrl":"https://r/s.wav",)"
    R"("mono":{"assistantUrl":"https://r/a.wav","customerUrl":"https://r/c.wav"}}})");
  EXPECT_TRUE(r["recordingUrl"].is_null());
}

TEST(call_result, summary_analysis_then_message_then_call_analysis_then_call) {
  auto summary = [](const std::string& message_fields, const std::string& call_fields) {
    return result_with(message_fields, call_fields)["analysis"]["summary"];
  };
  const std::string call = R"("analysis":{"summary":"call analysis"},"summary":"call")";
  EXPECT_EQ(summary(R"("analysis":{"summary":"analysis"},"summary":"message")", call),
            "analysis");
  EXPECT_EQ(summary(R"("analysis":{},"summary":"message")", call), "message");
  EXPECT_EQ(summary(R"("analysis":{"summary":""},"summary":"message")", call), "message");
  EXPECT_EQ(summary(R"("analysis":{"summary":""},"summary":"")", call), "call analysis");
  EXPECT_EQ(summary("", R"("analysis":{"summary":""},"summary":"call")"), "call");
  EXPECT_EQ(summary("", R"("summary":"call")"), "call");
  EXPECT_EQ(summary(R"("analysis":{"summary":""})", ""), "");
  EXPECT_TRUE(summary(R"("analysis":{})", "").is_null());
}

TEST(call_result, structured_data_and_evaluation_message_analysis_beats_call_analysis) {
  auto r = result_with(R"("analysis":{"structuredData":{"from":"message"},"successEvaluation":8})",
                       R"("analysis":{"structuredData":{"from":"call"},"successEvaluation":"2"})");
  EXPECT_EQ(json(r["analysis"]["structuredData"]), json::parse(R"({"from":"message"})"));
  EXPECT_EQ(r["analysis"]["successEvaluation"], 8);
  r = result_with(R"("analysis":{})",
                  R"("analysis":{"structuredData":{"from":"call"},"successEvaluation":"2"})");
  EXPECT_EQ(json(r["analysis"]["structuredData"]), json::parse(R"({"from":"call"})"));
  EXPECT_EQ(r["analysis"]["successEvaluation"], "2");
  // An empty object or string hides nothing; false is an answer and wins.
  r = result_with(R"("analysis":{"structuredData":{},"successEvaluation":""})",
                  R"("analysis":{"structuredData":{"from":"call"},"successEvaluation":"2"})");
  EXPECT_EQ(json(r["analysis"]["structuredData"]), json::parse(R"({"from":"call"})"));
  EXPECT_EQ(r["analysis"]["successEvaluation"], "2");
  r = result_with(R"("analysis":{"successEvaluation":false})",
                  R"("analysis":{"successEvaluation":"true"})");
  EXPECT_EQ(r["analysis"]["successEvaluation"], false);
  r = result_with(R"("analysis":{"structuredData":{},"successEvaluation":""})");
  EXPECT_TRUE(r["analysis"]["structuredData"].is_object());
  EXPECT_TRUE(r["analysis"]["structuredData"].empty());
  EXPECT_EQ(r["analysis"]["successEvaluation"], "");
}

TEST(call_result, cost_message_beats_call_and_zero_is_a_cost) {
  EXPECT_EQ(result_with(R"("cost":0.19)", R"("cost":0.5)")["cost"].dump(), "0.19");
  EXPECT_EQ(result_with(R"("cost":0)", R"("cost":0.5)")["cost"].dump(), "0");
  EXPECT_EQ(result_with(R"("cost":null)", R"("cost":0.5)")["cost"].dump(), "0.5");
  EXPECT_EQ(result_with("", R"("cost":0.5)")["cost"].dump(), "0.5");
}

// --- duration sources --------------------------------------------------------------------------

const std::string ten_minutes_of_timestamps =
  R"("startedAt":"2025-07-12T10:00:00Z","endedAt":"2025-07-12T10:10:00Z")";

ordered_json duration_with(const std::string& measures) {
  return result_with(measures + (measures.empty() ? "" : ",") + ten_minutes_of_timestamps)
    ["duration"];
}

TEST(call_result, duration_ms_beats_seconds_beats_minutes_beats_timestamps) {
  EXPECT_EQ(duration_with(R"("durationMs":60000,"durationSeconds":120,"durationMinutes":3)"),
            1.0);
  EXPECT_EQ(duration_with(R"("durationSeconds":120,"durationMinutes":3)"), 2.0);
  EXPECT_EQ(duration_with(R"("durationMinutes":3)"), 3.0);
  EXPECT_EQ(duration_with(""), 10.0);
}

TEST(call_result, duration_measures_are_minutes_to_four_decimals) {
  EXPECT_EQ(duration_with(R"("durationMs":377480)").dump(), "6.2913");
  EXPECT_EQ(duration_with(R"("durationMs":7734)").dump(), "0.1289");
  EXPECT_EQ(duration_with(R"("durationSeconds":377.48)").dump(), "6.2913");
  EXPECT_EQ(duration_with(R"("durationSeconds":20)").dump(), "0.3333");
  EXPECT_EQ(duration_with(R"("durationMinutes":0.12894)").dump(), "0.1289");
  EXPECT_EQ(duration_with(R"("durationMinutes":2.25)").dump(), "2.25");
  EXPECT_EQ(duration_with(R"("durationMs":0)").dump(), "0.0");  // a call that never connected
  EXPECT_EQ(duration_with(R"("durationMs":-0.0)").dump(), "0.0");
  EXPECT_EQ(duration_with(R"("durationMs":1)").dump(), "0.0");
}

TEST(call_result, impossible_duration_measures_are_skipped) {
  EXPECT_EQ(duration_with(R"("durationMs":-1,"durationSeconds":120)"), 2.0);
  EXPECT_EQ(duration_with(R"("durationMs":-5000)"), 10.0);
  EXPECT_EQ(duration_with(R"("durationMinutes":1e308)"), 10.0);  // overflows to infinity
  EXPECT_EQ(duration_with(R"("durationMs":null,"durationSeconds":null,"durationMinutes":1)"),
            1.0);
  EXPECT_TRUE(result_with(R"("durationMs":-1)")["duration"].is_null());
}

TEST(call_result, duration_measures_on_the_call_are_not_read) {
  // VAPI puts them on the message only; the call snapshot has the timestamps at most.
  EXPECT_TRUE(result_with("", R"("durationMs":60000,"durationSeconds":60)")["duration"]
                .is_null());
}

// --- metadata sources ----------------------------------------------------------------------------

ordered_json metadata_of(const std::string& message_fields, const std::string& call_fields) {
  return result_with(message_fields, call_fields)["metadata"];
}

TEST(call_result, metadata_call_then_overrides_then_assistant) {
  const std::string on_call = R"("metadata":{"providerName":"call"})";
  const std::string on_overrides =
    R"("assistantOverrides":{"metadata":{"providerName":"overrides"}})";
  const std::string on_assistant = R"("assistant":{"metadata":{"providerName":"assistant"}})";
  auto name = [](const ordered_json& meta) { return meta["providerName"]; };
  EXPECT_EQ(name(metadata_of(on_assistant, on_call + "," + on_overrides)), "call");
  EXPECT_EQ(name(metadata_of(on_assistant, on_overrides)), "overrides");
  EXPECT_EQ(name(metadata_of(on_assistant, "")), "assistant");
  EXPECT_EQ(name(metadata_of("", on_overrides)), "overrides");
  EXPECT_TRUE(metadata_of("", "").is_null());
  EXPECT_TRUE(metadata_of(R"("assistant":{"name":"a"})", R"("assistantOverrides":{})").is_null());
}

TEST(call_result, the_first_metadata_with_keys_wins_whole) {
  // No merging: keys of a lower level never fill gaps in the winner.
  auto r = result_with(R"("assistant":{"metadata":{"providerName":"A","urgency":"low"}})",
                       R"("assistantOverrides":{"metadata":{"providerPhone":"+1"}})");
  EXPECT_EQ(json(r["metadata"]), json::parse(R"({"providerPhone":"+1"})"));
  EXPECT_TRUE(r["provider"]["name"].is_null());
  EXPECT_EQ(r["provider"]["phone"], "+1");
  EXPECT_TRUE(r["request"]["urgency"].is_null());
  // An empty object hides nothing...
  r = result_with(R"("assistant":{"metadata":{"providerName":"A"}})",
                  R"("metadata":{},"assistantOverrides":{"metadata":{}})");
  EXPECT_EQ(r["provider"]["name"], "A");
  // ... and when all are empty the result is {} (sent, but empty), not null.
  r = result_with(R"("assistant":{"metadata":{}})", R"("metadata":{})");
  EXPECT_TRUE(r["metadata"].is_object());
  EXPECT_TRUE(r["metadata"].empty());
}

// --- every payload file ------------------------------------------------------------------------

vapi::webhook parse_payload(const std::string& name) { return parse_report(read_payload(name)); }

// Asserts every CallResult key, one at a time, against `want` (in contract order). Values
// compare as JSON values, so pass-through objects may come back in any key order.
void expect_result(const ordered_json& got, const ordered_json& want) {
  ASSERT_EQ(keys_of(got), keys_of(want));
  for (const auto& item : want.items()) {
    SCOPED_TRACE(item.key());
    EXPECT_EQ(json(got[item.key()]), json(item.value()));
  }
  for (const char* nested : {"analysis", "provider", "request"})
    EXPECT_EQ(keys_of(got[nested]), keys_of(want[nested])) << nested;
}

TEST(call_result, real_report_field_by_field) {
  auto got = call_result_of(parse_payload("real_report.json"));
  expect_result(got, ordered_json::parse(R"({
    "status": "completed",
    "callId": "5f0d3c1e-8b4a-4f5e-9c2d-7a1b3e6f9d20",
    "callMethod": "direct_vapi",
    "duration": 6.2913,
    "endedReason": "customer-ended-call",
    "transcript": "AI: Hi, this is Riley calling on behalf of a homeowner in Greenville. Do you )"
    R"(have a minute?\nUser: Sure, what do you need?\nAI: They have a leaking water heater and )"
    R"(hope to get someone out today. Could you do same-day service?\nUser: Today, yeah, we )"
    R"(could get a tech there after two. Where are they located?\nAI: Greenville, near Augusta )"
    R"(Road. What would the rate be?\nUser: Hundred an hour, plus parts. There's a seventy-five )"
    R"(dollar trip fee too.\nAI: Thank you, that's everything I needed. Someone will call you )"
    R"(back to confirm. Have a good day.\nUser: You too, bye.",
    "analysis": {
      "summary": "Joe's Plumbing can send a technician today after 2 PM for the leaking water )"
      R"(heater in Greenville. Rate is $100/hour plus parts, with a $75 trip fee.",
      "structuredData": {"availability": "available", "estimated_rate": "$100/hour",
                         "recommended": true, "trip_fee": 75, "earliest_slot": "14:00"},
      "successEvaluation": "true"
    },
    "provider": {"name": "Joe's Plumbing", "phone": "+18645550142", "service": "plumbing",
                 "location": "Greenville, SC"},
    "request": {"criteria": "Need same-day service for a leaking water heater", "urgency": "high"},
    "cost": 0.1873,
    "startedAt": "2025-07-12T10:58:12.412Z",
    "endedAt": "2025-07-12T11:04:29.892Z",
    "recordingUrl": )"
      R"("https://storage.vapi.ai/5f0d3c1e-8b4a-4f5e-9c2d-7a1b3e6f9d20-1752318270455-mono.wav",
    "metadata": {"providerName": "Joe's Plumbing", "providerPhone": "+18645550142",
                 "serviceNeeded": "plumbing", "location": "Greenville, SC",
                 "userCriteria": "Need same-day service for a leaking water heater",
                 "urgency": "high", "kestraExecutionId": "4hT9xQ2mVb7LkP1sNw3Rz"}
  })"));
}

TEST(call_result, real_report_reads_the_message_not_the_queued_call_snapshot) {
  auto report = parse_payload("real_report.json");
  const auto& call = report.message()["call"];
  EXPECT_EQ(call["status"], "queued");
  EXPECT_FALSE(call.contains("endedReason"));
  EXPECT_FALSE(call.contains("startedAt"));
  EXPECT_EQ(call_result_of(report)["status"], "completed");
}

TEST(call_result, no_answer_report_field_by_field) {
  auto got = call_result_of(parse_payload("no_answer_report.json"));
  expect_result(got, ordered_json::parse(R"({
    "status": "no_answer",
    "callId": "e2a4c6b8-0d1f-4e3a-8b5c-9d7e6f5a4b3c",
    "callMethod": "direct_vapi",
    "duration": null,
    "endedReason": "customer-did-not-answer",
    "transcript": null,
    "analysis": {"summary": null, "structuredData": null, "successEvaluation": null},
    "provider": {"name": "Upstate Rooter", "phone": "+18645550177", "service": "plumbing",
                 "location": "Greenville, SC"},
    "request": {"criteria": "Need same-day service for a leaking water heater", "urgency": null},
    "cost": 0,
    "startedAt": null,
    "endedAt": "2025-07-12T11:51:01.540Z",
    "recordingUrl": null,
    "metadata": {"providerName": "Upstate Rooter", "providerPhone": "+18645550177",
                 "serviceNeeded": "plumbing", "location": "Greenville, SC",
                 "userCriteria": "Need same-day service for a leaking water heater"}
  })"));
  EXPECT_EQ(got["cost"].dump(), "0");
}

TEST(call_result, long_call_report_field_by_field) {
  auto body = read_payload("long_call_report.json");
  EXPECT_GT(body.size(), 48u * 1024u);
  auto report = parse_report(body);
  // The transcript is too long to repeat here: check its shape, then that it is the artifact's.
  const auto& artifact = report.message()["artifact"];
  EXPECT_GE(artifact["messages"].size(), 41u);  // a system message and 44 turns
  const auto& transcript = artifact["transcript"].get_ref<const std::string&>();
  EXPECT_EQ(std::count(transcript.begin(), transcript.end(), '\n'), 43);
  EXPECT_EQ(transcript.rfind("AI: Turn 1: thanks for bearing with me.", 0), 0u);
  EXPECT_NE(transcript.find("\nUser: Turn 44: on "), std::string::npos);
  EXPECT_GT(transcript.size(), 15000u);

  auto want = ordered_json::parse(R"({
    "status": "completed",
    "callId": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
    "callMethod": "direct_vapi",
    "duration": 30.7267,
    "endedReason": "assistant-ended-call",
    "transcript": "<set below>",
    "analysis": {
      "summary": "Palmetto Water Heaters can do a same-day swap for a 50-gallon gas unit; )"
      R"(electric or tankless units are quoted on site.",
      "structuredData": {"availability": "available", "estimated_rate": "$95/hour",
                         "recommended": true,
                         "notes": ["same-day swap if 50 gal gas", "quote on site otherwise"]},
      "successEvaluation": "9"
    },
    "provider": {"name": "Palmetto Water Heaters", "phone": "+18645550199",
                 "service": "plumbing", "location": "Greenville, SC"},
    "request": {"criteria": "Need same-day service for a leaking water heater", "urgency": "high"},
    "cost": 0.9121,
    "startedAt": "2025-07-12T14:00:03.250Z",
    "endedAt": "2025-07-12T14:30:46.850Z",
    "recordingUrl": )"
      R"("https://storage.vapi.ai/9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d-1752318270455-mono.wav",
    "metadata": {"providerName": "Palmetto Water Heaters", "providerPhone": "+18645550199",
                 "serviceNeeded": "plumbing", "location": "Greenville, SC",
                 "userCriteria": "Need same-day service for a leaking water heater",
                 "urgency": "high", "kestraExecutionId": "4hT9xQ2mVb7LkP1sNw3Rz"}
  })");
  want["transcript"] = transcript;
  expect_result(call_result_of(report), want);
}

// The unicode payload's texts, spelled with escapes where a character is invisible.
const std::string unicode_transcript =
  "AI: Hello \U0001F44B, is this مؤسسة النور للسباكة?\n"
  "User: Yes \u2014 שלום! \U0001F469\u200D\U0001F527 "
  "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466 \U0001F1FA\U0001F1F8 "
  "\U0001F44D\U0001F3FD\n"
  "AI: Line\u2028separator, paragraph\u2029end; raw: [\u2028] [\u2029]\n"
  "User: Zoe\u0308 cafe\u0301 Z\u0351a\u0353l\u0354g\u0355o नमस्ते 中文 \U0001F600 \U0010FFFF "
  "\uFEFF\"quoted\" tab\tback\\slash";

TEST(call_result, unicode_report_field_by_field) {
  auto got = call_result_of(parse_payload("unicode_report.json"));
  auto want = ordered_json::parse(R"({
    "status": "completed",
    "callId": "d1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6",
    "callMethod": "direct_vapi",
    "duration": 3.0,
    "endedReason": "customer-ended-call",
    "transcript": "<set below>",
    "analysis": {
      "summary": "Café crème — שלום مرحبا 😀",
      "structuredData": {"名前": "東京配管サービス", "technician": "👩‍🔧",
                         "rtl": "\u200fשלום 123\u200f", "escapedSlash": "a/b"},
      "successEvaluation": "✅"
    },
    "provider": {"name": "مؤسسة النور للسباكة", "phone": "+97225550123", "service": "אינסטלציה",
                 "location": "ירושלים \u2066(Jerusalem)\u2069"},
    "request": {"criteria": "Need someone today 🙏🏻‍♂️", "urgency": "🔥"},
    "cost": 0.0481,
    "startedAt": "2025-07-12T20:00:00.000Z",
    "endedAt": "2025-07-12T20:03:00.000Z",
    "recordingUrl": null,
    "metadata": {"providerName": "مؤسسة النور للسباكة", "providerPhone": "+97225550123",
                 "serviceNeeded": "אינסטלציה", "location": "ירושלים \u2066(Jerusalem)\u2069",
                 "userCriteria": "Need someone today 🙏🏻‍♂️", "urgency": "🔥"}
  })");
  want["transcript"] = unicode_transcript;
  expect_result(got, want);
  EXPECT_EQ(got["request"]["criteria"].get<std::string>(),
            "Need someone today \U0001F64F\U0001F3FB\u200D\u2642\uFE0F");
}

TEST(call_result, unicode_report_renders_as_raw_utf8) {
  auto body = vapi::render_get_body(call_result_of(parse_payload("unicode_report.json")));
  // Only what JSON requires is escaped; U+2028, emoji and RTL text go out as UTF-8 bytes.
  std::string want = unicode_transcript;
  for (auto [from, to] : {std::pair<std::string, std::string>{"\\", "\\\\"}, {"\"", "\\\""},
                          {"\n", "\\n"}, {"\t", "\\t"}}) {
    for (size_t at = want.find(from); at != std::string::npos; at = want.find(from, at + 2))
      want.replace(at, 1, to);
  }
  EXPECT_NE(body.find("\"transcript\":\"" + want + "\""), std::string::npos);
  EXPECT_EQ(body.find("\\u"), std::string::npos);
  EXPECT_EQ(ordered_json::parse(body)["data"]["transcript"].get<std::string>(),
            unicode_transcript);
}

TEST(call_result, metadata_on_assistant_report_field_by_field) {
  auto got = call_result_of(parse_payload("metadata_on_assistant_report.json"));
  expect_result(got, ordered_json::parse(R"({
    "status": "completed",
    "callId": "c0ffee00-1234-4abc-9def-0123456789ab",
    "callMethod": "direct_vapi",
    "duration": 1.5,
    "endedReason": "silence-timed-out",
    "transcript": "AI: Hello, is this Carolina Drain Pros?",
    "analysis": {"summary": "The line stayed silent after the greeting.", "structuredData": null,
                 "successEvaluation": "false"},
    "provider": {"name": "Carolina Drain Pros", "phone": "18645550123",
                 "service": "drain cleaning", "location": "Spartanburg, SC"},
    "request": {"criteria": null, "urgency": null},
    "cost": 0.021,
    "startedAt": "2025-07-12T17:05:00Z",
    "endedAt": "2025-07-12T17:06:30Z",
    "recordingUrl": null,
    "metadata": {"providerName": "Carolina Drain Pros", "providerPhone": 18645550123,
                 "serviceNeeded": "drain cleaning", "location": "Spartanburg, SC"}
  })"));
}

TEST(call_result, timestamp_epoch_report_field_by_field) {
  auto report = parse_payload("timestamp_epoch_report.json");
  EXPECT_TRUE(report.message()["timestamp"].is_number_integer());
  expect_result(call_result_of(report), ordered_json::parse(R"({
    "status": "completed",
    "callId": "1b2c3d4e-5f60-4718-9a2b-3c4d5e6f7081",
    "callMethod": "direct_vapi",
    "duration": 2.25,
    "endedReason": "assistant-said-end-call-phrase",
    "transcript": "AI: Could Monday work?\nUser: Monday at nine is fine.",
    "analysis": {"summary": "Booked for Monday morning.", "structuredData": null,
                 "successEvaluation": null},
    "provider": {"name": null, "phone": null, "service": null, "location": null},
    "request": {"criteria": null, "urgency": null},
    "cost": 0.0555,
    "startedAt": "2025-07-12T18:00:00.000Z",
    "endedAt": "2025-07-12T18:02:15.000Z",
    "recordingUrl": null,
    "metadata": null
  })"));
}

TEST(call_result, timestamp_iso_report_field_by_field) {
  auto report = parse_payload("timestamp_iso_report.json");
  EXPECT_TRUE(report.message()["timestamp"].is_string());
  expect_result(call_result_of(report), ordered_json::parse(R"({
    "status": "completed",
    "callId": "6e5d4c3b-2a19-4807-b6a5-948372615040",
    "callMethod": "direct_vapi",
    "duration": 2.6583,
    "endedReason": "customer-ended-call",
    "transcript": "AI: Are you taking new customers?\nUser: Not until December.",
    "analysis": {"summary": "Not taking new customers until December.",
                 "structuredData": {"availability": "unavailable"}, "successEvaluation": null},
    "provider": {"name": "Blue Ridge Heating", "phone": null, "service": "hvac", "location": null},
    "request": {"criteria": null, "urgency": null},
    "cost": 0.0712,
    "startedAt": "2024-11-08T16:19:02.114Z",
    "endedAt": "2024-11-08T16:21:41.614Z",
    "recordingUrl": "https://auth.vapi.ai/storage/v1/object/public/recordings/6e5d4c3b-mono.wav",
    "metadata": {"providerName": "Blue Ridge Heating", "serviceNeeded": "hvac"}
  })"));
}

// The members of the ServerMessage union in VAPI's OpenAPI spec, by their message.type.
const std::vector<std::string> spec_message_types = {
  "assistant-request", "conversation-update", "end-of-call-report",
  "handoff-destination-request", "hang", "knowledge-base-request", "model-output",
  "phone-call-control", "speech-update", "status-update", "tool-calls",
  "transfer-destination-request", "transfer-update", "transcript", "user-interrupted",
  "language-change-detected", "voice-input", "assistant.speechStarted", "voice-request",
  "call.endpointing.request", "chat.created", "chat.deleted", "session.created",
  "session.updated", "session.deleted", "call.deleted", "call.delete.failed",
  "call.artifact.upload", "campaign.predial"};

const std::vector<std::string> spec_call_statuses = {
  "scheduled", "queued", "ringing", "in-progress", "forwarding", "ended", "not-found",
  "deletion-failed"};

// The names of the payload files, in order.
std::vector<std::string> payload_names() {
  std::vector<std::string> out;
  for (const auto& path : test_support::payload_files())
    out.push_back(path.filename().string());
  return out;
}

TEST(call_result, every_payload_file_is_covered) {
  // A new report file needs its own field-by-field test above; type files are swept below.
  const std::vector<std::string> reports = {
    "long_call_report.json", "metadata_on_assistant_report.json", "no_answer_report.json",
    "real_report.json", "seed_curl.json", "seed_report.json", "timestamp_epoch_report.json",
    "timestamp_iso_report.json", "unicode_report.json"};
  std::vector<std::string> others;
  for (const auto& name : payload_names())
    if (name.rfind("type_", 0) != 0)
      others.push_back(name);
  EXPECT_EQ(others, reports);
  for (const auto& name : reports) {
    SCOPED_TRACE(name);
    auto report = parse_payload(name);
    EXPECT_TRUE(report.is_report());
    EXPECT_TRUE(vapi::is_valid_call_id(report.call_id));
  }
}

// "type_status-update_ended.json" -> {"status-update", "ended"}; "type_hang.json" -> {"hang", ""}
std::pair<std::string, std::string> type_of_file(const std::string& name) {
  auto type = name.substr(5, name.size() - 5 - 5);
  const std::string update = "status-update_";
  if (type.rfind(update, 0) == 0)
    return {"status-update", type.substr(update.size())};
  return {type, ""};
}

TEST(call_result, every_type_file_parses_as_valid) {
  std::set<std::string> types_seen, statuses_seen;
  for (const auto& name : payload_names()) {
    if (name.rfind("type_", 0) != 0)
      continue;
    SCOPED_TRACE(name);
    auto [type, status] = type_of_file(name);
    auto r = vapi::parse_webhook(read_payload(name));
    ASSERT_TRUE(r.ok.has_value()) << r.errors.at(0).path << ": " << r.errors.at(0).message;
    EXPECT_EQ(r.ok->type, type);
    EXPECT_FALSE(r.ok->is_report());
    const auto& message = r.ok->message();
    bool has_call = message.contains("call");
    EXPECT_EQ(r.ok->call_id, has_call ? message["call"]["id"].get<std::string>() : "");
    types_seen.insert(type);
    if (!status.empty())
      statuses_seen.insert(status);
  }
  for (const auto& type : spec_message_types) {
    if (type == "end-of-call-report")  // the *_report.json files
      continue;
    EXPECT_EQ(types_seen.count(type), 1u) << "no type_" << type << ".json";
  }
  EXPECT_EQ(statuses_seen, std::set<std::string>(spec_call_statuses.begin(),
                                                 spec_call_statuses.end()));
}

TEST(call_result, call_status_of_every_status_update_file) {
  for (const auto& name : payload_names()) {
    if (name.rfind("type_", 0) != 0)
      continue;
    SCOPED_TRACE(name);
    auto [type, status] = type_of_file(name);
    auto hook = *vapi::parse_webhook(read_payload(name)).ok;
    auto got = vapi::call_status_of(hook);
    if (type != "status-update") {
      EXPECT_FALSE(got.has_value());
      continue;
    }
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->status, status);
    EXPECT_EQ(got->ended_reason, status == "ended" ? "customer-ended-call" : "");
    EXPECT_EQ(hook.call_id, "5f0d3c1e-8b4a-4f5e-9c2d-7a1b3e6f9d20");
  }
}

TEST(call_result, type_files_that_expect_a_response_body) {
  std::set<std::string> expecting;
  for (const auto& name : payload_names())
    if (name.rfind("type_", 0) == 0 && vapi::expects_response_body(type_of_file(name).first))
      expecting.insert(type_of_file(name).first);
  EXPECT_EQ(expecting, (std::set<std::string>{
                         "assistant-request", "call.endpointing.request", "campaign.predial",
                         "handoff-destination-request", "knowledge-base-request", "tool-calls",
                         "transfer-destination-request", "voice-request"}));
}

// --- the GET body -------------------------------------------------------------------------------

TEST(call_result, get_body_wraps_the_result) {
  auto result = call_result_of(parse_report(read_payload("seed_curl.json")));
  auto body = vapi::render_get_body(result);
  const std::string prefix = R"({"success":true,"data":)";
  ASSERT_GT(body.size(), prefix.size() + 1);
  EXPECT_EQ(body.substr(0, prefix.size()), prefix);
  EXPECT_EQ(body.back(), '}');
  EXPECT_EQ(body.substr(prefix.size(), body.size() - prefix.size() - 1), result.dump());
  auto parsed = ordered_json::parse(body);
  EXPECT_EQ(keys_of(parsed), (std::vector<std::string>{"success", "data"}));
  EXPECT_EQ(parsed["success"], true);
  EXPECT_EQ(parsed["data"], result);
}

TEST(call_result, get_body_of_minimal_report) {
  EXPECT_EQ(vapi::render_get_body(result_of("")),
            R"({"success":true,"data":)" + minimal_result_dump + "}");
}

TEST(call_result, non_ascii_text_round_trips_byte_for_byte) {
  const std::vector<std::string> texts = {
    "\xf0\x9f\x98\x80\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd",  // emoji, with a skin tone modifier
    "Caf\xc3\xa9 cr\xc3\xa8me br\xc3\xbbl\xc3\xa9" "e, \xc3\x85ngstr\xc3\xb6m, Stra\xc3\x9f" "e",
    "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7",  // RTL
    "line\xe2\x80\xa8separator\xe2\x80\xa9paragraph",  // U+2028, U+2029
    "\xe4\xb8\xad\xe6\x96\x87 \xe2\x82\xac \xef\xbf\xbd \xf4\x8f\xbf\xbf",  // CJK, euro, max
    "quote \" backslash \\ tab \t newline \n nul-free control \x01",
  };
  for (const auto& text : texts) {
    SCOPED_TRACE(text);
    auto s = json(text).dump();  // the text as a JSON string literal
    auto body = std::string(R"({"message":{"type":"end-of-call-report","call":{"id":"x")") +
                R"(,"transcript":)" + s + R"(,"summary":)" + s + R"(,"endedReason":)" + s +
                R"(,"metadata":{"providerName":)" + s + R"(,"location":)" + s + "}}}}";
    auto report = parse_report(body);
    auto get_body = vapi::render_get_body(call_result_of(report));
    auto data = ordered_json::parse(get_body)["data"];
    EXPECT_EQ(data["transcript"].get<std::string>(), text);
    EXPECT_EQ(data["analysis"]["summary"].get<std::string>(), text);
    EXPECT_EQ(data["endedReason"].get<std::string>(), text);
    EXPECT_EQ(data["provider"]["name"].get<std::string>(), text);
    EXPECT_EQ(data["provider"]["location"].get<std::string>(), text);
    EXPECT_EQ(data["metadata"]["providerName"].get<std::string>(), text);
    if (text.find_first_of("\"\\\t\n\x01") == std::string::npos) {
      // Written as raw UTF-8, not \u escapes.
      EXPECT_NE(get_body.find("\"transcript\":\"" + text + "\""), std::string::npos);
    }
  }
}

TEST(call_result, escaped_non_ascii_input_renders_as_utf8) {
  auto report = parse_report(
    R"({"message":{"type":"end-of-call-report","call":{"id":"x",)"
    R"("transcript":"\u00e9\ud83d\ude00\u2028\u05e9"}}})");
  auto get_body = vapi::render_get_body(call_result_of(report));
  const std::string want = "\xc3\xa9\xf0\x9f\x98\x80\xe2\x80\xa8\xd7\xa9";
  EXPECT_NE(get_body.find("\"transcript\":\"" + want + "\""), std::string::npos) << get_body;
  EXPECT_EQ(ordered_json::parse(get_body)["data"]["transcript"].get<std::string>(), want);
}

}  // namespace
