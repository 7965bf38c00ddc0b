// Tests vapi/fast_parse.cpp: simdjson's tree, copied, is nlohmann's tree; what simdjson refuses
// (so that nlohmann, the slow path, decides) includes everything nested deeper than the limit.
#include "vapi/fast_parse.hpp"

#include <gtest/gtest.h>

#include "tests/support/payloads.hpp"
#include "vapi/webhook.hpp"

namespace {

using nlohmann::json;

std::optional<json> fast(const std::string& text) {
  return vapi::fast_parse(text, vapi::max_json_depth);
}

std::string nested(int levels) {
  return std::string(static_cast<size_t>(levels), '[') + std::string(static_cast<size_t>(levels), ']');
}

TEST(fast_parse, every_payload_gives_nlohmanns_tree) {
  for (const auto& path : test_support::payload_files()) {
    auto text = test_support::read_file(path);
    auto got = fast(text);
    ASSERT_TRUE(got) << path;
    EXPECT_EQ(*got, json::parse(text)) << path;
  }
}

TEST(fast_parse, keeps_nlohmanns_number_kinds_and_duplicate_rule) {
  auto got = fast(R"({"u":5,"i":-5,"big":18446744073709551615,"d":1.0,"e":1E2,"k":1,"k":2})");
  ASSERT_TRUE(got);
  EXPECT_TRUE((*got)["u"].is_number_unsigned());
  EXPECT_TRUE((*got)["i"].is_number_integer() && !(*got)["i"].is_number_unsigned());
  EXPECT_EQ((*got)["big"].get<uint64_t>(), 18446744073709551615ull);
  EXPECT_TRUE((*got)["d"].is_number_float());
  EXPECT_EQ((*got)["e"].dump(), "100.0");
  EXPECT_EQ((*got)["k"], 2);  // the last duplicate wins, as in nlohmann
}

TEST(fast_parse, depth_limit_is_never_looser_than_ours) {
  EXPECT_FALSE(fast(nested(vapi::max_json_depth + 1)));
  // At the limit itself either answer is right: nlohmann decides when simdjson does not.
  auto at_limit = fast(nested(vapi::max_json_depth));
  if (at_limit) {
    EXPECT_EQ(*at_limit, json::parse(nested(vapi::max_json_depth)));
  }
}

TEST(fast_parse, refuses_what_it_cannot_copy_exactly) {
  EXPECT_FALSE(fast("123456789012345678901234567890"));  // nlohmann makes it a double
  EXPECT_FALSE(fast("\xef\xbb\xbf{}"));                   // nlohmann skips the BOM
  EXPECT_FALSE(fast("1e999"));
  EXPECT_FALSE(fast("{\"a\":\"\x01\"}"));
  EXPECT_FALSE(fast("\"\xff\""));
  EXPECT_FALSE(fast(""));
}

TEST(fast_parse, webhook_depth_errors_are_unchanged) {
  auto deep = vapi::parse_webhook(R"({"message":)" + nested(100) + "}");
  ASSERT_FALSE(deep.ok);
  ASSERT_EQ(deep.errors.size(), 1u);
  EXPECT_EQ(deep.errors[0].message, "JSON nested deeper than 64 levels");
}

}  // namespace
