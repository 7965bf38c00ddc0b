// Tests the CallResult of every report file in tests/payloads/, field by field.
#include "vapi/call_result.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/call_results.hpp"
#include "tests/support/payloads.hpp"
#include "vapi/webhook.hpp"

namespace {

using namespace test_support::call_results;
// --- every payload file ------------------------------------------------------------------------


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

}  // namespace
