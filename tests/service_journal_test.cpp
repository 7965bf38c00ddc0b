// Tests the journal (DATA_DIR) on the real binary, as an operator meets it: what a webhook's 200
// promised is still there after the process dies (kill -9 in the middle of a load of webhooks
// and deletes, twenty times over one directory) or is stopped, with every JOURNAL_FSYNC; the
// stored and expiry times survive a restart, so a result expires when it would have anyway; a
// lookup during replay is held, never answered 404; and DATA_DIR="" keeps the service memory
// only, saying so. Damaged files, the directory lock and failing writes are in
// service_journal_damage_test.cpp.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_client.hpp"
#include "tests/support/payloads.hpp"
#include "tests/support/service_api.hpp"
#include "tests/support/service_probe.hpp"
#include "tests/support/journal_dir.hpp"
#include "tests/support/service_process.hpp"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test_support::http_client;
using test_support::http_response;
using test_support::service_process;
using test_support::calls;
using test_support::stats;
using test_support::webhook;
using clock_type = std::chrono::steady_clock;
using env_map = std::map<std::string, std::string>;

using test_support::data_dir;
using test_support::events;

// The example end-of-call reports, each sent under call ids of the test's choosing.
const std::vector<json>& examples() {
  static const std::vector<json> all = [] {
    std::vector<json> out;
    for (const char* name : {"real_report.json", "unicode_report.json", "no_answer_report.json",
                             "long_call_report.json"})
      out.push_back(json::parse(test_support::read_payload(name)));
    return out;
  }();
  return all;
}

std::string example_report(const std::string& id, size_t example) {
  json j = examples().at(example);
  j["message"]["call"]["id"] = id;
  return j.dump();
}

int64_t epoch_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Polls GET /ready until 200 (false if not within `limit`); `saw_503` tells whether a 503
// ("Replaying the journal") came first.
bool wait_ready(uint16_t port, bool* saw_503 = nullptr, std::chrono::milliseconds limit = 10s) {
  http_client c(port);
  for (auto deadline = clock_type::now() + limit; clock_type::now() < deadline;) {
    auto rsp = c.get("/ready");
    if (rsp.status == 200)
      return true;
    if (saw_503 && rsp.status == 503)
      *saw_503 = true;
    std::this_thread::sleep_for(2ms);
  }
  return false;
}

struct times {
  int64_t timestamp = -1, expires_at = -1;
  bool operator==(const times& o) const {
    return timestamp == o.timestamp && expires_at == o.expires_at;
  }
};

// Every cached entry the stats list, page by page: call id -> its stored and expiry times.
std::map<std::string, times> stats_entries(http_client& c) {
  std::map<std::string, times> out;
  std::string cursor;
  do {
    auto rsp = c.get(stats + "?limit=10000" + (cursor.empty() ? "" : "&cursor=" + cursor));
    if (rsp.status != 200)
      throw std::runtime_error("stats answered " + std::to_string(rsp.status));
    auto page = json::parse(rsp.body)["stats"];
    for (const auto& e : page["entries"])
      out[e["callId"].get<std::string>()] = {e["timestamp"].get<int64_t>(),
                                             e["expiresAt"].get<int64_t>()};
    cursor = page["nextCursor"].is_string() ? page["nextCursor"].get<std::string>() : "";
  } while (!cursor.empty());
  return out;
}

// ---- Kill -9 in the middle of webhooks and deletes

// What the test knows of one acknowledged (200) result.
struct acknowledged {
  size_t example = 0;
  std::string body;  // its GET answer before the kill; empty if the kill came first
  times at;          // from a stats page; -1 until one listed it
};

// The expectations, shared by the client threads of a round.
struct ledger {
  std::mutex mutex;
  std::map<std::string, acknowledged> live;  // acknowledged stores, not deleted since
  std::set<std::string> deleted;             // acknowledged deletes
  std::vector<std::string> problems;         // wrong answers while running (not kill errors)
  size_t posts = 0;                          // acknowledged, in every round
  void problem(const std::string& what) {
    std::lock_guard<std::mutex> lock(mutex);
    problems.push_back(what);
  }
};

