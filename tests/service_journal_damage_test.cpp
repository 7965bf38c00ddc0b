// Tests the journal on the real binary when its files or its disk let it down: a torn tail (a
// write cut off by a crash) and a corrupted record in the middle of a segment are cut or
// skipped at start, saying where, and everything whole is served; a second service on the same
// DATA_DIR is refused (exit 2, naming the holder) without disturbing the first; and writes that
// fail for real (RLIMIT_FSIZE set on the running service, as prlimit does: EFBIG) answer
// webhooks 503 while the results stay served, /health and /metrics say so, and once the disk
// takes writes again the held-back records are written first and survive a restart.
// Restarts and expiry are in service_journal_test.cpp.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_client.hpp"
#include "tests/support/payloads.hpp"
#include "tests/support/service_api.hpp"
#include "tests/support/service_probe.hpp"
#include "tests/support/journal_dir.hpp"
#include "tests/support/journal_service.hpp"
#include "tests/support/service_process.hpp"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test_support::http_client;
using test_support::service_process;
using test_support::calls;
using test_support::webhook;
using clock_type = std::chrono::steady_clock;
using env_map = std::map<std::string, std::string>;
namespace fs = std::filesystem;

using test_support::data_dir;
using test_support::events;
using test_support::wait_ready;

std::string report(const std::string& id) {
  json j = json::parse(test_support::read_payload("real_report.json"));
  j["message"]["call"]["id"] = id;
  return j.dump();
}

// A report whose result carries `size` bytes of random text: it does not compress, so its
// record is about that big.
std::string big_report(const std::string& id, size_t size) {
  std::mt19937_64 rng(7);
  std::string text(size, 'a');
  for (auto& ch : text)
    ch = char('a' + rng() % 26);
  return json{{"message",
               {{"type", "end-of-call-report"},
                {"endedReason", "customer-ended-call"},
                {"artifact", {{"transcript", text}}},
                {"call", {{"id", id}}}}}}
    .dump();
}

// Stores each id's report and returns what GET serves for it.
std::map<std::string, std::string> store(const service_process& svc,
                                         const std::vector<std::string>& ids) {
  std::map<std::string, std::string> bodies;
  http_client c(svc.port());
  for (const auto& id : ids) {
    EXPECT_EQ(c.post_json(webhook, report(id)).status, 200) << id;
    bodies[id] = c.get(calls + id).body;
  }
  return bodies;
}

// Every result in `bodies` is served with exactly those bytes.
void expect_served(const service_process& svc, const std::map<std::string, std::string>& bodies) {
  http_client c(svc.port());
  for (const auto& [id, body] : bodies) {
    auto got = c.get(calls + id);
    EXPECT_EQ(got.status, 200) << id;
    EXPECT_EQ(got.body, body) << id;
  }
}

uint32_t le32(const std::string& bytes, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i)
    v |= uint32_t(static_cast<uint8_t>(bytes[at + i])) << (8 * i);
  return v;
}

// Where each record of a segment starts and how long it is (journal/journal_record.hpp: a
// 16-byte header, then marker, body length, crc, body).
struct span {
  size_t offset, length;
};
std::vector<span> records_of(const std::string& segment) {
  std::vector<span> out;
  for (size_t at = 16; at + 12 <= segment.size() && le32(segment, at) == 0x4A524356;) {
    size_t length = 12 + le32(segment, at + 4);
    out.push_back({at, length});
    at += length;
  }
  return out;
}

