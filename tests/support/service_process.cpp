// fork/exec with a pipe on stdout and stderr; a thread collects the JSON log lines, the first
// "listening" line tells the port the kernel picked.
#include "tests/support/service_process.hpp"

#include <sys/resource.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace test_support {

service_process::service_process(std::vector<std::string> args,
                                 std::map<std::string, std::string> env, unsigned max_fds) {
  bool has_port = false, has_host = false;
  for (const auto& a : args) {
    has_port |= a.rfind("--port", 0) == 0;
    has_host |= a.rfind("--host", 0) == 0;
  }
  if (!has_port)
    args.insert(args.end(), {"--port", "0"});
  if (!has_host)
    args.insert(args.end(), {"--host", "127.0.0.1"});
  env.emplace("LOG_LEVEL", "info");  // the "listening" line carries the port
  // Each service gets a journal directory of its own unless the test names one (a test that
  // restarts on the same journal does), so tests running at once never share DATA_DIR's lock.
  bool has_data_dir = env.count("DATA_DIR") > 0;
  for (const auto& a : args)
    has_data_dir |= a.rfind("--data-dir", 0) == 0;
  if (!has_data_dir) {
    own_data_dir_ = make_temp_dir("vapi-cache-data");
    env["DATA_DIR"] = own_data_dir_;
  }

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe failed");
  pid_ = fork();
  if (pid_ == 0) {
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    if (max_fds > 0) {
      rlimit r{max_fds, max_fds};
      setrlimit(RLIMIT_NOFILE, &r);
    }
    std::vector<std::string> env_strings;
    for (const auto& [k, v] : env)
      env_strings.push_back(k + "=" + v);
    std::vector<char*> argv{const_cast<char*>(VAPI_CACHE_BINARY)}, envp;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env_strings)
      envp.push_back(e.data());
    envp.push_back(nullptr);
    execve(VAPI_CACHE_BINARY, argv.data(), envp.data());
    _exit(127);
  }
  close(fds[1]);
  reader_ = std::thread([this, fd = fds[0]] { read_output(fd); });

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    for (const auto& line : log_lines()) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_object() && j.value("event", "") == "listening") {
        port_ = j["port"].get<uint16_t>();
        return;
      }
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      reader_.join();
      remove_own_data_dir();
      throw std::runtime_error("vapi-cache exited with code " +
                               std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                               ": " + log_text());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop(SIGKILL, std::chrono::seconds(5));
  remove_own_data_dir();
  throw std::runtime_error("vapi-cache did not start in time: " + log_text());
}

service_process::~service_process() {
  if (pid_ > 0)
    stop(SIGKILL, std::chrono::seconds(5));
  if (reader_.joinable())
    reader_.join();
  remove_own_data_dir();
}

void service_process::remove_own_data_dir() {
  if (own_data_dir_.empty())
    return;
  std::error_code ignored;
  std::filesystem::remove_all(own_data_dir_, ignored);
  own_data_dir_.clear();
}

std::string make_temp_dir(const std::string& prefix) {
  auto base = std::filesystem::temp_directory_path() / (prefix + "-XXXXXX");
  std::string path = base.string();
  if (!mkdtemp(path.data()))
    throw std::runtime_error("mkdtemp failed for " + path);
  return path;
}

int service_process::stop(int signal, std::chrono::milliseconds limit) {
  if (pid_ <= 0)
    return -1;
  kill(pid_, signal);
  auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      pid_ = -1;
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  pid_ = -1;
  if (reader_.joinable())
    reader_.join();  // the pipe closes with the process
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void service_process::read_output(int fd) {
  std::string pending;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) {
    pending.append(buf, size_t(n));
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      std::lock_guard<std::mutex> lock(mutex_);
      lines_.push_back(pending.substr(0, nl));
      pending.erase(0, nl + 1);
    }
  }
  close(fd);
}

std::vector<std::string> service_process::log_lines() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return lines_;
}

std::string service_process::log_text() const {
  std::string out;
  for (const auto& l : log_lines())
    out += l + "\n";
  return out;
}

}  // namespace test_support