// One client of a round: posts `count` new reports and, between them, deletes `doomed` (results
// acknowledged in earlier rounds), until done or the service dies under it.
void run_client(uint16_t port, ledger& book, const std::string& prefix, int count,
                std::vector<std::pair<std::string, acknowledged>> doomed) {
  size_t next_delete = 0;
  try {
    http_client c(port, 5);
    for (int i = 0; i < count; ++i) {
      if (i % 4 == 1 && next_delete < doomed.size()) {
        const auto& id = doomed[next_delete].first;
        ++next_delete;  // sent: its outcome is unknown unless answered
        auto rsp = c.request("DELETE", calls + id);
        if (rsp.status == 200) {
          std::lock_guard<std::mutex> lock(book.mutex);
          book.deleted.insert(id);
        } else {
          book.problem("DELETE " + id + " answered " + std::to_string(rsp.status));
        }
      }
      std::string id = prefix + std::to_string(i);
      size_t example = i % 10 == 9 ? 3 : size_t(i) % 3;  // one in ten the 100 KB report
      auto posted = c.post_json(webhook, example_report(id, example));
      if (posted.status != 200) {
        book.problem("POST " + id + " answered " + std::to_string(posted.status));
        continue;
      }
      {
        std::lock_guard<std::mutex> lock(book.mutex);
        book.live[id].example = example;
        ++book.posts;
      }
      auto got = c.get(calls + id);
      if (got.status != 200) {
        book.problem("GET " + id + " after its 200 answered " + std::to_string(got.status));
        continue;
      }
      std::lock_guard<std::mutex> lock(book.mutex);
      book.live[id].body = got.body;
    }
  } catch (const std::exception&) {
    // the service was killed: whatever was not answered has an unknown outcome
  }
  std::lock_guard<std::mutex> lock(book.mutex);
  for (size_t i = next_delete; i < doomed.size(); ++i)  // never sent: still live
    book.live.emplace(std::move(doomed[i]));
}

// What a restart kept of the acknowledged changes.
struct check {
  std::vector<std::string> lost, changed, resurrected, moved;
  size_t results = 0, deletes = 0, times_compared = 0;
};

// Checks every acknowledged change against the restarted service, `threads` connections at
// once, right away (lookups during replay must wait for it, not miss); then the stats times,
// once replay is done. Expected bodies never fetched before the kill come from `control`, a
// memory-only instance given the same report.
check verify(const service_process& svc, const service_process& control, ledger& book,
             int threads) {
  check out;
  std::vector<std::string> ids;
  for (auto& [id, ack] : book.live) {
    ids.push_back(id);
    if (ack.body.empty()) {
      http_client c(control.port());
      EXPECT_EQ(c.post_json(webhook, example_report(id, ack.example)).status, 200);
      ack.body = c.get(calls + id).body;
    }
  }
  std::vector<std::string> gone(book.deleted.begin(), book.deleted.end());
  std::mutex mutex;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      http_client c(svc.port(), 10);
      for (size_t i = size_t(t); i < ids.size(); i += size_t(threads)) {
        auto got = c.get(calls + ids[i]);
        std::lock_guard<std::mutex> lock(mutex);
        if (got.status != 200)
          out.lost.push_back(ids[i] + " (" + std::to_string(got.status) + ")");
        else if (got.body != book.live.at(ids[i]).body)
          out.changed.push_back(ids[i]);
      }
      for (size_t i = size_t(t); i < gone.size(); i += size_t(threads)) {
        auto got = c.get(calls + gone[i]);
        std::lock_guard<std::mutex> lock(mutex);
        if (got.status != 404)
          out.resurrected.push_back(gone[i] + " (" + std::to_string(got.status) + ")");
      }
    });
  for (auto& th : pool)
    th.join();
  out.results = ids.size();
  out.deletes = gone.size();

  EXPECT_TRUE(wait_ready(svc.port()));
  http_client c(svc.port());
  auto listed = stats_entries(c);
  for (auto& [id, ack] : book.live) {
    auto it = listed.find(id);
    if (it == listed.end())
      continue;  // counted lost above
    if (ack.at.timestamp < 0) {
      ack.at = it->second;  // first listed now: compared at the next restart
    } else {
      ++out.times_compared;
      if (!(ack.at == it->second))
        out.moved.push_back(id + " " + std::to_string(ack.at.timestamp) + "/" +
                            std::to_string(ack.at.expires_at) + " -> " +
                            std::to_string(it->second.timestamp) + "/" +
                            std::to_string(it->second.expires_at));
    }
  }
  for (const auto& id : out.lost)  // counted once, not again each round
    book.live.erase(id.substr(0, id.find(' ')));
  return out;
}

std::string first_few(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < 5; ++i)
    out += (i ? ", " : "") + items[i];
  return out;
}

