// Tests on the real binary that every reply reaches the connection its request came on, and no
// other: clients that leave (RST, FIN, half-close) while their long-poll is being answered, next
// to new connections, which get the freed descriptor numbers, pipelining requests of their own.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <iostream>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include "tests/support/http_client.hpp"
#include "tests/support/service_api.hpp"
#include "tests/support/service_process.hpp"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test_support::http_client;
using test_support::http_response;
using test_support::service_process;
using namespace test_support;  // paths and requests from service_api.hpp
using clock_type = std::chrono::steady_clock;

// A request carrying its own X-Request-Id.
std::string get_with_id(const std::string& path, const std::string& request_id) {
  return "GET " + path + " HTTP/1.1\r\nHost: t\r\nX-Request-Id: " + request_id + "\r\n\r\n";
}

std::string post_with_id(const std::string& body, const std::string& request_id) {
  return "POST " + webhook + " HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n" +
         "X-Request-Id: " + request_id + "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

// One whole response from the front of `buffer` (framed by Content-Length), removed from it.
std::optional<http_response> take_response(std::string& buffer) {
  size_t head_end = buffer.find("\r\n\r\n");
  if (head_end == std::string::npos || buffer.compare(0, 5, "HTTP/") != 0)
    return std::nullopt;
  http_response rsp;
  rsp.status = std::atoi(buffer.c_str() + buffer.find(' ') + 1);
  for (size_t pos = buffer.find("\r\n"); pos < head_end;) {
    size_t end = buffer.find("\r\n", pos + 2);
    std::string line = buffer.substr(pos + 2, end - pos - 2);
    if (auto colon = line.find(':'); colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (auto& ch : name)
        ch = char(std::tolower(static_cast<unsigned char>(ch)));
      rsp.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
    }
    pos = end;
  }
  size_t total = head_end + 4 + std::stoul("0" + rsp.header("content-length"));
  if (buffer.size() < total)
    return std::nullopt;
  rsp.body = buffer.substr(head_end + 4, total - head_end - 4);
  buffer.erase(0, total);
  return rsp;
}

enum class ending { rst, fin, half_close };

// A raw loopback connection whose test chooses how it ends.
class raw_conn {
 public:
  explicit raw_conn(uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      throw std::runtime_error("connect failed");
    }
  }
  ~raw_conn() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  raw_conn(const raw_conn&) = delete;
  raw_conn& operator=(const raw_conn&) = delete;

  void send(const std::string& bytes) {
    for (size_t sent = 0; sent < bytes.size();) {
      ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0)
        throw std::runtime_error("send failed");
      sent += size_t(n);
    }
  }

  // The responses that arrive whole within `limit` (0: those already here), stopping at `want`
  // of them or at the end of the stream (FIN or RST).
  std::vector<http_response> read(size_t want, std::chrono::milliseconds limit) {
    std::vector<http_response> got;
    auto deadline = clock_type::now() + limit;
    while (got.size() < want) {
      if (auto rsp = take_response(buffer_)) {
        got.push_back(std::move(*rsp));
        continue;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                        clock_type::now());
      pollfd p{fd_, POLLIN, 0};
      if (ended_ || poll(&p, 1, int(std::max<long>(0, left.count()))) <= 0)
        break;
      char buf[65536];
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0)
        ended_ = true;
      else
        buffer_.append(buf, size_t(n));
    }
    return got;
  }

  // RST: linger {1, 0} then close; FIN: close; half-close: shutdown(SHUT_WR), reads go on.
  void end(ending how) {
    if (how == ending::half_close) {
      shutdown(fd_, SHUT_WR);
      return;
    }
    if (how == ending::rst) {
      linger l{1, 0};
      setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
  std::string buffer_;
  bool ended_ = false;
};

// The call id a response names: a result's data.callId, a webhook answer's callId, or the id
// in a 404's message; "" when it names none.
std::string id_named_by(const http_response& rsp) {
  auto j = json::parse(rsp.body, nullptr, false);
  if (!j.is_object())
    return "";
  if (j.contains("data") && j["data"].is_object() && j["data"].contains("callId"))
    return j["data"]["callId"].is_string() ? j["data"]["callId"].get<std::string>() : "";
  if (j.contains("callId") && j["callId"].is_string())
    return j["callId"];
  std::string message = j.value("message", ""), mark = "call ID: ";
  auto at = message.find(mark), end = message.find(". It may", at);
  return at == std::string::npos ? "" : message.substr(at + mark.size(), end - at - mark.size());
}

// Every response the tests receive, checked against the request at its position.
struct ledger {
  std::atomic<long> checked{0}, misdelivered{0}, unexpected{0}, missing{0}, errors{0};
  std::mutex mutex;
  std::vector<std::string> examples;  // the first few of both, for the failure message

  // `status` 0 accepts 200 and 404 (a long-poll).
  void check(const http_response& rsp, const std::string& request_id, const std::string& id,
             int status) {
    ++checked;
    std::string named = id_named_by(rsp);
    if (rsp.header("x-request-id") != request_id || (!named.empty() && named != id)) {
      ++misdelivered;
      note("asked " + id + " as " + request_id + ", got " + std::to_string(rsp.status) + " as " +
           rsp.header("x-request-id") + " naming " + named);
    } else if (named.empty() || (status ? rsp.status != status
                                        : rsp.status != 200 && rsp.status != 404)) {
      ++unexpected;
      note("asked " + id + ", got " + std::to_string(rsp.status) + " " + rsp.body.substr(0, 200));
    }
  }
  // A response that is not the next one its connection asked for: another request's, or one
  // for no request (a refusal, which names neither a request nor a call).
  void foreign(const http_response& rsp, const std::string& where) {
    ++checked;
    std::string named = id_named_by(rsp);
    ++(rsp.header("x-request-id").empty() && named.empty() ? unexpected : misdelivered);
    note("on " + where + ": " + std::to_string(rsp.status) + " as " +
         rsp.header("x-request-id") + " naming " + named);
  }
  void note(std::string what) {
    std::lock_guard<std::mutex> lock(mutex);
    if (examples.size() < 10)
      examples.push_back(std::move(what));
  }
  std::string summary() {
    std::lock_guard<std::mutex> lock(mutex);
    std::string out;
    for (const auto& e : examples)
      out += "\n  " + e;
    return out;
  }
};

// Call ids handed from a waiter to the thread that posts their webhooks.
struct id_queue {
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<std::string> ids;
  bool closed = false;
  long pushed = 0;             // by the waiter only
  std::atomic<long> sent{0};  // webhooks written to the socket

  void push(std::string id) {
    std::lock_guard<std::mutex> lock(mutex);
    ids.push_back(std::move(id));
    ++pushed;
    ready.notify_one();
  }
  void await_sent() {  // the webhook of the last push is on its way (or 100 ms passed)
    for (auto until = clock_type::now() + 100ms; sent < pushed && clock_type::now() < until;)
      std::this_thread::yield();
  }
  std::optional<std::string> pop() {
    std::unique_lock<std::mutex> lock(mutex);
    ready.wait(lock, [&] { return closed || !ids.empty(); });
    if (ids.empty())
      return std::nullopt;
    auto id = std::move(ids.front());
    ids.pop_front();
    return id;
  }
  void close() {
    std::lock_guard<std::mutex> lock(mutex);
    closed = true;
    ready.notify_all();
  }
};

// Posts each id's report on one keep-alive connection, checking every answer.
void post_each(uint16_t port, id_queue& queue, ledger& book, const std::string& name) {
  auto poster = std::make_unique<http_client>(port, 5);
  long n = 0;
  while (auto id = queue.pop()) {
    std::string request_id = "r" + name + "-" + std::to_string(n++);
    try {
      poster->send_raw(post_with_id(report(*id), request_id));
      ++queue.sent;
      auto rsp = poster->read_response();
      if (!rsp)
        throw std::runtime_error("webhook connection closed");
      book.check(*rsp, request_id, *id, 200);
    } catch (const std::exception&) {
      ++queue.sent;
      ++book.errors;
      poster = std::make_unique<http_client>(port, 5);
    }
  }
}

// Long-polls its own id, has it posted, and leaves 1 ms before to 5 ms after the webhook is
// sent (half the time within 0.4 ms after), by RST, FIN or half-close.
void wait_and_leave(uint16_t port, id_queue& posts, ledger& book, int thread,
                    clock_type::time_point until) {
  std::mt19937 rng(thread);
  for (long n = 0; clock_type::now() < until; ++n) {
    std::string id = "w" + std::to_string(thread) + "-" + std::to_string(n);
    std::string request_id = "r" + id;
    try {
      raw_conn c(port);
      c.send(get_with_id(calls + id + "?wait=2", request_id));
      std::this_thread::sleep_for(std::chrono::microseconds(rng() % 500));
      auto how = ending(rng() % 3);
      auto leave = [&] {
        std::vector<http_response> got;
        if (how == ending::half_close) {
          c.end(how);
          got = c.read(2, 2500ms);  // the answer, if any, then the end of the stream
        } else {
          got = c.read(2, 0ms);
          c.end(how);
        }
        bool answered = false;
        for (auto& rsp : got)
          if (!answered && rsp.header("x-request-id") == request_id) {
            answered = true;
            book.check(rsp, request_id, id, 0);
          } else {
            book.foreign(rsp, "waiter " + request_id);
          }
      };
      // Half the time just after the webhook, when a reply and a close cross most often.
      auto jitter = std::chrono::microseconds(rng() % 2 ? long(rng() % 400)
                                                        : long(rng() % 6000) - 1000);
      if (jitter < 0us) {
        leave();
        std::this_thread::sleep_for(-jitter);
        posts.push(id);
      } else {
        posts.push(id);
        posts.await_sent();
        std::this_thread::sleep_for(jitter);
        leave();
      }
    } catch (const std::exception&) {
      ++book.errors;
    }
  }
}

// New connections, each pipelining 3 GETs of its own ids in one write (some posted first, so
// 200, the rest 404), reading and checking all three, then leaving by RST or FIN.
void pipeline_own_ids(uint16_t port, ledger& book, int thread, clock_type::time_point until) {
  std::mt19937 rng(1000 + thread);
  auto poster = std::make_unique<http_client>(port, 5);
  for (long n = 0; clock_type::now() < until; ++n) {
    std::string ids[3], request_ids[3], batch;
    bool posted[3];
    try {
      for (int k = 0; k < 3; ++k) {
        ids[k] = "p" + std::to_string(thread) + "-" + std::to_string(n) + "-" + std::to_string(k);
        request_ids[k] = "r" + ids[k];
        posted[k] = rng() % 2;
        if (posted[k]) {
          auto rsp = poster->request("POST", webhook, report(ids[k]),
                                     {{"Content-Type", "application/json"},
                                      {"X-Request-Id", "rpost-" + ids[k]}});
          book.check(rsp, "rpost-" + ids[k], ids[k], 200);
        }
        batch += get_with_id(calls + ids[k], request_ids[k]);
      }
      raw_conn c(port);
      c.send(batch);
      size_t next = 0;  // the position whose answer is due
      auto take = [&](const http_response& rsp) {
        if (next < 3 && rsp.header("x-request-id") == request_ids[next]) {
          book.check(rsp, request_ids[next], ids[next], posted[next] ? 200 : 404);
          ++next;
        } else {
          book.foreign(rsp, "pipeliner expecting " + (next < 3 ? request_ids[next] : "nothing"));
        }
      };
      for (auto deadline = clock_type::now() + 5s; next < 3;) {
        auto got = c.read(1, std::chrono::duration_cast<std::chrono::milliseconds>(
                               deadline - clock_type::now()));
        if (got.empty())
          break;
        take(got[0]);
      }
      for (auto& late : c.read(10, 0ms))
        take(late);
      book.missing += long(3 - next);
      c.end(rng() % 2 ? ending::rst : ending::fin);
    } catch (const std::exception&) {
      ++book.errors;
      poster = std::make_unique<http_client>(port, 5);
    }
  }
}

TEST(NoMisdelivery, UnderConnectionChurnEveryReplyReachesItsOwnConnection) {
  service_process svc({}, {{"MAX_WAIT_SECONDS", "10"}});
  ledger book;
  constexpr int pairs = 6, pipeliners = 2;
  auto until = clock_type::now() + 8s;
  std::vector<id_queue> queues(pairs);
  std::vector<std::thread> waiters, posters, others;
  for (int t = 0; t < pairs; ++t) {
    posters.emplace_back(post_each, svc.port(), std::ref(queues[t]), std::ref(book),
                         "post" + std::to_string(t));
    waiters.emplace_back(wait_and_leave, svc.port(), std::ref(queues[t]), std::ref(book), t,
                         until);
  }
  for (int t = 0; t < pipeliners; ++t)
    others.emplace_back(pipeline_own_ids, svc.port(), std::ref(book), t, until);
  for (auto& t : waiters)
    t.join();
  for (auto& q : queues)
    q.close();
  for (auto* group : {&posters, &others})
    for (auto& t : *group)
      t.join();

  std::cout << "[ churn ] responses checked: " << book.checked
            << ", misdeliveries: " << book.misdelivered << ", unexpected: " << book.unexpected
            << ", missing: " << book.missing << ", client errors: " << book.errors << std::endl;
  EXPECT_EQ(book.misdelivered, 0) << book.summary();
  EXPECT_EQ(book.unexpected, 0) << book.summary();
  EXPECT_EQ(book.missing, 0);
  EXPECT_EQ(book.errors, 0);
  EXPECT_GT(book.checked, 3000);
}

// With VAPI_CACHE_TEST_REPLY_DELAY_MS the cache actor's answer to A's long-poll is held 300 ms
// inside the write path while A leaves and B connects, usually on A's descriptor number.
class HeldReply : public ::testing::Test {
 protected:
  // One reactor: A and B are then served by the same thread, and B gets A's slot.
  service_process svc{{}, {{"VAPI_CACHE_TEST_REPLY_DELAY_MS", "300"}, {"HTTP_THREADS", "1"}}};
  raw_conn poster{svc.port()};
  std::mt19937 rng{7};
  long posts = 0;

  void SetUp() override {  // the hook is on, or these tests would prove nothing
    raw_conn w(svc.port());
    w.send(get_with_id(calls + "probe?wait=5", "rprobe"));
    std::this_thread::sleep_for(100ms);
    auto posted_at = post("probe");
    auto got = w.read(1, 3000ms);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(id_named_by(got[0]), "probe");
    ASSERT_GE(clock_type::now() - posted_at, 290ms)
      << "the binary does not honour VAPI_CACHE_TEST_REPLY_DELAY_MS";
    w.end(ending::fin);
    std::this_thread::sleep_for(10ms);  // its descriptor is free again for the first A
  }

  // Sends the webhook for `id` without waiting for its answer (read by answers_to_posts).
  clock_type::time_point post(const std::string& id) {
    ++posts;
    poster.send(post_with_id(report(id), "rpost-" + id));
    return clock_type::now();
  }
  void answers_to_posts() {
    auto got = poster.read(size_t(posts), 3000ms);
    EXPECT_EQ(got.size(), size_t(posts));
    for (auto& rsp : got)
      EXPECT_EQ(rsp.status, 200) << rsp.body;
    posts = 0;
  }

  // A long-polls `a`, the webhook for `a` is posted, A leaves `how` within 50 ms, and B
  // connects and asks for `b`: B gets its own 404 only, also after A's held answer left.
  void a_leaves_b_asks(const std::string& a, const std::string& b, ending how) {
    raw_conn conn_a(svc.port());
    conn_a.send(get_with_id(calls + a + "?wait=5", "r" + a));
    std::this_thread::sleep_for(100ms);
    auto posted_at = post(a);
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 50));
    conn_a.end(how);
    std::this_thread::sleep_for(10ms);  // for the server to close A's socket, if it does
    raw_conn conn_b(svc.port());
    conn_b.send(get_with_id(calls + b, "r" + b));
    // The cache actor makes its answers one after the other, each held 300 ms: A's, the
    // webhook's, then maybe B's. B reads until its first answer, then until A's has surely left.
    auto got_b = conn_b.read(1, 3000ms);
    auto until = std::max(clock_type::now() + 200ms, posted_at + 700ms);
    for (auto& late : conn_b.read(1, std::chrono::duration_cast<std::chrono::milliseconds>(
                                       until - clock_type::now())))
      got_b.push_back(std::move(late));
    ASSERT_EQ(got_b.size(), 1u) << (got_b.size() > 1 ? got_b[0].body + "\nthen\n" + got_b[1].body
                                                     : "no response for " + b);
    EXPECT_EQ(got_b[0].status, 404);
    EXPECT_EQ(got_b[0].header("x-request-id"), "r" + b);
    EXPECT_EQ(id_named_by(got_b[0]), b) << got_b[0].body;
    if (how == ending::half_close) {  // A's own answer, or nothing; never B's
      auto got_a = conn_a.read(2, 2000ms);
      EXPECT_LE(got_a.size(), 1u);
      for (auto& rsp : got_a) {
        EXPECT_EQ(rsp.header("x-request-id"), "r" + a);
        EXPECT_EQ(id_named_by(rsp), a) << rsp.body;
        EXPECT_TRUE(rsp.status == 200 || rsp.status == 404) << rsp.status;
      }
    }
    answers_to_posts();
    conn_b.end(ending::fin);
    std::this_thread::sleep_for(10ms);  // B's descriptor is free again when the next A connects
  }
};

TEST_F(HeldReply, NeverReachesTheConnectionThatGotTheDescriptorAfterRstOrFin) {
  for (int i = 0; i < 10; ++i)
    a_leaves_b_asks("a1-" + std::to_string(i), "b1-" + std::to_string(i),
                    i % 2 ? ending::fin : ending::rst);
}

TEST_F(HeldReply, ReachesTheHalfClosedConnectionOnlyThatAskedForIt) {
  for (int i = 0; i < 4; ++i)
    a_leaves_b_asks("ha1-" + std::to_string(i), "hb1-" + std::to_string(i), ending::half_close);
}

}  // namespace
