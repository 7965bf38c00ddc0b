// Measures the cache actor's round trip on a real CAF actor system configured as main.cpp does
// (scheduler.policy "sharing", one worker thread), with 10,000 results cached: the time from
// anon_send until the reply_fn has run on the actor's thread, for a put, a get hit, a get miss
// and a long-poll (wait_atom) whose result is already cached, plus a waiter woken by a put.
// This is the latency every HTTP request adds by going through the actor, not the map lookup
// alone. The pipelined variant sends 1,000 gets back to back and waits for the last reply:
// the actor's throughput per message when its mailbox is never empty.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "actors/cache_actor.hpp"

namespace {

using namespace std::chrono_literals;
using vapi_cache::answer;
using vapi_cache::body_ptr;
using vapi_cache::reply_fn;
using vapi_cache::wait_answer;
using vapi_cache::wait_reply_fn;
using vapi_cache::wait_request;

constexpr size_t prefilled = 10000;
constexpr int pipelined = 1000;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#endif
}

// Replies run on the actor's thread; the benchmark thread spins until it sees them.
void spin_until(const std::atomic<bool>& flag) {
  while (!flag.load(std::memory_order_acquire))
    cpu_relax();
}

std::string id_of(size_t i) { return "call-" + std::to_string(100000 + i); }

// A GET body of realistic size (the seed's CallResult is about 600 bytes).
body_ptr sample_body() {
  return vapi_cache::stored_body::make(
    R"({"success":true,"data":{"callId":"call-100000","status":"completed",)"
    R"("endedReason":"customer-ended-call","summary":"Customer confirmed availability",)" +
    std::string(480, 'x') + R"("}})");
}

caf::actor_system_config& main_like(caf::actor_system_config& cfg) {
  cfg.set("scheduler.max-threads", static_cast<size_t>(1));
  cfg.set("scheduler.policy", caf::atom("sharing"));
  return cfg;
}

// One actor system and cache per benchmark run, pre-filled, so that no run inherits another's
// timers or waiters. TTL and long-poll timeouts are an hour: no timer fires during a run.
class cache_fixture {
 public:
  cache_fixture() : sys_(main_like(cfg_)), cache_(vapi_cache::spawn_cache(sys_, 1h)) {
    for (size_t i = 0; i < prefilled; ++i)
      ids_.push_back(id_of(i));
    auto body = sample_body();
    std::atomic<bool> done{false};
    for (size_t i = 0; i < prefilled; ++i) {
      bool last = i + 1 == prefilled;
      caf::anon_send(cache_, caf::put_atom_v, ids_[i], body, reply_fn([&done, last](answer) {
                       if (last)
                         done.store(true, std::memory_order_release);
                     }));
    }
    spin_until(done);  // one mailbox, in order: the last reply means every put is in
  }

  ~cache_fixture() { caf::anon_send_exit(cache_, caf::exit_reason::user_shutdown); }

  vapi_cache::cache_actor& cache() { return cache_; }
  const std::string& id(size_t i) const { return ids_[i % prefilled]; }

 private:
  caf::actor_system_config cfg_;
  caf::actor_system sys_;
  vapi_cache::cache_actor cache_;
  std::vector<std::string> ids_;
};

