// Tests redis/values.cpp: the value under a result key is the CallResult itself (so the seed's
// Redis sketch and we read each other's), what is not a JSON object is never served, status
// values round-trip with any text, and times come from PTTL.
#include "redis/values.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "vapi/call_result.hpp"
#include "vapi/webhook.hpp"

namespace {

using redis::get_body_for;
using redis::value_of_get_body;

TEST(RedisValues, TheStoredValueIsTheCallResultAndComesBackAsTheSameGetBody) {
  auto hook = vapi::parse_webhook(
    R"({"message":{"type":"end-of-call-report","call":{"id":"c-1","transcript":"Hi \"you\"",)"
    R"("metadata":{"providerName":"Joe's"}},"endedReason":"customer-ended-call"}})");
  ASSERT_TRUE(hook.ok);
  std::string body = vapi::render_get_body(*hook.ok);
  auto value = value_of_get_body(body);
  ASSERT_TRUE(value);
  // What the seed's sketch stores (JSON.stringify(result)) parses as the same CallResult.
  EXPECT_EQ(nlohmann::json::parse(*value), nlohmann::json(vapi::to_call_result(*hook.ok)));
  EXPECT_EQ(get_body_for(*value), body);
}

TEST(RedisValues, ASeedWrittenValueIsServedInOurEnvelope) {
  // JSON.stringify's output: compact, keys in the seed's order.
  std::string seed = R"({"status":"completed","callId":"abc","duration":5.5})";
  EXPECT_EQ(get_body_for(seed), R"({"success":true,"data":)" + seed + "}");
}

TEST(RedisValues, WhatIsNotAJsonObjectIsNeverServed) {
  for (std::string_view v : {"", "not json", "[1,2]", "\"text\"", "42", "{\"a\":", "{} {}",
                             "{\"a\":1}x", "null"})
    EXPECT_FALSE(get_body_for(v)) << v;
  EXPECT_TRUE(get_body_for(" {\"a\":1} "));
}

TEST(RedisValues, OnlyOurEnvelopeYieldsAValue) {
  EXPECT_EQ(value_of_get_body(R"({"success":true,"data":{"a":1}})"), R"({"a":1})");
  EXPECT_FALSE(value_of_get_body(R"({"success":false,"data":{"a":1}})"));
  EXPECT_FALSE(value_of_get_body(R"({"success":true,"data":null})"));
  EXPECT_FALSE(value_of_get_body(R"({"success":true,"data":)"));
  EXPECT_FALSE(value_of_get_body(""));
}

TEST(RedisValues, StatusValuesRoundTripWithAnyText) {
  auto v = redis::status_value("ended", "customer-ended-call");
  EXPECT_EQ(v, R"({"status":"ended","endedReason":"customer-ended-call"})");
  auto back = redis::parse_status_value(v);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->status, "ended");
  EXPECT_EQ(back->ended_reason, "customer-ended-call");
  EXPECT_EQ(redis::status_value("ringing", ""), R"({"status":"ringing"})");
  auto odd = redis::parse_status_value(redis::status_value("in \"progress\"\n", "a\\b ü"));
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->status, "in \"progress\"\n");
  EXPECT_EQ(odd->ended_reason, "a\\b ü");
}

TEST(RedisValues, NotAStatusThisStoreWrote) {
  for (std::string_view v : {"", "{}", R"({"status":""})", R"({"status":3})", "[]", "garbage"})
    EXPECT_FALSE(redis::parse_status_value(v)) << v;
  auto no_reason = redis::parse_status_value(R"({"status":"queued","endedReason":7})");
  ASSERT_TRUE(no_reason);
  EXPECT_TRUE(no_reason->ended_reason.empty());
}

TEST(RedisValues, TimesComeFromPttlAndTheTtlStoredWith) {
  auto t = redis::times_from_pttl(1'000'000, 1'700'000, 1'800'000);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->expires_at_ms, 2'700'000);
  EXPECT_EQ(t->stored_at_ms, 900'000);
  EXPECT_TRUE(redis::times_from_pttl(5, 0, 10));  // expiring this millisecond
  EXPECT_FALSE(redis::times_from_pttl(5, -1, 10));  // no expiry: not a key this store wrote
  EXPECT_FALSE(redis::times_from_pttl(5, -2, 10));  // gone
}

}  // namespace
