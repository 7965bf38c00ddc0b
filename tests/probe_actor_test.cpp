// Tests actors/probe_actor.cpp on CAF's test coordinator: a cache that answers makes the probe
// report healthy with the cache's numbers; one that does not is reported down once the deadline
// passes, which the test reaches by advancing the clock, not by sleeping.
#include "actors/probe_actor.hpp"

#include <caf/scheduler/test_coordinator.hpp>
#include <gtest/gtest.h>

#include <optional>

#include "actors/cache_actor.hpp"

namespace {

using namespace std::chrono_literals;
using vapi_cache::system_view;

caf::actor_system_config& testing_config(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("testing"));
  return cfg;
}

// A cache that takes every message and answers none: what a stuck cache looks like from outside.
vapi_cache::cache_actor::behavior_type silent_cache(vapi_cache::cache_actor::pointer self) {
  using namespace vapi_cache;
  return {
    [](caf::put_atom, std::string&, body_ptr&, reply_fn&) {},
    [](caf::get_atom, const std::string&, reply_fn&) {},
    [](caf::delete_atom, const std::string&, reply_fn&) {},
    [](stats_atom, const stats_request&, reply_fn&) {},
    [](status_atom, std::string&, call_progress&, reply_fn&) {},
    [](wait_atom, wait_request&, wait_reply_fn&) {},
    [](wait_over_atom, uint64_t) {},
    [](wait_over_atom) {},
    [](wait_gone_atom, const std::vector<uint64_t>&) {},
    [](wait_release_atom, const std::vector<uint64_t>&) {},
    [](expire_atom, const std::string&, uint64_t) {},
    [](attach_atom, journal_actor&) {},
    [](journaled_atom, uint64_t, bool, journal_health&) {},
    [](replay_atom, replay_chunk&) {},
    [self](caf::close_atom) { return self->make_response_promise<bool>(); },
    [self](caf::ping_atom) { return self->make_response_promise<cache_health>(); },
    [self](metrics_atom, int64_t) { return self->make_response_promise<cache_metrics>(); },
  };
}

class ProbeActorTest : public ::testing::Test {
 protected:
  ProbeActorTest()
    : sys_(testing_config(cfg_)),
      sched_(dynamic_cast<caf::scheduler::test_coordinator&>(sys_.scheduler())) {}

  ~ProbeActorTest() override {
    caf::anon_send_exit(probe_, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(cache_, caf::exit_reason::user_shutdown);
    sched_.run();
  }

  void start(vapi_cache::cache_actor cache) {
    cache_ = std::move(cache);
    probe_ = vapi_cache::spawn_probe(sys_, cache_, 1s);
    sched_.run();
  }

  std::shared_ptr<std::optional<bool>> health() {
    auto slot = std::make_shared<std::optional<bool>>();
    caf::anon_send(probe_, caf::ping_atom_v,
                   vapi_cache::health_reply_fn(
                     [slot](vapi_cache::health_view h) { *slot = h.cache_up; }));
    sched_.run();
    return slot;
  }

  std::shared_ptr<std::optional<system_view>> view() {
    auto slot = std::make_shared<std::optional<system_view>>();
    caf::anon_send(probe_, vapi_cache::metrics_atom_v,
                   vapi_cache::view_reply_fn([slot](system_view v) { *slot = std::move(v); }));
    sched_.run();
    return slot;
  }

  caf::actor_system_config cfg_;
  caf::actor_system sys_;
  caf::scheduler::test_coordinator& sched_;
  vapi_cache::cache_actor cache_;
  vapi_cache::probe_actor probe_;
};

TEST_F(ProbeActorTest, AnsweringCacheIsHealthyAndReportsItsNumbers) {
  start(vapi_cache::spawn_cache(sys_, std::chrono::minutes(30)));
  auto healthy = health();
  ASSERT_TRUE(*healthy);
  EXPECT_TRUE(**healthy);

  caf::anon_send(cache_, caf::put_atom_v, std::string("a"),
                 vapi_cache::stored_body::make("body"),
                 vapi_cache::reply_fn([](vapi_cache::answer) {}));
  sched_.run();
  auto v = view();
  ASSERT_TRUE(*v);
  EXPECT_TRUE((*v)->cache_up);
  EXPECT_EQ((*v)->cache.entries, 1u);
  EXPECT_EQ((*v)->cache.stored_bytes, 4u);
  EXPECT_EQ((*v)->cache.counters.cached, 1u);
  EXPECT_EQ((*v)->running_actors, 2u);  // the cache and the probe
  EXPECT_GE((*v)->workers, 1u);
  // On the test clock no time passes while the request waits in the mailbox.
  EXPECT_DOUBLE_EQ((*v)->cache_oldest_message_age_seconds, 0.0);
}

TEST_F(ProbeActorTest, SilentCacheIsUnhealthyAfterTheDeadline) {
  start(sys_.spawn(silent_cache));
  auto healthy = health();
  EXPECT_FALSE(*healthy);  // no answer yet, and no verdict before the deadline
  sched_.advance_time(999ms);
  sched_.run();
  EXPECT_FALSE(*healthy);
  sched_.advance_time(1ms);
  sched_.run();
  ASSERT_TRUE(*healthy);
  EXPECT_FALSE(**healthy);
}

TEST_F(ProbeActorTest, SilentCacheIsReportedDownWithTheAgeItsMessageReached) {
  start(sys_.spawn(silent_cache));
  auto v = view();
  EXPECT_FALSE(*v);
  sched_.advance_time(1s);
  sched_.run();
  ASSERT_TRUE(*v);
  EXPECT_FALSE((*v)->cache_up);
  EXPECT_EQ((*v)->cache.entries, 0u);
  EXPECT_DOUBLE_EQ((*v)->cache_oldest_message_age_seconds, 1.0);
  EXPECT_EQ((*v)->running_actors, 2u);
}

}  // namespace
