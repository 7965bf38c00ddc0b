// Tests http/request_framing.cpp: where each request on a stream begins and ends, what is
// forwarded byte for byte, and which requests are refused (and whether the stream survives).
#include "http/request_framing.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using http::framing_limits;
using http::request_framer;

struct rejection {
  int status;
  std::string message;
  bool close;
};

// Records what the framer reports. Consecutive request_bytes calls are one "bytes" event; a
// refusal drops the pending bytes, as the connection handler resets its parser.
class recording_sink : public http::framing_sink {
 public:
  std::vector<std::string> events;    // "bytes", "end", "continue", "reject 413 keep|close"
  std::vector<std::string> requests;  // each complete request, as forwarded
  std::vector<rejection> rejections;
  std::string pending;  // forwarded bytes of the request in progress
  std::string dropped;  // forwarded bytes of refused requests
  std::function<void(const std::string& event)> on_event;  // runs after an event is recorded

  void request_bytes(std::string_view bytes) override {
    EXPECT_FALSE(bytes.empty()) << "empty request_bytes";
    pending.append(bytes);
    if (events.empty() || events.back() != "bytes")
      record("bytes");
    else if (on_event)
      on_event("bytes");
  }
  void request_end() override {
    requests.push_back(pending);
    pending.clear();
    record("end");
  }
  void expect_continue() override { record("continue"); }
  void reject(int status, std::string message, bool close) override {
    rejections.push_back({status, message, close});
    dropped += pending;
    pending.clear();
    record("reject " + std::to_string(status) + (close ? " close" : " keep"));
  }

 private:
  void record(const std::string& event) {
    events.push_back(event);
    if (on_event)
      on_event(event);
  }
};

using events = std::vector<std::string>;
using strings = std::vector<std::string>;

// Frames `pieces`, one consume call each.
recording_sink frame(const strings& pieces, framing_limits limits = {}) {
  recording_sink sink;
  request_framer framer(limits);
  for (const auto& piece : pieces)
    framer.consume(piece, sink);
  return sink;
}

recording_sink frame_bytewise(const std::string& data, framing_limits limits = {}) {
  strings pieces;
  for (char c : data)
    pieces.emplace_back(1, c);
  return frame(pieces, limits);
}

framing_limits body_limit(std::size_t max_body) {
  framing_limits limits;
  limits.max_body_bytes = max_body;
  return limits;
}

framing_limits header_limit(std::size_t max_header) {
  framing_limits limits;
  limits.max_header_bytes = max_header;
  return limits;
}

const std::string get_request = "GET /calls/call_abc123 HTTP/1.1\r\nHost: cache\r\n\r\n";

