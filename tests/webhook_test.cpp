// Tests vapi/webhook.cpp: parsing and validating a VAPI webhook body, each problem named by the
// dotted path of the field at fault.
#include "vapi/webhook.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using vapi::field_error;
using vapi::parse_webhook;
using vapi::parsed_webhook;

std::string read_payload(const std::string& name) {
  std::ifstream in(std::string(VAPI_CACHE_PAYLOADS) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "cannot open payload " << name;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// An end-of-call report whose call has id "c1" and then `fields` (JSON members, or "").
std::string report_with(const std::string& fields) {
  return R"({"message":{"type":"end-of-call-report","call":{"id":"c1")" +
         (fields.empty() ? "" : "," + fields) + "}}}";
}

std::vector<std::string> paths(const parsed_webhook& r) {
  std::vector<std::string> out;
  for (const auto& e : r.errors)
    out.push_back(e.path);
  return out;
}

// Asserts exactly one error, at `path`, with `message`.
void expect_error(const std::string& body, const std::string& path, const std::string& message) {
  SCOPED_TRACE(body.substr(0, 200));
  auto r = parse_webhook(body);
  EXPECT_FALSE(r.ok.has_value());
  ASSERT_EQ(r.errors.size(), 1u) << testing::PrintToString(paths(r));
  EXPECT_EQ(r.errors[0].path, path);
  EXPECT_EQ(r.errors[0].message, message);
}

void expect_accepted(const std::string& body, const std::string& call_id) {
  SCOPED_TRACE(body.substr(0, 200));
  auto r = parse_webhook(body);
  ASSERT_TRUE(r.ok.has_value()) << (r.errors.empty() ? "" : r.errors[0].path + ": " +
                                                                 r.errors[0].message);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.ok->call_id, call_id);
}

// `levels` containers nested inside each other, the innermost empty: "[[[]]]" is 3 levels.
std::string nested_arrays(int levels) {
  return std::string(levels, '[') + std::string(levels, ']');
}

std::string nested_objects(int levels) {
  std::string out;
  for (int i = 0; i < levels - 1; ++i)
    out += R"({"a":)";
  out += "{}";
  out += std::string(levels - 1, '}');
  return out;
}

// --- the body itself ---------------------------------------------------------------------------

TEST(webhook, not_json_is_refused_at_the_root_naming_the_byte) {
  expect_error(R"({"message": x})", "", "Malformed JSON at byte 13");
}

TEST(webhook, other_malformed_bodies) {
  for (std::string body : {"", "{", "not json", R"({"a":1,})", R"({"message":{"type":"x"})",
                           "{'message':{}}", R"({"message":{}} trailing)"}) {
    SCOPED_TRACE(body);
    auto r = parse_webhook(body);
    EXPECT_FALSE(r.ok.has_value());
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].path, "");
    EXPECT_EQ(r.errors[0].message.rfind("Malformed JSON at byte ", 0), 0u) << r.errors[0].message;
  }
}

TEST(webhook, body_must_be_an_object) {
  expect_error("[]", "", "Expected object, received array");
  expect_error(R"([{"message":{"type":"end-of-call-report"}}])", "",
               "Expected object, received array");
  expect_error(R"("end-of-call-report")", "", "Expected object, received string");
  expect_error("42", "", "Expected object, received number");
  expect_error("-1.5e3", "", "Expected object, received number");
  expect_error("null", "", "Expected object, received null");
  expect_error("true", "", "Expected object, received boolean");
}

TEST(webhook, invalid_utf8_is_refused) {
  const std::string bad[] = {
    "\xff",                  // never valid
    "\xc3",                  // truncated two-byte sequence
    "\xc0\xaf",              // overlong encoding of '/'
    "\xed\xa0\x80",          // a UTF-16 surrogate
    "\xf4\x90\x80\x80",      // past U+10FFFF
    "ok\x80",                // a lone continuation byte
  };
  for (const auto& bytes : bad) {
    auto body = report_with(R"("transcript":")" + bytes + "\"");
    auto r = parse_webhook(body);
    EXPECT_FALSE(r.ok.has_value());
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].path, "");
    EXPECT_EQ(r.errors[0].message.rfind("Malformed JSON", 0), 0u) << r.errors[0].message;
  }
}

