// Test support: a real redis-server (Debian's package) on a free loopback port, with a
// temporary directory and no persistence unless asked, stopped (SIGKILL or SIGTERM) by the test
// or at the end of its scope. Header-only; tests link hiredis through vapi_cache_core.
#pragma once

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "redis/connection.hpp"

namespace test_support {

inline uint16_t free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw std::runtime_error("no free port");
  ::close(fd);
  return ntohs(a.sin_port);
}

class redis_server {
 public:
  // Extra arguments go after the defaults, e.g. {"--requirepass", "pw"}. With unix_socket it
  // also listens on socket_path().
  // A port of 0 picks a free one.
  explicit redis_server(std::vector<std::string> extra = {}, bool unix_socket = false,
                        uint16_t port = 0)
    : port_(port ? port : free_loopback_port()) {
    char dir_template[] = "/tmp/vapi-redis-XXXXXX";
    if (!::mkdtemp(dir_template))
      throw std::runtime_error("mkdtemp failed");
    dir_ = dir_template;
    args_ = {"redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", dir_, "--daemonize", "no",
             "--logfile", dir_ + "/redis.log"};
    if (unix_socket)
      args_.insert(args_.end(), {"--unixsocket", socket_path(), "--unixsocketperm", "700"});
    args_.insert(args_.end(), extra.begin(), extra.end());
    for (int attempt = 1;; ++attempt) {  // another test may take the free port first
      try {
        start();
        return;
      } catch (const std::exception&) {
        if (attempt == 3 || port != 0)  // a port the test chose is not changed
          throw;
        port_ = free_loopback_port();
        args_[2] = std::to_string(port_);
      }
    }
  }
  ~redis_server() {
    kill(SIGKILL);
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;

  uint16_t port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  const std::string& dir() const { return dir_; }
  std::string socket_path() const { return dir_ + "/redis.sock"; }

  // Starts it again on the same port and directory (after kill()).
  void start() {
    pid_ = ::fork();
    if (pid_ < 0)
      throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args_)
        argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execvp("redis-server", argv.data());
      ::_exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("redis-server exited at start (is it installed? "
                                 "scripts/install-deps.sh --test)");
      }
      if (accepts())
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("redis-server did not start listening within 10 s");
  }

  // Sends `signal` without waiting (SIGSTOP / SIGCONT: a Redis that is alive but silent).
  void signal(int signal) {
    if (pid_ > 0)
      ::kill(pid_, signal);
  }

  // Stops it with `signal` and waits for the exit.
  void kill(int signal) {
    if (pid_ <= 0)
      return;
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  bool accepts() const {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port_);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
  }

  uint16_t port_;
  std::string dir_;
  std::vector<std::string> args_;
  pid_t pid_ = -1;
};

}  // namespace test_support