std::string post_request(const std::string& body, const std::string& extra_headers = "") {
  return "POST /webhook HTTP/1.1\r\nHost: cache\r\nContent-Type: application/json\r\n" +
         extra_headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string head_with(const std::string& headers) {
  return "POST /webhook HTTP/1.1\r\nHost: cache\r\n" + headers + "\r\n";
}

const std::string chunked_head = head_with("Transfer-Encoding: chunked\r\n");

// One chunk on the wire: hex size, CRLF, data, CRLF.
std::string chunk(const std::string& data) {
  static const char hex[] = "0123456789abcdef";
  std::string size;
  for (auto n = data.size(); n > 0 || size.empty(); n /= 16)
    size.insert(size.begin(), hex[n % 16]);
  return size + "\r\n" + data + "\r\n";
}

// A chunked body with extensions, an upper-case size and trailers.
const std::string chunked_body =
  "5;name=value\r\nhello\r\n"
  "7\r\n, world\r\n"
  "A; a=\"b;c\" ;flag\r\n0123456789\r\n"
  "0\r\n"
  "X-Checksum: abc\r\n"
  "X-Other: 1\r\n"
  "\r\n";
const std::string chunked_request = chunked_head + chunked_body;

// --- requests with no body or a Content-Length ---------------------------------------------------

TEST(request_framing, simple_get) {
  auto sink = frame({get_request});
  EXPECT_EQ(sink.events, (events{"bytes", "end"}));
  EXPECT_EQ(sink.requests, strings{get_request});
  EXPECT_TRUE(sink.rejections.empty());
}

TEST(request_framing, get_head_split_at_every_byte_boundary) {
  for (std::size_t k = 0; k <= get_request.size(); ++k) {
    SCOPED_TRACE(k);
    auto sink = frame({get_request.substr(0, k), get_request.substr(k)});
    EXPECT_EQ(sink.events, (events{"bytes", "end"}));
    EXPECT_EQ(sink.requests, strings{get_request});
  }
}

TEST(request_framing, nothing_is_reported_before_the_head_is_complete) {
  recording_sink sink;
  request_framer framer({});
  framer.consume(get_request.substr(0, get_request.size() - 1), sink);
  EXPECT_TRUE(sink.events.empty());
  framer.consume("\n", sink);
  EXPECT_EQ(sink.requests, strings{get_request});
}

TEST(request_framing, post_with_content_length_in_one_piece) {
  const auto request = post_request(R"({"message":{"type":"status-update"}})");
  auto sink = frame({request});
  EXPECT_EQ(sink.events, (events{"bytes", "end"}));
  EXPECT_EQ(sink.requests, strings{request});
}

TEST(request_framing, post_with_content_length_byte_by_byte) {
  const auto request = post_request(R"({"message":{"type":"status-update"}})");
  auto sink = frame_bytewise(request);
  EXPECT_EQ(sink.events, (events{"bytes", "end"}));
  EXPECT_EQ(sink.requests, strings{request});
}

TEST(request_framing, post_split_at_every_byte_boundary) {
  const auto request = post_request("0123456789");
  for (std::size_t k = 0; k <= request.size(); ++k) {
    SCOPED_TRACE(k);
    auto sink = frame({request.substr(0, k), request.substr(k)});
    EXPECT_EQ(sink.requests, strings{request});
  }
}

TEST(request_framing, body_that_looks_like_a_request_is_body) {
  const auto request = post_request(get_request + get_request);
  auto sink = frame({request});
  EXPECT_EQ(sink.requests, strings{request});
}

TEST(request_framing, content_length_zero_ends_at_the_head) {
  const auto request = post_request("");
  recording_sink sink;
  request_framer framer({});
  framer.consume(request, sink);
  EXPECT_EQ(sink.requests, strings{request});
}

TEST(request_framing, header_names_and_values_are_case_insensitive) {
  const auto request = head_with("content-LENGTH:   5  \r\n") + "hello";
  auto sink = frame({request + get_request});
  EXPECT_EQ(sink.requests, (strings{request, get_request}));
  const auto chunked = head_with("TRANSFER-encoding: Chunked\r\n") + chunked_body;
  sink = frame({chunked + get_request});
  EXPECT_EQ(sink.requests, (strings{chunked, get_request}));
}

TEST(request_framing, repeated_equal_content_lengths_are_accepted) {
  const auto request = head_with("Content-Length: 5\r\nContent-Length: 5\r\n") + "hello";
  auto sink = frame({request});
  EXPECT_EQ(sink.requests, strings{request});
  EXPECT_TRUE(sink.rejections.empty());
}

// --- pipelining ---------------------------------------------------------------------------------

TEST(request_framing, two_pipelined_requests_in_one_consume) {
  const auto post = post_request("{}");
  auto sink = frame({post + get_request});
  EXPECT_EQ(sink.events, (events{"bytes", "end", "bytes", "end"}));
  EXPECT_EQ(sink.requests, (strings{post, get_request}));
}

TEST(request_framing, three_pipelined_requests_in_one_consume) {
  const auto post = post_request(R"({"a":1})");
  auto sink = frame({get_request + post + chunked_request});
  EXPECT_EQ(sink.events, (events{"bytes", "end", "bytes", "end", "bytes", "end"}));
  EXPECT_EQ(sink.requests, (strings{get_request, post, chunked_request}));
}

TEST(request_framing, three_pipelined_requests_byte_by_byte) {
  const auto post = post_request(R"({"a":1})");
  auto sink = frame_bytewise(chunked_request + post + get_request);
  EXPECT_EQ(sink.events, (events{"bytes", "end", "bytes", "end", "bytes", "end"}));
  EXPECT_EQ(sink.requests, (strings{chunked_request, post, get_request}));
}

TEST(request_framing, leading_crlfs_are_skipped) {
  auto sink = frame({"\r\n\r\n" + get_request});
  EXPECT_EQ(sink.requests, strings{get_request});
  sink = frame({"\r\n", "\r\n", "\n" + get_request});
  EXPECT_EQ(sink.requests, strings{get_request});
  sink = frame({"\n\n\r\n" + get_request});
  EXPECT_EQ(sink.requests, strings{get_request});
  sink = frame({"\r\n\r\n"});
  EXPECT_TRUE(sink.events.empty());
}

TEST(request_framing, crlfs_between_pipelined_requests_are_skipped) {
  const auto post = post_request("{}");
  auto sink = frame({post + "\r\n" + get_request + "\r\n\r\n" + get_request});
  EXPECT_EQ(sink.requests, (strings{post, get_request, get_request}));
  sink = frame_bytewise(chunked_request + "\r\n" + get_request);
  EXPECT_EQ(sink.requests, (strings{chunked_request, get_request}));
}

// --- Content-Length over the limit ---------------------------------------------------------------

TEST(request_framing, content_length_at_the_limit_is_accepted) {
  const auto request = post_request(std::string(16, 'x'));
  auto sink = frame({request}, body_limit(16));
  EXPECT_EQ(sink.requests, strings{request});
  EXPECT_TRUE(sink.rejections.empty());
}

TEST(request_framing, content_length_over_the_limit_is_refused_and_skipped) {
  const auto big = post_request(std::string(17, 'x'));
  auto sink = frame({big + get_request}, body_limit(16));
  EXPECT_EQ(sink.events, (events{"reject 413 keep", "bytes", "end"}));
  EXPECT_EQ(sink.requests, strings{get_request});
  EXPECT_EQ(sink.dropped, "");  // nothing of the refused request was forwarded
  ASSERT_EQ(sink.rejections.size(), 1u);
  EXPECT_EQ(sink.rejections[0].status, 413);
  EXPECT_FALSE(sink.rejections[0].close);
  EXPECT_NE(sink.rejections[0].message.find("16"), std::string::npos);
}

TEST(request_framing, skipped_body_split_at_every_byte_boundary) {
  // The skipped body holds what would be a request if it were framed as one.
  const auto big = post_request(get_request + std::string(8, 'x'));
  const auto data = big + get_request;
  for (std::size_t k = 0; k <= data.size(); ++k) {
    SCOPED_TRACE(k);
    request_framer framer(body_limit(16));
    recording_sink sink;
    framer.consume(data.substr(0, k), sink);
    framer.consume(data.substr(k), sink);
    EXPECT_EQ(sink.events, (events{"reject 413 keep", "bytes", "end"}));
    EXPECT_EQ(sink.requests, strings{get_request});
    EXPECT_FALSE(framer.closed());
  }
  auto sink = frame_bytewise(data, body_limit(16));
  EXPECT_EQ(sink.requests, strings{get_request});
}

TEST(request_framing, content_length_with_overflow_digits_is_413) {
  const auto head = head_with("Content-Length: 99999999999999999999999\r\n");
  auto sink = frame({head + "some body bytes", get_request});
  ASSERT_EQ(sink.rejections.size(), 1u);
  EXPECT_EQ(sink.rejections[0].status, 413);
  // The body is longer than any stream: what follows is body, never a new request.
  EXPECT_TRUE(sink.requests.empty());
  EXPECT_EQ(sink.events.size(), 1u);
}

// --- Expect: 100-continue --------------------------------------------------------------------

TEST(request_framing, expect_continue_within_limit) {
  const std::string head = head_with("Expect: 100-continue\r\nContent-Length: 5\r\n");
  recording_sink sink;
  request_framer framer({});
  framer.consume(head, sink);
  EXPECT_EQ(sink.events, (events{"bytes", "continue"}));
  framer.consume("hello", sink);
  EXPECT_EQ(sink.events, (events{"bytes", "continue", "bytes", "end"}));
  EXPECT_EQ(sink.requests, strings{head + "hello"});
}

TEST(request_framing, expect_continue_is_case_insensitive) {
  auto sink = frame({head_with("expect: 100-Continue\r\nContent-Length: 2\r\n") + "{}"});
  EXPECT_EQ(sink.events, (events{"bytes", "continue", "bytes", "end"}));
}

TEST(request_framing, expect_continue_without_body_needs_no_continue) {
  const auto request = head_with("Expect: 100-continue\r\nContent-Length: 0\r\n");
  auto sink = frame({request});
  EXPECT_EQ(sink.events, (events{"bytes", "end"}));
  EXPECT_EQ(sink.requests, strings{request});
}

TEST(request_framing, other_expectations_get_no_continue) {
  const auto request = head_with("Expect: something-else\r\nContent-Length: 2\r\n") + "{}";
  auto sink = frame({request});
  EXPECT_EQ(sink.events, (events{"bytes", "end"}));
}

TEST(request_framing, expect_continue_with_chunked_body) {
  const auto head = head_with("Expect: 100-continue\r\nTransfer-Encoding: chunked\r\n");
  recording_sink sink;
  request_framer framer({});
  framer.consume(head, sink);
  EXPECT_EQ(sink.events, (events{"bytes", "continue"}));
  framer.consume(chunked_body, sink);
  EXPECT_EQ(sink.events, (events{"bytes", "continue", "bytes", "end"}));
  EXPECT_EQ(sink.requests, strings{head + chunked_body});
}

TEST(request_framing, expect_continue_too_large_is_refused_and_closes) {
  const auto head = head_with("Expect: 100-continue\r\nContent-Length: 17\r\n");
  recording_sink sink;
  request_framer framer(body_limit(16));
  framer.consume(head, sink);
  EXPECT_EQ(sink.events, (events{"reject 413 close"}));
  ASSERT_EQ(sink.rejections.size(), 1u);
  EXPECT_TRUE(sink.rejections[0].close);
  EXPECT_TRUE(framer.closed());
  framer.consume(std::string(17, 'x') + get_request, sink);
  EXPECT_EQ(sink.events, (events{"reject 413 close"}));
}

// --- chunked bodies -----------------------------------------------------------------------------

TEST(request_framing, chunked_body_is_framed_and_forwarded_exactly) {
  auto sink = frame({chunked_request + get_request});
  EXPECT_EQ(sink.events, (events{"bytes", "end", "bytes", "end"}));
  EXPECT_EQ(sink.requests, (strings{chunked_request, get_request}));
}

TEST(request_framing, chunked_split_at_every_byte_boundary) {
  const auto data = chunked_request + get_request;
  for (std::size_t k = 0; k <= data.size(); ++k) {
    SCOPED_TRACE(k);
    auto sink = frame({data.substr(0, k), data.substr(k)});
    EXPECT_EQ(sink.events, (events{"bytes", "end", "bytes", "end"}));
    EXPECT_EQ(sink.requests, (strings{chunked_request, get_request}));
  }
}

TEST(request_framing, chunked_split_at_every_pair_of_boundaries) {
  const auto& data = chunked_request;
  for (std::size_t j = chunked_head.size() - 1; j <= data.size(); ++j) {
    for (std::size_t k = j; k <= data.size(); ++k) {
      auto sink = frame({data.substr(0, j), data.substr(j, k - j), data.substr(k)});
      ASSERT_EQ(sink.requests, strings{data}) << j << " " << k;
    }
  }
}

TEST(request_framing, chunked_byte_by_byte) {
  auto sink = frame_bytewise(chunked_request + get_request);
  EXPECT_EQ(sink.events, (events{"bytes", "end", "bytes", "end"}));
  EXPECT_EQ(sink.requests, (strings{chunked_request, get_request}));
}

TEST(request_framing, chunked_without_trailers_or_data) {
  const auto empty = chunked_head + "0\r\n\r\n";
  const auto one = chunked_head + chunk("{\"a\":1}") + "0\r\n\r\n";
  auto sink = frame({empty + one + get_request});
  EXPECT_EQ(sink.requests, (strings{empty, one, get_request}));
}

TEST(request_framing, chunk_data_may_hold_crlf_and_size_lines) {
  const auto request = chunked_head + chunk("0\r\n\r\n") + chunk("\n\n") + "0\r\n\r\n";
  auto sink = frame_bytewise(request + get_request);
  EXPECT_EQ(sink.requests, (strings{request, get_request}));
}

TEST(request_framing, chunked_at_the_limit_is_accepted) {
  // The limit counts the body on the wire, chunk framing and trailers included.
  const auto body = chunk(std::string(21, 'x')) + "0\r\n\r\n";
  ASSERT_EQ(body.size(), 32u);
  auto sink = frame({chunked_head + body + get_request}, body_limit(32));
  EXPECT_TRUE(sink.rejections.empty());
  EXPECT_EQ(sink.requests, (strings{chunked_head + body, get_request}));
}

TEST(request_framing, chunked_over_the_limit_is_refused_then_skipped) {
  const auto body = chunk(std::string(22, 'x')) + "0\r\n\r\n";
  ASSERT_EQ(body.size(), 33u);
  const auto data = chunked_head + body + get_request;
  for (std::size_t k = 0; k <= data.size(); ++k) {
    SCOPED_TRACE(k);
    request_framer framer(body_limit(32));
    recording_sink sink;
    framer.consume(data.substr(0, k), sink);
    framer.consume(data.substr(k), sink);
    EXPECT_EQ(sink.events, (events{"bytes", "reject 413 keep", "bytes", "end"}));
    EXPECT_EQ(sink.requests, strings{get_request});
    ASSERT_EQ(sink.rejections.size(), 1u);
    EXPECT_FALSE(sink.rejections[0].close);
    EXPECT_FALSE(framer.closed());
  }
}

TEST(request_framing, chunked_many_small_chunks_count_their_framing) {
  std::string body;
  for (int i = 0; i < 10; ++i)
    body += chunk("x");  // 6 bytes on the wire for 1 byte of data
  body += "0\r\n\r\n";
  auto sink = frame({chunked_head + body + get_request}, body_limit(32));
  EXPECT_EQ(sink.events, (events{"bytes", "reject 413 keep", "bytes", "end"}));
  EXPECT_EQ(sink.requests, strings{get_request});
}

TEST(request_framing, chunked_trailers_count_toward_the_limit) {
  const auto body = chunk("x") + "0\r\nX-Pad: " + std::string(40, 'p') + "\r\n\r\n";
  auto sink = frame({chunked_head + body + get_request}, body_limit(32));
  EXPECT_EQ(sink.events, (events{"bytes", "reject 413 keep", "bytes", "end"}));
  EXPECT_EQ(sink.requests, strings{get_request});
}

TEST(request_framing, chunked_refusal_forwards_no_body_byte_past_the_limit) {
  // The parser's buffer is sized to the limits (http/server.cpp), so the bytes forwarded of a
  // refused body must stay within max_body_bytes, whichever line crosses it.
  const strings bodies = {
    chunk(std::string(22, 'x')) + "0\r\n\r\n",                        // the final CRLF
    chunk(std::string(25, 'x')) + "5\r\nhello\r\n0\r\n\r\n",          // a size line
    chunk("x") + "0\r\nX-Pad: " + std::string(40, 'p') + "\r\n\r\n",  // a trailer
  };
  for (const auto& body : bodies) {
    SCOPED_TRACE(body);
    auto sink = frame({chunked_head + body}, body_limit(32));
    ASSERT_EQ(sink.rejections.size(), 1u);
    ASSERT_GE(sink.dropped.size(), chunked_head.size());
    EXPECT_LE(sink.dropped.size() - chunked_head.size(), 32u);
  }
}

TEST(request_framing, chunk_size_near_two_to_the_64_is_too_large) {
  // The size fits in 64 bits, so it is not malformed; it is far over the limit.
  for (std::string size : {"FFFFFFFFFFFFFFFF", "fffffffffffffff0", "8000000000000000"}) {
    SCOPED_TRACE(size);
    recording_sink sink;
    request_framer framer({});
    framer.consume(chunked_head + size + "\r\n" + std::string(100, 'x'), sink);
    EXPECT_EQ(sink.rejections.size(), 1u);
    if (!sink.rejections.empty()) {
      EXPECT_EQ(sink.rejections[0].status, 413);
    }
    EXPECT_EQ(sink.pending, "");  // no chunk data forwarded past the refusal
  }
}

TEST(request_framing, malformed_chunk_size_is_400_and_closes) {
  for (std::string bad : {"zz\r\n", "\r\n", "5x\r\nhello\r\n0\r\n\r\n", "-5\r\n", "0x5\r\n",
                          "FFFFFFFFFFFFFFFFF\r\n", ";ext\r\n"}) {
    SCOPED_TRACE(bad);
    recording_sink sink;
    request_framer framer({});
    framer.consume(chunked_head + bad, sink);
    EXPECT_EQ(sink.events, (events{"bytes", "reject 400 close"}));
    ASSERT_EQ(sink.rejections.size(), 1u);
    EXPECT_TRUE(sink.rejections[0].close);
    EXPECT_TRUE(framer.closed());
    framer.consume(get_request, sink);
    EXPECT_EQ(sink.events.size(), 2u);
  }
}

TEST(request_framing, chunk_without_its_crlf_is_400) {
  auto sink = frame({chunked_head + "5\r\nhelloXY\r\n0\r\n\r\n" + get_request});
  EXPECT_EQ(sink.events, (events{"bytes", "reject 400 close"}));
  EXPECT_TRUE(sink.requests.empty());
}

TEST(request_framing, overlong_chunk_line_is_400) {
  auto sink = frame({chunked_head + "5;" + std::string(5000, 'e') + "\r\nhello\r\n0\r\n\r\n"});
  EXPECT_EQ(sink.events, (events{"bytes", "reject 400 close"}));
  sink = frame_bytewise(chunked_head + "0\r\nX-Long: " + std::string(5000, 't') + "\r\n\r\n");
  EXPECT_EQ(sink.events, (events{"bytes", "reject 400 close"}));
}

// --- the header block ---------------------------------------------------------------------------

// A GET whose head is exactly `size` bytes.
std::string get_of_size(std::size_t size) {
  const std::string start = "GET / HTTP/1.1\r\nX-Pad: ";
  return start + std::string(size - start.size() - 4, 'p') + "\r\n\r\n";
}

TEST(request_framing, header_block_at_the_limit_is_accepted) {
  const auto request = get_of_size(64);
  auto sink = frame({request + request}, header_limit(64));
  EXPECT_EQ(sink.requests, (strings{request, request}));
  sink = frame_bytewise(request, header_limit(64));
  EXPECT_EQ(sink.requests, strings{request});
}

TEST(request_framing, header_block_over_the_limit_is_431_and_closes) {
  const auto request = get_of_size(65);
  for (const auto& sink : {frame({request + get_request}, header_limit(64)),
                           frame_bytewise(request + get_request, header_limit(64)),
                           frame({std::string(1000, 'G')}, header_limit(64))}) {
    EXPECT_EQ(sink.events, (events{"reject 431 close"}));
    ASSERT_EQ(sink.rejections.size(), 1u);
    EXPECT_TRUE(sink.rejections[0].close);
    EXPECT_TRUE(sink.requests.empty());
  }
}

TEST(request_framing, default_header_limit_is_32_kib) {
  EXPECT_EQ(framing_limits{}.max_header_bytes, 32u * 1024);
  const auto fits = get_of_size(32 * 1024);
  EXPECT_EQ(frame({fits}).requests, strings{fits});
  EXPECT_EQ(frame({get_of_size(32 * 1024 + 1)}).events, (events{"reject 431 close"}));
}

// --- refused heads ------------------------------------------------------------------------------

TEST(request_framing, bad_content_length_is_400_and_closes) {
  for (std::string value : {"12a", "-1", "", "+5", "0x10", "1 2", "5,5", "1.0"}) {
    SCOPED_TRACE(value);
    recording_sink sink;
    request_framer framer({});
    framer.consume(head_with("Content-Length: " + value + "\r\n") + "hello" + get_request, sink);
    EXPECT_EQ(sink.events, (events{"reject 400 close"}));
    EXPECT_TRUE(framer.closed());
  }
}

TEST(request_framing, two_different_content_lengths_are_400) {
  auto sink = frame({head_with("Content-Length: 5\r\nContent-Length: 6\r\n") + "hello!"});
  EXPECT_EQ(sink.events, (events{"reject 400 close"}));
  ASSERT_EQ(sink.rejections.size(), 1u);
  EXPECT_TRUE(sink.rejections[0].close);
}

TEST(request_framing, content_length_and_chunked_together_are_400) {
  for (std::string headers : {"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
                              "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
                              "Transfer-Encoding: gzip\r\nContent-Length: 5\r\n"}) {
    SCOPED_TRACE(headers);
    auto sink = frame({head_with(headers) + "5\r\nhello\r\n0\r\n\r\n" + get_request});
    EXPECT_EQ(sink.events, (events{"reject 400 close"}));
  }
}

TEST(request_framing, other_transfer_codings_are_501_and_close) {
  for (std::string coding : {"gzip", "gzip, chunked", "identity", "deflate"}) {
    SCOPED_TRACE(coding);
    recording_sink sink;
    request_framer framer({});
    framer.consume(head_with("Transfer-Encoding: " + coding + "\r\n") + "xxxx" + get_request,
                   sink);
    EXPECT_EQ(sink.events, (events{"reject 501 close"}));
    EXPECT_TRUE(framer.closed());
  }
}

TEST(request_framing, only_letters_compare_case_insensitively_in_header_names) {
  // A CR is not a '-': "Content\rLength" is some other (invalid) header, not a Content-Length.
  const auto request = head_with("Content\rLength: 5\r\n");
  auto sink = frame({request});
  EXPECT_EQ(sink.events, (events{"bytes", "end"}));
  EXPECT_EQ(sink.requests, strings{request});
}

// --- closing ------------------------------------------------------------------------------------

TEST(request_framing, input_after_close_is_ignored) {
  recording_sink sink;
  request_framer framer({});
  EXPECT_FALSE(framer.closed());
  framer.close();
  EXPECT_TRUE(framer.closed());
  framer.consume(get_request + chunked_request, sink);
  EXPECT_TRUE(sink.events.empty());
}

TEST(request_framing, close_mid_request_stops_framing) {
  recording_sink sink;
  request_framer framer({});
  framer.consume(post_request("hello").substr(0, 20), sink);
  framer.close();
  framer.consume(post_request("hello").substr(20) + get_request, sink);
  EXPECT_TRUE(sink.events.empty());
}

TEST(request_framing, input_after_a_closing_rejection_is_ignored) {
  recording_sink sink;
  request_framer framer({});
  framer.consume(head_with("Transfer-Encoding: gzip\r\n"), sink);
  EXPECT_TRUE(framer.closed());
  framer.consume(get_request, sink);
  framer.consume(chunked_request, sink);
  EXPECT_EQ(sink.events, (events{"reject 501 close"}));
}

TEST(request_framing, close_from_request_end_stops_pipelined_requests) {
  recording_sink sink;
  request_framer framer({});
  sink.on_event = [&](const std::string& event) {
    if (event == "end")
      framer.close();  // e.g. the request said "Connection: close"
  };
  framer.consume(get_request + get_request + post_request("{}"), sink);
  EXPECT_EQ(sink.events, (events{"bytes", "end"}));
  EXPECT_TRUE(framer.closed());
}

TEST(request_framing, close_from_request_bytes_stops_framing) {
  // The connection handler closes the framer from request_bytes when its parser refuses the
  // bytes; nothing after that may be reported, in any kind of request.
  for (const auto& request : {post_request("hello"), chunked_request, get_request}) {
    SCOPED_TRACE(request);
    recording_sink sink;
    request_framer framer({});
    sink.on_event = [&](const std::string& event) {
      if (event == "bytes")
        framer.close();
    };
    framer.consume(request + get_request, sink);
    EXPECT_EQ(sink.events, (events{"bytes"}));
    EXPECT_TRUE(framer.closed());
    framer.consume(get_request, sink);
    EXPECT_EQ(sink.events, (events{"bytes"}));
  }
}

TEST(request_framing, close_from_request_bytes_of_the_body_stops_framing) {
  const auto request = post_request("hello");
  const auto head = request.substr(0, request.size() - 5);
  recording_sink sink;
  request_framer framer({});
  framer.consume(head, sink);
  sink.on_event = [&](const std::string& event) {
    if (event == "bytes")
      framer.close();
  };
  framer.consume("hello" + get_request, sink);
  EXPECT_EQ(sink.events, (events{"bytes"}));
  EXPECT_TRUE(framer.closed());
}

}  // namespace
