// Tests logging/log.cpp: a line's shape and escaping (the same as nlohmann::json's dump), the
// writer's order and timing (through a pipe), and dropping past the bound.
#include "logging/log.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

// Reads what is in the pipe within `limit`.
std::string drain_pipe(int fd, std::chrono::milliseconds limit) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left <= 0ms)
      return out;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
      return out;
    char buf[65536];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0)
      return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

std::vector<json> lines_of(const std::string& text) {
  std::vector<json> out;
  size_t at = 0;
  for (size_t nl; (nl = text.find('\n', at)) != std::string::npos; at = nl + 1)
    out.push_back(json::parse(text.substr(at, nl - at)));
  return out;
}

TEST(log, fields_are_written_as_nlohmanns_dump_would) {
  const std::string tricky[] = {"plain-id_1.2",          "quote \" and \\ backslash",
                                "tab\tnew\nline\x01\x1f", "caf\xc3\xa9 \xe2\x82\xac",
                                "bad \xff\xfe utf-8",      "del \x7f", "", "/slash"};
  for (const auto& s : tricky) {
    SCOPED_TRACE(s);
    logging::fields f;
    f.add("k", s);
    nlohmann::ordered_json tree = {{"k", s}};
    auto dumped = tree.dump(-1, ' ', false, json::error_handler_t::replace);
    EXPECT_EQ("{" + f.text() + "}", dumped);
  }
  logging::fields f;
  f.add("s", "x").add("b", true).add("i", -5).add("u", uint64_t(18446744073709551615u));
  f.add("d", 0.45).add("j", nlohmann::ordered_json(nullptr)).add("n", nlohmann::ordered_json::array({1, "a"}));
  nlohmann::ordered_json tree = {{"s", "x"}, {"b", true}, {"i", -5},
                                 {"u", uint64_t(18446744073709551615u)}, {"d", 0.45},
                                 {"j", nullptr}, {"n", json::array({1, "a"})}};
  EXPECT_EQ("{" + f.text() + "}", tree.dump());
}

TEST(log, a_line_has_the_time_level_event_and_fields) {
  using namespace std::chrono;
  system_clock::time_point at{milliseconds(1764698678123)};  // 2025-12-02T18:04:38.123Z
  EXPECT_EQ(logging::format_line(logging::level::warn, "evicted", R"("count":3)", at),
            R"({"ts":"2025-12-02T18:04:38.123Z","level":"warning","event":"evicted","count":3})"
            "\n");
  EXPECT_EQ(logging::format_line(logging::level::info, "listening", "",
                                 system_clock::time_point{milliseconds(7)}),
            R"({"ts":"1970-01-01T00:00:00.007Z","level":"info","event":"listening"})"
            "\n");
}

class LogWriter : public ::testing::Test {
 protected:
  void start(const std::string& level, logging::options o) {
    ASSERT_EQ(::pipe2(fds_, O_CLOEXEC), 0);
    o.fd = fds_[1];
    logging::init(level, o);
  }
  ~LogWriter() override {
    logging::shutdown();
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  int fds_[2] = {-1, -1};
};

TEST_F(LogWriter, lines_come_out_in_order_per_thread_within_the_period_and_all_at_shutdown) {
  start("info", {1, size_t(4) << 20, 30ms});
  EXPECT_FALSE(logging::enabled(logging::level::debug));
  EXPECT_TRUE(logging::enabled(logging::level::info));
  logging::debug("hidden", logging::fields().add("n", 0));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([t] {
      for (int i = 0; i < 500; ++i)
        logging::info("line", logging::fields().add("t", t).add("i", i));
    });
  for (auto& th : threads)
    th.join();
  auto lines = lines_of(drain_pipe(fds_[0], 1s));
  ASSERT_EQ(lines.size(), 2000u) << "every line, within the period";
  int next[4] = {0, 0, 0, 0};
  for (const auto& l : lines) {
    EXPECT_EQ(l["event"], "line");
    int t = l["t"];
    EXPECT_EQ(l["i"], next[t]++) << "one thread's lines keep their order";
  }
  logging::info("last", {{"from", "the tree form"}});
  logging::shutdown();
  lines = lines_of(drain_pipe(fds_[0], 200ms));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["from"], "the tree form");
  logging::info("after");
  EXPECT_EQ(drain_pipe(fds_[0], 100ms), "") << "nothing is logged after shutdown";
}

TEST_F(LogWriter, a_lone_line_and_a_warning_are_written_at_once_a_burst_waits_for_the_period) {
  start("info", {1, size_t(4) << 20, std::chrono::milliseconds(60000)});
  logging::info("first");  // after a quiet spell: at once
  auto lines = lines_of(drain_pipe(fds_[0], 500ms));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["event"], "first");
  logging::info("queued");  // right after it: waits for the period
  EXPECT_EQ(drain_pipe(fds_[0], 200ms), "") << "info within the period is held";
  logging::warn("urgent");
  lines = lines_of(drain_pipe(fds_[0], 1s));
  ASSERT_EQ(lines.size(), 2u) << "the warning takes what was queued before it along";
  EXPECT_EQ(lines[0]["event"], "queued");
  EXPECT_EQ(lines[1]["event"], "urgent");
  EXPECT_EQ(lines[1]["level"], "warning");
}

TEST_F(LogWriter, past_the_bound_lines_are_dropped_and_counted_never_waited_for) {
  start("info", {1, 4096, std::chrono::milliseconds(60000)});
  uint64_t before = logging::dropped_lines();
  std::string id(100, 'x');
  for (int i = 0; i < 200; ++i)  // about 160 bytes each: some 25 fit
    logging::info("flood", logging::fields().add("callId", id).add("i", i));
  uint64_t dropped = logging::dropped_lines() - before;
  EXPECT_GT(dropped, 150u);
  EXPECT_LT(dropped, 200u);
  logging::shutdown();
  auto lines = lines_of(drain_pipe(fds_[0], 500ms));
  EXPECT_EQ(lines.size(), 200u - dropped);
  EXPECT_EQ(lines.front()["i"], 0) << "the oldest are kept: a full queue refuses the newest";
}

}  // namespace
