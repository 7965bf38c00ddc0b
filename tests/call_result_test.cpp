// Tests vapi/call_result.cpp and call_result_text.cpp: the CallResult built from an
// end-of-call report (keys, order, nulls, duration) and the GET body rendered from it. The
// status mapping: call_result_status_test; where each field is looked for:
// call_result_sources_test; every payload file: call_result_payloads_test.
#include "vapi/call_result.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/call_results.hpp"

namespace {

using namespace test_support::call_results;
using vapi::status_for;
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

