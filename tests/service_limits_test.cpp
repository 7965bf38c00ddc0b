// Tests the connection layer's limits on the real binary: the descriptor limit (128, set for
// the child as prlimit does) and MAX_CONNECTIONS, output backpressure for clients that do not
// read a 4 MB result, and the send timeout.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <random>
#include <stdexcept>
#include <utility>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_client.hpp"
#include "tests/support/service_api.hpp"
#include "tests/support/service_probe.hpp"
#include "tests/support/service_process.hpp"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test_support::http_client;
using test_support::http_response;
using test_support::service_process;
using namespace test_support;  // paths, requests and probes
using clock_type = std::chrono::steady_clock;

// A report whose stored result is `size` bytes of random base64 text (incompressible).
std::string big_report(const std::string& id, size_t size) {
  static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::mt19937_64 rng(42);
  std::string text(size, 'A');
  for (auto& ch : text)
    ch = alphabet[rng() % 64];
  return json{{"message",
               {{"type", "end-of-call-report"},
                {"endedReason", "customer-ended-call"},
                {"artifact", {{"transcript", text}}},
                {"call", {{"id", id}}}}}}
    .dump();
}

// Posts the big report as `id` and checks it is served whole; the size of its GET answer.
size_t store_big(uint16_t port, const std::string& id) {
  http_client c(port, 30);
  EXPECT_EQ(c.post_json(webhook, big_report(id, 4 << 20)).status, 200);
  auto rsp = c.get(calls + id);
  EXPECT_EQ(rsp.status, 200);
  EXPECT_GT(rsp.body.size(), size_t(4 << 20));
  return rsp.body.size();
}

// ---- Descriptor and connection limits

// The first log line of `svc` with "event": `name`, or null.
json event(const service_process& svc, const std::string& name) {
  for (const auto& line : svc.log_lines())
    if (auto j = json::parse(line, nullptr, false); j.is_object() && j.value("event", "") == name)
      return j;
  return nullptr;
}

// What one of many connections received for its GET.
struct outcome {
  int fd = -1;
  bool sent = false, ended = false;  // ended: FIN or RST from the server
  std::string bytes;
  int status() const {
    return bytes.size() > 12 && bytes.rfind("HTTP/1.", 0) == 0 ? std::atoi(&bytes[9]) : 0;
  }
  bool refused() const {  // a whole 503 JSON with Connection: close, then the end
    auto head_end = bytes.find("\r\n\r\n");
    if (status() != 503 || !ended || head_end == std::string::npos)
      return false;
    auto j = json::parse(bytes.substr(head_end + 4), nullptr, false);
    return lower(bytes.substr(0, head_end)).find("\r\nconnection: close") != std::string::npos &&
           j.is_object() && j.value("success", true) == false;
  }
  bool settled() const { return ended || (status() != 0 && status() != 503); }
};

// Opens `n` connections at once, each sending a GET as soon as it is connected, and reads what
// they get for up to `limit` (a 503 until its close).
std::vector<outcome> open_many(uint16_t port, int n, std::chrono::milliseconds limit) {
  const std::string request = get_request(calls + "x");
  std::vector<outcome> conns(static_cast<size_t>(n));
  for (auto& c : conns)
    c.fd = open_socket(port, 0, true);
  for (auto deadline = clock_type::now() + limit; clock_type::now() < deadline;) {
    std::vector<pollfd> polled;
    std::vector<outcome*> which;
    for (auto& c : conns)
      if (!c.settled()) {
        polled.push_back({c.fd, short(c.sent ? POLLIN : POLLOUT), 0});
        which.push_back(&c);
      }
    if (polled.empty() || poll(polled.data(), polled.size(), 50) < 0)
      break;
    for (size_t i = 0; i < polled.size(); ++i) {
      auto& c = *which[i];
      if (!polled[i].revents)
        continue;
      if (!c.sent) {  // connected (or failed to); a refusal may already be waiting
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err == 0)
          ::send(c.fd, request.data(), request.size(), MSG_NOSIGNAL);
        c.sent = true;
        c.ended = err != 0;
        continue;
      }
      char buf[4096];
      ssize_t got = recv(c.fd, buf, sizeof buf, 0);
      if (got > 0)
        c.bytes.append(buf, size_t(got));
      else
        c.ended = true;
    }
  }
  return conns;
}

