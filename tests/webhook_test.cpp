// Tests vapi/webhook.cpp: parsing and validating a VAPI webhook body, each problem named by the
// dotted path of the field at fault.
#include "vapi/webhook.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/payloads.hpp"

namespace {

using vapi::field_error;
using vapi::parse_webhook;
using vapi::parsed_webhook;

using test_support::read_payload;

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

TEST(webhook, not_json_is_refused_at_the_root_naming_the_byte_and_why) {
  expect_error(R"({"message": x})", "", "Malformed JSON at byte 13: syntax error");
  expect_error(R"({"message": {"type": "hang")", "",
               "Malformed JSON at byte 28: unexpected end of input");
  expect_error(R"({"message": "unterminated)", "",
               "Malformed JSON at byte 26: unterminated string");
  expect_error("{\"message\": \"a\tb\"}", "",
               "Malformed JSON at byte 15: unescaped control character in a string");
}

TEST(webhook, the_reason_never_quotes_the_input) {
  // nlohmann's own message ends with "last read: '<the input>'"; a body quoting our reasons back
  // at us must still get the plain syntax error.
  auto r = parse_webhook(R"({"x": "invalid UTF-8 surrogate control character number overflow)");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].message.substr(r.errors[0].message.find(':')), ": unterminated string");
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
    EXPECT_EQ(r.errors[0].message.rfind("Malformed JSON at byte ", 0), 0u) << r.errors[0].message;
    EXPECT_NE(r.errors[0].message.find(": invalid UTF-8"), std::string::npos)
      << r.errors[0].message;
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
[[maybe_unused]] void PrintTo(const wrong_type_case& c, std::ostream* os) {
  *os << c.path << " " << c.member;
}

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
  expect_accepted(R"({"message":{"type":"end-of-call-report","call":{"id":"Ab.9_:-z"}}})",
                  "Ab.9_:-z");
  expect_accepted(R"({"message":{"type":"end-of-call-report","call":{"id":"\u0041\u002e"}}})",
                  "A.");
}

// --- call ids ------------------------------------------------------------------------------------

const std::string id_charset_error =
  "Expected only letters, digits, '.', '_', ':' or '-'; byte ";

std::string report_with_id(const std::string& id_json) {
  return R"({"message":{"type":"end-of-call-report","call":{"id":)" + id_json + "}}}";
}

TEST(webhook, call_id_length_boundaries) {
  EXPECT_TRUE(vapi::is_valid_call_id("a"));
  EXPECT_TRUE(vapi::is_valid_call_id(std::string(128, 'a')));
  EXPECT_FALSE(vapi::is_valid_call_id(std::string(129, 'a')));
  EXPECT_FALSE(vapi::is_valid_call_id(""));
  expect_accepted(report_with_id(R"("a")"), "a");
  expect_accepted(report_with_id('"' + std::string(128, '7') + '"'), std::string(128, '7'));
  expect_error(report_with_id('"' + std::string(129, '7') + '"'), "message.call.id",
               "Expected at most 128 characters, received 129");
  expect_error(report_with_id('"' + std::string(100000, 'x') + '"'), "message.call.id",
               "Expected at most 128 characters, received 100000");
  expect_error(report_with_id(R"("")"), "message.call.id", "Expected a non-empty string");
}

TEST(webhook, call_id_allows_letters_digits_and_four_punctuation_marks) {
  for (std::string id : {"abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789",
                         ".", "_", ":", "-", "a.b", "a_b", "a:b", "a-b", "...", "-leading",
                         "trailing-", "5f0d3c1e-8b4a-4f5e-9c2d-7a1b3e6f9d20",
                         "call_abc123", "urn:vapi:call:1", "v1.2_3:4-5"}) {
    SCOPED_TRACE(id);
    EXPECT_TRUE(vapi::is_valid_call_id(id));
    expect_accepted(report_with_id('"' + id + '"'), id);
  }
}

