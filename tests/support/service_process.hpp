// Test support: runs the real vapi-cache binary on a free loopback port and stops it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace test_support {

// A new empty directory under the system's temporary directory; throws if it cannot.
std::string make_temp_dir(const std::string& prefix);

class service_process {
 public:
  // Starts build/vapi-cache with `args` and `env` (added to a minimal environment), on
  // 127.0.0.1 and port 0 unless args say otherwise, and waits for its "listening" line (so
  // LOG_LEVEL must stay info or lower). Throws if the service exits or does not start.
  // Unless `env` or `args` name a DATA_DIR, the service journals to a new temporary directory,
  // removed with this object. `max_fds` > 0: the child runs with RLIMIT_NOFILE soft = hard = max_fds, as under
  // `prlimit --nofile=N:N` (set between fork and exec, so pid() is the service's).
  explicit service_process(std::vector<std::string> args = {},
                           std::map<std::string, std::string> env = {}, unsigned max_fds = 0);
  ~service_process();

  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }

  // Sends `signal` and waits up to `limit` for the exit; returns the exit code, or -1 if the
  // process did not exit in time (it is then killed) or died of a signal.
  int stop(int signal, std::chrono::milliseconds limit = std::chrono::seconds(10));

  // Every line the service wrote to stdout/stderr so far.
  std::vector<std::string> log_lines() const;
  std::string log_text() const;
  // The temporary DATA_DIR this object made; empty when the test named one.
  const std::string& own_data_dir() const { return own_data_dir_; }

 private:
  void read_output(int fd);
  void remove_own_data_dir();

  std::string own_data_dir_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::thread reader_;
  mutable std::mutex mutex_;  // test code only: guards lines_ between reader and test
  std::vector<std::string> lines_;
};

}  // namespace test_support