TEST(webhook, valid_non_ascii_utf8_is_accepted) {
  auto r = parse_webhook(report_with(R"("transcript":"caf\u00e9 ☎ 😀 שלום \u2028 end")"));
  ASSERT_TRUE(r.ok.has_value());
  EXPECT_EQ(r.ok->message()["call"]["transcript"].get<std::string>(),
            "caf\xc3\xa9 \xe2\x98\x8e \xf0\x9f\x98\x80 \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d "
            "\xe2\x80\xa8 end");
}

// --- message and type -------------------------------------------------------------------------

TEST(webhook, message_is_required) {
  expect_error("{}", "message", "Required");
  expect_error(R"({"type":"end-of-call-report","call":{"id":"c1"}})", "message", "Required");
}

TEST(webhook, message_must_be_an_object) {
  expect_error(R"({"message":"hi"})", "message", "Expected object, received string");
  expect_error(R"({"message":[]})", "message", "Expected object, received array");
  expect_error(R"({"message":null})", "message", "Expected object, received null");
  expect_error(R"({"message":7})", "message", "Expected object, received number");
  expect_error(R"({"message":false})", "message", "Expected object, received boolean");
}

TEST(webhook, type_is_required) {
  expect_error(R"({"message":{}})", "message.type", "Required");
  expect_error(R"({"message":{"call":{"id":"c1"}}})", "message.type", "Required");
}

TEST(webhook, type_must_be_a_string) {
  expect_error(R"({"message":{"type":1}})", "message.type", "Expected string, received number");
  expect_error(R"({"message":{"type":null}})", "message.type", "Expected string, received null");
  expect_error(R"({"message":{"type":{}}})", "message.type", "Expected string, received object");
  expect_error(R"({"message":{"type":["end-of-call-report"]}})", "message.type",
               "Expected string, received array");
  expect_error(R"({"message":{"type":true}})", "message.type",
               "Expected string, received boolean");
}

// --- the call of an end-of-call report ---------------------------------------------------------

TEST(webhook, report_needs_a_call) {
  // Reported once, at the call: its id is not reported missing as well.
  expect_error(R"({"message":{"type":"end-of-call-report"}})", "message.call", "Required");
}

TEST(webhook, report_call_must_be_an_object) {
  const std::string head = R"({"message":{"type":"end-of-call-report","call":)";
  expect_error(head + "null}}", "message.call", "Expected object, received null");
  expect_error(head + R"([{"id":"c1"}]}})", "message.call", "Expected object, received array");
  expect_error(head + R"("c1"}})", "message.call", "Expected object, received string");
  expect_error(head + "12}}", "message.call", "Expected object, received number");
}

TEST(webhook, report_call_needs_an_id) {
  expect_error(R"({"message":{"type":"end-of-call-report","call":{}}})", "message.call.id",
               "Required");
  expect_error(R"({"message":{"type":"end-of-call-report","call":{"status":"ended"}}})",
               "message.call.id", "Required");
}

TEST(webhook, report_call_id_must_be_a_nonempty_string) {
  const std::string head = R"({"message":{"type":"end-of-call-report","call":{"id":)";
  expect_error(head + "123}}}", "message.call.id", "Expected string, received number");
  expect_error(head + R"(""}}})", "message.call.id", "Expected a non-empty string");
  expect_error(head + "null}}}", "message.call.id", "Expected string, received null");
  expect_error(head + "{}}}}", "message.call.id", "Expected string, received object");
  expect_error(head + "true}}}", "message.call.id", "Expected string, received boolean");
}