TEST(Limits, PastTheDescriptorLimitNewConnectionsGet503AndTheServiceStaysIdle) {
  raise_fd_limit();
  service_process svc({}, {}, 128);
  json fd_limit = event(svc, "fd_limit");
  EXPECT_TRUE(fd_limit.is_object()) << "no fd_limit log line:\n" << svc.log_text();
  int max = 128;
  if (fd_limit.is_object()) {
    EXPECT_EQ(fd_limit.value("soft", 0), 128);
    EXPECT_EQ(fd_limit.value("hard", 0), 128);
    max = fd_limit.value("maxConnections", 0);
    EXPECT_GT(max, 0);
    EXPECT_LT(max, 128);
  }

  auto conns = open_many(svc.port(), 400, 4000ms);
  int served = 0, refused = 0;
  for (auto& c : conns) {
    served += c.status() == 404 && !c.ended;
    refused += c.refused();
  }
  std::cout << "[ limits ] of 400: served " << served << ", refused with 503 " << refused
            << ", maxConnections " << max << std::endl;
  EXPECT_GT(refused, 0);
  EXPECT_LE(served, max);
  EXPECT_EQ(served + refused, 400) << "connections neither served nor refused";

  double cpu_before = cpu_seconds(svc.pid());
  std::this_thread::sleep_for(2s);  // the connections stay open
  double cpu_share = (cpu_seconds(svc.pid()) - cpu_before) / 2;
  std::cout << "[ limits ] service CPU with the connections open: " << cpu_share * 100 << "%"
            << std::endl;
  EXPECT_LT(cpu_share, 0.2);

  int closed_served = 0;  // all but the served, and 10 of those
  for (auto& c : conns)
    if (!(c.status() == 404 && !c.ended) || closed_served++ < 10)
      close(std::exchange(c.fd, -1));
  auto c = healthy_connection(svc.port(), 1000ms);
  ASSERT_TRUE(c) << "no /health 200 within 1 s after closing connections";
  auto page = c->get("/metrics").body;
  EXPECT_GT(sum_of(page, "vapi_http_connections_refused_total"), 0);
  EXPECT_NE(page.find("# TYPE vapi_http_connections_open gauge"), std::string::npos);
  EXPECT_GE(sample(page, "vapi_http_connections_open"), 1);
  for (auto& conn : conns)
    if (conn.fd >= 0)
      close(conn.fd);
}

TEST(Limits, MaxConnectionsRefusesTheNextWith503) {
  service_process svc({}, {{"MAX_CONNECTIONS", "5"}});
  std::vector<std::unique_ptr<http_client>> five;
  for (int i = 0; i < 5; ++i) {
    five.push_back(std::make_unique<http_client>(svc.port(), 2));
    EXPECT_EQ(five.back()->get(calls + "x").status, 404);
  }
  http_client sixth(svc.port(), 2);
  sixth.send_raw(get_request(calls + "x"));
  auto rsp = sixth.read_response();
  ASSERT_TRUE(rsp);
  EXPECT_EQ(rsp->status, 503);
  EXPECT_EQ(lower(rsp->header("connection")), "close");
  EXPECT_EQ(json::parse(rsp->body, nullptr, false).value("success", true), false) << rsp->body;
  EXPECT_TRUE(sixth.closed_by_server());

  five.pop_back();
  auto c = healthy_connection(svc.port(), 1000ms);
  ASSERT_TRUE(c) << "no room within 1 s after one of the five left";
  auto page = c->get("/metrics").body;
  EXPECT_EQ(sample(page, "vapi_http_connections_max"), 5);
  EXPECT_GE(sample(page, R"(vapi_http_connections_refused_total{reason="max_connections"})"), 1);
}

