// Tests the cache actor's writes through the journal (actors/cache_actor.cpp, cache_store.cpp,
// commit_queue.hpp): replies wait for durability, group commit, failures, close.
#include "tests/support/cache_journal_fixture.hpp"

namespace {

using namespace cache_testing;

// ---- Writes wait for the journal

TEST_F(CacheJournalTest, PutIsAnsweredOnlyOnceItsBatchIsDurable) {
  start();
  EXPECT_EQ(log_->replay_requests, 1u);
  auto reply = put("call-1", R"({"v":1})");
  EXPECT_FALSE(reply->has_value()) << "answered before the journal wrote it";
  ASSERT_EQ(log_->appends.size(), 1u);
  const auto& sent = log_->appends[0];
  EXPECT_EQ(sent.batch, 1u);
  ASSERT_EQ(sent.changes.size(), 1u);
  const auto& change = sent.changes[0];
  EXPECT_EQ(change.record.type, kind::stored);
  EXPECT_EQ(change.record.call_id, "call-1");
  EXPECT_EQ(change.record.expires_at_ms - change.record.at_ms,
            std::chrono::milliseconds(ttl).count());
  ASSERT_TRUE(change.body);
  EXPECT_EQ(change.body->text(), R"({"v":1})");
  EXPECT_TRUE(change.record.body.empty()) << "the journal, not the cache, copies the bytes";
  // Served from memory while the write is under way; the ack still waits.
  EXPECT_EQ(found_text("call-1"), R"({"v":1})");
  EXPECT_FALSE(reply->has_value());

  journaled(7);  // not the batch in flight: ignored
  EXPECT_FALSE(reply->has_value());
  journaled(1);
  ASSERT_TRUE(reply->has_value());
  EXPECT_EQ((*reply)->what, outcome::stored);
  EXPECT_EQ(metrics().journal_waiting, 0u);
}

TEST_F(CacheJournalTest, PutsDuringABatchInFlightGoTogetherInTheNextBatchAndAnswerInOrder) {
  start();
  std::vector<std::string> order;
  auto put_noting = [&](const std::string& id) {
    caf::anon_send(cache_, caf::put_atom_v, id, stored_body::make("body of " + id),
                   reply_fn([&order, id](answer a) {
                     EXPECT_EQ(a.what, outcome::stored);
                     order.push_back(id);
                   }));
    sched_.run();
  };
  put_noting("a");
  ASSERT_EQ(log_->appends.size(), 1u);
  put_noting("b");
  put_noting("c");
  EXPECT_EQ(log_->appends.size(), 1u) << "a second batch went out while one was in flight";
  EXPECT_EQ(metrics().journal_waiting, 2u);
  EXPECT_TRUE(order.empty());

  journaled(1);
  EXPECT_EQ(order, std::vector<std::string>{"a"});
  ASSERT_EQ(log_->appends.size(), 2u) << "the waiting changes were not sent on";
  const auto& second = log_->appends[1];
  EXPECT_EQ(second.batch, 2u);
  ASSERT_EQ(second.changes.size(), 2u);
  EXPECT_EQ(second.changes[0].record.call_id, "b");
  EXPECT_EQ(second.changes[1].record.call_id, "c");
  EXPECT_EQ(metrics().journal_waiting, 0u);

  journaled(2);
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(log_->appends.size(), 2u);  // nothing left to send
}

TEST_F(CacheJournalTest, ChangesBeforeAttachWaitForTheJournal) {
  cache_options o;
  o.ttl = ttl;
  o.journaled = true;
  cache_ = spawn_cache(sys_, o);
  log_->cache = cache_;
  journal_ = sys_.spawn(fake_journal, log_);
  sched_.run();
  auto reply = put("early", "x");
  EXPECT_FALSE(reply->has_value());
  caf::anon_send(cache_, attach_atom_v, journal_);
  sched_.run();
  EXPECT_EQ(log_->replay_requests, 1u);
  ASSERT_EQ(log_->appends.size(), 1u);
  EXPECT_EQ(log_->appends[0].changes.at(0).record.call_id, "early");
  journaled(1);
  ASSERT_TRUE(reply->has_value());
  EXPECT_EQ((*reply)->what, outcome::stored);
}

TEST_F(CacheJournalTest, AFailedWriteIsAnsweredUnsavedAndTheResultIsStillServed) {
  start();
  auto reply = put("call-1", "kept in memory");
  journal_health failing;
  failing.failing = true;
  failing.error = "No space left on device";
  failing.write_failures = 1;
  journaled(1, false, failing);
  ASSERT_TRUE(reply->has_value());
  EXPECT_EQ((*reply)->what, outcome::unsaved);
  EXPECT_EQ(found_text("call-1"), "kept in memory");
  auto health = request<cache_health>(caf::ping_atom_v);
  ASSERT_TRUE(health->has_value());
  EXPECT_TRUE((*health)->journaled);
  EXPECT_FALSE((*health)->replaying);
  EXPECT_TRUE((*health)->journal.failing);
  EXPECT_EQ((*health)->journal.error, "No space left on device");
  // The next write succeeds: answered stored again.
  EXPECT_EQ(put_durable("call-2", "y").what, outcome::stored);
}

TEST_F(CacheJournalTest, DeleteIsJournaledAsDeletedAndItsReplyWaits) {
  start();
  put_durable("call-1", "x");
  auto reply = del("call-1");
  EXPECT_FALSE(reply->has_value());
  EXPECT_EQ(get("call-1")->value().what, outcome::not_found);  // gone from memory at once
  ASSERT_EQ(log_->appends.size(), 2u);
  ASSERT_EQ(log_->appends[1].changes.size(), 1u);
  const auto& r = log_->appends[1].changes[0].record;
  EXPECT_EQ(r.type, kind::deleted);
  EXPECT_EQ(r.call_id, "call-1");
  EXPECT_GT(r.at_ms, 1700000000000);
  EXPECT_FALSE(log_->appends[1].changes[0].body);
  journaled(2);
  ASSERT_TRUE(reply->has_value());
  EXPECT_EQ((*reply)->what, outcome::deleted);

  // A delete that finds nothing writes nothing and is answered at once.
  auto again = del("call-1");
  ASSERT_TRUE(again->has_value());
  EXPECT_EQ((*again)->what, outcome::not_found);
  EXPECT_EQ(log_->appends.size(), 2u);
}

TEST_F(CacheJournalTest, StatusUpdateIsJournaledAndItsReplyWaits) {
  start();
  auto reply = note("call-1", "ended", "customer-ended-call");
  EXPECT_FALSE(reply->has_value());
  ASSERT_EQ(log_->appends.size(), 1u);
  ASSERT_EQ(log_->appends[0].changes.size(), 1u);
  const auto& r = log_->appends[0].changes[0].record;
  EXPECT_EQ(r.type, kind::status);
  EXPECT_EQ(r.call_id, "call-1");
  EXPECT_EQ(r.status, "ended");
  EXPECT_EQ(r.ended_reason, "customer-ended-call");
  EXPECT_EQ(r.expires_at_ms - r.at_ms, std::chrono::milliseconds(ttl).count());
  journaled(1);
  ASSERT_TRUE(reply->has_value());
  EXPECT_EQ((*reply)->what, outcome::noted);
  auto miss = get("call-1")->value();
  EXPECT_EQ(miss.what, outcome::not_found);
  ASSERT_TRUE(miss.progress);
  EXPECT_EQ(miss.progress->status, "ended");

  // Once a result is cached a status-update is moot: answered at once, nothing written.
  put_durable("call-1", "result");
  auto moot = note("call-1", "in-progress");
  ASSERT_TRUE(moot->has_value());
  EXPECT_EQ((*moot)->what, outcome::noted);
  EXPECT_EQ(log_->appends.size(), 2u);
}

TEST_F(CacheJournalTest, CloseIsAnsweredOnlyAfterThePendingBatchesAreJournaled) {
  start();
  auto first = put("a", "x");   // batch 1, in flight
  auto second = put("b", "y");  // waits for batch 2
  auto closed = request<bool>(caf::close_atom_v);
  EXPECT_FALSE(closed->has_value());
  EXPECT_EQ(log_->close_requests, 0u) << "the journal was asked to sync before it had all";

  journaled(1);
  EXPECT_TRUE(first->has_value());
  EXPECT_FALSE(closed->has_value());
  EXPECT_EQ(log_->close_requests, 0u);
  ASSERT_EQ(log_->appends.size(), 2u);

  journaled(2);
  EXPECT_TRUE(second->has_value());
  EXPECT_EQ(log_->close_requests, 1u);
  ASSERT_TRUE(closed->has_value());
  EXPECT_TRUE(**closed);
}

TEST_F(CacheJournalTest, CloseReportsAJournalThatCouldNotSync) {
  start();
  log_->close_result = false;
  auto closed = request<bool>(caf::close_atom_v);  // nothing pending: straight to the journal
  EXPECT_EQ(log_->close_requests, 1u);
  ASSERT_TRUE(closed->has_value());
  EXPECT_FALSE(**closed);
}

}  // namespace
