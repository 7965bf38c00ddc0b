// Tests http/response_bytes.cpp (and http/response.hpp's content length): the head exactly as
// encoded, and queue_response through an output queue over a unix socketpair: text bodies,
// stored bodies kept plain (shared, not in the budget) or compressed (made only when written),
// slices of them, and the keep released with the last byte.
#include "http/response_bytes.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <random>
#include <stdexcept>
#include <string>

#include "tests/support/socket_pair.hpp"

namespace {

using http::encode_head;
using http::queue_response;
using http::response;
using vapi_cache::stored_body;

using test_support::socket_pair;

// Writes the queue out, reading as it goes.
std::string send_all(net::output_queue& q, const socket_pair& s) {
  std::string out;
  for (int rounds = 0; !q.empty() && rounds < 10000; ++rounds) {
    ssize_t w = q.write_to(s.ours, 64 * 1024);
    if (w < 0) {
      ADD_FAILURE() << "write_to failed";
      break;
    }
    out += s.read_all();
    if (w == 0 && !q.socket_full())
      break;
  }
  return out + s.read_all();
}

std::string transcript(size_t n) {
  std::string t;
  for (int turn = 0; t.size() < n; ++turn)
    t += "AI: How can I help with turn " + std::to_string(turn) +
         "?\nUser: I need a plumber in Greenville before Friday.\n";
  t.resize(n);
  return t;
}

std::string noise(size_t n) {
  std::mt19937 random(11);
  std::string s(n, '\0');
  for (auto& c : s)
    c = static_cast<char>(random());
  return s;
}

response hello() {
  response r;
  r.status = 200;
  r.headers.emplace_back("X-Request-Id", "r1");
  r.text("hello");
  return r;
}

const std::string hello_head =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: application/json; charset=utf-8\r\n"
    "X-Request-Id: r1\r\n"
    "Connection: Keep-Alive\r\n"
    "Content-Length: 5\r\n"
    "\r\n";

TEST(response_bytes, the_head_is_exactly_pistaches) {
  EXPECT_EQ(encode_head(hello(), true), hello_head);
}

TEST(response_bytes, connection_close_when_not_kept_alive) {
  EXPECT_EQ(encode_head(hello(), false),
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: application/json; charset=utf-8\r\n"
            "X-Request-Id: r1\r\n"
            "Connection: Close\r\n"
            "Content-Length: 5\r\n"
            "\r\n");
}

TEST(response_bytes, reason_phrases_and_content_type) {
  response r;
  r.status = 404;
  EXPECT_EQ(encode_head(r, true).substr(0, 24), "HTTP/1.1 404 Not Found\r\n");
  r.status = 503;
  r.content_type = "text/plain; version=0.0.4";
  EXPECT_EQ(encode_head(r, false),
            "HTTP/1.1 503 Service Unavailable\r\n"
            "Content-Type: text/plain; version=0.0.4\r\n"
            "Connection: Close\r\n"
            "Content-Length: 0\r\n"
            "\r\n");
}

TEST(response_bytes, headers_keep_their_order) {
  response r;
  r.headers = {{"B", "2"}, {"A", "1"}, {"Retry-After", "5"}};
  EXPECT_EQ(encode_head(r, true),
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: application/json; charset=utf-8\r\n"
            "B: 2\r\nA: 1\r\nRetry-After: 5\r\n"
            "Connection: Keep-Alive\r\n"
            "Content-Length: 0\r\n"
            "\r\n");
}

TEST(response_bytes, content_length_sums_text_and_stored_pieces) {
  auto body = stored_body::make(transcript(5000));
  response r;
  EXPECT_EQ(r.content_length(), 0u);
  r.text("abc");
  r.stored(body, 100, 1234);
  r.text("");
  r.text("xy");
  r.stored(body, 0, body->size());
  EXPECT_EQ(r.content_length(), 3u + 1234 + 0 + 2 + 5000);
  EXPECT_NE(encode_head(r, true).find("\r\nContent-Length: 6239\r\n\r\n"), std::string::npos);
}

TEST(response_bytes, a_small_text_body_follows_its_head) {
  net::output_budget budget(1 << 20);
  net::output_queue q(budget);
  socket_pair s;
  queue_response(q, hello(), true, nullptr);
  EXPECT_EQ(q.size(), hello_head.size() + 5);
  EXPECT_EQ(send_all(q, s), hello_head + "hello");
  EXPECT_EQ(budget.held.load(), 0u);
}

TEST(response_bytes, a_large_text_body_and_several_pieces_come_out_in_order) {
  net::output_budget budget(1 << 20);
  net::output_queue q(budget);
  socket_pair s;
  const std::string big = transcript(10000);
  response r;
  r.text(big);
  r.text("|");
  r.text("end");
  const std::string head = encode_head(r, false);
  queue_response(q, r, false, nullptr);
  EXPECT_EQ(send_all(q, s), head + big + "|end");
}

TEST(response_bytes, a_compressed_stored_body_is_sent_as_its_text) {
  const std::string text = transcript(5000);
  auto body = stored_body::make(text);
  ASSERT_TRUE(body->compressed());
  net::output_budget budget(1 << 20);
  net::output_queue q(budget);
  socket_pair s;
  response r;
  r.stored(body, 0, body->size());
  const std::string head = encode_head(r, true);
  EXPECT_NE(head.find("Content-Length: 5000\r\n"), std::string::npos);
  queue_response(q, r, true, nullptr);
  EXPECT_EQ(q.size(), head.size() + 5000);
  EXPECT_EQ(budget.held.load(), head.size());  // not decompressed until the write reaches it
  EXPECT_EQ(send_all(q, s), head + body->text());
  EXPECT_EQ(body->text(), text);
  EXPECT_EQ(budget.held.load(), 0u);
}

TEST(response_bytes, a_slice_of_a_compressed_stored_body) {
  const std::string text = transcript(5000);
  auto body = stored_body::make(text);
  ASSERT_TRUE(body->compressed());
  net::output_budget budget(1 << 20);
  net::output_queue q(budget);
  socket_pair s;
  response r;
  r.text("[");
  r.stored(body, 123, 2000);
  r.text("]");
  const std::string head = encode_head(r, true);
  EXPECT_NE(head.find("Content-Length: 2002\r\n"), std::string::npos);
  queue_response(q, r, true, nullptr);
  EXPECT_EQ(send_all(q, s), head + "[" + text.substr(123, 2000) + "]");
}

TEST(response_bytes, a_plain_stored_body_is_shared_not_copied) {
  const std::string text = noise(300);
  auto body = stored_body::make(text);
  ASSERT_FALSE(body->compressed());
  net::output_budget budget(1 << 20);
  net::output_queue q(budget);
  socket_pair s;
  response r;
  r.stored(body, 0, body->size());
  const std::string head = encode_head(r, true);
  queue_response(q, r, true, nullptr);
  EXPECT_EQ(budget.held.load(), head.size());  // the body's bytes are not in the budget
  EXPECT_EQ(send_all(q, s), head + body->text());
  EXPECT_EQ(body->text(), text);
}

TEST(response_bytes, a_slice_of_a_plain_stored_body) {
  const std::string text = noise(300);
  auto body = stored_body::make(text);
  ASSERT_FALSE(body->compressed());
  net::output_budget budget(1 << 20);
  net::output_queue q(budget);
  socket_pair s;
  response r;
  r.stored(body, 17, 200);
  r.stored(body, 299, 1);
  const std::string head = encode_head(r, true);
  EXPECT_NE(head.find("Content-Length: 201\r\n"), std::string::npos);
  queue_response(q, r, true, nullptr);
  EXPECT_EQ(send_all(q, s), head + text.substr(17, 200) + text.substr(299, 1));
}

TEST(response_bytes, the_stored_body_lives_while_queued) {
  net::output_budget budget(1 << 20);
  net::output_queue q(budget);
  socket_pair s;
  const std::string plain_text = noise(300), packed_text = transcript(5000);
  auto plain = stored_body::make(plain_text);
  auto packed = stored_body::make(packed_text);
  std::weak_ptr<const stored_body> plain_watch = plain, packed_watch = packed;
  response r;
  r.stored(std::move(plain), 0, 300);
  r.stored(std::move(packed), 0, 5000);
  const std::string head = encode_head(r, true);
  queue_response(q, std::move(r), true, nullptr);
  EXPECT_FALSE(plain_watch.expired());
  EXPECT_FALSE(packed_watch.expired());
  EXPECT_EQ(send_all(q, s), head + plain_text + packed_text);
  EXPECT_TRUE(plain_watch.expired());
  EXPECT_TRUE(packed_watch.expired());
}

TEST(response_bytes, the_keep_is_released_after_the_last_byte) {
  net::output_budget budget(1 << 20);
  net::output_queue q(budget);
  socket_pair s;
  auto keep = std::make_shared<int>(42);
  std::weak_ptr<int> watch = keep;
  auto body = stored_body::make(transcript(5000));
  response r;
  r.stored(body, 0, body->size());
  const std::string head = encode_head(r, true);
  queue_response(q, r, true, std::move(keep));
  EXPECT_FALSE(watch.expired());
  const size_t total = head.size() + 5000;
  EXPECT_EQ(q.write_to(s.ours, total - 1), static_cast<ssize_t>(total - 1));
  EXPECT_FALSE(watch.expired()) << "released with a byte unsent";
  EXPECT_EQ(q.write_to(s.ours, 100), 1);
  EXPECT_TRUE(watch.expired());
  EXPECT_EQ(s.read_all(), head + body->text());
}

TEST(response_bytes, the_keep_is_released_when_the_queue_is_cleared) {
  net::output_budget budget(1 << 20);
  net::output_queue q(budget);
  auto keep = std::make_shared<int>(42);
  std::weak_ptr<int> watch = keep;
  queue_response(q, hello(), true, std::move(keep));
  EXPECT_FALSE(watch.expired());
  q.clear();
  EXPECT_TRUE(watch.expired());
  EXPECT_EQ(budget.held.load(), 0u);
}

TEST(response_bytes, pipelined_responses_stay_in_order) {
  net::output_budget budget(1 << 20);
  net::output_queue q(budget);
  socket_pair s;
  auto body = stored_body::make(transcript(5000));
  response a = hello();
  response b;
  b.status = 404;
  b.text(R"({"error":"not found"})");
  response c;
  c.stored(body, 0, body->size());
  const std::string want = encode_head(a, true) + "hello" + encode_head(b, true) +
                           R"({"error":"not found"})" + encode_head(c, false) + body->text();
  queue_response(q, a, true, nullptr);
  queue_response(q, b, true, nullptr);
  queue_response(q, c, false, nullptr);
  EXPECT_EQ(send_all(q, s), want);
}

}  // namespace
