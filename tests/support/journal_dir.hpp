// Test support for the journal tests: a DATA_DIR that outlives the services started on it,
// and a service's log lines of one event.
#pragma once

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/service_process.hpp"

namespace test_support {

// A journal directory shared by the service processes started on it; removed at the end.
struct data_dir {
  std::string path = make_temp_dir("vapi-cache-journal");
  data_dir() = default;
  data_dir(const data_dir&) = delete;
  ~data_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  // `more` with DATA_DIR set to this directory.
  std::map<std::string, std::string> env(std::map<std::string, std::string> more = {}) const {
    more["DATA_DIR"] = path;
    return more;
  }
  // The segment files (<16 hex digits>.vcj), oldest first.
  std::vector<std::string> segments() const {
    std::vector<std::string> out;
    for (const auto& f : std::filesystem::directory_iterator(path))
      if (f.path().extension() == ".vcj")
        out.push_back(f.path().string());
    std::sort(out.begin(), out.end());
    return out;
  }
};

// Every log line of `svc` with "event": `name`, as of now: the service writes its info lines up
// to 50 ms after they happen (logging/log.hpp), so this first waits out that period.
inline std::vector<nlohmann::json> events(const service_process& svc, const std::string& name) {
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  std::vector<nlohmann::json> out;
  for (const auto& line : svc.log_lines())
    if (auto j = nlohmann::json::parse(line, nullptr, false);
        j.is_object() && j.value("event", "") == name)
      out.push_back(j);
  return out;
}

}  // namespace test_support
