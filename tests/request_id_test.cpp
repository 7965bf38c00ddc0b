// Tests http/request_id.cpp: which client ids are kept, and that generated ids are well-formed and
// distinct, also when made on several threads at once.
#include "http/request_id.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

namespace {

using http::is_acceptable_request_id;
using http::request_id_for;

bool is_generated(const std::string& id) {
  return id.size() == 32 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

TEST(request_id, acceptable_client_ids_are_kept_verbatim) {
  for (const std::string& id :
       {std::string("123e4567-e89b-12d3-a456-426614174000"), std::string("abc"),
        std::string("A"), std::string(128, 'x'), std::string("a._:/+=@-Z9"),
        std::string("dGVzdA=="), std::string("00-0af7651916cd43dd8448eb211c80319c-01")}) {
    EXPECT_TRUE(is_acceptable_request_id(id)) << id;
    EXPECT_EQ(request_id_for(std::string_view(id)), id);
  }
}

TEST(request_id, unacceptable_client_ids_are_replaced) {
  const std::string bad[] = {"",          std::string(129, 'x'), "a b",     "a\"b",
                             "a'b",       "a\rb",                "a\nb",    "a\r\nX-Evil: 1",
                             "caf\xC3\xA9", std::string("a\0b", 3), "a\tb",  "a,b",
                             "a;b",       "<script>",            "a\\b",    "\x7f"};
  for (const auto& id : bad) {
    EXPECT_FALSE(is_acceptable_request_id(id)) << id;
    auto got = request_id_for(std::string_view(id));
    EXPECT_TRUE(is_generated(got)) << got;
  }
  EXPECT_TRUE(is_generated(request_id_for(std::nullopt)));
}

TEST(request_id, generated_ids_are_distinct) {
  std::unordered_set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    auto id = request_id_for(std::nullopt);
    ASSERT_TRUE(is_generated(id)) << id;
    seen.insert(std::move(id));
  }
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(request_id, ids_made_on_several_threads_at_once_are_distinct) {
  constexpr int threads = 4, each = 10000;
  std::vector<std::vector<std::string>> made(threads);
  std::atomic<int> ready{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      ready.fetch_add(1);
      while (ready.load() < threads) {
      }  // all start together
      for (int i = 0; i < each; ++i)
        made[t].push_back(request_id_for(std::nullopt));
    });
  for (auto& th : pool)
    th.join();
  std::unordered_set<std::string> seen;
  for (const auto& ids : made)
    for (const auto& id : ids) {
      EXPECT_TRUE(is_generated(id)) << id;
      seen.insert(id);
    }
  EXPECT_EQ(seen.size(), static_cast<size_t>(threads * each));
}

}  // namespace
