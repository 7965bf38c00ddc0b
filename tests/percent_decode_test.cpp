// Tests http/percent_decode.cpp.
#include "http/percent_decode.hpp"

#include <gtest/gtest.h>

namespace {

using http::percent_decode;

TEST(percent_decode, plain_text_is_unchanged) {
  EXPECT_EQ(percent_decode("call-123_a.b:c"), "call-123_a.b:c");
  EXPECT_EQ(percent_decode(""), "");
  EXPECT_EQ(percent_decode("a+b"), "a+b");  // + is a space only in query strings
}

TEST(percent_decode, decodes_each_escape_once) {
  EXPECT_EQ(percent_decode("abc%2Ddef"), "abc-def");
  EXPECT_EQ(percent_decode("%41%62%3a"), "Ab:");
  EXPECT_EQ(percent_decode("%252D"), "%2D");  // once: a double-encoded id stays encoded
  EXPECT_EQ(percent_decode("a%20b"), "a b");
  EXPECT_EQ(percent_decode("%2F"), "/");
  EXPECT_EQ(percent_decode("%00"), std::string(1, '\0'));
  EXPECT_EQ(percent_decode("%C3%A9"), "\xC3\xA9");
}

TEST(percent_decode, malformed_escapes_are_refused) {
  for (const char* bad : {"%", "%4", "abc%", "abc%2", "%G1", "%1G", "%%41", "% 1"})
    EXPECT_EQ(percent_decode(bad), std::nullopt) << bad;
}

}  // namespace
