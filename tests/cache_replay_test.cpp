// Tests the cache actor's start-up replay (actors/cache_replay.cpp): lookups held until the last
// chunk, webhooks and deletes during replay beat older records, replayed expiry times.
#include "tests/support/cache_journal_fixture.hpp"

namespace {

using namespace cache_testing;

// ---- Replay

TEST_F(CacheJournalTest, MissesDuringReplayWaitForTheLastChunk) {
  cache_options o;
  start(o, true);
  EXPECT_EQ(log_->replay_requests, 1u);
  auto now = epoch_ms();
  provide(chunk({stored_record("a", "A", now - 1000, now + 600000)}, false));
  EXPECT_EQ(log_->replay_requests, 2u) << "the cache did not ask for the next chunk";
  EXPECT_TRUE(request<cache_health>(caf::ping_atom_v)->value().replaying);

  // Already back: answered at once.
  EXPECT_EQ(found_text("a"), "A");
  // Not back yet: held, neither found nor "not found".
  auto early = get("b");
  auto never = get("nobody");
  auto never_deleted = del("nobody");
  EXPECT_FALSE(early->has_value());
  EXPECT_FALSE(never->has_value());
  EXPECT_FALSE(never_deleted->has_value());

  provide(chunk({stored_record("b", "B", now - 500, now + 600000)}, false));
  EXPECT_EQ(log_->replay_requests, 3u);
  EXPECT_EQ(found_text("b"), "B");  // a new lookup finds it at once
  EXPECT_FALSE(never->has_value()) << "answered not found before the replay was over";
  EXPECT_FALSE(never_deleted->has_value());

  provide(chunk({}, true));
  EXPECT_EQ(log_->replay_requests, 3u) << "asked for more after the last chunk";
  EXPECT_FALSE(request<cache_health>(caf::ping_atom_v)->value().replaying);
  ASSERT_TRUE(early->has_value());
  EXPECT_EQ((*early)->what, outcome::found);
  EXPECT_EQ((*early)->body->text(), "B");
  ASSERT_TRUE(never->has_value());
  EXPECT_EQ((*never)->what, outcome::not_found);
  ASSERT_TRUE(never_deleted->has_value());
  EXPECT_EQ((*never_deleted)->what, outcome::not_found);
  auto m = metrics();
  EXPECT_EQ(m.counters.restored, 2u);
  EXPECT_EQ(m.entries, 2u);
  EXPECT_TRUE(log_->appends.empty()) << "replayed records were journaled again";
}

TEST_F(CacheJournalTest, AWaitHeldDuringReplayWhoseClientLeftIsDroppedNotHeldAfterwards) {
  start({}, true);
  auto wait = [&](uint64_t ticket) {
    auto slot = std::make_shared<std::optional<wait_answer>>();
    wait_request req{{"late"}, std::chrono::seconds(30), false, ticket};
    caf::anon_send(cache_, wait_atom_v, std::move(req),
                   wait_reply_fn([slot](wait_answer a) { *slot = std::move(a); }));
    sched_.run();
    return slot;
  };
  auto left = wait(5);
  auto stayed = wait(6);
  caf::anon_send(cache_, wait_gone_atom_v, std::vector<uint64_t>{5});  // its client is gone
  sched_.run();
  provide(chunk({}, true));
  auto m = metrics();
  EXPECT_EQ(m.waiters, 1u) << "the abandoned wait took a MAX_WAITERS slot after replay";
  EXPECT_EQ(m.counters.waits_abandoned, 1u);
  EXPECT_FALSE(left->has_value());
  EXPECT_FALSE(stayed->has_value());  // held as any wait, now that replay is over
  put_durable("late", "L");
  ASSERT_TRUE(stayed->has_value());
  EXPECT_EQ((*stayed)->results.at(0).body->text(), "L");
  EXPECT_FALSE(left->has_value());
}

TEST_F(CacheJournalTest, PastMaxWaitersHeldDuringReplayTheNextIsUnavailable) {
  cache_options o;
  o.max_waiters = 2;
  start(o, true);
  auto one = get("x");
  auto two = note("y", "ringing");
  auto three = get("z");
  EXPECT_FALSE(one->has_value());
  EXPECT_FALSE(two->has_value());
  ASSERT_TRUE(three->has_value());
  EXPECT_EQ((*three)->what, outcome::unavailable);
  EXPECT_TRUE(log_->appends.empty()) << "a held status-update was journaled";

  auto now = epoch_ms();
  provide(chunk({stored_record("x", "X", now, now + 600000)}, true));
  ASSERT_TRUE(one->has_value());
  EXPECT_EQ((*one)->what, outcome::found);
  // The held status-update is handled now, and written like any other.
  EXPECT_FALSE(two->has_value());
  ASSERT_EQ(log_->appends.size(), 1u);
  EXPECT_EQ(log_->appends[0].changes.at(0).record.type, kind::status);
  EXPECT_EQ(log_->appends[0].changes.at(0).record.call_id, "y");
  journaled(1);
  ASSERT_TRUE(two->has_value());
  EXPECT_EQ((*two)->what, outcome::noted);
}

TEST_F(CacheJournalTest, AStatusHeldDuringReplayIsMootOnceItsResultComesBack) {
  cache_options o;
  start(o, true);
  auto held = note("call-1", "in-progress");
  EXPECT_FALSE(held->has_value());
  auto now = epoch_ms();
  provide(chunk({stored_record("call-1", "result", now, now + 600000)}, true));
  ASSERT_TRUE(held->has_value());
  EXPECT_EQ((*held)->what, outcome::noted);
  EXPECT_TRUE(log_->appends.empty());
  EXPECT_EQ(found_text("call-1"), "result");
}

TEST_F(CacheJournalTest, APutDuringReplayBeatsTheOlderReplayedRecord) {
  cache_options o;
  start(o, true);
  auto now = epoch_ms();
  provide(chunk({}, false));
  auto reply = put("call-1", "new");
  ASSERT_EQ(log_->appends.size(), 1u);  // journaled as usual, replay or not
  journaled(1);
  ASSERT_TRUE(reply->has_value());
  EXPECT_EQ((*reply)->what, outcome::stored);

  // The journal's older state of call-1 (a result, and a status) comes back after the put.
  provide(chunk({stored_record("call-1", "old", now - 60000, now + 600000),
                 stored_record("call-2", "other", now - 60000, now + 600000)},
                true, {status_record("call-1", "ringing", now - 70000, now + 600000)}));
  EXPECT_EQ(found_text("call-1"), "new");
  EXPECT_EQ(found_text("call-2"), "other");
  auto m = metrics();
  EXPECT_EQ(m.counters.restored, 1u);
  EXPECT_EQ(m.call_statuses, 0u);
  EXPECT_EQ(m.entries, 2u);
}

TEST_F(CacheJournalTest, ADeleteDuringReplayBeatsTheOlderReplayedRecord) {
  cache_options o;
  start(o, true);
  auto now = epoch_ms();
  provide(chunk({stored_record("call-1", "v1", now - 1000, now + 600000)}, false));
  auto reply = del("call-1");
  ASSERT_EQ(log_->appends.size(), 1u);
  EXPECT_EQ(log_->appends[0].changes.at(0).record.type, kind::deleted);
  journaled(1);
  EXPECT_EQ(reply->value().what, outcome::deleted);
  // A later chunk carries the call again (as a journal read back in pieces may): it stays gone.
  provide(chunk({stored_record("call-1", "v1", now - 1000, now + 600000)}, true));
  EXPECT_EQ(get("call-1")->value().what, outcome::not_found);
}

TEST_F(CacheJournalTest, AReplayedResultExpiresAtItsRecordedTime) {
  cache_options o;
  start(o, true);
  // Its life left is counted from the wall clock, so the record is timed from it too.
  auto now = epoch_ms();
  provide(chunk({stored_record("short", "s", now - 60000, now + 5000),
                 stored_record("long", "l", now - 60000, now + 600000),
                 stored_record("gone", "g", now - 60000, now - 1)},
                true, {status_record("ringing", "ringing", now - 1000, now + 5000)}));
  EXPECT_EQ(found_text("short"), "s");
  EXPECT_EQ(get("gone")->value().what, outcome::not_found);  // expired before it came back
  ASSERT_TRUE(get("ringing")->value().progress);
  advance(4800ms);  // (a little under 5 s: some wall-clock time passed since `now`)
  EXPECT_EQ(found_text("short"), "s");
  advance(300ms);
  EXPECT_EQ(get("short")->value().what, outcome::not_found);
  auto ringing = get("ringing")->value();
  EXPECT_EQ(ringing.what, outcome::not_found);
  EXPECT_FALSE(ringing.progress) << "the replayed status outlived its recorded expiry";
  EXPECT_EQ(found_text("long"), "l");
  auto m = metrics();
  EXPECT_EQ(m.counters.restored, 2u);
  EXPECT_EQ(m.counters.expired, 2u);  // "gone" at replay, "short" by its timer
}

}  // namespace
