// Tests redis/refusals.cpp: which error replies keep an outbox change queued, and how much of a
// pipeline cut in the middle by one (Redis finishing LOADING between two changes) leaves.
#include <gtest/gtest.h>

#include <cstdint>

#include "redis/refusals.hpp"

namespace {

redis::reply ok() {
  redis::reply r;
  r.type = redis::reply::kind::integer;
  r.integer = 1;
  return r;
}

redis::reply error(const char* text) {
  redis::reply r;
  r.type = redis::reply::kind::error;
  r.text = text;
  return r;
}

TEST(RedisRefusals, RedisStatesAreForNowAndTheChangesOwnProblemsForGood) {
  for (auto text : {"LOADING Redis is loading the dataset in memory",
                    "READONLY You can't write against a read only replica.",
                    "OOM command not allowed when used memory > 'maxmemory'. script: 32c1, on "
                    "@user_script:1.",
                    "NOREPLICAS Not enough good replicas to write.", "BUSY Redis is busy",
                    "MISCONF Redis is configured to save RDB snapshots", "MASTERDOWN Link down",
                    "NOPERM this user has no permissions", "TRYAGAIN", "EXECABORT aborted"})
    EXPECT_TRUE(redis::refused_for_now(text)) << text;
  for (auto text : {"WRONGTYPE Operation against a key holding the wrong kind of value",
                    "ERR user_script:1: Script attempted to access nonexistent global", "ERR",
                    "", "LOADINGX not a code", "loading lower case is not Redis's"})
    EXPECT_FALSE(redis::refused_for_now(text)) << text;
}

TEST(RedisRefusals, APipelineCutByLoadingSettlesOnlyWhatCameBeforeTheCut) {
  // Changes 0 and 1 taken, 2 refused while loading, 3 taken once loading finished.
  std::vector<redis::reply> replies = {ok(), ok(), error("LOADING Redis is loading"), ok()};
  EXPECT_EQ(redis::settled_changes(replies, {0, 1, 2, 3}), 2u);
  // Refused from the first: nothing leaves.
  EXPECT_EQ(redis::settled_changes({error("LOADING x"), ok()}, {0, 1}), 0u);
}

TEST(RedisRefusals, RefusedForGoodAndExpiredChangesLeaveWithTheTakenOnes) {
  std::vector<redis::reply> replies = {ok(), error("WRONGTYPE Operation"), ok()};
  // SIZE_MAX: an expired change, which sent nothing.
  EXPECT_EQ(redis::settled_changes(replies, {0, SIZE_MAX, 1, 2}), 4u);
  EXPECT_EQ(redis::settled_changes({}, {SIZE_MAX, SIZE_MAX}), 2u);
}

TEST(RedisRefusals, AChangeWithoutAReplyIsNotSettled) {
  EXPECT_EQ(redis::settled_changes({ok()}, {0, 1}), 1u);
}

}  // namespace
