// Tests delivery/multipart.cpp: the exact bytes of a one-field form, and every input that
// could break its framing refused.
#include "delivery/multipart.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace {

using delivery::boundary_from;
using delivery::form_data;
using namespace std::string_literals;

TEST(DeliveryMultipart, OnePlainFieldExactly) {
  auto f = form_data("callResult", R"({"callId":"c1"})", "vapi-cache-b0");
  EXPECT_EQ(f.boundary, "vapi-cache-b0");
  EXPECT_EQ(f.content_type, "multipart/form-data; boundary=vapi-cache-b0");
  EXPECT_EQ(f.body,
            "--vapi-cache-b0\r\n"
            "Content-Disposition: form-data; name=\"callResult\"\r\n"
            "\r\n"
            "{\"callId\":\"c1\"}\r\n"
            "--vapi-cache-b0--\r\n");
  EXPECT_EQ(f.body.find("filename"), std::string::npos);  // a plain input, not a file part
}

TEST(DeliveryMultipart, TheValueIsKeptByteForByte) {
  std::string value = "line 1\r\nline 2\n\"quoted\"\0end\xff"s;
  auto f = form_data("v", value, "B");
  EXPECT_EQ(f.body, "--B\r\nContent-Disposition: form-data; name=\"v\"\r\n\r\n" + value +
                        "\r\n--B--\r\n");
  EXPECT_EQ(form_data("v", "", "B").body,
            "--B\r\nContent-Disposition: form-data; name=\"v\"\r\n\r\n\r\n--B--\r\n");
}

TEST(DeliveryMultipart, ABoundaryInTheValueAsksForAnother) {
  EXPECT_THROW(form_data("v", "x\r\n--vapi-cache-1\r\n", "vapi-cache-1"), std::invalid_argument);
  EXPECT_THROW(form_data("v", "anywhere: vapi-cache-1", "vapi-cache-1"), std::invalid_argument);
  EXPECT_NO_THROW(form_data("v", "vapi-cache-", "vapi-cache-1"));
}

TEST(DeliveryMultipart, FieldNamesThatWouldBreakTheHeaderAreRefused) {
  for (auto name : {"a\"b", "a\rb", "a\nb", ""})
    EXPECT_THROW(form_data(name, "v", "B"), std::invalid_argument) << name;
  EXPECT_NO_THROW(form_data("result-json_1.x", "v", "B"));
}

TEST(DeliveryMultipart, BoundariesOutsideRfc2046AreRefused) {
  for (auto b : {"", "a;b", "a\"b", "a\r\nb", "ends in space ", "\xc3\xa9"})
    EXPECT_THROW(form_data("v", "x", b), std::invalid_argument) << b;
  EXPECT_THROW(form_data("v", "x", std::string(71, 'a')), std::invalid_argument);
  EXPECT_NO_THROW(form_data("v", "x", std::string(70, 'a')));
  EXPECT_NO_THROW(form_data("v", "x", "'()+_,-./:=? a"));
}

TEST(DeliveryMultipart, BoundaryFromTwoRandomNumbers) {
  EXPECT_EQ(boundary_from(0, 0), "vapi-cache-00000000000000000000000000000000");
  EXPECT_EQ(boundary_from(0x0123456789abcdefULL, 0xfedcba9876543210ULL),
            "vapi-cache-0123456789abcdeffedcba9876543210");
  EXPECT_EQ(boundary_from(~0ULL, 1), "vapi-cache-ffffffffffffffff0000000000000001");
  auto b = boundary_from(42, 43);
  EXPECT_EQ(b.size(), 11u + 32u);
  EXPECT_NO_THROW(form_data("v", "x", b));  // a valid boundary
}

}  // namespace
