// Test support: a Sentinel-managed Redis on loopback free ports, each process in a temporary
// directory: a master, its replica (--replicaof) and three sentinels (Debian's redis-server
// run as `redis-server sentinel.conf --sentinel`) monitoring the master with a quorum of 2 and
// a short down-after-milliseconds, so that a killed master is replaced within seconds. The
// constructor returns once every sentinel knows the replica (as a synced replica) and the two
// other sentinels, polled for at most 30 s. Every server has the password `password()`.
// Header-only; everything is stopped (SIGKILL) at the end of its scope.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "redis/connection.hpp"
#include "redis/sentinel.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/redis_server.hpp"

namespace test_support {

using namespace std::chrono_literals;

// One `redis-server <dir>/sentinel.conf --sentinel` (a sentinel rewrites its file, so it is
// its own).
class sentinel_process {
 public:
  sentinel_process(uint16_t master_port, const std::string& name, const std::string& password)
    : port_(free_loopback_port()) {
    char dir_template[] = "/tmp/vapi-sentinel-XXXXXX";
    if (!::mkdtemp(dir_template))
      throw std::runtime_error("mkdtemp failed");
    dir_ = dir_template;
    std::ofstream(dir_ + "/sentinel.conf")
      << "port " << port_ << "\nbind 127.0.0.1\ndaemonize no\ndir " << dir_ << "\nlogfile "
      << dir_ << "/sentinel.log\n"
      << "sentinel monitor " << name << " 127.0.0.1 " << master_port << " 2\n"
      << "sentinel auth-pass " << name << " " << password << "\n"
      << "sentinel down-after-milliseconds " << name << " 1000\n"
      << "sentinel failover-timeout " << name << " 5000\n";
    std::string conf = dir_ + "/sentinel.conf";  // made before fork: the child only execs
    pid_ = ::fork();
    if (pid_ < 0)
      throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::execlp("redis-server", "redis-server", conf.c_str(), "--sentinel", nullptr);
      ::_exit(127);
    }
  }
  ~sentinel_process() {
    kill();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  sentinel_process(const sentinel_process&) = delete;
  sentinel_process& operator=(const sentinel_process&) = delete;

  uint16_t port() const { return port_; }
  void kill() {
    if (pid_ <= 0)
      return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  uint16_t port_;
  std::string dir_;
  pid_t pid_ = -1;
};

class sentinel_cluster {
 public:
  static constexpr const char* name = "vapi-master";

  sentinel_cluster()
    : master_(std::make_unique<redis_server>(auth())),
      replica_(std::make_unique<redis_server>(replica_args(master_->port()))) {
    for (int i = 0; i < 3; ++i)
      sentinels_.push_back(std::make_unique<sentinel_process>(master_->port(), name, password()));
    wait_until_ready();
  }

  static std::string password() { return "pw-sentinel-secret"; }
  redis_server& master() { return *master_; }    // the master at the start
  redis_server& replica() { return *replica_; }  // its replica at the start
  sentinel_process& sentinel(size_t i) { return *sentinels_.at(i); }

  // The sentinels as REDIS_SENTINELS gives them.
  std::vector<redis::sentinel_address> sentinels() const {
    std::vector<redis::sentinel_address> out;
    for (auto& s : sentinels_)
      out.push_back({"127.0.0.1", s->port()});
    return out;
  }
  // REDIS_URL's part with sentinels: the password (and db); host and port unused.
  static redis::endpoint base(unsigned db = 0) {
    redis::endpoint e;
    e.host = "unused.invalid";
    e.password = password();
    e.db = db;
    return e;
  }

  static redis::connection server(uint16_t port) {
    redis::endpoint e = base();
    e.host = "127.0.0.1";
    e.port = port;
    return redis::connection::open(e, 2000ms);
  }
  static redis::connection to_sentinel(uint16_t port) {
    return redis::connection::open(redis::sentinel_endpoint({"127.0.0.1", port}), 2000ms);
  }
  // ROLE's first word on that server: "master", "slave"; "" if it does not answer.
  static std::string role(uint16_t port) {
    try {
      auto r = server(port).run({"ROLE"});
      return r.items.empty() ? "" : r.items[0].text;
    } catch (const redis::connection_error&) {
      return "";
    }
  }

  // Clients SUBSCRIBEd on any sentinel (a sentinel_watch is one).
  size_t sentinel_subscribers() const {
    size_t n = 0;
    for (auto& s : sentinels_) {
      try {
        auto list = to_sentinel(s->port()).run({"CLIENT", "LIST", "TYPE", "pubsub"}).text;
        n += std::count(list.begin(), list.end(), '\n');  // a line each
      } catch (const redis::connection_error&) {  // a sentinel the test killed
      }
    }
    return n;
  }
  // Subscribers of `channel` on that server itself (PUBSUB NUMSUB counts no replica's).
  static int64_t subscribers(uint16_t port, const std::string& channel) {
    try {
      auto r = server(port).run({"PUBSUB", "NUMSUB", channel});
      return r.items.size() == 2 ? r.items[1].integer : -1;
    } catch (const redis::connection_error&) {
      return -1;
    }
  }

  // SENTINEL FAILOVER on sentinel 0, retried (bounded) while it finds no replica it trusts yet.
  void failover() {
    for (auto deadline = std::chrono::steady_clock::now() + 15s;;) {
      auto r = to_sentinel(sentinels_[0]->port()).run({"SENTINEL", "FAILOVER", name});
      if (!r.is_error())
        return;
      if (std::chrono::steady_clock::now() > deadline)
        throw std::runtime_error("SENTINEL FAILOVER: " + r.text);
      std::this_thread::sleep_for(200ms);
    }
  }

 private:
  static std::vector<std::string> auth() {
    return {"--requirepass", password(), "--masterauth", password()};
  }
  static std::vector<std::string> replica_args(uint16_t master_port) {
    auto a = auth();
    a.insert(a.end(), {"--replicaof", "127.0.0.1", std::to_string(master_port)});
    return a;
  }

  // A reply of SENTINEL replicas / sentinels is a list of flat [field, value, ...] arrays.
  static std::string field(const redis::reply& entry, const std::string& key) {
    for (size_t i = 0; i + 1 < entry.items.size(); i += 2)
      if (entry.items[i].text == key)
        return entry.items[i + 1].text;
    return "";
  }

  bool ready(uint16_t sentinel_port) const {
    try {
      auto c = to_sentinel(sentinel_port);
      auto replicas = c.run({"SENTINEL", "replicas", name});
      auto others = c.run({"SENTINEL", "sentinels", name});
      bool replica_known = false;
      for (auto& r : replicas.items)
        replica_known |= field(r, "port") == std::to_string(replica_->port()) &&
                         field(r, "flags") == "slave" && field(r, "master-link-status") == "ok";
      return replica_known && others.items.size() == 2;
    } catch (const redis::connection_error&) {
      return false;  // not listening yet
    }
  }

  void wait_until_ready() {
    auto deadline = std::chrono::steady_clock::now() + 30s;
    for (auto& s : sentinels_)
      while (!ready(s->port())) {
        if (std::chrono::steady_clock::now() > deadline)
          throw std::runtime_error("the sentinels did not learn the replica and each other in "
                                   "30 s");
        std::this_thread::sleep_for(100ms);
      }
  }

  std::unique_ptr<redis_server> master_, replica_;
  std::vector<std::unique_ptr<sentinel_process>> sentinels_;
};

}  // namespace test_support