struct wrong_type_case {
  std::string member;   // JSON member added to the call
  std::string path;     // the path expected in the error
  std::string message;  // the message expected
};

// Readable test names in ctest, instead of the struct's raw bytes.
[[maybe_unused]] void PrintTo(const wrong_type_case& c, std::ostream* os) { *os << c.path << " " << c.member; }

class webhook_wrong_type : public testing::TestWithParam<wrong_type_case> {};

TEST_P(webhook_wrong_type, names_the_exact_dotted_path) {
  const auto& c = GetParam();
  expect_error(report_with(c.member), c.path, c.message);
}

INSTANTIATE_TEST_SUITE_P(
  webhook, webhook_wrong_type,
  testing::Values(
    wrong_type_case{R"("cost":"0.45")", "message.call.cost", "Expected number, received string"},
    wrong_type_case{R"("cost":true)", "message.call.cost", "Expected number, received boolean"},
    wrong_type_case{R"("cost":{})", "message.call.cost", "Expected number, received object"},
    wrong_type_case{R"("transcript":42)", "message.call.transcript",
                    "Expected string, received number"},
    wrong_type_case{R"("transcript":["AI: hi"])", "message.call.transcript",
                    "Expected string, received array"},
    wrong_type_case{R"("summary":{})", "message.call.summary", "Expected string, received object"},
    wrong_type_case{R"("endedReason":1)", "message.call.endedReason",
                    "Expected string, received number"},
    wrong_type_case{R"("status":false)", "message.call.status",
                    "Expected string, received boolean"},
    wrong_type_case{R"("startedAt":1736935200000)", "message.call.startedAt",
                    "Expected string, received number"},
    wrong_type_case{R"("endedAt":[])", "message.call.endedAt", "Expected string, received array"},
    wrong_type_case{R"("recordingUrl":{"url":"x"})", "message.call.recordingUrl",
                    "Expected string, received object"},
    wrong_type_case{R"("analysis":[])", "message.call.analysis", "Expected object, received array"},
    wrong_type_case{R"("analysis":"good")", "message.call.analysis",
                    "Expected object, received string"},
    wrong_type_case{R"("analysis":{"summary":5})", "message.call.analysis.summary",
                    "Expected string, received number"},
    wrong_type_case{R"("analysis":{"structuredData":[1,2]})",
                    "message.call.analysis.structuredData", "Expected object, received array"},
    wrong_type_case{R"("analysis":{"structuredData":"x"})",
                    "message.call.analysis.structuredData", "Expected object, received string"},
    wrong_type_case{R"("analysis":{"successEvaluation":{"score":8}})",
                    "message.call.analysis.successEvaluation",
                    "Expected string, number or boolean, received object"},
    wrong_type_case{R"("analysis":{"successEvaluation":[true]})",
                    "message.call.analysis.successEvaluation",
                    "Expected string, number or boolean, received array"},
    wrong_type_case{R"("metadata":[])", "message.call.metadata", "Expected object, received array"},
    wrong_type_case{R"("metadata":"providerName=Joe")", "message.call.metadata",
                    "Expected object, received string"}));

TEST(webhook, several_bad_fields_are_reported_together) {
  auto r = parse_webhook(report_with(
    R"("cost":"1","transcript":5,"startedAt":0,"analysis":{"summary":[],"structuredData":1},)"
    R"("metadata":[])"));
  EXPECT_FALSE(r.ok.has_value());
  std::vector<std::string> want = {"message.call.transcript", "message.call.startedAt",
                                   "message.call.cost", "message.call.analysis.summary",
                                   "message.call.analysis.structuredData",
                                   "message.call.metadata"};
  EXPECT_EQ(paths(r), want);
}

TEST(webhook, bad_id_and_bad_fields_are_reported_together) {
  auto r = parse_webhook(
    R"({"message":{"type":"end-of-call-report","call":{"id":7,"cost":"x","status":1}}})");
  std::vector<std::string> want = {"message.call.id", "message.call.status",
                                   "message.call.cost"};
  EXPECT_EQ(paths(r), want);
}

