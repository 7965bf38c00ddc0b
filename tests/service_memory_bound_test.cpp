// Tests the memory bounds on the real binary: MAX_MEMORY_MB under a flood of large reports
// (the oldest are evicted, the newest served, RSS stays bounded), MAX_ENTRIES across a restart
// on the same journal (what was evicted stays gone), and a MAX_MEMORY_MB that cannot hold one
// report of MAX_BODY_BYTES refused at start.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <random>
#include <signal.h>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_client.hpp"
#include "tests/support/payloads.hpp"
#include "tests/support/service_api.hpp"
#include "tests/support/service_probe.hpp"
#include "tests/support/service_process.hpp"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using namespace test_support;
using clock_type = std::chrono::steady_clock;

constexpr size_t MiB = size_t(1) << 20;

// A vocabulary of made-up words, so that a transcript is text LZ4 shrinks somewhat but not
// to nothing (random words, each report its own sequence of them).
const std::vector<std::string>& vocabulary() {
  static const std::vector<std::string> words = [] {
    std::mt19937_64 rng(7);
    std::vector<std::string> out;
    for (int i = 0; i < 4000; ++i) {
      std::string w(3 + rng() % 8, 'a');
      for (auto& ch : w)
        ch = char('a' + rng() % 26);
      out.push_back(std::move(w));
    }
    return out;
  }();
  return words;
}

// About `size` bytes of a conversation, different for every seed.
std::string transcript(uint64_t seed, size_t size) {
  const auto& words = vocabulary();
  std::mt19937_64 rng(seed);
  std::string out;
  out.reserve(size + 64);
  bool ai = true;
  while (out.size() < size) {
    out += ai ? "AI: " : "User: ";
    for (int n = 5 + int(rng() % 20); n > 0; --n) {
      out += words[rng() % words.size()];
      out += n > 1 ? ' ' : '.';
    }
    out += '\n';
    ai = !ai;
  }
  return out;
}

// tests/payloads/real_report.json as `id`, with a transcript of about `size` bytes (in both
// places VAPI puts it).
std::string large_report(const std::string& id, size_t size) {
  static const json base = json::parse(read_payload("real_report.json"));
  json r = base;
  auto text = transcript(std::hash<std::string>{}(id), size);
  r["message"]["call"]["id"] = id;
  r["message"]["transcript"] = text;
  r["message"]["artifact"]["transcript"] = text;
  return r.dump();
}

std::string flood_id(size_t i) { return "flood-" + std::to_string(i); }

// Every log line of `svc` with "event": `name`.
std::vector<json> events(const service_process& svc, const std::string& name) {
  std::vector<json> out;
  for (const auto& line : svc.log_lines())
    if (auto j = json::parse(line, nullptr, false); j.is_object() && j.value("event", "") == name)
      out.push_back(std::move(j));
  return out;
}

double metric(uint16_t port, const std::string& series) {
  return sample(http_client(port, 10).get("/metrics").body, series);
}

// ---- MAX_MEMORY_MB under a flood