// The end of a segment's records: the service fills its file with zeros ahead of them.
size_t records_end(const std::string& segment) {
  auto spans = records_of(segment);
  return spans.empty() ? 16 : spans.back().offset + spans.back().length;
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// ---- Damaged files

TEST(JournalDamage, ATornTailIsCutAndEveryWholeRecordServed) {
  struct torn {
    const char* what;
    std::string (*tail)(const std::string& segment);
  };
  const torn cases[] = {
    {"garbage bytes", [](const std::string&) { return std::string("\x01\x7f garbage\xfe", 11); }},
    {"half a record",  // as a write cut off by a crash leaves it
     [](const std::string& segment) {
       auto last = records_of(segment).back();
       return segment.substr(last.offset, last.length / 2);
     }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    data_dir dir;
    std::map<std::string, std::string> bodies;
    {
      service_process svc({}, dir.env());
      bodies = store(svc, {"t-1", "t-2", "t-3"});
      ASSERT_EQ(svc.stop(SIGTERM), 0);
    }
    auto files = dir.segments();
    ASSERT_EQ(files.size(), 1u);
    auto file = test_support::read_file(files.back());
    ASSERT_EQ(records_of(file).size(), 3u);
    auto whole = file.substr(0, records_end(file));
    ASSERT_EQ(file.find_first_not_of('\0', whole.size()), std::string::npos);
    auto tail = c.tail(whole);
    ASSERT_LT(whole.size() + tail.size(), file.size()) << "the tail goes over preallocated zeros";
    file.replace(whole.size(), tail.size(), tail);  // as a write cut off by a crash leaves it
    write_file(files.back(), file);
    {
      service_process svc({}, dir.env());
      expect_served(svc, bodies);
      ASSERT_TRUE(wait_ready(svc.port()));
      auto damaged = events(svc, "journal_damaged");
      ASSERT_EQ(damaged.size(), 1u) << svc.log_text();
      EXPECT_EQ(damaged[0]["file"], files.back());
      EXPECT_EQ(damaged[0]["offset"], whole.size());
      EXPECT_EQ(damaged[0]["length"], file.size() - whole.size());  // the zeros after it too
      EXPECT_EQ(damaged[0]["action"], "torn tail cut");
      EXPECT_EQ(fs::file_size(files.back()), whole.size()) << "the tail is still there";
      auto read = events(svc, "journal_read");
      ASSERT_EQ(read.size(), 1u);
      EXPECT_EQ(read[0]["results"], 3);
      auto more = store(svc, {"t-4"});  // appended after the cut, so read back whole
      bodies.insert(more.begin(), more.end());
      ASSERT_EQ(svc.stop(SIGTERM), 0);
    }
    service_process svc({}, dir.env());
    expect_served(svc, bodies);
    ASSERT_TRUE(wait_ready(svc.port()));
    EXPECT_TRUE(events(svc, "journal_damaged").empty()) << svc.log_text();
  }
}

TEST(JournalDamage, ACorruptedRecordInTheMiddleIsSkippedAndTheOthersServed) {
  data_dir dir;
  std::map<std::string, std::string> bodies;
  {
    service_process svc({}, dir.env());
    bodies = store(svc, {"m-1", "m-2", "m-3"});
    ASSERT_EQ(svc.stop(SIGTERM), 0);
  }
  auto files = dir.segments();
  ASSERT_EQ(files.size(), 1u);
  auto bytes = test_support::read_file(files[0]);
  auto records = records_of(bytes);
  ASSERT_EQ(records.size(), 3u);
  auto middle = records[1];
  bytes[middle.offset + 12 + (middle.length - 12) / 2] ^= 0x20;  // one bit, inside the body
  write_file(files[0], bytes);

  service_process svc({}, dir.env());
  http_client c(svc.port());
  EXPECT_EQ(c.get(calls + "m-2").status, 404);
  bodies.erase("m-2");
  expect_served(svc, bodies);
  ASSERT_TRUE(wait_ready(svc.port()));
  auto damaged = events(svc, "journal_damaged");
  ASSERT_EQ(damaged.size(), 1u) << svc.log_text();
  EXPECT_EQ(damaged[0]["file"], files[0]);
  EXPECT_EQ(damaged[0]["offset"], middle.offset);
  EXPECT_EQ(damaged[0]["length"], middle.length);
  EXPECT_EQ(damaged[0]["action"], "damaged records skipped");
  auto read = events(svc, "journal_read");
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0]["records"], 2);
  EXPECT_EQ(read[0]["results"], 2);
  // Healthy: it journals and serves as before.
  auto health = c.get("/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, R"({"success":true,"status":"ok","journal":"ok","store":"memory"})");
  EXPECT_EQ(c.post_json(webhook, report("m-4")).status, 200);
  EXPECT_EQ(c.get(calls + "m-4").status, 200);
  EXPECT_EQ(svc.stop(SIGTERM), 0);
}

// ---- The directory lock

TEST(JournalDamage, ASecondServiceOnTheSameDataDirIsRefusedAndTheFirstServesOn) {
  data_dir dir;
  service_process first({}, dir.env());
  auto bodies = store(first, {"held"});
  try {
    service_process second({}, dir.env());
    ADD_FAILURE() << "a second service started on " << dir.path;
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("exited with code 2"), std::string::npos) << what;
    json refusal;
    std::istringstream lines(what);
    for (std::string line; std::getline(lines, line);)
      if (auto at = line.find('{'); at != std::string::npos)
        if (auto j = json::parse(line.substr(at), nullptr, false);
            j.is_object() && j.value("event", "") == "data_dir_unavailable")
          refusal = j;
    ASSERT_TRUE(refusal.is_object()) << what;
    EXPECT_EQ(refusal["level"], "error");
    EXPECT_EQ(refusal["dataDir"], dir.path);
    EXPECT_NE(refusal["reason"].get<std::string>().find(
                "is used by another vapi-cache (pid " + std::to_string(first.pid()) + ")"),
              std::string::npos)
      << refusal;
    EXPECT_EQ(what.find("\"listening\""), std::string::npos) << "it took a port first";
  }
  expect_served(first, bodies);
  auto more = store(first, {"after-refusal"});
  bodies.insert(more.begin(), more.end());
  http_client c(first.port());
  EXPECT_EQ(c.get("/health").status, 200);
  EXPECT_EQ(first.stop(SIGTERM), 0);
  // The lock goes with the process: the next one takes it and has everything.
  service_process next({}, dir.env());
  expect_served(next, bodies);
}

