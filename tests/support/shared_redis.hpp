// Test support: instances of the real binary on one redis-server (STORE=redis), each with a
// DATA_DIR of its own, and a direct connection to look at what they wrote.
#pragma once

#include <csignal>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "redis/connection.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/service_process.hpp"

namespace test_support {

inline std::map<std::string, std::string> redis_env(const redis_server& r,
                                                    std::map<std::string, std::string> more = {}) {
  std::map<std::string, std::string> env = {{"STORE", "redis"}, {"REDIS_URL", r.url()},
                                            {"REDIS_TIMEOUT_MS", "500"}};
  for (auto& [k, v] : more)
    env[k] = v;
  return env;
}

inline redis::connection redis_connection(const redis_server& r) {
  std::signal(SIGPIPE, SIG_IGN);
  return redis::connection::open(*redis::parse_url(r.url()).ok, std::chrono::seconds(2));
}

}  // namespace test_support
