// Tests where the CallResult's fields come from (vapi/call_result_fields): the message first,
// then its analysis or artifact, then the call snapshot; duration measures before timestamps;
// the metadata's three homes.
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

#include "tests/support/call_results.hpp"
#include "tests/support/payloads.hpp"
#include "vapi/webhook.hpp"

namespace {

using namespace test_support::call_results;
using vapi::status_for;

// --- precedence: message, then its analysis or artifact, then the call ----------------------


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


}  // namespace

// --- metadata_text: one key, looked up place by place (the execution id of a Kestra flow) ---

TEST(call_result, metadata_text_is_found_per_key_in_the_metadata_order) {
  auto report = [](const std::string& call_fields, const std::string& message_fields = "") {
    return parse_report(R"({"message":{"type":"end-of-call-report",)" + message_fields +
                        R"("call":{"id":"c1")" + call_fields + "}}}");
  };
  // Set through assistantOverrides while the call's own metadata has other keys.
  auto r = report(R"(,"metadata":{"providerName":"Ada"},)"
                  R"("assistantOverrides":{"metadata":{"kestraExecutionId":"abc"}})");
  EXPECT_EQ(vapi::metadata_text(r, "kestraExecutionId"), "abc");
  // The call's own metadata first.
  r = report(R"(,"metadata":{"kestraExecutionId":"first"},)"
             R"("assistantOverrides":{"metadata":{"kestraExecutionId":"second"}})");
  EXPECT_EQ(vapi::metadata_text(r, "kestraExecutionId"), "first");
  // The assistant's last; an empty string or a number is no id.
  r = report(R"(,"metadata":{"kestraExecutionId":""})",
             R"("assistant":{"metadata":{"kestraExecutionId":"third"}},)");
  EXPECT_EQ(vapi::metadata_text(r, "kestraExecutionId"), "third");
  r = report(R"(,"metadata":{"kestraExecutionId":42})");
  EXPECT_EQ(vapi::metadata_text(r, "kestraExecutionId"), std::nullopt);
  EXPECT_EQ(vapi::metadata_text(report(""), "kestraExecutionId"), std::nullopt);
}
