// Tests the journal (DATA_DIR) on the real binary, as an operator meets it: every JOURNAL_FSYNC
// keeps what was acknowledged across a stop and a kill -9; the stored and expiry times survive a
// restart, so a result expires when it would have anyway; a lookup during replay is held, never
// answered 404; and DATA_DIR="" keeps the service memory only, saying so. The kill -9 loop under
// load is service_journal_kill_test.cpp; damaged files, the directory lock and failing writes
// are in service_journal_damage_test.cpp.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_client.hpp"
#include "tests/support/journal_dir.hpp"
#include "tests/support/journal_service.hpp"
#include "tests/support/service_api.hpp"
#include "tests/support/service_probe.hpp"
#include "tests/support/service_process.hpp"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test_support::http_client;
using test_support::service_process;
using test_support::calls;
using test_support::stats;
using test_support::webhook;

using test_support::data_dir;
using test_support::events;
using test_support::example_report;
using test_support::stats_entries;
using test_support::times;
using test_support::wait_ready;

int64_t epoch_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// ---- Expiry across a restart

TEST(Journal, ExpiredResultsStayGoneAndLiveOnesKeepTheirOriginalExpiry) {
  data_dir dir;
  times brief;
  {
    service_process svc({}, dir.env({{"CACHE_TTL_SECONDS", "2"}}));
    http_client c(svc.port());
    ASSERT_EQ(c.post_json(webhook, example_report("brief", 0)).status, 200);
    brief = stats_entries(c).at("brief");
    EXPECT_EQ(brief.expires_at - brief.timestamp, 2000);
    EXPECT_EQ(svc.stop(SIGTERM), 0);
  }
  while (epoch_ms() <= brief.expires_at + 20)  // it expires while the service is down
    std::this_thread::sleep_for(20ms);

  times later;
  std::string later_body;
  {
    service_process svc({}, dir.env({{"CACHE_TTL_SECONDS", "2"}}));
    http_client c(svc.port());
    EXPECT_EQ(c.get(calls + "brief").status, 404);
    ASSERT_TRUE(wait_ready(svc.port()));
    EXPECT_EQ(json::parse(c.get(stats).body)["stats"]["size"], 0);
    auto read = events(svc, "journal_read");
    ASSERT_EQ(read.size(), 1u) << svc.log_text();
    EXPECT_EQ(read[0]["expired"], 1);
    EXPECT_EQ(read[0]["results"], 0);

    ASSERT_EQ(c.post_json(webhook, example_report("later", 1)).status, 200);
    later_body = c.get(calls + "later").body;
    later = stats_entries(c).at("later");
    EXPECT_EQ(svc.stop(SIGTERM), 0);
  }
  // A longer TTL now does not lengthen the life of what was stored before it.
  service_process svc({}, dir.env({{"CACHE_TTL_SECONDS", "1800"}}));
  http_client c(svc.port());
  auto got = c.get(calls + "later");
  ASSERT_LT(epoch_ms(), later.expires_at) << "the restart took too long to test this";
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.body, later_body);
  ASSERT_TRUE(wait_ready(svc.port()));
  auto listed = stats_entries(c);
  ASSERT_EQ(listed.count("later"), 1u);
  EXPECT_EQ(listed.at("later"), later);
  int64_t last_served = 0, first_missed = 0;
  while (epoch_ms() < later.expires_at + 3000) {
    int64_t asked = epoch_ms();
    if (c.get(calls + "later").status != 200) {
      first_missed = asked;
      break;
    }
    last_served = asked;
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_NE(first_missed, 0) << "still served 3 s after its expiresAt";
  EXPECT_GE(first_missed, later.expires_at - 20);  // not before its time (20 ms: clock reads)
  EXPECT_LE(last_served, later.expires_at + 500);  // nor long after it
  EXPECT_EQ(json::parse(c.get(stats).body)["stats"]["size"], 0);
}