// A put that replaces a cached result (the size stays 10,000), as a re-delivered report does;
// it also schedules the entry's expiry timer.
void BM_actor_put(benchmark::State& state) {
  cache_fixture f;
  auto body = sample_body();
  size_t i = 0;
  for (auto _ : state) {
    std::atomic<bool> done{false};
    caf::anon_send(f.cache(), caf::put_atom_v, f.id(i++), body, reply_fn([&done](answer a) {
                     benchmark::DoNotOptimize(a.what);
                     done.store(true, std::memory_order_release);
                   }));
    spin_until(done);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_actor_get_hit(benchmark::State& state) {
  cache_fixture f;
  size_t i = 0;
  for (auto _ : state) {
    std::atomic<bool> done{false};
    caf::anon_send(f.cache(), caf::get_atom_v, f.id(i++ * 7919), reply_fn([&done](answer a) {
                     benchmark::DoNotOptimize(a.body.get());
                     done.store(true, std::memory_order_release);
                   }));
    spin_until(done);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_actor_get_miss(benchmark::State& state) {
  cache_fixture f;
  const std::string missing = "5f0d3c1e-8b4a-4f5e-9c2d-000000000000";
  for (auto _ : state) {
    std::atomic<bool> done{false};
    caf::anon_send(f.cache(), caf::get_atom_v, missing, reply_fn([&done](answer a) {
                     benchmark::DoNotOptimize(a.what);
                     done.store(true, std::memory_order_release);
                   }));
    spin_until(done);
  }
  state.SetItemsProcessed(state.iterations());
}

// 1,000 gets queued at once; items/s is messages per second through the actor.
void BM_actor_get_hit_pipelined(benchmark::State& state) {
  cache_fixture f;
  size_t i = 0;
  for (auto _ : state) {
    std::atomic<int> answered{0};
    std::atomic<bool> done{false};
    for (int n = 0; n < pipelined; ++n)
      caf::anon_send(f.cache(), caf::get_atom_v, f.id(i++ * 7919),
                     reply_fn([&answered, &done](answer a) {
                       benchmark::DoNotOptimize(a.body.get());
                       if (answered.fetch_add(1, std::memory_order_relaxed) + 1 == pipelined)
                         done.store(true, std::memory_order_release);
                     }));
    spin_until(done);
  }
  state.SetItemsProcessed(state.iterations() * pipelined);
}

// GET /calls/:id?wait=30 when the result is already cached: answered at once, no timer.
void BM_actor_wait_cached(benchmark::State& state) {
  cache_fixture f;
  size_t i = 0;
  for (auto _ : state) {
    std::atomic<bool> done{false};
    caf::anon_send(f.cache(), vapi_cache::wait_atom_v,
                   wait_request{{f.id(i++ * 7919)}, caf::timespan{30s}, false},
                   wait_reply_fn([&done](wait_answer a) {
                     benchmark::DoNotOptimize(a.results.data());
                     done.store(true, std::memory_order_release);
                   }));
    spin_until(done);
  }
  state.SetItemsProcessed(state.iterations());
}

// A long-poll held for a result that then arrives: wait (registers a waiter and its timer),
// put (stores and wakes it), delete (so the next iteration waits again); timed until the
// waiter's reply. Three messages per iteration.
void BM_actor_wait_woken_by_put(benchmark::State& state) {
  cache_fixture f;
  auto body = sample_body();
  const std::string id = "5f0d3c1e-8b4a-4f5e-9c2d-7a1b3e6f9d20";
  auto ignore = [](answer) {};
  for (auto _ : state) {
    std::atomic<bool> done{false};
    caf::anon_send(f.cache(), vapi_cache::wait_atom_v,
                   wait_request{{id}, caf::timespan{1h}, false},
                   wait_reply_fn([&done](wait_answer a) {
                     benchmark::DoNotOptimize(a.results.data());
                     done.store(true, std::memory_order_release);
                   }));
    caf::anon_send(f.cache(), caf::put_atom_v, id, body, reply_fn(ignore));
    caf::anon_send(f.cache(), caf::delete_atom_v, id, reply_fn(ignore));
    spin_until(done);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_actor_put)->UseRealTime();
BENCHMARK(BM_actor_get_hit)->UseRealTime();
BENCHMARK(BM_actor_get_miss)->UseRealTime();
BENCHMARK(BM_actor_get_hit_pipelined)->UseRealTime();
BENCHMARK(BM_actor_wait_cached)->UseRealTime();
BENCHMARK(BM_actor_wait_woken_by_put)->UseRealTime();

}  // namespace