TEST(webhook, call_id_refuses_anything_else_naming_the_byte) {
  struct bad {
    std::string id_json;  // as written in the body
    int byte;             // 1-based, in the decoded id
  };
  const bad cases[] = {
    {R"(" a")", 1},          {R"("a b")", 2},           {R"("a/b")", 2},
    {R"("../etc")", 3},      {R"("a%2Fb")", 2},         {R"("a?b")", 2},
    {R"("a#b")", 2},         {R"("a+b")", 2},           {R"("a\\b")", 2},
    {R"("a\"b")", 2},        {R"("a'b")", 2},           {R"("a<b>")", 2},
    {R"("a\nb")", 2},        {R"("a\tb")", 2},          {R"("a\u0000b")", 2},
    {R"("a\u007fb")", 2},    {R"("caf\u00e9")", 4},     {R"("\ud83d\ude00")", 1},
    {R"("ab\u200bc")", 3},   {R"("a,b")", 2},           {R"("a;b")", 2},
    {R"("a@b")", 2},         {R"("a*")", 2},            {R"("a~b")", 2},
  };
  for (const auto& c : cases) {
    expect_error(report_with_id(c.id_json), "message.call.id",
                 id_charset_error + std::to_string(c.byte) + " is not one of them");
  }
}

TEST(webhook, a_status_update_checks_its_call_id_as_a_report_does) {
  const std::string head = R"({"message":{"type":"status-update","status":"ringing","call":)";
  expect_error(head + R"({"id":"a b"}}})", "message.call.id",
               id_charset_error + "2 is not one of them");
  expect_error(head + R"({"id":""}}})", "message.call.id", "Expected a non-empty string");
  expect_error(head + R"({"id":7}}})", "message.call.id", "Expected string, received number");
}

TEST(webhook, other_types_with_a_bad_call_id_are_accepted_without_one) {
  for (std::string call : {R"({"id":"a b"})", R"({"id":""})", R"({"id":5})", R"({"id":null})",
                           R"({})", R"("c1")", "[]", "null"}) {
    SCOPED_TRACE(call);
    auto r = parse_webhook(R"({"message":{"type":"hang","call":)" + call + "}}");
    ASSERT_TRUE(r.ok.has_value());
    EXPECT_EQ(r.ok->call_id, "");
  }
}

TEST(webhook, other_types_get_their_valid_call_id) {
  for (std::string type : {"hang", "transcript", "tool-calls", "assistant-request", "x"}) {
    SCOPED_TRACE(type);
    auto r = parse_webhook(R"({"message":{"type":")" + type + R"(","call":{"id":"c-9"}}})");
    ASSERT_TRUE(r.ok.has_value());
    EXPECT_EQ(r.ok->call_id, "c-9");
  }
}

// --- status-update ------------------------------------------------------------------------------

std::string status_update_with(const std::string& fields) {
  return R"({"message":{"type":"status-update","call":{"id":"c1"})" +
         (fields.empty() ? "" : "," + fields) + "}}";
}

TEST(webhook, status_update_needs_a_call_with_an_id) {
  expect_error(R"({"message":{"type":"status-update","status":"ended"}})", "message.call",
               "Required");
  expect_error(R"({"message":{"type":"status-update","call":null}})", "message.call",
               "Expected object, received null");
  expect_error(R"({"message":{"type":"status-update","call":"c1"}})", "message.call",
               "Expected object, received string");
  expect_error(R"({"message":{"type":"status-update","call":{}}})", "message.call.id",
               "Required");
}

TEST(webhook, status_update_status_and_ended_reason_are_strings) {
  expect_error(status_update_with(R"("status":1)"), "message.status",
               "Expected string, received number");
  expect_error(status_update_with(R"("status":{"value":"ended"})"), "message.status",
               "Expected string, received object");
  expect_error(status_update_with(R"("endedReason":["customer-ended-call"])"),
               "message.endedReason", "Expected string, received array");
  auto r = parse_webhook(status_update_with(R"("status":false,"endedReason":7)"));
  EXPECT_EQ(paths(r), (std::vector<std::string>{"message.status", "message.endedReason"}));
}

TEST(webhook, status_update_other_fields_are_not_checked) {
  // Only the call, its id, status and endedReason are read; the rest is VAPI's business.
  expect_accepted(status_update_with(R"("status":"ended","call":{"id":"c1","cost":"x"},)"
                                     R"("artifact":[],"transcript":5,"summary":{})"),
                  "c1");
  expect_accepted(status_update_with(R"("status":null,"endedReason":null)"), "c1");
  expect_accepted(status_update_with(""), "c1");
}

TEST(webhook, call_status_of_a_status_update) {
  auto r = parse_webhook(status_update_with(R"("status":"ended","endedReason":"customer-busy")"));
  ASSERT_TRUE(r.ok.has_value());
  EXPECT_TRUE(r.ok->is_status_update());
  auto s = vapi::call_status_of(*r.ok);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->status, "ended");
  EXPECT_EQ(s->ended_reason, "customer-busy");

  r = parse_webhook(status_update_with(R"("status":"some-future-status")"));
  s = vapi::call_status_of(*r.ok);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->status, "some-future-status");
  EXPECT_EQ(s->ended_reason, "");
}