// ---- Every JOURNAL_FSYNC keeps what was acknowledged across a stop and a kill -9

class JournalFsync : public ::testing::TestWithParam<const char*> {};

TEST_P(JournalFsync, StopAndKillNineKeepEveryAcknowledgedChange) {
  data_dir dir;
  auto env = dir.env({{"JOURNAL_FSYNC", GetParam()}});
  service_process control({}, {{"DATA_DIR", ""}});
  std::map<std::string, std::string> bodies;  // what must be back, byte for byte
  auto expect_back = [&](const service_process& svc) {
    http_client c(svc.port());
    for (const auto& [id, body] : bodies) {
      auto got = c.get(calls + id);
      EXPECT_EQ(got.status, 200) << id;
      EXPECT_EQ(got.body, body) << id;
    }
    EXPECT_EQ(c.get(calls + "fs-0").status, 404) << "a deleted result came back";
    EXPECT_TRUE(wait_ready(svc.port()));
    EXPECT_EQ(json::parse(c.get(stats + "?limit=0").body)["stats"]["size"], bodies.size());
  };
  {
    service_process svc({}, env);
    auto listening = events(svc, "listening");
    ASSERT_EQ(listening.size(), 1u);
    EXPECT_EQ(listening[0]["journalFsync"], GetParam());
    http_client c(svc.port());
    for (int i = 0; i < 30; ++i) {
      std::string id = "fs-" + std::to_string(i);
      ASSERT_EQ(c.post_json(webhook, example_report(id, size_t(i) % 4)).status, 200);
      bodies[id] = c.get(calls + id).body;
    }
    ASSERT_EQ(c.request("DELETE", calls + "fs-0").status, 200);
    bodies.erase("fs-0");
    // Every fdatasync is timed: the histogram counts exactly the syncs; under always, one
    // client's 31 changes one after the other are 31 batches, each synced before its answer.
    auto page = c.get("/metrics").body;
    double syncs = test_support::sample(page, "vapi_journal_syncs_total");
    EXPECT_EQ(test_support::sample(page, "vapi_journal_sync_seconds_count"), syncs) << page;
    EXPECT_EQ(test_support::sample(page, "vapi_journal_sync_seconds_bucket{le=\"+Inf\"}"), syncs);
    if (std::string(GetParam()) == "always") {
      EXPECT_GE(syncs, 31);
      EXPECT_GT(test_support::sample(page, "vapi_journal_sync_seconds_sum"), 0);
    }
    EXPECT_EQ(svc.stop(SIGTERM), 0);
    auto closed = events(svc, "journal_closed");
    ASSERT_EQ(closed.size(), 1u) << svc.log_text();
    EXPECT_EQ(closed[0]["synced"], true);
  }
  {
    service_process svc({}, env);
    expect_back(svc);
    // Killed right after the 200: the write() came before the reply, so the kernel has the
    // bytes even where nothing has synced them yet.
    http_client c(svc.port());
    ASSERT_EQ(c.post_json(webhook, example_report("at-kill", 0)).status, 200);
    svc.stop(SIGKILL);
  }
  http_client ctl(control.port());
  ASSERT_EQ(ctl.post_json(webhook, example_report("at-kill", 0)).status, 200);
  bodies["at-kill"] = ctl.get(calls + "at-kill").body;
  service_process svc({}, env);
  expect_back(svc);
  EXPECT_EQ(svc.stop(SIGTERM), 0);
}

INSTANTIATE_TEST_SUITE_P(Policies, JournalFsync, ::testing::Values("always", "everysec", "no"));

// ---- DATA_DIR="": memory only

