// Tests vapi/json_render.cpp against nlohmann's own dump, which it must equal byte for byte:
// every payload in tests/payloads, every escape, every number kind, and invalid UTF-8.
#include "vapi/json_render.hpp"

#include <gtest/gtest.h>

#include "tests/support/payloads.hpp"

namespace {

using nlohmann::ordered_json;

std::string nlohmann_dump(const ordered_json& v) {
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string fast(const ordered_json& v) {
  std::string out;
  vapi::append_json(out, v);
  return out;
}

TEST(json_render, every_payload_renders_as_nlohmann_does) {
  size_t files = 0;
  for (const auto& path : test_support::payload_files()) {
    auto doc = ordered_json::parse(test_support::read_file(path));
    EXPECT_EQ(fast(doc), nlohmann_dump(doc)) << path;
    ++files;
  }
  EXPECT_GT(files, 40u);
}

TEST(json_render, escapes_match) {
  std::string every_control;
  for (int c = 0; c < 0x20; ++c)
    every_control += static_cast<char>(c);
  for (std::string s : {std::string("plain"), std::string("q\"uote b\\ack"), every_control,
                        std::string("\x7f del"), std::string("ünïcødé ✓ 𝄞"), std::string(""),
                        std::string(1000, '\0')}) {
    ordered_json v = s;
    EXPECT_EQ(fast(v), nlohmann_dump(v)) << s;
  }
}

TEST(json_render, numbers_and_literals_match) {
  for (const char* text :
       {"0", "-1", "18446744073709551615", "-9223372036854775808", "0.45", "1e300", "-0.0",
        "3.141592653589793", "1e-7", "true", "false", "null", "[]", "{}", "[1,[2,[3]]]",
        R"({"b":1,"a":{"z":[null,true,"x"]}})"}) {
    auto v = ordered_json::parse(text);
    EXPECT_EQ(fast(v), nlohmann_dump(v)) << text;
  }
}

TEST(json_render, invalid_utf8_is_replaced_as_nlohmann_replaces_it) {
  for (std::string bad : {std::string("a\xff" "b"), std::string("\xc3"), std::string("\xed\xa0\x80"),
                          std::string("\xe0\x80\x80"), std::string("\xf4\x90\x80\x80"),
                          std::string("ok \xc3\xa9 then \x80")}) {
    ordered_json v = bad;
    EXPECT_EQ(fast(v), nlohmann_dump(v));
    ordered_json key = {{bad, 1}};
    EXPECT_EQ(fast(key), nlohmann_dump(key));
  }
}

TEST(json_render, random_strings_match_at_every_length_and_position) {
  // Bytes drawn mostly from the ones that matter: ASCII, escapes, and UTF-8 lead and
  // continuation bytes, so that valid and invalid sequences fall across 8-byte boundaries.
  const std::string alphabet = std::string("aZ9 \"\\\n\t\x01\x1f\x7f") +
                               "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xff\xed\xa0";
  uint64_t seed = 12345;
  for (int round = 0; round < 20000; ++round) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    size_t length = (seed >> 33) % 40;
    std::string text;
    for (size_t i = 0; i < length; ++i) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      text += alphabet[(seed >> 33) % alphabet.size()];
    }
    ordered_json v = text;
    ASSERT_EQ(fast(v), nlohmann_dump(v)) << "round " << round;
  }
}

TEST(json_render, appends_after_what_is_there) {
  std::string out = "head:";
  vapi::append_json(out, ordered_json::array({1, "two"}));
  EXPECT_EQ(out, R"(head:[1,"two"])");
}

}  // namespace