TEST(webhook, call_status_of_needs_a_status) {
  for (std::string fields : {"", R"("status":null)", R"("status":"")",
                             R"("status":null,"endedReason":"customer-busy")"}) {
    SCOPED_TRACE(fields);
    auto r = parse_webhook(status_update_with(fields));
    ASSERT_TRUE(r.ok.has_value());
    EXPECT_FALSE(vapi::call_status_of(*r.ok).has_value());
  }
}

TEST(webhook, call_status_of_other_types_is_empty) {
  for (std::string type : {"end-of-call-report", "hang", "Status-Update", "status-update "}) {
    SCOPED_TRACE(type);
    auto r = parse_webhook(R"({"message":{"type":")" + type +
                           R"(","status":"ended","call":{"id":"c1"}}})");
    ASSERT_TRUE(r.ok.has_value());
    EXPECT_FALSE(vapi::call_status_of(*r.ok).has_value());
  }
}

// --- which types expect a reply ------------------------------------------------------------------

TEST(webhook, types_that_expect_a_response_body) {
  for (std::string type : {"assistant-request", "tool-calls", "transfer-destination-request",
                           "knowledge-base-request", "handoff-destination-request",
                           "call.endpointing.request", "voice-request", "campaign.predial"}) {
    SCOPED_TRACE(type);
    EXPECT_TRUE(vapi::expects_response_body(type));
  }
  for (std::string type : {"end-of-call-report", "status-update", "transcript", "hang",
                           "speech-update", "conversation-update", "model-output",
                           "user-interrupted", "voice-input", "phone-call-control",
                           "transfer-update", "language-change-detected",
                           "assistant.speechStarted", "chat.created", "session.created",
                           "call.deleted", "call.artifact.upload", "function-call",
                           "assistant.started", "Tool-Calls", "tool-calls ", ""}) {
    SCOPED_TRACE(type);
    EXPECT_FALSE(vapi::expects_response_body(type));
  }
}

// --- other message types -----------------------------------------------------------------------

TEST(webhook, other_types_need_no_call) {
  for (std::string type : {"transcript", "hang", "tool-calls", "function-call",
                           "speech-update", "conversation-update", "assistant-request",
                           "transcript[transcriptType=\\\"final\\\"]", "chat.created",
                           "campaign.predial", "End-Of-Call-Report", "Status-Update", ""}) {
    SCOPED_TRACE(type);
    auto r = parse_webhook(R"({"message":{"type":")" + type + R"("}})");
    ASSERT_TRUE(r.ok.has_value());
    EXPECT_TRUE(r.errors.empty());
    EXPECT_FALSE(r.ok->is_report());
    EXPECT_FALSE(r.ok->is_status_update());
    EXPECT_EQ(r.ok->call_id, "");
  }
}

TEST(webhook, other_types_do_not_have_their_fields_checked) {
  auto r = parse_webhook(
    R"({"message":{"type":"tool-calls","status":5,"call":{"id":"c1","cost":"x"},"analysis":[]}})");
  ASSERT_TRUE(r.ok.has_value());
  EXPECT_EQ(r.ok->type, "tool-calls");
  EXPECT_EQ(r.ok->call_id, "c1");
  r = parse_webhook(R"({"message":{"type":"tool-calls","call":"not an object"}})");
  EXPECT_TRUE(r.ok.has_value());
}