TEST(MemoryBound, AFloodOfLargeReportsEvictsTheOldestAndStaysWithinTheBound) {
  constexpr size_t max_mb = 32;
  constexpr int connections = 6;
  service_process svc({}, {{"MAX_MEMORY_MB", std::to_string(max_mb)},
                           {"MAX_BODY_BYTES", "1048576"}});
  long idle_rss = rss_bytes(svc.pid());

  // One report first, to learn what each one costs once stored (compressed).
  {
    http_client c(svc.port(), 10);
    auto body = large_report("probe", 64 << 10);
    ASSERT_LT(body.size(), size_t(1048576));
    ASSERT_EQ(c.post_json(webhook, body).status, 200);
    ASSERT_EQ(c.request("DELETE", calls + "probe").status, 200);
  }
  auto one = large_report(flood_id(0), 64 << 10);
  size_t stored_per_report = 0;
  {
    http_client c(svc.port(), 10);
    ASSERT_EQ(c.post_json(webhook, one).status, 200);
    stored_per_report = size_t(metric(svc.port(), "vapi_cache_stored_bytes"));
  }
  ASSERT_GT(stored_per_report, size_t(16 << 10)) << "the transcript compressed to nothing";
  ASSERT_LT(stored_per_report, one.size());
  // Ten times MAX_MEMORY_MB of stored (compressed) results.
  const size_t total = 10 * max_mb * MiB / stored_per_report + 1;
  std::cout << "[ flood ] report " << one.size() << " bytes, stored " << stored_per_report
            << " bytes compressed; posting " << total << " reports from " << connections
            << " connections" << std::endl;

  std::atomic<size_t> next{1};  // flood-0 is in already
  std::atomic<int> failures{0};
  std::atomic<bool> flooding{true};
  std::atomic<long> max_rss{0};
  std::mutex first_failure_mutex;
  std::string first_failure;
  auto fail = [&](const std::string& what) {
    if (failures++ == 0) {
      std::lock_guard<std::mutex> lock(first_failure_mutex);
      first_failure = what;
    }
  };
  auto started = clock_type::now();
  std::vector<std::thread> posters;
  for (int t = 0; t < connections; ++t)
    posters.emplace_back([&] {
      try {
        http_client c(svc.port(), 30);
        for (size_t i; (i = next++) < total;) {
          auto rsp = c.post_json(webhook, large_report(flood_id(i), 64 << 10));
          if (rsp.status != 200)
            fail("POST " + flood_id(i) + ": " + std::to_string(rsp.status) + " " + rsp.body);
        }
      } catch (const std::exception& e) {
        fail(std::string("poster: ") + e.what());
      }
    });
  // Meanwhile: RSS, and whether /health still answers.
  int health_probes = 0;
  auto slowest_health = 0ms;
  std::thread watcher([&] {
    while (flooding) {
      long r = rss_bytes(svc.pid());
      if (r > max_rss)
        max_rss = r;
      auto at = clock_type::now();
      try {
        if (http_client(svc.port(), 10).get("/health").status != 200)
          fail("/health not 200 during the flood");
      } catch (const std::exception& e) {
        fail(std::string("/health: ") + e.what());
      }
      slowest_health = std::max(slowest_health, std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  clock_type::now() - at));
      ++health_probes;
      std::this_thread::sleep_for(50ms);
    }
  });
  for (auto& p : posters)
    p.join();
  auto took = std::chrono::duration<double>(clock_type::now() - started).count();
  flooding = false;
  watcher.join();
  max_rss = std::max(max_rss.load(), rss_bytes(svc.pid()));
  EXPECT_EQ(failures.load(), 0) << first_failure;

  http_client c(svc.port(), 30);
  auto page = c.get("/metrics").body;
  double entries = sample(page, "vapi_cache_entries");
  double evictions = sample(page, "vapi_cache_evictions_total");
  double accounted = sample(page, "vapi_cache_accounted_bytes");
  double stored = sample(page, "vapi_cache_stored_bytes");
  long end_rss = rss_bytes(svc.pid());
  std::cout << "[ flood ] " << total << " reports (" << total * one.size() / MiB << " MiB posted, ~"
            << total * stored_per_report / MiB << " MiB stored) in " << took << " s; entries "
            << entries << ", evictions " << evictions << ", accounted "
            << accounted / double(MiB) << " MiB, stored " << stored / double(MiB) << " MiB"
            << std::endl;
  std::cout << "[ flood ] RSS idle " << idle_rss / MiB << " MiB, peak " << max_rss / MiB
            << " MiB, after " << end_rss / MiB << " MiB; /health probes " << health_probes
            << ", slowest " << slowest_health.count() << " ms" << std::endl;

  EXPECT_GT(health_probes, 0);
  EXPECT_GT(evictions, 0);
  EXPECT_LE(accounted, double(max_mb * MiB));
  EXPECT_GT(accounted, double(max_mb * MiB) * 0.9) << "the bound is not being used";
  EXPECT_EQ(entries + evictions, double(total)) << "every report is either cached or evicted";
  EXPECT_EQ(sample(page, "vapi_cache_max_bytes"), double(max_mb * MiB));

  auto st = json::parse(c.get(stats + "?limit=0").body, nullptr, false);
  ASSERT_TRUE(st.is_object());
  EXPECT_EQ(st["stats"]["counters"]["evictions"].get<double>(), evictions);
  EXPECT_EQ(st["stats"]["size"].get<double>(), entries);

  // Arrival order is id order give or take the reports in flight on the other connections,
  // so the newest (entries - connections) are surely in, and the earliest surely evicted.
  size_t cached = size_t(entries);
  ASSERT_GT(cached, size_t(2 * connections));
  size_t newest = cached - connections;
  int missing = 0;
  for (size_t i = total - newest; i < total; ++i) {
    auto rsp = c.get(calls + flood_id(i));
    if (rsp.status != 200 || rsp.body.find(flood_id(i)) == std::string::npos)
      ++missing;
  }
  EXPECT_EQ(missing, 0) << "of the newest " << newest;
  int evicted_found = 0;
  for (size_t i = 0; i < 200; ++i)
    evicted_found += c.get(calls + flood_id(i)).status != 404;
  EXPECT_EQ(evicted_found, 0) << "of the earliest 200";

  auto logged = events(svc, "evicted");
  ASSERT_FALSE(logged.empty()) << "no evicted log line";
  EXPECT_EQ(logged[0].value("level", ""), "warning");
  EXPECT_GE(logged[0].value("count", 0), 1);
  double logged_count = 0;  // at most a line a second: the last few may be unlogged yet
  for (const auto& l : logged)
    logged_count += l.value("count", 0);
  EXPECT_LE(logged_count, evictions);
  EXPECT_EQ(logged[0].value("reason", ""), "max_memory");
  EXPECT_EQ(logged[0].value("maxBytes", size_t(0)), max_mb * MiB);

  // Measured (2 cores, JOURNAL_FSYNC always, 6 posting connections, ~840 MiB posted in about
  // 9 s): idle 18 MiB, peak 67 MiB, so 32 MiB of results plus about 35 MiB of runtime, request
  // buffers and allocator slack. Without the bound it would pass 320 MiB; the limit leaves
  // room for a busier machine.
  EXPECT_LT(max_rss, long(max_mb * MiB + 96 * MiB)) << "peak RSS " << max_rss / MiB << " MiB";
  EXPECT_EQ(svc.stop(SIGTERM), 0);
}

