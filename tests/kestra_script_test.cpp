// Tests examples/kestra/poll-call-result.js, run by the real `node`, against the real binary (and,
// for the fallback, a tiny Node server that ignores ?wait): long-poll, timeout, 503 retries, the
// API token, a wrong URL, plain polling, and use as a module.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_client.hpp"
#include "tests/support/service_process.hpp"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using std::chrono::steady_clock;
using test_support::http_client;
using test_support::service_process;

const std::string webhook = "/api/v1/vapi/webhook";
const std::string calls = "/api/v1/vapi/calls/";
const std::string script = VAPI_CACHE_EXAMPLES "/kestra/poll-call-result.js";

// A child process with stdout and stderr collected by two threads; killed if still running at
// destruction. Test code only, so a mutex guards what the threads collect.
class child_process {
 public:
  child_process(const std::string& exe, std::vector<std::string> args,
                std::map<std::string, std::string> env) {
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0)
      throw std::runtime_error("pipe failed");
    if (const char* path = std::getenv("PATH"))
      env.emplace("PATH", path);
    std::vector<std::string> env_strings;
    for (const auto& [k, v] : env)
      env_strings.push_back(k + "=" + v);
    args.insert(args.begin(), exe);
    std::vector<char*> argv, envp;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env_strings)
      envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      dup2(err[1], 2);
      execve(exe.c_str(), argv.data(), envp.data());
      _exit(127);
    }
    close(out[1]);
    close(err[1]);
    readers_.emplace_back([this, fd = out[0]] { collect(fd, out_); });
    readers_.emplace_back([this, fd = err[0]] { collect(fd, err_); });
  }

  ~child_process() {
    if (!code_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    for (auto& t : readers_)
      t.join();  // the pipes close with the process
  }

  // The exit code (128 + signal if killed) once the process has ended, waiting up to `limit`.
  std::optional<int> wait_exit(steady_clock::duration limit) {
    auto deadline = steady_clock::now() + limit;
    while (!code_) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_)
        code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      else if (steady_clock::now() >= deadline)
        break;
      else
        std::this_thread::sleep_for(10ms);
    }
    return code_;
  }

  // True once `done()` holds, checked every 10 ms for up to `limit`.
  static bool wait_until(const std::function<bool()>& done, steady_clock::duration limit) {
    for (auto deadline = steady_clock::now() + limit; !done();
         std::this_thread::sleep_for(10ms))
      if (steady_clock::now() >= deadline)
        return done();
    return true;
  }

  std::string out() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return out_;
  }
  std::string err() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return err_;
  }

 private:
  void collect(int fd, std::string& into) {
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
      std::lock_guard<std::mutex> lock(mutex_);
      into.append(buf, size_t(n));
    }
    close(fd);
  }

  pid_t pid_ = -1;
  std::optional<int> code_;
  std::vector<std::thread> readers_;
  mutable std::mutex mutex_;
  std::string out_, err_;
};

// `node` from PATH, checked once to have the global fetch (Node 18+); empty if not usable.
const std::string& node() {
  static const std::string found = [] {
    std::istringstream path(std::getenv("PATH") ? std::getenv("PATH") : "");
    for (std::string dir; std::getline(path, dir, ':');) {
      std::string exe = (dir.empty() ? "." : dir) + "/node";
      if (access(exe.c_str(), X_OK) != 0)
        continue;
      child_process probe(exe, {"-e", "process.exit(typeof fetch === 'function' ? 0 : 1)"}, {});
      return probe.wait_exit(30s) == 0 ? exe : std::string();
    }
    return std::string();
  }();
  return found;
}

class KestraScript : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(node().empty())
      << "these tests need Node.js 18+ (`node` with global fetch) on PATH; "
         "scripts/install-deps.sh --test installs Debian's nodejs";
  }

  // Runs poll-call-result.js for `call_id` against the service on `port` (unless `env` names
  // another VAPI_CACHE_URL).
  static std::unique_ptr<child_process> poll(uint16_t port, const std::string& call_id,
                                             std::map<std::string, std::string> env = {}) {
    env.emplace("VAPI_CACHE_URL", "http://127.0.0.1:" + std::to_string(port));
    return std::make_unique<child_process>(node(), std::vector<std::string>{script, call_id},
                                           env);
  }
};

std::string report(const std::string& id) {
  return json{{"message",
               {{"type", "end-of-call-report"},
                {"endedReason", "customer-ended-call"},
                {"call", {{"id", id}}}}}}
    .dump();
}

