// Tests actors/redis_batch.hpp: requests that arrive while a pipeline is out form the next
// one, each request gets exactly its own replies in order, and a failed or mismatched answer
// fails every request in its batch and no other.
#include "actors/redis_batch.hpp"

#include <gtest/gtest.h>

#include <optional>

namespace {

using vapi_cache::redis_batch;
using vapi_cache::redis_result;

struct outcome {
  bool ok = false;
  std::vector<std::string> texts;
  std::string error;
};

redis_batch::done_fn into(std::optional<outcome>& slot) {
  return [&slot](bool ok, std::vector<redis::reply> replies, const std::string& error) {
    outcome o{ok, {}, error};
    for (auto& r : replies)
      o.texts.push_back(r.text);
    slot = o;
  };
}

redis_result replies(std::vector<std::string> texts) {
  redis_result r{true, {}, {}};
  for (auto& t : texts)
    r.replies.push_back({redis::reply::kind::string, t, 0, {}});
  return r;
}

TEST(RedisBatch, EachRequestGetsItsOwnRepliesInOrder) {
  redis_batch b;
  std::optional<outcome> a, c, d;
  b.add({{"GET", "1"}, {"GET", "2"}}, into(a));
  b.add({{"GET", "3"}}, into(c));
  b.add({{"GET", "4"}, {"GET", "5"}, {"GET", "6"}}, into(d));
  ASSERT_TRUE(b.sendable());
  auto [n, commands] = b.take();
  ASSERT_EQ(commands.size(), 6u);
  EXPECT_EQ(commands[2], (redis::command{"GET", "3"}));
  b.done(n, replies({"a1", "a2", "c", "d1", "d2", "d3"}));
  ASSERT_TRUE(a && c && d);
  EXPECT_EQ(a->texts, (std::vector<std::string>{"a1", "a2"}));
  EXPECT_EQ(c->texts, (std::vector<std::string>{"c"}));
  EXPECT_EQ(d->texts, (std::vector<std::string>{"d1", "d2", "d3"}));
  EXPECT_TRUE(a->ok && c->ok && d->ok);
  EXPECT_TRUE(b.idle());
}

TEST(RedisBatch, WhatArrivesWhileAPipelineIsOutIsTheNextOne) {
  redis_batch b;
  std::optional<outcome> first, second, third;
  b.add({{"PING"}}, into(first));
  auto [n1, c1] = b.take();
  b.add({{"GET", "x"}}, into(second));
  b.add({{"GET", "y"}}, into(third));
  EXPECT_FALSE(b.sendable());  // one at a time
  EXPECT_EQ(b.waiting_requests(), 2u);
  b.done(n1 + 7, replies({"stray"}));  // not this batch's answer: ignored
  EXPECT_FALSE(first);
  b.done(n1, replies({"PONG"}));
  EXPECT_EQ(first->texts, (std::vector<std::string>{"PONG"}));
  EXPECT_FALSE(second);
  ASSERT_TRUE(b.sendable());
  auto [n2, c2] = b.take();
  EXPECT_NE(n2, n1);
  EXPECT_EQ(c2.size(), 2u);
  b.done(n2, replies({"X", "Y"}));
  EXPECT_EQ(second->texts, (std::vector<std::string>{"X"}));
  EXPECT_EQ(third->texts, (std::vector<std::string>{"Y"}));
}

TEST(RedisBatch, AFailedOrShortAnswerFailsEveryRequestInItsBatchOnly) {
  redis_batch b;
  std::optional<outcome> a, later;
  b.add({{"SET", "k", "v"}}, into(a));
  auto [n, cmds] = b.take();
  b.add({{"GET", "k"}}, into(later));
  b.done(n, redis_result{false, "Redis: cannot read a reply: Connection reset", {}});
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->ok);
  EXPECT_NE(a->error.find("Connection reset"), std::string::npos);
  EXPECT_FALSE(later);  // still waiting for its own pipeline
  auto [n2, c2] = b.take();
  b.done(n2, replies({}));  // ok but a reply short: never handed out misaligned
  ASSERT_TRUE(later);
  EXPECT_FALSE(later->ok);
  EXPECT_EQ(later->error, "reply count mismatch");
}

TEST(RedisBatch, FailAllAnswersInFlightAndWaitingRequests) {
  redis_batch b;
  std::optional<outcome> flying, waiting;
  b.add({{"PING"}}, into(flying));
  b.take();
  b.add({{"PING"}}, into(waiting));
  b.fail_all("store stopping");
  ASSERT_TRUE(flying && waiting);
  EXPECT_EQ(flying->error, "store stopping");
  EXPECT_EQ(waiting->error, "store stopping");
  EXPECT_TRUE(b.idle());
}

}  // namespace
