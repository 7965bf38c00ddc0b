// Tests that every message type and call status of VAPI's spec has a payload file in
// tests/payloads/, that each parses as valid, and what each type is answered.
#include "vapi/call_result.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "tests/support/call_results.hpp"
#include "tests/support/payloads.hpp"
#include "vapi/webhook.hpp"

namespace {

using namespace test_support::call_results;

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
  // A new report file needs its own field-by-field test in call_result_payloads_test; type
  // files are swept below.
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


}  // namespace
