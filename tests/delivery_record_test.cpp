// Tests delivery/delivery_record.cpp: a pending delivery survives the journal's real bytes,
// replays to exactly the deliveries still owed, and no other record passes for one.
#include "delivery/delivery_record.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

#include "journal/journal_record.hpp"
#include "journal/replay.hpp"

namespace {

using delivery::pending;
using delivery::target;

pending kestra(std::string call_id = "call-1", int64_t created = 1'700'000'000'000) {
  pending p;
  p.to = target::kestra_resume;
  p.call_id = std::move(call_id);
  p.execution_id = "7NLCAyd6sKR7kDHxgAWFPG";
  p.payload = R"({"callId":"call-1","status":"ended","text":"a\nb"})";
  p.created_ms = created;
  p.deadline_ms = created + 86'400'000;
  return p;
}

pending forward(std::string call_id = "call-2") {
  pending p = kestra(std::move(call_id));
  p.to = target::forward;
  p.execution_id.clear();
  return p;
}

// What a restart reads back: the records encoded into a segment and scanned from disk bytes.
std::vector<journal::record> through_bytes(const std::vector<journal::record>& records) {
  std::string file = journal::encode_segment_header();
  for (const auto& r : records) journal::append(file, r);
  auto scanned = journal::scan(file, journal::segment_header_size);
  EXPECT_FALSE(scanned.torn_tail);
  EXPECT_TRUE(scanned.damaged.empty());
  return scanned.records;
}

TEST(DeliveryRecord, KeysNameTheTargetAndTheCall) {
  EXPECT_EQ(delivery::key_of(target::kestra_resume, "c1"), "kestra/c1");
  EXPECT_EQ(delivery::key_of(target::forward, "c1"), "forward/c1");
}

TEST(DeliveryRecord, APendingIsAStoredRecord) {
  auto r = delivery::to_record(kestra());
  EXPECT_EQ(r.type, journal::kind::stored);
  EXPECT_EQ(r.call_id, "kestra/call-1");
  EXPECT_EQ(r.at_ms, 1'700'000'000'000);
  EXPECT_EQ(r.expires_at_ms, 1'700'086'400'000);
  EXPECT_FALSE(r.compressed);
  EXPECT_EQ(r.body, "7NLCAyd6sKR7kDHxgAWFPG\n" + kestra().payload);
  EXPECT_EQ(r.text_size, r.body.size());
  EXPECT_EQ(delivery::to_record(forward()).body, "\n" + forward().payload);
}

TEST(DeliveryRecord, BothTargetsRoundTripThroughTheJournalsBytes) {
  auto back = through_bytes({delivery::to_record(kestra()), delivery::to_record(forward())});
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(delivery::from_record(back[0]), kestra());
  EXPECT_EQ(delivery::from_record(back[1]), forward());
  pending odd = kestra("a/b\nc");  // any call id: only the prefix is read as the target
  odd.payload = std::string("\0\n\xff", 3);
  EXPECT_EQ(delivery::from_record(through_bytes({delivery::to_record(odd)}).at(0)), odd);
}

TEST(DeliveryRecord, TheEndRecordIsAnEvictionOfTheSameKey) {
  auto r = delivery::ended_record(target::forward, "call-2", 42);
  EXPECT_EQ(r.type, journal::kind::evicted);
  EXPECT_EQ(r.call_id, "forward/call-2");
  EXPECT_EQ(r.at_ms, 42);
  EXPECT_EQ(through_bytes({r}).at(0), r);
}

TEST(DeliveryRecord, ReplayKeepsOnlyTheDeliveriesStillOwed) {
  auto done = kestra("done");
  auto owed = kestra("owed");
  auto other_target = forward("done");  // the same call, the other target: still owed
  journal::replayer rp;
  for (auto& r : through_bytes({delivery::to_record(done), delivery::to_record(owed),
                                delivery::to_record(other_target),
                                delivery::ended_record(target::kestra_resume, "done", 5)}))
    rp.apply(r);
  auto state = rp.finish(done.created_ms + 1000);
  ASSERT_EQ(state.results.size(), 2u);
  std::vector<pending> left;
  for (auto& r : state.results) left.push_back(*delivery::from_record(r));
  EXPECT_NE(std::find(left.begin(), left.end(), owed), left.end());
  EXPECT_NE(std::find(left.begin(), left.end(), other_target), left.end());
  EXPECT_EQ(std::find(left.begin(), left.end(), done), left.end());
}

TEST(DeliveryRecord, APendingPastItsDeadlineIsGoneAtTheRestart) {
  journal::replayer rp;
  auto p = kestra();
  rp.apply(delivery::to_record(p));
  auto state = rp.finish(p.deadline_ms);  // the deadline itself: given up
  EXPECT_TRUE(state.results.empty());
  EXPECT_EQ(state.expired, 1u);
  journal::replayer again;
  again.apply(delivery::to_record(p));
  EXPECT_EQ(again.finish(p.deadline_ms - 1).results.size(), 1u);
}

TEST(DeliveryRecord, ALaterPendingOfTheSameKeyReplacesTheEarlier) {
  journal::replayer rp;
  auto first = kestra();
  auto second = kestra("call-1", first.created_ms + 10);
  second.payload = R"({"v":2})";
  rp.apply(delivery::to_record(first));
  rp.apply(delivery::to_record(second));
  auto state = rp.finish(first.created_ms + 20);
  ASSERT_EQ(state.results.size(), 1u);
  EXPECT_EQ(delivery::from_record(state.results[0]), second);
}

TEST(DeliveryRecord, OtherRecordsAreNoPendingDelivery) {
  auto good = delivery::to_record(kestra());
  auto with = [&](auto change) {
    auto r = good;
    change(r);
    return delivery::from_record(r);
  };
  EXPECT_EQ(with([](journal::record& r) { r.type = journal::kind::status; }), std::nullopt);
  EXPECT_EQ(with([](journal::record& r) { r.type = journal::kind::evicted; }), std::nullopt);
  EXPECT_EQ(with([](journal::record& r) { r.call_id = "call-1"; }), std::nullopt);  // a result
  EXPECT_EQ(with([](journal::record& r) { r.call_id = "resume/call-1"; }), std::nullopt);
  EXPECT_EQ(with([](journal::record& r) { r.call_id = "Kestra/call-1"; }), std::nullopt);
  EXPECT_EQ(with([](journal::record& r) { r.call_id = "kestra/"; }), std::nullopt);
  EXPECT_EQ(with([](journal::record& r) { r.call_id = "forward/call-1"; }), std::nullopt);
  EXPECT_EQ(with([](journal::record& r) { r.compressed = true; }), std::nullopt);
  EXPECT_EQ(with([](journal::record& r) { r.text_size += 1; }), std::nullopt);
  EXPECT_EQ(with([](journal::record& r) {
              r.body = "no newline";
              r.text_size = 10;
            }),
            std::nullopt);
  EXPECT_EQ(with([](journal::record& r) {
              r.body = "../x\n{}";
              r.text_size = 7;
            }),
            std::nullopt);
  EXPECT_EQ(with([](journal::record& r) {
              r.body = "\n{}";  // a Kestra resume without its execution id
              r.text_size = 3;
            }),
            std::nullopt);
  EXPECT_EQ(delivery::from_record(delivery::ended_record(target::kestra_resume, "c", 1)),
            std::nullopt);
}

TEST(DeliveryRecord, APendingThatCouldNotBeReadBackIsNotWritten) {
  auto bad_id = kestra();
  bad_id.execution_id = "not/an-id";
  EXPECT_THROW(delivery::to_record(bad_id), std::invalid_argument);
  auto no_id = kestra();
  no_id.execution_id.clear();
  EXPECT_THROW(delivery::to_record(no_id), std::invalid_argument);
  auto forward_with_id = forward();
  forward_with_id.execution_id = "7NLCAyd6sKR7kDHxgAWFPG";
  EXPECT_THROW(delivery::to_record(forward_with_id), std::invalid_argument);
  auto no_call = kestra("");
  EXPECT_THROW(delivery::to_record(no_call), std::invalid_argument);
}

}  // namespace