// ---- MAX_ENTRIES, across restarts on the same journal

class TempDir {
 public:
  TempDir() : path_(make_temp_dir("vapi-cache-bound")) {}
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// first `evicted` ids 404, the rest 200 with their own result.
void expect_kept_after(uint16_t port, int total, int evicted, const std::string& when) {
  http_client c(port, 30);
  int wrong_evicted = 0, wrong_kept = 0;
  for (int i = 0; i < total; ++i) {
    auto id = "entry-" + std::to_string(i);
    auto rsp = c.get(calls + id);
    if (i < evicted)
      wrong_evicted += rsp.status != 404;
    else
      wrong_kept += rsp.status != 200 || rsp.body.find(id) == std::string::npos;
  }
  EXPECT_EQ(wrong_evicted, 0) << when << ": of the first " << evicted << ", not 404";
  EXPECT_EQ(wrong_kept, 0) << when << ": of the last " << total - evicted << ", not served";
}

TEST(MemoryBound, MaxEntriesEvictsTheOldestAndTheyStayGoneAfterRestarts) {
  TempDir dir;
  std::map<std::string, std::string> env{{"MAX_ENTRIES", "100"}, {"DATA_DIR", dir.path()}};
  {
    service_process svc({}, env);
    http_client c(svc.port(), 10);
    for (int i = 0; i < 150; ++i)
      ASSERT_EQ(c.post_json(webhook, report("entry-" + std::to_string(i))).status, 200) << i;
    expect_kept_after(svc.port(), 150, 50, "before the restart");
    auto page = c.get("/metrics").body;
    EXPECT_EQ(sample(page, "vapi_cache_entries"), 100);
    EXPECT_EQ(sample(page, "vapi_cache_evictions_total"), 50);
    EXPECT_EQ(sample(page, "vapi_cache_max_entries"), 100);
    auto logged = events(svc, "evicted");
    ASSERT_FALSE(logged.empty());
    EXPECT_EQ(logged[0].value("reason", ""), "max_entries");
    EXPECT_EQ(svc.stop(SIGTERM), 0);
  }
  {
    service_process svc({}, env);
    expect_kept_after(svc.port(), 150, 50, "after a clean restart");
    auto page = http_client(svc.port(), 10).get("/metrics").body;
    EXPECT_EQ(sample(page, "vapi_cache_entries"), 100);
    EXPECT_EQ(sample(page, "vapi_cache_results_restored_total"), 100);
    EXPECT_EQ(sample(page, "vapi_cache_evictions_total"), 0);
    // Past the bound again, then killed: what was acknowledged, evictions included, is on disk.
    http_client c(svc.port(), 10);
    for (int i = 150; i < 160; ++i)
      ASSERT_EQ(c.post_json(webhook, report("entry-" + std::to_string(i))).status, 200) << i;
    EXPECT_EQ(svc.stop(SIGKILL), -1);
  }
  {
    service_process svc({}, env);
    expect_kept_after(svc.port(), 160, 60, "after kill -9");
    EXPECT_EQ(metric(svc.port(), "vapi_cache_results_restored_total"), 100);
  }
}

// After a restart with a shorter CACHE_TTL_SECONDS the replayed results expire after any new
// one; the new one, just acknowledged, must still not be the one evicted.
TEST(MemoryBound, ANewResultIsKeptWhenReplayedResultsOutliveIt) {
  TempDir dir;
  {
    service_process svc({}, {{"MAX_ENTRIES", "3"}, {"CACHE_TTL_SECONDS", "7200"},
                             {"DATA_DIR", dir.path()}});
    http_client c(svc.port(), 10);
    for (int i = 0; i < 3; ++i)
      ASSERT_EQ(c.post_json(webhook, report("entry-" + std::to_string(i))).status, 200);
    EXPECT_EQ(svc.stop(SIGTERM), 0);
  }
  service_process svc({}, {{"MAX_ENTRIES", "3"}, {"CACHE_TTL_SECONDS", "60"},
                           {"DATA_DIR", dir.path()}});
  http_client c(svc.port(), 10);
  ASSERT_EQ(c.post_json(webhook, report("new")).status, 200);
  EXPECT_EQ(c.get(calls + "new").status, 200) << "the result just acknowledged was evicted";
  EXPECT_EQ(c.get(calls + "entry-0").status, 404);  // the soonest to expire of the others
  EXPECT_EQ(c.get(calls + "entry-1").status, 200);
  EXPECT_EQ(c.get(calls + "entry-2").status, 200);
  EXPECT_EQ(metric(svc.port(), "vapi_cache_evictions_total"), 1);
}

// ---- A bound that cannot hold one report

TEST(MemoryBound, AMemoryBoundBelowOneMaxBodyIsRefusedAtStart) {
  try {
    service_process svc({}, {{"MAX_MEMORY_MB", "4"}});  // MAX_BODY_BYTES: 8 MiB by default
    ADD_FAILURE() << "started with MAX_MEMORY_MB=4 and MAX_BODY_BYTES=8 MiB";
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("exited with code 2"), std::string::npos) << what;
    EXPECT_NE(what.find("MAX_MEMORY_MB"), std::string::npos) << what;
    EXPECT_NE(what.find("MAX_BODY_BYTES"), std::string::npos) << what;
  }
  // Exactly one report's room is enough, and a smaller MAX_BODY_BYTES makes 4 MiB enough.
  service_process exactly({}, {{"MAX_MEMORY_MB", "8"}});
  EXPECT_EQ(metric(exactly.port(), "vapi_cache_max_bytes"), double(8 * MiB));
  service_process smaller({}, {{"MAX_MEMORY_MB", "4"}, {"MAX_BODY_BYTES", "4194304"}});
  EXPECT_EQ(metric(smaller.port(), "vapi_cache_max_bytes"), double(4 * MiB));
}

}  // namespace