TEST(webhook, a_bad_parent_hides_its_children) {
  // analysis is wrong once; its members are not checked, so the mistake is reported once.
  auto r = parse_webhook(report_with(R"("analysis":["summary",5],"cost":"x")"));
  std::vector<std::string> want = {"message.call.cost", "message.call.analysis"};
  EXPECT_EQ(paths(r), want);
}

TEST(webhook, null_optional_fields_are_accepted) {
  expect_accepted(
    report_with(R"("status":null,"endedReason":null,"transcript":null,"summary":null,)"
                R"("recordingUrl":null,"startedAt":null,"endedAt":null,"cost":null,)"
                R"("analysis":null,"metadata":null)"),
    "c1");
  expect_accepted(
    report_with(R"("analysis":{"summary":null,"structuredData":null,"successEvaluation":null})"),
    "c1");
}

TEST(webhook, optional_fields_may_be_absent) {
  expect_accepted(report_with(""), "c1");
  expect_accepted(report_with(R"("analysis":{})"), "c1");
  expect_accepted(report_with(R"("metadata":{})"), "c1");
}

TEST(webhook, well_typed_fields_are_accepted) {
  expect_accepted(
    report_with(R"("status":"ended","endedReason":"customer-ended-call","transcript":"",)"
                R"("summary":"s","recordingUrl":"https://x/r.wav","startedAt":"not a date",)"
                R"("endedAt":"","cost":0,"metadata":{"a":[1,{"b":null}]},)"
                R"("analysis":{"summary":"s","structuredData":{"k":[1,2]}})"),
    "c1");
}

TEST(webhook, success_evaluation_may_be_any_scalar) {
  for (std::string v : {R"("true")", R"("8")", "8", "8.5", "true", "false", R"("")"}) {
    SCOPED_TRACE(v);
    expect_accepted(report_with(R"("analysis":{"successEvaluation":)" + v + "}"), "c1");
  }
}

TEST(webhook, cost_may_be_any_number) {
  for (std::string v : {"0", "1", "-0.5", "0.45", "1e-3", "123456789012345678901234567890"}) {
    SCOPED_TRACE(v);
    expect_accepted(report_with(R"("cost":)" + v), "c1");
  }
}

TEST(webhook, unknown_fields_are_accepted) {
  auto body = R"({"version":2,"message":{"type":"end-of-call-report","timestamp":1736935530000,)"
              R"("artifact":{"messages":[]},"call":{"id":"c1","orgId":"o","newField":[1,{}],)"
              R"("analysis":{"extra":{"deep":true}},"customer":{"number":"+1"}}},"x":null})";
  expect_accepted(body, "c1");
}

TEST(webhook, report_keeps_the_whole_document) {
  auto r = parse_webhook(report_with(R"("cost":0.25,"vendorField":"kept")"));
  ASSERT_TRUE(r.ok.has_value());
  EXPECT_TRUE(r.ok->is_report());
  EXPECT_EQ(r.ok->type, "end-of-call-report");
  EXPECT_EQ(r.ok->call_id, "c1");
  EXPECT_EQ(r.ok->message()["call"]["vendorField"], "kept");
  EXPECT_EQ(r.ok->body["message"]["call"]["cost"], 0.25);
}

TEST(webhook, call_id_is_taken_verbatim) {
  expect_accepted(R"({"message":{"type":"end-of-call-report","call":{"id":" a b "}}})", " a b ");
  expect_accepted(R"({"message":{"type":"end-of-call-report","call":{"id":"\u00e9\ud83d\ude00"}}})",
                  "\xc3\xa9\xf0\x9f\x98\x80");
}

// --- other message types -----------------------------------------------------------------------

