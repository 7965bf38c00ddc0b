// Tests the cache actor's memory bounds (actors/cache_store.cpp, expiry_index.hpp,
// entry_cost.hpp): MAX_ENTRIES and MAX_MEMORY_MB evict the soonest to expire, journaled, never
// the entry just stored.
#include "tests/support/cache_journal_fixture.hpp"

namespace {

using namespace cache_testing;

// ---- Bounds

TEST_F(CacheJournalTest, PastMaxEntriesTheSoonestToExpireIsEvictedAndJournaled) {
  cache_options o;
  o.max_entries = 3;
  start(o);
  put_durable("a", "1");
  put_durable("b", "2");
  put_durable("c", "3");
  EXPECT_EQ(metrics().counters.evictions, 0u);
  auto reply = put("d", "4");
  EXPECT_FALSE(reply->has_value());
  ASSERT_EQ(log_->appends.size(), 4u);
  const auto& batch = log_->appends[3].changes;
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0].record.type, kind::stored);
  EXPECT_EQ(batch[0].record.call_id, "d");
  EXPECT_EQ(batch[1].record.type, kind::evicted);
  EXPECT_EQ(batch[1].record.call_id, "a");
  EXPECT_GT(batch[1].record.at_ms, 1700000000000);
  journaled(4);
  ASSERT_TRUE(reply->has_value());
  EXPECT_EQ((*reply)->what, outcome::stored);

  EXPECT_EQ(get("a")->value().what, outcome::not_found);
  for (auto id : {"b", "c", "d"})
    EXPECT_EQ(get(id)->value().what, outcome::found) << id;
  auto m = metrics();
  EXPECT_EQ(m.counters.evictions, 1u);
  EXPECT_EQ(m.entries, 3u);
  EXPECT_EQ(m.max_entries, 3u);
}

TEST_F(CacheJournalTest, EvictionFollowsExpiryNotArrival) {
  cache_options o;
  o.max_entries = 3;
  start(o, true);
  auto now = epoch_ms();
  // Replayed with lives of their own: "soon" expires first though it did not arrive first.
  provide(chunk({stored_record("later", "l", now - 3000, now + 600000),
                 stored_record("soon", "s", now - 2000, now + 60000),
                 stored_record("latest", "t", now - 1000, now + 900000)},
                true));
  EXPECT_EQ(metrics().counters.evictions, 0u);
  put_durable("new", "n");
  EXPECT_EQ(get("soon")->value().what, outcome::not_found);
  for (auto id : {"later", "latest", "new"})
    EXPECT_EQ(get(id)->value().what, outcome::found) << id;
  ASSERT_EQ(log_->appends.size(), 1u);
  ASSERT_EQ(log_->appends[0].changes.size(), 2u);
  EXPECT_EQ(log_->appends[0].changes[1].record.type, kind::evicted);
  EXPECT_EQ(log_->appends[0].changes[1].record.call_id, "soon");
}

TEST_F(CacheJournalTest, CallStatusesCountAgainstMaxEntriesToo) {
  cache_options o;
  o.max_entries = 2;
  start(o);
  auto noted = note("s1", "queued");
  journaled(1);
  EXPECT_EQ(noted->value().what, outcome::noted);
  put_durable("r1", "x");
  put_durable("r2", "y");  // three entries: the status, soonest to expire, goes
  auto miss = get("s1")->value();
  EXPECT_EQ(miss.what, outcome::not_found);
  EXPECT_FALSE(miss.progress);
  const auto& batch = log_->appends.back().changes;
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[1].record.type, kind::evicted);
  EXPECT_EQ(batch[1].record.call_id, "s1");
  auto m = metrics();
  EXPECT_EQ(m.counters.evictions, 1u);
  EXPECT_EQ(m.call_statuses, 0u);
  EXPECT_EQ(m.entries, 2u);
}

TEST_F(CacheJournalTest, PastMaxBytesTheSoonestToExpireIsEvicted) {
  // Each body's stored size is about its 2000 bytes; accounted as actors/entry_cost.hpp says.
  auto text = [](int i) { return incompressible(2000, uint64_t(i)); };
  size_t cost = result_cost("r1", stored_body::make(text(1))->stored_size());
  cache_options o;
  o.max_bytes = cost * 2 + cost / 2;  // two fit, not three
  start(o);
  put_durable("r1", text(1));
  put_durable("r2", text(2));
  auto m = metrics();
  EXPECT_EQ(m.counters.evictions, 0u);
  EXPECT_NEAR(double(m.accounted_bytes), double(2 * cost), 16.0);
  EXPECT_EQ(m.max_bytes, o.max_bytes);

  put_durable("r3", text(3));
  EXPECT_EQ(get("r1")->value().what, outcome::not_found);
  EXPECT_EQ(found_text("r2"), text(2));
  EXPECT_EQ(found_text("r3"), text(3));
  m = metrics();
  EXPECT_EQ(m.counters.evictions, 1u);
  EXPECT_LE(m.accounted_bytes, o.max_bytes);
  EXPECT_EQ(m.entries, 2u);
  const auto& batch = log_->appends.back().changes;
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[1].record.type, kind::evicted);
  EXPECT_EQ(batch[1].record.call_id, "r1");
}

