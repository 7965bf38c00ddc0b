// Tests delivery/execution_id.cpp: what Kestra's friendly ids look like is accepted, and
// nothing else reaches a resume URL: other characters, lengths, and values past 128 bits.
#include "delivery/execution_id.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using delivery::valid_execution_id;

// Base62 of 2^128 - 1 by schoolbook division of its 16 bytes, independent of the checker.
std::string max_128_bit_encoding() {
  static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::vector<unsigned> n(16, 0xFF);  // big-endian bytes
  std::string out;
  auto zero = [&] {
    for (unsigned b : n)
      if (b) return false;
    return true;
  };
  while (!zero()) {
    unsigned rem = 0;
    for (auto& b : n) {
      unsigned cur = rem * 256 + b;
      b = cur / 62;
      rem = cur % 62;
    }
    out.insert(out.begin(), digits[rem]);
  }
  return out;
}

TEST(DeliveryExecutionId, KestraIdsAreAccepted) {
  // friendly-id's README: Url62.encode(c3587ec5-0976-497f-8374-61e0c2ea3da5).
  EXPECT_TRUE(valid_execution_id("7NLCAyd6sKR7kDHxgAWFPG"));
  EXPECT_TRUE(valid_execution_id("5ZrN3V0cQ1hxOSDj7c9Wkp"));
  EXPECT_TRUE(valid_execution_id("zzzzzzzzzzzzzzzzzzzzz"));  // 21 digits: always below 2^128
}

TEST(DeliveryExecutionId, ShortIdsComeFromSmallUuidsAndAreAccepted) {
  for (auto id : {"0", "1", "Z", "z", "4pZ", "00000000000000000000zz"})
    EXPECT_TRUE(valid_execution_id(id)) << id;
}

TEST(DeliveryExecutionId, TheLargest128BitValueIsTheLimit) {
  std::string max = max_128_bit_encoding();
  ASSERT_EQ(max, "7n42DGM5Tflk9n8mt7Fhc7");  // as python3 computes it too
  EXPECT_TRUE(valid_execution_id(max));
  EXPECT_FALSE(valid_execution_id("7n42DGM5Tflk9n8mt7Fhc8"));  // 2^128
  EXPECT_FALSE(valid_execution_id("7n42DGM5Tflk9n8mt7FhcA"));
  EXPECT_FALSE(valid_execution_id("8000000000000000000000"));
  EXPECT_FALSE(valid_execution_id("zzzzzzzzzzzzzzzzzzzzzz"));
}

TEST(DeliveryExecutionId, WrongLengthsAreRefused) {
  EXPECT_FALSE(valid_execution_id(""));
  EXPECT_FALSE(valid_execution_id("7NLCAyd6sKR7kDHxgAWFPGx"));  // 23
  EXPECT_FALSE(valid_execution_id("00000000000000000000000"));  // 23, even if small
}

TEST(DeliveryExecutionId, AnythingButBase62IsRefused) {
  for (auto id : {"7NLCAyd6-sKR7kDHxgAWFP", "abc_def", "a/b", "..", ".", "a.b", "/", "a b",
                  "abc\n", "%2e%2e", "abc?x", "abc#x", "é"})
    EXPECT_FALSE(valid_execution_id(id)) << id;
  EXPECT_FALSE(valid_execution_id(std::string("ab\0c", 4)));
}

}  // namespace
