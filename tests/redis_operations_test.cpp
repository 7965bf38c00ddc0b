// Tests redis/operations.cpp against a real redis-server: store, look up, remove and note a
// status, each as the commands it sends and the meaning of their replies, and what a key of the
// wrong type makes of them.
#include "redis/operations.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>

#include "tests/support/redis_server.hpp"

namespace {

using namespace std::chrono_literals;
namespace ops = redis::ops;

struct OperationsTest : ::testing::Test {
  test_support::redis_server server;
  redis::connection c = open();
  redis::key_layout keys{"vapi:"};

  redis::connection open() {
    std::signal(SIGPIPE, SIG_IGN);
    return redis::connection::open(*redis::parse_url(server.url()).ok, 2000ms);
  }
};

TEST_F(OperationsTest, AStoredResultIsFoundAndRemoved) {
  EXPECT_FALSE(ops::stored(c.pipeline(ops::store(keys, "c1", R"({"callId":"c1"})", 60s))));
  auto f = ops::looked_up(c.pipeline(ops::lookup(keys, "c1")));
  EXPECT_FALSE(f.error);
  EXPECT_EQ(f.value, R"({"callId":"c1"})");
  EXPECT_FALSE(f.status);
  EXPECT_GT(c.run({"PTTL", "vapi:call:c1"}).integer, 59000);
  auto r = ops::removed_from(c.pipeline(ops::remove(keys, "c1", 60s)));
  EXPECT_TRUE(r.had_result);
  EXPECT_FALSE(r.had_status);
  auto gone = ops::looked_up(c.pipeline(ops::lookup(keys, "c1")));
  EXPECT_FALSE(gone.value);
  EXPECT_FALSE(gone.status);
  EXPECT_FALSE(ops::removed_from(c.pipeline(ops::remove(keys, "c1", 60s))).had_result);
}

TEST_F(OperationsTest, AStatusIsFoundUntilTheResultArrivesAndNeverAfter) {
  auto n = c.pipeline(ops::note_status(keys, "c2", "ended", "customer-busy", 60s));
  EXPECT_TRUE(ops::noted_from(n).written);
  auto f = ops::looked_up(c.pipeline(ops::lookup(keys, "c2")));
  EXPECT_FALSE(f.value);
  ASSERT_TRUE(f.status);
  EXPECT_EQ(f.status->status, "ended");
  EXPECT_EQ(f.status->ended_reason, "customer-busy");
  ops::stored(c.pipeline(ops::store(keys, "c2", "{}", 60s)));
  auto after = ops::looked_up(c.pipeline(ops::lookup(keys, "c2")));
  EXPECT_EQ(after.value, "{}");
  EXPECT_FALSE(after.status);
  auto late = c.pipeline(ops::note_status(keys, "c2", "ended", "", 60s));
  EXPECT_FALSE(ops::noted_from(late).written);
  EXPECT_EQ(c.run({"EXISTS", "vapi:status:c2"}).integer, 0);
}

// What an instance's outbox sends once Redis is back (only_if_newer) never undoes a later change.
TEST_F(OperationsTest, AChangeSentLateNeverOverwritesALaterOne) {
  using ops::change_time;
  // A newer report, stored directly, wins over an older one sent late.
  ops::stored(c.pipeline(ops::store(keys, "o1", R"({"v":2})", 60s, change_time{2000, false})));
  auto late = c.pipeline(ops::store(keys, "o1", R"({"v":1})", 60s, change_time{1000, true}));
  EXPECT_FALSE(ops::stored(late));
  EXPECT_TRUE(ops::skipped(late));
  EXPECT_EQ(c.run({"GET", "vapi:call:o1"}).text, R"({"v":2})");
  // A delete made meanwhile keeps an older result from coming back ...
  auto d = ops::removed_from(c.pipeline(ops::remove(keys, "o1", 60s, change_time{3000, false})));
  EXPECT_TRUE(d.had_result);
  EXPECT_FALSE(ops::skipped(c.pipeline(ops::store(keys, "o2", "{}", 60s))));
  EXPECT_TRUE(ops::skipped(
    c.pipeline(ops::store(keys, "o1", R"({"v":1})", 60s, change_time{2500, true}))));
  EXPECT_EQ(c.run({"EXISTS", "vapi:call:o1"}).integer, 0);
  // ... and a late status too; but a change newer than the last one applies.
  EXPECT_FALSE(ops::noted_from(c.pipeline(ops::note_status(keys, "o1", "ended", "", 60s,
                                                          change_time{2900, true})))
                 .written);
  auto newer = c.pipeline(ops::store(keys, "o1", R"({"v":3})", 60s, change_time{4000, true}));
  EXPECT_FALSE(ops::skipped(newer));
  EXPECT_EQ(c.run({"GET", "vapi:call:o1"}).text, R"({"v":3})");
  // A late delete older than the store it would undo is skipped.
  auto old_delete =
    ops::removed_from(c.pipeline(ops::remove(keys, "o1", 60s, change_time{3500, true})));
  EXPECT_TRUE(old_delete.skipped);
  EXPECT_EQ(c.run({"EXISTS", "vapi:call:o1"}).integer, 1);
  // A seed-written value has no change time: anything sent late is newer than it.
  c.run({"SETEX", "vapi:call:o3", "1800", "{}"});
  EXPECT_FALSE(ops::skipped(
    c.pipeline(ops::store(keys, "o3", R"({"v":1})", 60s, change_time{1, true}))));
  EXPECT_GT(c.run({"PTTL", "vapi:changed:o1"}).integer, 59000);
}

TEST_F(OperationsTest, AStoreIsOneTransactionAndAnErrorInsideItIsReported) {
  auto r = c.pipeline(ops::store(keys, "t1", "{}", 60s, {5, false}));
  ASSERT_EQ(r.size(), 6u);  // MULTI, four commands queued, EXEC
  EXPECT_FALSE(ops::stored(r));
  EXPECT_FALSE(ops::skipped(r));
  EXPECT_EQ(c.run({"GET", "vapi:changed:t1"}).text, "5");
  // An error inside EXEC (OOM under maxmemory noeviction, say) is the store's error.
  std::vector<redis::reply> exec_failed(6);
  exec_failed[5].type = redis::reply::kind::array;
  exec_failed[5].items.resize(4);
  exec_failed[5].items[1].type = redis::reply::kind::error;
  exec_failed[5].items[1].text = "OOM command not allowed";
  EXPECT_EQ(ops::stored(exec_failed), "OOM command not allowed");
  std::vector<redis::reply> aborted(6);  // EXEC answered nil: the transaction did not run
  EXPECT_TRUE(ops::stored(aborted));
}

TEST_F(OperationsTest, ASeedWrittenValueIsFoundAsIs) {
  c.run({"SETEX", "vapi:call:seed-1", "1800", R"({"status":"completed","callId":"seed-1"})"});
  auto f = ops::looked_up(c.pipeline(ops::lookup(keys, "seed-1")));
  EXPECT_EQ(f.value, R"({"status":"completed","callId":"seed-1"})");
}

TEST_F(OperationsTest, AKeyOfAnotherTypeIsAnErrorNotACrash) {
  c.run({"RPUSH", "vapi:call:odd", "x"});
  auto f = ops::looked_up(c.pipeline(ops::lookup(keys, "odd")));
  ASSERT_TRUE(f.error);
  EXPECT_NE(f.error->find("WRONGTYPE"), std::string::npos) << *f.error;
  auto s = ops::stored(c.pipeline(ops::store(keys, "odd", "{}", 60s)));
  EXPECT_FALSE(s);  // SET replaces a key of any type
  EXPECT_TRUE(ops::removed_from({}).error);  // replies missing: an error, never a guess
}

}  // namespace