// --- the message-level fields of a report --------------------------------------------------------

// A report with a valid call and then `fields` as members of the message itself.
std::string message_with(const std::string& fields) {
  return R"({"message":{"type":"end-of-call-report","call":{"id":"c1"},)" + fields + "}}";
}

class webhook_message_wrong_type : public testing::TestWithParam<wrong_type_case> {};

TEST_P(webhook_message_wrong_type, names_the_exact_dotted_path) {
  const auto& c = GetParam();
  expect_error(message_with(c.member), c.path, c.message);
}

INSTANTIATE_TEST_SUITE_P(
  webhook, webhook_message_wrong_type,
  testing::Values(
    wrong_type_case{R"("endedReason":1)", "message.endedReason",
                    "Expected string, received number"},
    wrong_type_case{R"("startedAt":1736935200000)", "message.startedAt",
                    "Expected string, received number"},
    wrong_type_case{R"("endedAt":{})", "message.endedAt", "Expected string, received object"},
    wrong_type_case{R"("summary":[])", "message.summary", "Expected string, received array"},
    wrong_type_case{R"("transcript":true)", "message.transcript",
                    "Expected string, received boolean"},
    wrong_type_case{R"("recordingUrl":{"mono":"x"})", "message.recordingUrl",
                    "Expected string, received object"},
    wrong_type_case{R"("cost":"0.1873")", "message.cost", "Expected number, received string"},
    wrong_type_case{R"("durationMs":"377480")", "message.durationMs",
                    "Expected number, received string"},
    wrong_type_case{R"("durationSeconds":[377.48])", "message.durationSeconds",
                    "Expected number, received array"},
    wrong_type_case{R"("durationMinutes":true)", "message.durationMinutes",
                    "Expected number, received boolean"},
    wrong_type_case{R"("analysis":"good")", "message.analysis", "Expected object, received string"},
    wrong_type_case{R"("analysis":{"summary":5})", "message.analysis.summary",
                    "Expected string, received number"},
    wrong_type_case{R"("analysis":{"structuredData":[]})", "message.analysis.structuredData",
                    "Expected object, received array"},
    wrong_type_case{R"("analysis":{"successEvaluation":{"pass":true}})",
                    "message.analysis.successEvaluation",
                    "Expected string, number or boolean, received object"},
    wrong_type_case{R"("artifact":[])", "message.artifact", "Expected object, received array"},
    wrong_type_case{R"("artifact":{"transcript":["AI: hi"]})", "message.artifact.transcript",
                    "Expected string, received array"},
    wrong_type_case{R"("artifact":{"recordingUrl":1})", "message.artifact.recordingUrl",
                    "Expected string, received number"},
    wrong_type_case{R"("artifact":{"recording":"https://r/x.wav"})", "message.artifact.recording",
                    "Expected object, received string"},
    wrong_type_case{R"("artifact":{"recording":{"mono":"https://r/x.wav"}})",
                    "message.artifact.recording.mono", "Expected object, received string"},
    wrong_type_case{R"("artifact":{"recording":{"mono":{"combinedUrl":false}}})",
                    "message.artifact.recording.mono.combinedUrl",
                    "Expected string, received boolean"},
    wrong_type_case{R"("assistant":"b3e9f1a2")", "message.assistant",
                    "Expected object, received string"},
    wrong_type_case{R"("assistant":{"metadata":[]})", "message.assistant.metadata",
                    "Expected object, received array"},
    wrong_type_case{R"("call":{"id":"c1","assistantOverrides":[]})",
                    "message.call.assistantOverrides", "Expected object, received array"},
    wrong_type_case{R"("call":{"id":"c1","assistantOverrides":{"metadata":"x"}})",
                    "message.call.assistantOverrides.metadata",
                    "Expected object, received string"}));

