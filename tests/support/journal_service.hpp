// Test support for the journal tests against the real binary: the example reports under call
// ids of a test's choosing, waiting for /ready, and the stored and expiry times the stats list.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_client.hpp"
#include "tests/support/payloads.hpp"
#include "tests/support/service_api.hpp"

namespace test_support {

inline const std::vector<nlohmann::json>& examples() {
  static const std::vector<nlohmann::json> all = [] {
    std::vector<nlohmann::json> out;
    for (const char* name : {"real_report.json", "unicode_report.json", "no_answer_report.json",
                             "long_call_report.json"})
      out.push_back(nlohmann::json::parse(read_payload(name)));
    return out;
  }();
  return all;
}

inline std::string example_report(const std::string& id, size_t example) {
  nlohmann::json j = examples().at(example);
  j["message"]["call"]["id"] = id;
  return j.dump();
}

// Polls GET /ready until 200 (false if not within `limit`); `saw_503` tells whether a 503
// ("Replaying the journal") came first.
inline bool wait_ready(uint16_t port, bool* saw_503 = nullptr,
                       std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  http_client c(port);
  using clock_type = std::chrono::steady_clock;
  for (auto deadline = clock_type::now() + limit; clock_type::now() < deadline;) {
    auto rsp = c.get("/ready");
    if (rsp.status == 200)
      return true;
    if (saw_503 && rsp.status == 503)
      *saw_503 = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
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
inline std::map<std::string, times> stats_entries(http_client& c) {
  std::map<std::string, times> out;
  std::string cursor;
  do {
    auto rsp = c.get(stats + "?limit=10000" + (cursor.empty() ? "" : "&cursor=" + cursor));
    if (rsp.status != 200)
      throw std::runtime_error("stats answered " + std::to_string(rsp.status));
    auto page = nlohmann::json::parse(rsp.body)["stats"];
    for (const auto& e : page["entries"])
      out[e["callId"].get<std::string>()] = {e["timestamp"].get<int64_t>(),
                                             e["expiresAt"].get<int64_t>()};
    cursor = page["nextCursor"].is_string() ? page["nextCursor"].get<std::string>() : "";
  } while (!cursor.empty());
  return out;
}

}  // namespace test_support
