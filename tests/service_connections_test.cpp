// Tests the connection layer on the real binary: Connection: close and HTTP/1.0 keep-alive,
// a half-closed client, the head timeout, and pipelined order across answer sources.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>
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

std::string get_with_id(const std::string& path, const std::string& request_id,
                        const std::string& extra_headers = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: t\r\nX-Request-Id: " + request_id + "\r\n" +
         extra_headers + "\r\n";
}

// ---- Connection: close, HTTP/1.0, pipelining

TEST(Connections, ConnectionCloseIsAnsweredThenTheServerCloses) {
  service_process svc;
  http_client c(svc.port(), 3);
  auto rsp = c.request("GET", calls + "x", "", {{"Connection", "close"}});
  EXPECT_EQ(rsp.status, 404);
  EXPECT_EQ(lower(rsp.header("connection")), "close");
  EXPECT_TRUE(c.closed_by_server());

  http_client old(svc.port(), 3);
  old.send_raw("GET " + calls + "x HTTP/1.0\r\nHost: t\r\n\r\n");
  auto rsp10 = old.read_response();
  ASSERT_TRUE(rsp10);
  EXPECT_EQ(rsp10->status, 404);
  EXPECT_EQ(lower(rsp10->header("connection")), "close");
  EXPECT_TRUE(old.closed_by_server());
}

TEST(Connections, Http10KeepAliveStaysOpen) {
  service_process svc;
  http_client c(svc.port(), 3);
  for (int i = 0; i < 2; ++i) {
    c.send_raw("GET " + calls + "x HTTP/1.0\r\nHost: t\r\nConnection: keep-alive\r\n\r\n");
    auto rsp = c.read_response();
    ASSERT_TRUE(rsp) << "request " << i;
    EXPECT_EQ(rsp->status, 404);
    EXPECT_EQ(lower(rsp->header("connection")), "keep-alive");
  }
  EXPECT_FALSE(c.closed_by_server(200));
}

TEST(Connections, PipelinedRequestsAfterConnectionCloseAreNotAnswered) {
  service_process svc;
  http_client c(svc.port(), 3);
  c.send_raw(get_with_id(calls + "a", "q1") + get_with_id(calls + "b", "q2") +
             get_with_id(calls + "c", "q3", "Connection: close\r\n") +
             get_with_id(calls + "d", "q4"));
  for (const char* id : {"q1", "q2", "q3"}) {
    auto rsp = c.read_response();
    ASSERT_TRUE(rsp) << id;
    EXPECT_EQ(rsp->status, 404);
    EXPECT_EQ(rsp->header("x-request-id"), id);
  }
  EXPECT_TRUE(c.closed_by_server()) << "a 4th response, or no close";
}

// A HEAD is answered with the head alone (Content-Length still the body's): a body there would
// be read by the client as the start of the next response on the connection.
TEST(Connections, AHeadIsAnsweredWithoutABodyAndTheNextAnswerFollowsIt) {
  service_process svc;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(svc.port());
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  timeval tv{0, 300000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out = "HEAD " + calls + "x HTTP/1.1\r\nHost: t\r\n\r\n" +
                    "GET " + calls + "y HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(::write(fd, out.data(), out.size()), ssize_t(out.size()));
  std::string in;
  char buf[4096];
  for (auto deadline = std::chrono::steady_clock::now() + 3s;
       std::chrono::steady_clock::now() < deadline;) {
    auto n = ::read(fd, buf, sizeof buf);
    if (n == 0)
      break;
    if (n > 0)
      in.append(buf, size_t(n));
  }
  ::close(fd);
  auto first_end = in.find("\r\n\r\n");
  ASSERT_NE(first_end, std::string::npos) << in;
  EXPECT_EQ(in.rfind("HTTP/1.1 405", 0), 0u) << in;  // the route takes GET and DELETE
  EXPECT_NE(in.substr(0, first_end).find("Content-Length: "), std::string::npos);
  // Right after the HEAD's head: the GET's answer, not a body.
  EXPECT_EQ(in.compare(first_end + 4, 12, "HTTP/1.1 404"), 0) << in;
  EXPECT_NE(in.find("Call result not found"), std::string::npos) << in;
}

// A client that half-closes still gets its answer; while that answer is being made (held
// 500 ms by the test hook) the service does not spin on the closed half.
TEST(Connections, AHalfClosedClientGetsItsAnswerAndCostsNoCpuMeanwhile) {
  service_process svc({}, {{"VAPI_CACHE_TEST_REPLY_DELAY_MS", "500"}});
  http_client c(svc.port(), 5);
  c.send_raw(get_request(calls + "held"));
  std::this_thread::sleep_for(50ms);
  double before = cpu_seconds(svc.pid());
  c.shutdown_sending();
  auto rsp = c.read_response();
  double used = cpu_seconds(svc.pid()) - before;
  ASSERT_TRUE(rsp);
  EXPECT_EQ(rsp->status, 404);
  EXPECT_TRUE(c.closed_by_server());
  EXPECT_LT(used, 0.1) << "CPU seconds while the answer was held";
}

// A head that does not finish within 30 s of its first byte is answered 408 and closed,
// however slowly the rest trickles in (a byte every few seconds resets nothing).
TEST(Connections, AHeadTrickledInForOver30SecondsIs408AndClosed) {
  service_process svc;
  http_client c(svc.port(), 45);
  auto started = clock_type::now();
  c.send_raw("GET /api/v1/vapi/calls/x HTTP/1.1\r\n");
  std::this_thread::sleep_for(10s);
  c.send_raw("Host: a\r\n");  // still no blank line
  auto rsp = c.read_response();
  auto took = clock_type::now() - started;
  ASSERT_TRUE(rsp);
  EXPECT_EQ(rsp->status, 408);
  EXPECT_EQ(lower(rsp->header("connection")), "close");
  EXPECT_GE(took, 29s);
  EXPECT_LT(took, 36s);  // the timeouts are checked once a second; slack for a loaded machine
  EXPECT_TRUE(c.closed_by_server());
}

TEST(Connections, PipelinedAnswersKeepRequestOrderWhateverAnswersThem) {
  service_process svc;
  http_client c(svc.port(), 5);
  auto started = clock_type::now();
  c.send_raw(get_with_id(calls + "lp?wait=1", "o1") + get_with_id("/nope", "o2") +
             get_with_id(calls + "lp", "o3"));
  std::vector<http_response> got;
  for (int i = 0; i < 3; ++i)
    if (auto rsp = c.read_response())
      got.push_back(*rsp);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_GE(clock_type::now() - started, 1000ms);  // the long-poll ran out first
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(got[i].header("x-request-id"), "o" + std::to_string(i + 1));
    EXPECT_EQ(got[i].status, 404);
  }
  EXPECT_EQ(json::parse(got[1].body)["message"], "Route GET /nope not found");
  EXPECT_NE(got[2].body.find("call ID: lp."), std::string::npos) << got[2].body;
}

}  // namespace
