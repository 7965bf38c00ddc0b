// Tests the journal's first promise on the real binary: what a webhook's or a delete's 200
// acknowledged is still there, byte for byte and with its stored and expiry times, after the
// process is killed (-9) at a random moment of a load of webhooks and deletes from 16
// connections, twenty times over one DATA_DIR. The other journal tests are in
// service_journal_test.cpp (stops, expiry, replay) and service_journal_damage_test.cpp.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_client.hpp"
#include "tests/support/journal_dir.hpp"
#include "tests/support/journal_service.hpp"
#include "tests/support/service_api.hpp"
#include "tests/support/service_process.hpp"

namespace {

using test_support::calls;
using test_support::data_dir;
using test_support::example_report;
using test_support::http_client;
using test_support::service_process;
using test_support::stats;
using test_support::stats_entries;
using test_support::times;
using test_support::wait_ready;
using test_support::webhook;

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

}  // namespace