// ---- Writes that fail: RLIMIT_FSIZE on the running service makes them fail with EFBIG

// Sets the service's file size limit (soft; the hard one stays), as `prlimit --fsize`.
void limit_file_size(pid_t pid, rlim_t soft) {
  rlimit now{};
  ASSERT_EQ(prlimit(pid, RLIMIT_FSIZE, nullptr, &now), 0);
  now.rlim_cur = soft;
  ASSERT_EQ(prlimit(pid, RLIMIT_FSIZE, &now, nullptr), 0);
}

std::string metrics_page(uint16_t port) { return http_client(port).get("/metrics").body; }

// Polls /health until 200; its last answer.
test_support::http_response wait_healthy(uint16_t port, std::chrono::milliseconds limit) {
  http_client c(port);
  auto rsp = c.get("/health");
  for (auto deadline = clock_type::now() + limit;
       rsp.status != 200 && clock_type::now() < deadline; rsp = c.get("/health"))
    std::this_thread::sleep_for(20ms);
  return rsp;
}

// With the limit set, a webhook is answered 503 and its result served; the service says why on
// /health and /metrics, and the 1 s retry fails again without harm. Returns the results the
// failure answered 503 (kept in memory), with their GET bodies.
std::map<std::string, std::string> expect_failing(const service_process& svc,
                                                  const std::string& id, const std::string& body) {
  http_client c(svc.port());
  auto posted = c.post_json(webhook, body);
  EXPECT_EQ(posted.status, 503) << posted.body;
  EXPECT_EQ(posted.header("retry-after"), "1");
  auto j = json::parse(posted.body, nullptr, false);
  EXPECT_EQ(j.value("success", true), false) << posted.body;
  EXPECT_EQ(j.value("error", ""), "Journal unavailable") << posted.body;
  auto got = c.get(calls + id);
  EXPECT_EQ(got.status, 200) << "a result the journal could not take is not served";

  auto health = c.get("/health");
  EXPECT_EQ(health.status, 503);
  auto h = json::parse(health.body, nullptr, false);
  EXPECT_EQ(h.value("journal", ""), "failing") << health.body;
  EXPECT_NE(h.value("message", "").find("File too large"), std::string::npos) << health.body;
  auto page = metrics_page(svc.port());
  EXPECT_EQ(test_support::sample(page, "vapi_journal_failing"), 1);
  EXPECT_GE(test_support::sample(page, "vapi_journal_write_failures_total"), 1);
  EXPECT_GE(test_support::sample(page, "vapi_journal_backlog_records"), 1);
  // The retry each second fails too; the service lives on and serves.
  double failures = 0;
  for (auto deadline = clock_type::now() + 5s; failures < 2 && clock_type::now() < deadline;
       std::this_thread::sleep_for(50ms))
    failures = test_support::sample(metrics_page(svc.port()), "vapi_journal_write_failures_total");
  EXPECT_GE(failures, 2) << "no retry within 5 s";
  EXPECT_EQ(c.get(calls + id).status, 200);
  return {{id, got.body}};
}

