// Tests actors/waiters.cpp: who completes, when, with what, and that nothing is left behind.
#include "actors/waiters.hpp"

#include <gtest/gtest.h>

#include <optional>

namespace {

using vapi_cache::body_ptr;
using vapi_cache::waiters;

body_ptr body(const std::string& text) { return vapi_cache::stored_body::make(text); }

// Records the completion of one waiter.
struct outcome_of {
  std::optional<std::vector<body_ptr>> got;
  std::optional<waiters::ending> why;
  int calls = 0;
  waiters::done_fn fn() {
    return [this](std::vector<body_ptr> b, waiters::ending e) {
      got = std::move(b);
      why = e;
      ++calls;
    };
  }
};

TEST(waiters, a_stored_result_completes_every_waiter_on_its_call) {
  waiters w;
  outcome_of a, b, other;
  w.add({"c1"}, {nullptr}, false, a.fn());
  w.add({"c1"}, {nullptr}, false, b.fn());
  w.add({"c2"}, {nullptr}, false, other.fn());
  EXPECT_EQ(w.size(), 3u);
  w.stored("c1", body("r1"));
  ASSERT_TRUE(a.got && b.got);
  EXPECT_EQ(a.got->at(0)->text(), "r1");
  EXPECT_EQ(b.got->at(0)->text(), "r1");
  EXPECT_EQ(a.why, waiters::ending::answered);
  EXPECT_FALSE(other.got);
  EXPECT_EQ(w.size(), 1u);
  w.stored("c1", body("again"));  // nobody waits on c1 any more
  EXPECT_EQ(a.calls, 1);
}

TEST(waiters, expiry_completes_with_what_it_has_exactly_once) {
  waiters w;
  outcome_of a;
  auto id = w.add({"c1", "c2"}, {nullptr, body("cached")}, false, a.fn());
  w.expire(id);
  ASSERT_TRUE(a.got);
  EXPECT_EQ(a.got->at(0), nullptr);
  EXPECT_EQ(a.got->at(1)->text(), "cached");
  EXPECT_EQ(a.why, waiters::ending::timed_out);
  w.expire(id);           // its timer after completion: nothing
  w.stored("c1", body("late"));
  EXPECT_EQ(a.calls, 1);
  EXPECT_EQ(w.size(), 0u);
}

TEST(waiters, all_mode_waits_for_the_last_any_mode_for_the_first) {
  waiters w;
  outcome_of all, any;
  w.add({"a", "b", "c"}, {nullptr, nullptr, nullptr}, false, all.fn());
  w.add({"a", "b", "c"}, {nullptr, nullptr, nullptr}, true, any.fn());
  w.stored("b", body("B"));
  ASSERT_TRUE(any.got);
  EXPECT_EQ(any.got->at(1)->text(), "B");
  EXPECT_EQ(any.got->at(0), nullptr);
  EXPECT_FALSE(all.got);
  w.stored("a", body("A"));
  EXPECT_FALSE(all.got);
  w.stored("c", body("C"));
  ASSERT_TRUE(all.got);
  EXPECT_EQ(all.got->at(0)->text(), "A");
  EXPECT_EQ(all.got->at(2)->text(), "C");
  EXPECT_EQ(any.calls, 1);
  EXPECT_EQ(w.size(), 0u);
}

TEST(waiters, a_completed_waiter_is_unlinked_from_its_other_calls) {
  waiters w;
  outcome_of any, later;
  w.add({"a", "b"}, {nullptr, nullptr}, true, any.fn());
  w.stored("a", body("A"));
  ASSERT_TRUE(any.got);
  w.add({"b"}, {nullptr}, false, later.fn());
  w.stored("b", body("B"));  // must not touch the completed waiter
  EXPECT_EQ(any.calls, 1);
  EXPECT_EQ(later.calls, 1);
}

TEST(waiters, expire_all_answers_everyone) {
  waiters w;
  outcome_of a, b;
  w.add({"x"}, {nullptr}, false, a.fn());
  w.add({"y", "z"}, {nullptr, nullptr}, true, b.fn());
  w.expire_all();
  EXPECT_EQ(a.calls, 1);
  EXPECT_EQ(b.calls, 1);
  EXPECT_EQ(a.why, waiters::ending::released);
  EXPECT_EQ(b.why, waiters::ending::released);
  EXPECT_EQ(w.size(), 0u);
  w.stored("x", body("late"));
  EXPECT_EQ(a.calls, 1);
}

}  // namespace

namespace {

TEST(waiters, a_dropped_waiter_is_never_called_and_frees_its_place) {
  waiters w;
  outcome_of gone, stays;
  auto id = w.add({"c1"}, {nullptr}, false, gone.fn());
  w.add({"c1"}, {nullptr}, false, stays.fn());
  EXPECT_TRUE(w.drop(id));
  EXPECT_EQ(w.size(), 1u);
  EXPECT_FALSE(w.drop(id));  // once only
  w.stored("c1", body("r"));
  EXPECT_EQ(gone.calls, 0);
  EXPECT_EQ(stays.calls, 1);
  w.expire(id);  // its timer later: nothing
  EXPECT_EQ(gone.calls, 0);
}

}  // namespace