TEST_F(CacheJournalTest, TheNewestEntryIsKeptEvenAloneOverMaxBytes) {
  cache_options o;
  o.max_bytes = 100;  // less than any one result
  start(o);
  put_durable("big-1", incompressible(1000, 1));
  EXPECT_EQ(found_text("big-1"), incompressible(1000, 1));
  EXPECT_EQ(metrics().counters.evictions, 0u);
  put_durable("big-2", incompressible(1000, 2));
  EXPECT_EQ(get("big-1")->value().what, outcome::not_found);
  EXPECT_EQ(found_text("big-2"), incompressible(1000, 2));
  auto m = metrics();
  EXPECT_EQ(m.counters.evictions, 1u);
  EXPECT_EQ(m.entries, 1u);
}

// After a restart with a shorter CACHE_TTL_SECONDS the replayed results outlive a new one: the
// new result is then the soonest to expire, yet it is the one just stored and acknowledged.
TEST_F(CacheJournalTest, TheNewestIsKeptEvenWhenReplayedResultsOutliveIt) {
  cache_options o;
  o.max_entries = 2;
  start(o, true);
  auto now = epoch_ms();
  provide(chunk({stored_record("old-1", "1", now - 2000, now + 2 * 3600 * 1000),
                 stored_record("old-2", "2", now - 1000, now + 2 * 3600 * 1000)},
                true));
  EXPECT_EQ(put_durable("new", "n").what, outcome::stored);
  EXPECT_EQ(found_text("new"), "n") << "the result just stored (and answered stored) was evicted";
  EXPECT_EQ(metrics().counters.evictions, 1u);
  EXPECT_EQ(metrics().entries, 2u);
}

// The same when the webhook lands during replay (the service's first seconds after a restart
// with a shorter TTL): the replayed results that come after it are evicted, not it.
TEST_F(CacheJournalTest, APutDuringReplayIsKeptWhenReplayedResultsOutliveIt) {
  cache_options o;
  o.max_entries = 3;
  start(o, true);
  auto now = epoch_ms();
  provide(chunk({}, false));
  auto reply = put("new", "n");
  journaled(1);
  ASSERT_TRUE(reply->has_value());
  EXPECT_EQ((*reply)->what, outcome::stored);
  auto hours = [now](int h) { return now + int64_t(h) * 3600 * 1000; };
  provide(chunk({stored_record("old-1", "1", now - 3000, hours(2)),
                 stored_record("old-2", "2", now - 2000, hours(3)),
                 stored_record("old-3", "3", now - 1000, hours(4))},
                true));
  EXPECT_EQ(found_text("new"), "n") << "the result stored during replay was evicted";
  EXPECT_EQ(get("old-1")->value().what, outcome::not_found);  // the soonest of the replayed
  EXPECT_EQ(found_text("old-2"), "2");
  EXPECT_EQ(found_text("old-3"), "3");
  EXPECT_EQ(metrics().counters.evictions, 1u);
}

TEST_F(CacheJournalTest, ReplayBeyondTheBoundsIsEvictedDownToThem) {
  cache_options o;
  o.max_entries = 2;
  start(o, true);
  auto now = epoch_ms();
  provide(chunk({stored_record("a", "1", now - 3000, now + 60000),
                 stored_record("b", "2", now - 2000, now + 70000),
                 stored_record("c", "3", now - 1000, now + 80000)},
                true));
  EXPECT_EQ(get("a")->value().what, outcome::not_found);
  EXPECT_EQ(found_text("b"), "2");
  EXPECT_EQ(found_text("c"), "3");
  EXPECT_EQ(metrics().counters.evictions, 1u);
  ASSERT_EQ(log_->appends.size(), 1u);  // the eviction itself is journaled
  ASSERT_EQ(log_->appends[0].changes.size(), 1u);
  EXPECT_EQ(log_->appends[0].changes[0].record.type, kind::evicted);
  EXPECT_EQ(log_->appends[0].changes[0].record.call_id, "a");
}

TEST_F(CacheJournalTest, MemoryOnlyAnswersAtOnceAndStillEvicts) {
  cache_options o;
  o.max_entries = 2;
  start_memory_only(o);
  EXPECT_FALSE(request<cache_health>(caf::ping_atom_v)->value().replaying);
  EXPECT_EQ(get("none")->value().what, outcome::not_found);  // no replay to wait for
  for (auto id : {"a", "b", "c"}) {
    auto reply = put(id, id);
    ASSERT_TRUE(reply->has_value()) << id;
    EXPECT_EQ((*reply)->what, outcome::stored);
  }
  EXPECT_EQ(note("s", "queued")->value().what, outcome::noted);  // evicts "b"
  EXPECT_EQ(del("c")->value().what, outcome::deleted);
  EXPECT_EQ(get("a")->value().what, outcome::not_found);
  EXPECT_EQ(get("b")->value().what, outcome::not_found);
  auto m = metrics();
  EXPECT_EQ(m.counters.evictions, 2u);
  EXPECT_FALSE(m.journaled);
  EXPECT_EQ(m.journal_waiting, 0u);
  auto closed = request<bool>(caf::close_atom_v);
  ASSERT_TRUE(closed->has_value());
  EXPECT_TRUE(**closed);
}

}  // namespace
