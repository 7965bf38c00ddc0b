// Tests journal/replay.cpp: records applied in journal order rebuild what the cache held, and
// the restart's time removes what expired meanwhile. The clock is a number: nothing sleeps.
#include "journal/replay.hpp"

#include <gtest/gtest.h>

namespace {

using journal::kind;
using journal::record;

record stored(const std::string& id, int64_t at, int64_t ttl, const std::string& body = "b") {
  record r;
  r.type = kind::stored;
  r.call_id = id;
  r.at_ms = at;
  r.expires_at_ms = at + ttl;
  r.text_size = static_cast<uint32_t>(body.size());
  r.body = body;
  return r;
}

record status(const std::string& id, int64_t at, int64_t ttl, const std::string& s) {
  record r;
  r.type = kind::status;
  r.call_id = id;
  r.at_ms = at;
  r.expires_at_ms = at + ttl;
  r.status = s;
  return r;
}

record gone(kind k, const std::string& id, int64_t at) {
  record r;
  r.type = k;
  r.call_id = id;
  r.at_ms = at;
  return r;
}

std::vector<std::string> ids(const std::vector<record>& rs) {
  std::vector<std::string> out;
  for (const auto& r : rs)
    out.push_back(r.call_id);
  return out;
}

TEST(replay, results_come_back_exactly_as_written_oldest_first) {
  journal::replayer r;
  auto b = stored("b", 2000, 60000, "second");
  auto a = stored("a", 1000, 60000, "first");
  r.apply(b);
  r.apply(a);
  auto s = r.finish(5000);
  ASSERT_EQ(s.results.size(), 2u);
  EXPECT_EQ(s.results[0], a);
  EXPECT_EQ(s.results[1], b);
  EXPECT_EQ(s.expired, 0u);
}

TEST(replay, what_expired_before_the_restart_stays_gone) {
  journal::replayer r;
  r.apply(stored("old", 0, 1000));
  r.apply(stored("edge", 0, 5000));  // expires exactly at the restart: gone, as at its timer
  r.apply(stored("new", 4000, 2000));
  r.apply(status("ringing", 0, 1000, "ringing"));
  auto s = r.finish(5000);
  EXPECT_EQ(ids(s.results), std::vector<std::string>{"new"});
  EXPECT_TRUE(s.statuses.empty());
  EXPECT_EQ(s.expired, 3u);
}

TEST(replay, a_later_store_replaces_and_restarts_the_ttl) {
  journal::replayer r;
  r.apply(stored("c", 0, 1000, "v1"));
  r.apply(stored("c", 800, 1000, "v2"));
  auto s = r.finish(1500);  // v1's time is up, v2's is not
  ASSERT_EQ(s.results.size(), 1u);
  EXPECT_EQ(s.results[0].body, "v2");
  EXPECT_EQ(s.replaced, 1u);
}

TEST(replay, deletes_and_evictions_stay_deleted) {
  journal::replayer r;
  r.apply(stored("d", 0, 60000));
  r.apply(status("d2", 0, 60000, "queued"));
  r.apply(gone(kind::deleted, "d", 10));
  r.apply(gone(kind::deleted, "d2", 10));
  r.apply(stored("e", 0, 60000));
  r.apply(gone(kind::evicted, "e", 20));
  r.apply(stored("d", 30, 60000, "again"));  // stored again after its delete: back
  auto s = r.finish(100);
  EXPECT_EQ(ids(s.results), std::vector<std::string>{"d"});
  EXPECT_EQ(s.results[0].body, "again");
  EXPECT_TRUE(s.statuses.empty());
}

TEST(replay, a_status_counts_only_while_its_call_has_no_live_result) {
  journal::replayer r;
  r.apply(status("s", 0, 60000, "ringing"));
  r.apply(stored("s", 10, 1000));              // the result forgets the status
  r.apply(status("s", 20, 60000, "ended"));    // ignored: the result is cached
  r.apply(status("s", 2000, 60000, "queued"));  // the result expired at 1010: recorded
  auto s = r.finish(3000);
  EXPECT_TRUE(s.results.empty());
  ASSERT_EQ(s.statuses.size(), 1u);
  EXPECT_EQ(s.statuses[0].status, "queued");
  EXPECT_EQ(s.expired, 1u);  // the result
}

TEST(replay, the_latest_status_wins_and_finish_starts_afresh) {
  journal::replayer r;
  r.apply(status("p", 0, 60000, "queued"));
  r.apply(status("p", 5, 60000, "in-progress"));
  auto s = r.finish(10);
  ASSERT_EQ(s.statuses.size(), 1u);
  EXPECT_EQ(s.statuses[0].status, "in-progress");
  auto again = r.finish(10);
  EXPECT_TRUE(again.results.empty());
  EXPECT_TRUE(again.statuses.empty());
  EXPECT_EQ(again.replaced, 0u);
}

}  // namespace
