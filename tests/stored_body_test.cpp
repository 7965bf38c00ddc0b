// Tests actors/stored_body.cpp: every body comes back byte for byte; compression is used only
// where it saves an eighth, and the stored size is what the cache holds.
#include "actors/stored_body.hpp"

#include <gtest/gtest.h>

#include <random>

namespace {

using vapi_cache::stored_body;

TEST(stored_body, short_bodies_are_kept_as_they_are) {
  auto b = stored_body::make(R"({"success":true})");
  EXPECT_FALSE(b->compressed());
  EXPECT_EQ(b->text(), R"({"success":true})");
  EXPECT_EQ(b->stored_size(), b->size());
}

TEST(stored_body, text_is_compressed_and_comes_back_exactly) {
  std::string transcript;
  for (int turn = 0; turn < 40; ++turn)
    transcript += "AI: Thanks for calling, how can I help with turn " + std::to_string(turn) +
                  "?\nUser: I need a plumber in Greenville before Friday, ideally.\n";
  std::string body = R"({"success":true,"data":{"transcript":")" + transcript + "\"}}";
  auto b = stored_body::make(body);
  EXPECT_TRUE(b->compressed());
  EXPECT_LT(b->stored_size(), body.size() / 2);
  EXPECT_EQ(b->size(), body.size());
  EXPECT_EQ(b->text(), body);
}

TEST(stored_body, incompressible_bodies_are_kept_as_they_are) {
  std::mt19937 random(7);
  std::string noise(4096, '\0');
  for (auto& c : noise)
    c = static_cast<char>(random());
  auto b = stored_body::make(noise);
  EXPECT_FALSE(b->compressed());
  EXPECT_EQ(b->text(), noise);
}

TEST(stored_body, plain_never_compresses) {
  std::string repetitive(10000, 'a');
  auto b = stored_body::plain(repetitive);
  EXPECT_FALSE(b->compressed());
  EXPECT_EQ(b->text(), repetitive);
  EXPECT_TRUE(stored_body::make(repetitive)->compressed());
}

TEST(stored_body, every_byte_value_survives) {
  std::string all;
  for (int round = 0; round < 8; ++round)
    for (int c = 0; c < 256; ++c)
      all += static_cast<char>(c);
  EXPECT_EQ(stored_body::make(all)->text(), all);
}

}  // namespace
