// The answers built without a JSON tree must be the bytes nlohmann writes for the same object.
#include "http/replies.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

using nlohmann::ordered_json;

std::string dumped(const ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string stored_tree(std::string_view id) {
  return dumped({{"success", true},
                 {"message", "Webhook processed and cached successfully"},
                 {"callId", id}});
}

std::string noted_tree(std::string_view id) {
  return dumped({{"success", true}, {"message", "Call status recorded"}, {"callId", id}});
}

TEST(Replies, StoredIsTheSeedsObject) {
  EXPECT_EQ(http::replies::stored("call-123"),
            R"({"success":true,"message":"Webhook processed and cached successfully",)"
            R"("callId":"call-123"})");
}

TEST(Replies, StoredAndNotedMatchNlohmannForEveryKindOfId) {
  for (std::string_view id : {"call-123", "0f8e5a3c-1d2b-4c5d-9e8f-7a6b5c4d3e2f", "a_b.c~d",
                              "a\"quote", "back\\slash", "tab\there", "ünïcode", "x"}) {
    EXPECT_EQ(http::replies::stored(id), stored_tree(id)) << id;
    EXPECT_EQ(http::replies::status_noted(id), noted_tree(id)) << id;
  }
  std::string control("a\x01" "b", 3);
  EXPECT_EQ(http::replies::stored(control), stored_tree(control));
  std::string longest(200, 'z');
  EXPECT_EQ(http::replies::stored(longest), stored_tree(longest));
}

}  // namespace