std::string status_update(const std::string& id, const std::string& status) {
  return json{{"message", {{"type", "status-update"}, {"status", status}, {"call", {{"id", id}}}}}}
    .dump();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_F(KestraScript, LongPollPrintsAResultPostedTwoSecondsLater) {
  service_process svc;
  auto start = steady_clock::now();
  auto p = poll(svc.port(), "late-call");
  std::this_thread::sleep_until(start + 2s);
  http_client c(svc.port());
  ASSERT_EQ(c.post_json(webhook, report("late-call")).status, 200);

  auto code = p->wait_exit(start + 3s - steady_clock::now());
  ASSERT_TRUE(code) << "no result within 3 s of the start (does the server hold ?wait=50?); "
                    << "stderr:\n" << p->err();
  EXPECT_EQ(*code, 0) << p->err();
  auto result = json::parse(p->out(), nullptr, false);
  ASSERT_TRUE(result.is_object()) << p->out();
  EXPECT_EQ(result["callId"], "late-call");
  EXPECT_EQ(result["status"], "completed");
  EXPECT_FALSE(contains(p->err(), "does not long-poll")) << p->err();
}

TEST_F(KestraScript, NoResultTimesOutNamingTheLastCallStatus) {
  service_process svc;
  http_client c(svc.port());
  ASSERT_EQ(c.post_json(webhook, status_update("silent", "in-progress")).status, 200);
  auto start = steady_clock::now();
  auto p = poll(svc.port(), "silent", {{"POLL_DEADLINE_SECONDS", "3"}, {"WAIT_SECONDS", "1"}});

  auto code = p->wait_exit(15s);
  ASSERT_TRUE(code) << "still running 15 s after a 3 s deadline; stderr:\n" << p->err();
  auto took = steady_clock::now() - start;
  EXPECT_EQ(*code, 1) << p->err();
  EXPECT_TRUE(contains(p->err(), "Timeout: no result for call silent within 3 s")) << p->err();
  EXPECT_TRUE(contains(p->err(), "last callStatus: in-progress")) << p->err();
  EXPECT_EQ(p->out(), "");
  EXPECT_GE(took, 3s);
  EXPECT_LT(took, 8s);
}

TEST_F(KestraScript, RetriesA503AfterItsRetryAfter) {
  service_process svc({}, {{"MAX_WAITERS", "1"}});
  // `held` takes the only waiter slot for up to 30 s. Until a probe gets 503 it may be the
  // probe that took the slot (the two race on different connections): then `held` was the one
  // refused, and is sent again.
  std::unique_ptr<http_client> held;
  auto hold = [&] {
    held = std::make_unique<http_client>(svc.port());
    held->send_raw("GET " + calls + "held?wait=30 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  };
  hold();
  std::string retry_after;
  bool busy = child_process::wait_until(
    [&] {
      auto rsp = http_client(svc.port()).get(calls + "probe?wait=1");
      retry_after = rsp.header("retry-after");
      if (rsp.status == 503)
        return true;
      held->read_response();
      hold();
      return false;
    },
    5s);
  ASSERT_TRUE(busy) << "no 503 for a second waiter with MAX_WAITERS=1 (needs ?wait and "
                       "MAX_WAITERS in the server)";
  EXPECT_FALSE(retry_after.empty()) << "a 503 for too many waiters should carry Retry-After";

  auto p = poll(svc.port(), "busy-call",
                {{"WAIT_SECONDS", "5"}, {"POLL_DEADLINE_SECONDS", "60"}});
  auto retries = [&] {  // how many 503s the script has reported
    auto err = p->err();
    size_t n = 0;
    for (auto at = err.find("(503"); at != std::string::npos; at = err.find("(503", at + 1))
      ++n;
    return n;
  };
  ASSERT_TRUE(child_process::wait_until([&] { return retries() >= 2; }, 15s)) << p->err();
  EXPECT_TRUE(contains(p->err(), "Retry-After: " + retry_after + " s")) << p->err();
  EXPECT_FALSE(p->wait_exit(0s)) << "gave up on a 503; stderr:\n" << p->err();

  // A stored result is answered at once, even while every waiter slot is taken.
  http_client c(svc.port());
  ASSERT_EQ(c.post_json(webhook, report("busy-call")).status, 200);
  auto code = p->wait_exit(15s);
  ASSERT_TRUE(code) << p->err();
  EXPECT_EQ(*code, 0) << p->err();
  EXPECT_EQ(json::parse(p->out(), nullptr, false).value("callId", ""), "busy-call") << p->out();
  ASSERT_EQ(c.post_json(webhook, report("held")).status, 200);
  auto held_answer = held->read_response();
  ASSERT_TRUE(held_answer);
  EXPECT_EQ(held_answer->status, 200);
}

TEST_F(KestraScript, SendsApiTokenAndStopsAtOnceOn401) {
  service_process svc({}, {{"API_TOKEN", "kestra-test-token"}});
  http_client c(svc.port());
  ASSERT_EQ(c.post_json(webhook, report("secured")).status, 200);

  auto ok = poll(svc.port(), "secured", {{"API_TOKEN", "kestra-test-token"}});
  ASSERT_EQ(ok->wait_exit(10s), 0) << ok->err();
  EXPECT_EQ(json::parse(ok->out(), nullptr, false).value("callId", ""), "secured") << ok->out();

  auto anonymous = poll(svc.port(), "secured");
  ASSERT_EQ(anonymous->wait_exit(10s), 3) << anonymous->err();
  EXPECT_TRUE(contains(anonymous->err(), "401 the server needs API_TOKEN")) << anonymous->err();
  EXPECT_EQ(anonymous->out(), "");

  auto wrong = poll(svc.port(), "secured", {{"API_TOKEN", "not-the-token"}});
  ASSERT_EQ(wrong->wait_exit(10s), 3) << wrong->err();
  EXPECT_TRUE(contains(wrong->err(), "401 the API_TOKEN was refused")) << wrong->err();
}

TEST_F(KestraScript, AUrlThatIsNotTheServiceFailsAtOnce) {
  service_process svc;
  auto p = poll(svc.port(), "some-call",
                {{"VAPI_CACHE_URL", "http://127.0.0.1:" + std::to_string(svc.port()) + "/oops"}});
  ASSERT_EQ(p->wait_exit(10s), 3) << p->err();
  EXPECT_TRUE(contains(p->err(), "404 no such endpoint: check VAPI_CACHE_URL")) << p->err();
}

// A server from before long-poll: ignores ?wait, answers 404 twice, then the result.
const char* old_server = R"js(
  const http = require('http');
  let hits = 0;
  const server = http.createServer((req, res) => {
    hits++;
    console.log(`request ${hits} ${req.url}`);
    const found = hits >= 3;
    res.writeHead(found ? 200 : 404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(found
      ? { success: true, data: { status: 'completed', callId: 'old-server' } }
      : { success: false, error: 'Call result not found', message: 'not yet' }));
  });
  server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
)js";

TEST_F(KestraScript, FallsBackToPlainPollingWhenTheServerIgnoresWait) {
  child_process server(node(), {"-e", old_server}, {});
  ASSERT_TRUE(child_process::wait_until([&] { return contains(server.out(), "\n"); }, 10s))
    << server.err();
  auto port = uint16_t(std::stoi(server.out().substr(server.out().find(' ') + 1)));

  auto start = steady_clock::now();
  auto p = poll(port, "old-server",
                {{"POLL_INTERVAL_SECONDS", "1"}, {"POLL_DEADLINE_SECONDS", "120"}});
  ASSERT_EQ(p->wait_exit(10s), 0) << p->err();
  EXPECT_LT(steady_clock::now() - start, 5s);  // two 1 s pauses, not two 50 s waits
  EXPECT_EQ(json::parse(p->out(), nullptr, false).value("callId", ""), "old-server") << p->out();
  EXPECT_TRUE(contains(p->err(), "does not long-poll; polling every 1 s")) << p->err();
  auto log = server.out();
  EXPECT_TRUE(contains(log, "request 1 /api/v1/vapi/calls/old-server?wait=50\n")) << log;
  EXPECT_TRUE(contains(log, "request 2 /api/v1/vapi/calls/old-server\n")) << log;
  EXPECT_TRUE(contains(log, "request 3 /api/v1/vapi/calls/old-server\n")) << log;
}

TEST_F(KestraScript, WorksAsAModuleInsideANodeScript) {
  service_process svc;
  http_client c(svc.port());
  ASSERT_EQ(c.post_json(webhook, report("module-call")).status, 200);
  const char* use = R"js(
    const { pollCallResult } = require(process.argv[1]);
    pollCallResult(process.argv[2], { baseUrl: process.env.VAPI_CACHE_URL, log: () => {} })
      .then((result) => console.log(`got ${result.callId} ${result.status}`));
  )js";
  child_process p(node(), {"-e", use, script, "module-call"},
                  {{"VAPI_CACHE_URL", "http://127.0.0.1:" + std::to_string(svc.port())}});
  ASSERT_EQ(p.wait_exit(10s), 0) << p.err();
  EXPECT_EQ(p.out(), "got module-call completed\n");
  EXPECT_EQ(p.err(), "");
}

}  // namespace