// ---- Clients that do not read

TEST(Backpressure, NonReadingClientsOfA4MbResultDoNotGrowTheService) {
  raise_fd_limit();
  service_process svc({}, {{"MAX_BODY_BYTES", "16777216"}});
  store_big(svc.port(), "big");
  auto kept = std::make_unique<http_client>(svc.port(), 2);
  kept->post_json(webhook, report("small"));
  std::string four = get_request(calls + "big");
  four += four + four + four;
  std::vector<int> stalled;
  for (int i = 0; i < 150; ++i) {
    stalled.push_back(open_socket(svc.port(), 4096));
    send_all(stalled.back(), four);
  }
  long max_rss = 0;
  auto slowest = 0ms;
  auto timed = [&](auto request) {  // a probe that times out counts as its 2 s timeout
    auto started = clock_type::now();
    int status = -1;
    try {
      status = request();
    } catch (const std::exception&) {
    }
    EXPECT_EQ(status, 200);
    slowest = std::max(slowest, std::chrono::duration_cast<std::chrono::milliseconds>(
                                  clock_type::now() - started));
  };
  for (auto until = clock_type::now() + 3s; clock_type::now() < until;) {
    max_rss = std::max(max_rss, rss_bytes(svc.pid()));
    timed([&] { return http_client(svc.port(), 2).get("/health").status; });
    timed([&] {
      try {
        return kept->get(calls + "small").status;
      } catch (const std::exception&) {
        kept = std::make_unique<http_client>(svc.port(), 2);  // a late answer would be next
        throw;
      }
    });
    std::this_thread::sleep_for(100ms);
  }
  std::cout << "[ backpressure ] max RSS " << max_rss / 1048576 << " MB, slowest probe "
            << slowest.count() << " ms" << std::endl;
  EXPECT_LT(max_rss, 400L << 20);
  // Before the fix every probe stalled for good. How fast they answer (the target is 100 ms)
  // is measured by benchmarks/slow_readers.py, not asserted here: on a shared machine running
  // other tests at once a timing bound would fail for reasons of its own.
  EXPECT_LT(slowest, 1000ms);
  for (int fd : stalled)
    close(fd);
  EXPECT_TRUE(healthy_connection(svc.port(), 2000ms)) << "not answering after they left";
}

TEST(Backpressure, SendTimeoutClosesAClientThatStopsReading) {
  service_process svc({}, {{"MAX_BODY_BYTES", "16777216"}, {"SEND_TIMEOUT_SECONDS", "2"}});
  size_t answer = store_big(svc.port(), "big");
  int fd = open_socket(svc.port(), 4096);
  std::string four = get_request(calls + "big");
  send_all(fd, four + four + four + four);
  auto sent_at = clock_type::now();
  http_client m(svc.port(), 2);
  const std::string series = R"(vapi_http_connections_closed_total{reason="send_timeout"})";
  auto took = 0ms;
  while (clock_type::now() - sent_at < 6s) {
    if (sample(m.get("/metrics").body, series) >= 1) {
      took = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - sent_at);
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  std::cout << "[ send timeout ] "
            << (took > 0ms ? "closed after " + std::to_string(took.count()) + " ms"
                           : std::string("no send_timeout close counted within 6 s"))
            << std::endl;
  EXPECT_GE(took, 1500ms);
  EXPECT_LE(took, 4500ms);

  size_t received = 0;  // what was sent before the close, then FIN or RST
  bool ended = false;
  for (auto until = clock_type::now() + 3s; !ended && clock_type::now() < until;) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0)
      continue;
    char buf[65536];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    ended = n <= 0;
    received += size_t(std::max<ssize_t>(n, 0));
  }
  close(fd);
  EXPECT_TRUE(ended) << "the connection is still open";
  EXPECT_LT(received, 4 * answer);
}

}  // namespace