TEST(Journal, KillNineInTheMiddleOfWebhooksLosesNothingAcknowledged) {
  constexpr int rounds = 20, clients = 16, per_client = 20, deletes_per_client = 3;
  data_dir dir;
  service_process control({}, {{"DATA_DIR", ""}});
  ledger book;
  std::random_device seed_source;
  unsigned seed = seed_source();
  std::mt19937 rng(seed);
  SCOPED_TRACE("random seed " + std::to_string(seed));
  size_t interrupted_rounds = 0;
  check total;
  auto add = [](std::vector<std::string>& to, const std::vector<std::string>& from) {
    to.insert(to.end(), from.begin(), from.end());
  };

  for (int round = 0; round <= rounds; ++round) {
    service_process svc({}, dir.env());
    auto checked = verify(svc, control, book, clients);
    add(total.lost, checked.lost);
    add(total.changed, checked.changed);
    add(total.resurrected, checked.resurrected);
    add(total.moved, checked.moved);
    total.times_compared += checked.times_compared;
    if (round == rounds) {  // the last start only checks, then stops cleanly
      EXPECT_EQ(svc.stop(SIGTERM), 0);
      total.results = checked.results;
      total.deletes = checked.deletes;
      break;
    }

    // Deletes of results acknowledged before, taken out of `live` while their fate is open.
    std::vector<std::vector<std::pair<std::string, acknowledged>>> doomed(clients);
    {
      std::vector<std::string> ids;
      for (const auto& [id, ack] : book.live)
        ids.push_back(id);
      std::shuffle(ids.begin(), ids.end(), rng);
      for (int t = 0; t < clients; ++t)
        for (int k = 0; k < deletes_per_client && !ids.empty(); ++k) {
          auto node = book.live.extract(ids.back());
          ids.pop_back();
          doomed[size_t(t)].emplace_back(std::move(node.key()), std::move(node.mapped()));
        }
    }
    std::atomic<int> finished{0};
    std::atomic<bool> killed{false};
    std::vector<std::thread> pool;
    for (int t = 0; t < clients; ++t)
      pool.emplace_back([&, t] {
        run_client(svc.port(), book,
                   "k" + std::to_string(round) + "-" + std::to_string(t) + "-", per_client,
                   std::move(doomed[size_t(t)]));
        ++finished;
      });
    // The stats, read over and over while the clients run: the times of results that are
    // acknowledged before the kill, to compare across their first restart.
    std::map<std::string, times> listed_before_kill;
    std::thread lister([&] {
      try {
        http_client c(svc.port(), 5);
        while (!killed)
          for (const auto& [id, at] : stats_entries(c))
            listed_before_kill.emplace(id, at);
      } catch (const std::exception&) {
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(
      std::uniform_int_distribution<int>(20, 200)(rng)));
    interrupted_rounds += finished < clients;
    svc.stop(SIGKILL);
    killed = true;
    for (auto& th : pool)
      th.join();
    lister.join();
    for (auto& [id, ack] : book.live)
      if (ack.at.timestamp < 0)
        if (auto it = listed_before_kill.find(id); it != listed_before_kill.end())
          ack.at = it->second;
  }

  EXPECT_TRUE(book.problems.empty()) << book.problems.size() << " wrong answers while running, "
                                     << "e.g. " << first_few(book.problems);
  EXPECT_EQ(total.lost.size(), 0u)
    << total.lost.size() << " acknowledged results lost over " << rounds
    << " kills, e.g. " << first_few(total.lost);
  EXPECT_EQ(total.changed.size(), 0u)
    << total.changed.size() << " results served with other bytes after a restart, e.g. "
    << first_few(total.changed);
  EXPECT_EQ(total.resurrected.size(), 0u)
    << total.resurrected.size() << " acknowledged deletes undone by a restart, e.g. "
    << first_few(total.resurrected);
  EXPECT_EQ(total.moved.size(), 0u)
    << total.moved.size() << " results whose timestamp/expiresAt changed, e.g. "
    << first_few(total.moved);
  // The test tested something: kills came while clients ran, and many changes were checked.
  EXPECT_GT(interrupted_rounds, 0u);
  EXPECT_GT(book.posts, size_t(rounds) * clients);
  EXPECT_GT(total.results, 1000u);
  EXPECT_GT(total.deletes, 100u);
  EXPECT_GT(total.times_compared, total.results);
  std::cout << "[ journal ] " << book.posts << " acknowledged posts, " << total.results
            << " results and " << total.deletes << " deletes checked at the end, "
            << total.times_compared << " time comparisons, " << interrupted_rounds << " of "
            << rounds << " kills during the clients' work\n";
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