TEST(Journal, EmptyDataDirServesFromMemoryOnlyAndSaysSo) {
  bool had_data = std::filesystem::exists("data");  // the default DATA_DIR, in our cwd
  {
    service_process svc({}, {{"DATA_DIR", ""}});
    auto warned = events(svc, "memory_only");
    ASSERT_EQ(warned.size(), 1u) << svc.log_text();
    EXPECT_EQ(warned[0]["level"], "warning");
    EXPECT_TRUE(events(svc, "journal_read").empty());
    EXPECT_EQ(events(svc, "listening").at(0)["dataDir"], "");

    http_client c(svc.port());
    ASSERT_EQ(c.post_json(webhook, example_report("in-memory", 0)).status, 200);
    EXPECT_EQ(c.get(calls + "in-memory").status, 200);
    auto health = c.get("/health");
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(health.body, R"({"success":true,"status":"ok","journal":"off","store":"memory"})");
    EXPECT_EQ(c.get("/ready").status, 200);
    auto page = c.get("/metrics").body;
    EXPECT_EQ(page.find("vapi_journal_"), std::string::npos) << "journal metrics without one";
    EXPECT_EQ(svc.stop(SIGTERM), 0);
    EXPECT_TRUE(events(svc, "journal_closed").empty());
  }
  if (!had_data) {
    EXPECT_FALSE(std::filesystem::exists("data")) << "a memory-only service made ./data";
  }
  service_process again({}, {{"DATA_DIR", ""}});
  http_client c(again.port());
  EXPECT_EQ(c.get(calls + "in-memory").status, 404);  // nothing came back
}

// ---- Lookups during replay

TEST(Journal, LookupsDuringReplayAreHeldUntilItIsDoneNeverMissed) {
  constexpr int threads = 8, per_thread = 2500;  // 20,000 results, and one more
  data_dir dir;
  {
    // Written without fdatasync to fill it fast; the stop syncs it.
    service_process svc({}, dir.env({{"JOURNAL_FSYNC", "no"}}));
    std::atomic<int> refused{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        http_client c(svc.port());
        for (int i = 0; i < per_thread; ++i)
          refused += c.post_json(webhook, test_support::report("r-" + std::to_string(t) + "-" +
                                                               std::to_string(i)))
                       .status != 200;
      });
    for (auto& th : pool)
      th.join();
    ASSERT_EQ(refused.load(), 0);
    http_client c(svc.port());
    ASSERT_EQ(c.post_json(webhook, test_support::report("replay-last")).status, 200);
    EXPECT_EQ(svc.stop(SIGTERM), 0);
  }
  constexpr size_t total = threads * per_thread + 1;

  service_process svc({}, dir.env());
  http_client c(svc.port());  // at once: replay may well still be running
  auto last = c.get(calls + "replay-last");
  EXPECT_EQ(last.status, 200) << last.body;
  EXPECT_EQ(json::parse(last.body)["data"]["callId"], "replay-last");
  std::mt19937 rng(7);
  for (int k = 0; k < 50; ++k) {
    std::string id = "r-" + std::to_string(rng() % threads) + "-" + std::to_string(rng() % per_thread);
    EXPECT_EQ(c.get(calls + id).status, 200) << id;
  }
  bool saw_503 = false;
  ASSERT_TRUE(wait_ready(svc.port(), &saw_503));
  EXPECT_EQ(c.get(calls + "never-stored").status, 404);  // a real miss is still a miss after it
  EXPECT_EQ(json::parse(c.get(stats + "?limit=0").body)["stats"]["size"], total);
  auto read = events(svc, "journal_read");
  auto replayed = events(svc, "replayed");
  ASSERT_EQ(read.size(), 1u);
  ASSERT_EQ(replayed.size(), 1u);
  EXPECT_EQ(read[0]["results"], total);
  EXPECT_EQ(read[0]["records"], total);
  EXPECT_EQ(replayed[0]["results"], total);
  std::cout << "[ journal ] replay of " << total << " results took "
            << replayed[0]["seconds"] << " s after a read of " << read[0]["seconds"] << " s; "
            << replayed[0]["heldRequests"] << " lookups held; /ready "
            << (saw_503 ? "was 503 before 200" : "was 200 at the first ask") << "\n";
}

}  // namespace