TEST(webhook, other_types_need_no_call) {
  for (std::string type : {"status-update", "transcript", "hang", "tool-calls", "function-call",
                           "speech-update", "conversation-update", "assistant-request",
                           "End-Of-Call-Report", ""}) {
    SCOPED_TRACE(type);
    auto r = parse_webhook(R"({"message":{"type":")" + type + R"("}})");
    ASSERT_TRUE(r.ok.has_value());
    EXPECT_TRUE(r.errors.empty());
    EXPECT_EQ(r.ok->type, type);
    EXPECT_FALSE(r.ok->is_report());
    EXPECT_EQ(r.ok->call_id, "");
  }
}

TEST(webhook, other_types_do_not_have_their_call_checked) {
  auto r = parse_webhook(
    R"({"message":{"type":"status-update","status":"in-progress","call":{"id":5,"cost":"x"}}})");
  ASSERT_TRUE(r.ok.has_value());
  EXPECT_EQ(r.ok->type, "status-update");
  EXPECT_EQ(r.ok->call_id, "");
  r = parse_webhook(R"({"message":{"type":"tool-calls","call":"not an object"}})");
  EXPECT_TRUE(r.ok.has_value());
}

// --- nesting depth ------------------------------------------------------------------------------

TEST(webhook, nesting_of_exactly_max_depth_is_accepted) {
  // The body object is level 1, message level 2, then arrays down to level max_json_depth.
  auto body = R"({"message":{"type":"status-update","deep":)" +
              nested_arrays(vapi::max_json_depth - 2) + "}}";
  auto r = parse_webhook(body);
  EXPECT_TRUE(r.ok.has_value()) << (r.errors.empty() ? "" : r.errors[0].message);
  EXPECT_EQ(parse_webhook(nested_arrays(vapi::max_json_depth)).errors.at(0).message,
            "Expected object, received array");
  EXPECT_EQ(parse_webhook(nested_objects(vapi::max_json_depth)).errors.at(0).path, "message");
}

TEST(webhook, nesting_deeper_than_max_depth_is_refused) {
  const std::string too_deep = "JSON nested deeper than " +
                               std::to_string(vapi::max_json_depth) + " levels";
  auto body = R"({"message":{"type":"status-update","deep":)" +
              nested_arrays(vapi::max_json_depth - 1) + "}}";
  expect_error(body, "", too_deep);
  expect_error(nested_arrays(vapi::max_json_depth + 1), "", too_deep);
  expect_error(nested_objects(vapi::max_json_depth + 1), "", too_deep);
  expect_error(nested_arrays(vapi::max_json_depth + 2), "", too_deep);
  expect_error(report_with(R"("metadata":)" + nested_objects(vapi::max_json_depth)), "",
               too_deep);
}

TEST(webhook, very_deep_nesting_does_not_crash) {
  const std::string too_deep = "JSON nested deeper than " +
                               std::to_string(vapi::max_json_depth) + " levels";
  expect_error(nested_arrays(100000), "", too_deep);
  expect_error(nested_objects(100000), "", too_deep);
  expect_error(std::string(100000, '['), "", too_deep);  // never closed
  expect_error(report_with(R"("metadata":)" + nested_objects(100000)), "", too_deep);
}

// --- the seed payloads --------------------------------------------------------------------------

TEST(webhook, seed_report_is_accepted) {
  auto r = parse_webhook(read_payload("seed_report.json"));
  ASSERT_TRUE(r.ok.has_value());
  EXPECT_TRUE(r.errors.empty());
  EXPECT_TRUE(r.ok->is_report());
  EXPECT_EQ(r.ok->call_id, "call_abc123");
  EXPECT_EQ(r.ok->message()["call"]["metadata"]["providerName"], "Joe's Plumbing");
}

TEST(webhook, seed_curl_is_accepted) {
  auto r = parse_webhook(read_payload("seed_curl.json"));
  ASSERT_TRUE(r.ok.has_value());
  EXPECT_TRUE(r.errors.empty());
  EXPECT_TRUE(r.ok->is_report());
  EXPECT_EQ(r.ok->call_id, "test_call_123");
}

}  // namespace