// After the limit is lifted: /health is 200 again within a few seconds, metrics say so, and a
// new webhook is acknowledged.
void expect_recovered(const service_process& svc, std::map<std::string, std::string>& bodies,
                      const std::string& id) {
  auto health = wait_healthy(svc.port(), 5s);
  EXPECT_EQ(health.status, 200) << health.body;
  EXPECT_EQ(health.body, R"({"success":true,"status":"ok","journal":"ok","store":"memory"})");
  auto page = metrics_page(svc.port());
  EXPECT_EQ(test_support::sample(page, "vapi_journal_failing"), 0);
  EXPECT_EQ(test_support::sample(page, "vapi_journal_backlog_records"), 0);
  auto more = store(svc, {id});
  bodies.insert(more.begin(), more.end());
  EXPECT_EQ(events(svc, "journal_write_failed").size(), 1u) << svc.log_text();
  EXPECT_EQ(events(svc, "journal_recovered").size(), 1u) << svc.log_text();
}

TEST(JournalDamage, FailingWritesAnswer503KeepServingAndAreWrittenOnRecovery) {
  data_dir dir;
  std::map<std::string, std::string> bodies;
  {
    service_process svc({}, dir.env());
    bodies = store(svc, {"before"});
    auto files = dir.segments();
    ASSERT_EQ(files.size(), 1u);
    // Writes past the records fail: into the preallocated zeros as well as past them.
    auto size = records_end(test_support::read_file(files[0]));
    limit_file_size(svc.pid(), size);
    auto during = expect_failing(svc, "during", report("during"));
    bodies.insert(during.begin(), during.end());
    // A delete the journal cannot take is made in memory, and answered 503 as well.
    http_client c(svc.port());
    EXPECT_EQ(c.request("DELETE", calls + "before").status, 503);
    EXPECT_EQ(c.get(calls + "before").status, 404);
    EXPECT_EQ(fs::file_size(files[0]), size) << "a failed write left part of a record";
    EXPECT_EQ(records_end(test_support::read_file(files[0])), size);
    limit_file_size(svc.pid(), RLIM_INFINITY);
    // Stored again at once, perhaps before the retry: the held-back delete goes first, so this
    // result survives the restart.
    auto again = store(svc, {"before"});
    bodies["before"] = again.at("before");
    expect_recovered(svc, bodies, "after");
    EXPECT_EQ(svc.stop(SIGTERM), 0);
    auto closed = events(svc, "journal_closed");
    ASSERT_EQ(closed.size(), 1u);
    EXPECT_EQ(closed[0]["synced"], true);
  }
  service_process svc({}, dir.env());
  expect_served(svc, bodies);  // before (stored again), during, after
  ASSERT_TRUE(wait_ready(svc.port()));
  EXPECT_TRUE(events(svc, "journal_damaged").empty()) << svc.log_text();
}

// The write that fails is the new segment's header: JOURNAL_SEGMENT_MB=1 and a first result
// over 1 MB, so the next write starts a new file, under a limit of 8 bytes.
TEST(JournalDamage, AFailedWriteAtANewSegmentRecoversToo) {
  data_dir dir;
  std::map<std::string, std::string> bodies;
  auto env = dir.env({{"JOURNAL_SEGMENT_MB", "1"}});
  {
    service_process svc({}, env);
    http_client c(svc.port(), 30);
    ASSERT_EQ(c.post_json(webhook, big_report("big", 1200 * 1024)).status, 200);
    bodies["big"] = c.get(calls + "big").body;
    ASSERT_EQ(dir.segments().size(), 1u);
    ASSERT_GT(fs::file_size(dir.segments()[0]), size_t(1) << 20);
    limit_file_size(svc.pid(), 8);
    auto during = expect_failing(svc, "during", report("during"));
    bodies.insert(during.begin(), during.end());
    limit_file_size(svc.pid(), RLIM_INFINITY);
    expect_recovered(svc, bodies, "after");
    EXPECT_EQ(svc.stop(SIGTERM), 0);
  }
  service_process svc({}, env);
  expect_served(svc, bodies);
  ASSERT_TRUE(wait_ready(svc.port()));
  EXPECT_TRUE(events(svc, "journal_damaged").empty()) << svc.log_text();
  EXPECT_EQ(dir.segments().size(), 2u);
}

}  // namespace
