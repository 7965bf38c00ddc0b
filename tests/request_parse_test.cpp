// Tests http/request_parse.cpp: Content-Length lines taken out of a head (only those, in any
// case), a head parsed into a request with its body handed over whole, errors as statuses, and
// what keep-alive and X-Request-Id the request asks for.
#include "http/request_parse.hpp"

#include <gtest/gtest.h>

namespace {

using http::framing_limits;

const framing_limits limits{32 * 1024, 1024 * 1024};

TEST(request_parse, a_head_without_content_length_is_not_copied) {
  EXPECT_FALSE(http::without_content_length("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
}

TEST(request_parse, content_length_lines_go_whatever_their_case_and_nothing_else) {
  auto out = http::without_content_length(
    "POST /x HTTP/1.1\r\nHost: a\r\ncontent-LENGTH : 5\r\nX-Content-Length: 9\r\n"
    "Content-Length: 5\r\n\r\n");
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, "POST /x HTTP/1.1\r\nHost: a\r\nX-Content-Length: 9\r\n\r\n");
}

TEST(request_parse, a_head_and_its_body_make_one_request) {
  auto head = *http::without_content_length(
    "POST /api?x=1 HTTP/1.1\r\nHost: a\r\nX-Request-Id: r-1\r\nContent-Length: 4\r\n\r\n");
  auto got = http::parse_request(limits, head, "body", true);
  ASSERT_EQ(got.status, 0) << got.reason;
  const auto& req = http::parsed_request(limits);
  EXPECT_EQ(req.resource(), "/api");
  EXPECT_EQ(req.body(), "body");
  EXPECT_EQ(req.method(), Pistache::Http::Method::Post);
  EXPECT_EQ(http::client_request_id(req), std::optional<std::string_view>("r-1"));
  EXPECT_TRUE(http::wants_keep_alive(req));
}

TEST(request_parse, chunked_bodies_are_decoded_by_the_parser) {
  auto got = http::parse_request(
    limits, "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    "", false);
  ASSERT_EQ(got.status, 0) << got.reason;
  EXPECT_EQ(http::parsed_request(limits).body(), "abc");
}

TEST(request_parse, what_cannot_be_parsed_is_a_status_with_a_reason) {
  auto bad = http::parse_request(limits, "NOT A REQUEST\r\n\r\n", "", false);
  EXPECT_GE(bad.status, 400);
  EXPECT_FALSE(bad.reason.empty());
  auto target = http::parse_request(limits, "GET x HTTP/1.1\r\nHost: a\r\n\r\n", "", false);
  EXPECT_EQ(target.status, 400);
}

TEST(request_parse, keep_alive_follows_the_version_and_the_connection_header) {
  auto keep = [](const std::string& head) {
    EXPECT_EQ(http::parse_request(limits, head, "", false).status, 0) << head;
    return http::wants_keep_alive(http::parsed_request(limits));
  };
  EXPECT_TRUE(keep("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
  EXPECT_FALSE(keep("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
  EXPECT_FALSE(keep("GET / HTTP/1.0\r\n\r\n"));
  EXPECT_TRUE(keep("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  EXPECT_FALSE(http::client_request_id(http::parsed_request(limits)));
}

}  // namespace