TEST(webhook, message_level_fields_null_or_absent_are_accepted) {
  expect_accepted(message_with(
    R"("endedReason":null,"startedAt":null,"endedAt":null,"summary":null,"transcript":null,)"
    R"("recordingUrl":null,"cost":null,"durationMs":null,"durationSeconds":null,)"
    R"("durationMinutes":null,"analysis":null,"artifact":null,"assistant":null)"), "c1");
  expect_accepted(message_with(
    R"("analysis":{"summary":null,"structuredData":null,"successEvaluation":null},)"
    R"("artifact":{"transcript":null,"recordingUrl":null,"recording":null},"assistant":{})"),
    "c1");
  expect_accepted(message_with(R"("artifact":{"recording":{"mono":null}},"analysis":{})"), "c1");
}

TEST(webhook, artifact_members_the_transform_does_not_read_are_not_checked) {
  expect_accepted(message_with(
    R"("artifact":{"messages":"x","stereoRecordingUrl":5,"recording":{"stereoUrl":[],)"
    R"("mono":{"assistantUrl":{}}}},"stereoRecordingUrl":7,"messages":{},"costs":"x")"),
    "c1");
}

TEST(webhook, message_level_errors_follow_the_call_errors) {
  auto r = parse_webhook(
    R"({"message":{"type":"end-of-call-report","cost":"x","call":{"id":"a b","cost":"y"},)"
    R"("artifact":{"recording":{"mono":{"combinedUrl":1}}}}})");
  EXPECT_EQ(paths(r), (std::vector<std::string>{"message.call.id", "message.call.cost",
                                                "message.cost",
                                                "message.artifact.recording.mono.combinedUrl"}));
}

// --- timestamps ---------------------------------------------------------------------------------

TEST(webhook, message_timestamp_in_any_form_is_accepted) {
  // Epoch milliseconds today, an ISO string before 2025; the service does not read it.
  for (std::string ts : {"1752318334123", "1752318334123.5", R"("2024-11-08T16:21:44.906Z")",
                         R"("")", "null", "0", "-1", R"({"seconds":1})", "[]", "true"}) {
    SCOPED_TRACE(ts);
    expect_accepted(message_with(R"("timestamp":)" + ts), "c1");
    auto r = parse_webhook(R"({"message":{"type":"status-update","status":"queued",)"
                           R"("timestamp":)" + ts + R"(,"call":{"id":"c1"}}})");
    EXPECT_TRUE(r.ok.has_value());
  }
}

// --- numbers ------------------------------------------------------------------------------------

TEST(webhook, numbers_too_large_for_a_double_are_refused_as_malformed) {
  // 1e999 is valid JSON, but no double holds it: nlohmann stops parsing there. No VAPI (or any
  // JavaScript) sender can produce it, so it is refused wherever it is, naming the byte.
  auto check = [](const std::string& body, const std::string& number) {
    SCOPED_TRACE(body);
    auto last_byte = body.find(number) + number.size();  // 1-based: where the parser stopped
    expect_error(body, "", "Malformed JSON at byte " + std::to_string(last_byte) +
                             ": number out of range");
  };
  check(message_with(R"("cost":1e999)"), "1e999");
  check(message_with(R"("cost":-1e999)"), "-1e999");
  check(message_with(R"("unread":1E+400)"), "1E+400");
  check(R"({"message":{"type":"hang","x":[1,2,1e309]}})", "1e309");
}

TEST(webhook, large_and_tiny_numbers_that_fit_are_accepted) {
  for (std::string v : {"1e308", "-1.7976931348623157e308", "1e-999", "4.9e-324", "-0",
                        "18446744073709551616", "-9223372036854775809"}) {
    SCOPED_TRACE(v);
    expect_accepted(message_with(R"("cost":)" + v + R"(,"durationMs":)" + v), "c1");
  }
}

// --- duplicate keys ------------------------------------------------------------------------------

TEST(webhook, duplicate_keys_keep_the_last_value) {
  // As JavaScript's JSON.parse (the seed's parser) does, so a body means the same here.
  auto r = parse_webhook(R"({"message":{"type":"hang","type":"end-of-call-report",)"
                         R"("call":{"id":"first","id":"second"}}})");
  ASSERT_TRUE(r.ok.has_value());
  EXPECT_TRUE(r.ok->is_report());
  EXPECT_EQ(r.ok->call_id, "second");

  // The last value is the one validated, whichever was good.
  expect_error(report_with(R"("cost":1,"cost":"x")"), "message.call.cost",
               "Expected number, received string");
  expect_accepted(report_with(R"("cost":"x","cost":1)"), "c1");
  expect_error(R"({"message":{"type":"end-of-call-report","call":{"id":"c1"}},"message":7})",
               "message", "Expected object, received number");
}

// --- strings -------------------------------------------------------------------------------------

TEST(webhook, unpaired_surrogate_escapes_are_refused) {
  for (std::string text : {R"(\ud800)", R"(\udc00)", R"(\ud83dx)", R"(\ude00\ud83d)",
                           R"(\ud83d\u0041)"}) {
    SCOPED_TRACE(text);
    auto r = parse_webhook(report_with(R"("transcript":")" + text + "\""));
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].path, "");
    EXPECT_NE(r.errors[0].message.find(": unpaired UTF-16 surrogate in a \\u escape"),
              std::string::npos)
      << r.errors[0].message;
  }
}

TEST(webhook, invalid_utf8_anywhere_is_refused) {
  const std::string cases[] = {
    "{\"message\":{\"type\":\"hang\xff\"}}",                           // in the type
    "{\"message\":{\"type\":\"hang\",\"k\xc3\":1}}",                    // in a key
    report_with("\"metadata\":{\"providerName\":\"Jo\xe9's\"}"),       // Latin-1, not UTF-8
    report_with("\"transcript\":\"" + std::string(1000, 'a') + "\xf0\x9f\x98\""),  // cut emoji
  };
  for (const auto& body : cases) {
    auto r = parse_webhook(body);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].path, "");
    EXPECT_NE(r.errors[0].message.find(": invalid UTF-8"), std::string::npos)
      << r.errors[0].message;
  }
}

TEST(webhook, a_megabyte_of_escaped_nuls_is_kept_exactly) {
  // 6 MB of "\u0000": a legal string, decoded to 1 MiB of NUL characters, kept as sent.
  std::string escaped;
  escaped.reserve(6u << 20);
  for (int i = 0; i < (1 << 20); ++i)
    escaped += "\\u0000";
  auto r = parse_webhook(report_with(R"("transcript":")" + escaped + "\""));
  ASSERT_TRUE(r.ok.has_value());
  const auto& text = r.ok->message()["call"]["transcript"].get_ref<const std::string&>();
  EXPECT_EQ(text.size(), 1u << 20);
  EXPECT_EQ(text.find_first_not_of('\0'), std::string::npos);
}

// --- nesting depth ------------------------------------------------------------------------------

TEST(webhook, nesting_of_exactly_max_depth_is_accepted) {
  // The body object is level 1, message level 2, then arrays down to level max_json_depth.
  auto body = R"({"message":{"type":"hang","deep":)" +
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
  auto body = R"({"message":{"type":"hang","deep":)" +
              nested_arrays(vapi::max_json_depth - 1) + "}}";
  expect_error(body, "", too_deep);
  expect_error(nested_arrays(vapi::max_json_depth + 1), "", too_deep);
  expect_error(nested_objects(vapi::max_json_depth + 1), "", too_deep);
  expect_error(nested_arrays(vapi::max_json_depth + 2), "", too_deep);
  expect_error(report_with(R"("metadata":)" + nested_objects(vapi::max_json_depth)), "",
               too_deep);
}

TEST(webhook, very_deep_nesting_is_refused_quickly_and_does_not_crash) {
  const std::string too_deep = "JSON nested deeper than " +
                               std::to_string(vapi::max_json_depth) + " levels";
  auto start = std::chrono::steady_clock::now();
  expect_error(nested_arrays(100000), "", too_deep);
  expect_error(nested_objects(100000), "", too_deep);
  expect_error(std::string(100000, '['), "", too_deep);  // never closed
  expect_error(report_with(R"("metadata":)" + nested_objects(100000)), "", too_deep);
  std::string never_closed;
  for (int i = 0; i < 100000; ++i)
    never_closed += R"({"a":)";
  expect_error(R"({"message":{"type":"hang","x":)" + never_closed, "", too_deep);
  // Generous for a loaded CI machine; it takes milliseconds. What matters is linear time.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
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
