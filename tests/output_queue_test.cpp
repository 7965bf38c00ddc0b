// Tests net/output_queue.cpp over a non-blocking unix socketpair: owned, shared and deferred
// pieces come out in order byte for byte; deferred bytes are made only when a write reaches
// them, once, and sliced right; size(), the `most` limit, a full socket, keeps, clear(), the
// shared output budget (held bytes, a deferred piece waiting for it) and socket errors.
#include "net/output_queue.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>

#include "tests/support/socket_pair.hpp"

namespace {

using net::deferred_bytes;
using net::output_budget;
using net::output_queue;

using test_support::socket_pair;

// Writes and reads until the queue is empty (or stops making progress).
std::string write_all(output_queue& q, const socket_pair& s, size_t most = 1 << 20) {
  std::string out;
  for (int rounds = 0; !q.empty() && rounds < 100000; ++rounds) {
    ssize_t w = q.write_to(s.ours, most);
    if (w < 0)
      ADD_FAILURE() << "write_to failed: errno " << errno;
    out += s.read_all();
    if (w <= 0 && !q.socket_full())
      break;  // waiting for the budget, or keeps only
  }
  out += s.read_all();
  return out;
}

// Deferred bytes that count how often they are made.
class fake_deferred final : public deferred_bytes {
 public:
  explicit fake_deferred(std::string text) : text_(std::move(text)) {}
  size_t size() const override { return text_.size(); }
  std::string make() const override {
    ++makes;
    return text_;
  }
  mutable int makes = 0;

 private:
  std::string text_;
};

std::string pattern(size_t n, unsigned seed = 1) {
  std::string s(n, '\0');
  unsigned x = seed;
  for (auto& c : s) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>('a' + (x >> 16) % 26);
  }
  return s;
}

TEST(output_queue, owned_shared_and_deferred_pieces_come_out_in_order) {
  output_budget budget(1 << 20);
  output_queue q(budget);
  socket_pair s;
  auto shared = std::make_shared<std::string>("SHARED-bytes");
  auto source = std::make_shared<fake_deferred>("0123456789abcdef");
  q.push("head;");
  q.push_shared(shared, std::string_view(*shared).substr(0, 6));  // "SHARED"
  q.push_deferred(source, 4, 6);                                   // "456789"
  q.push(";tail");
  q.push_deferred(source, 0, 16);  // all of it
  EXPECT_EQ(source->makes, 0);     // nothing is made when queued
  EXPECT_EQ(q.size(), 5u + 6 + 6 + 5 + 16);
  EXPECT_FALSE(q.empty());

  EXPECT_EQ(write_all(q, s), "head;SHARED456789;tail0123456789abcdef");
  EXPECT_EQ(source->makes, 2);  // once per deferred piece
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.size(), 0u);
  EXPECT_EQ(budget.held.load(), 0u);
}

TEST(output_queue, empty_pieces_are_not_queued) {
  output_budget budget(1000);
  output_queue q(budget);
  auto owner = std::make_shared<std::string>("x");
  std::weak_ptr<std::string> watch = owner;
  q.push("");
  q.push_shared(std::move(owner), std::string_view());
  q.push_deferred(std::make_shared<fake_deferred>("abc"), 1, 0);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.size(), 0u);
  EXPECT_EQ(budget.held.load(), 0u);
  EXPECT_TRUE(watch.expired());
}

TEST(output_queue, many_small_pieces_beyond_one_writev) {
  output_budget budget(1 << 20);
  output_queue q(budget);
  socket_pair s;
  std::string want;
  for (int i = 0; i < 300; ++i) {
    std::string piece = std::to_string(i) + ",";
    want += piece;
    q.push(piece);
  }
  ssize_t w = q.write_to(s.ours, 1 << 20);
  EXPECT_EQ(w, static_cast<ssize_t>(want.size()));  // more than 64 pieces in one call
  EXPECT_EQ(s.read_all(), want);
  EXPECT_TRUE(q.empty());
  EXPECT_FALSE(q.socket_full());
}

TEST(output_queue, shared_bytes_keep_their_owner_until_written) {
  output_budget budget(1 << 20);
  output_queue q(budget);
  socket_pair s;
  auto owner = std::make_shared<std::string>(pattern(1000));
  const std::string copy = *owner;
  std::weak_ptr<std::string> watch = owner;
  q.push_shared(owner, *owner);
  owner.reset();
  EXPECT_FALSE(watch.expired());
  EXPECT_EQ(budget.held.load(), 0u);  // shared bytes are not in the budget

  EXPECT_EQ(q.write_to(s.ours, 999), 999);
  EXPECT_FALSE(watch.expired()) << "released with a byte still unsent";
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.write_to(s.ours, 100), 1);
  EXPECT_TRUE(watch.expired());
  EXPECT_EQ(s.read_all(), copy);
  EXPECT_TRUE(q.empty());
}

TEST(output_queue, deferred_bytes_are_made_only_when_a_write_reaches_them_and_once) {
  output_budget budget(1 << 20);
  output_queue q(budget);
  socket_pair s;
  const std::string text = pattern(200, 3);
  auto source = std::make_shared<fake_deferred>(text);
  q.push("abc");
  q.push_deferred(source, 50, 100);
  q.push("xyz");
  EXPECT_EQ(source->makes, 0);

  // A write that ends before the deferred piece does not make it.
  EXPECT_EQ(q.write_to(s.ours, 3), 3);
  EXPECT_EQ(source->makes, 0);
  EXPECT_EQ(q.size(), 103u);
  EXPECT_EQ(budget.held.load(), 3u);  // only "xyz" is held: the deferred piece is not made

  // Written a few bytes at a time, it is made once.
  std::string got = s.read_all();
  while (!q.empty()) {
    ssize_t w = q.write_to(s.ours, 7);
    ASSERT_GT(w, 0);
    ASSERT_LE(w, 7);
    got += s.read_all();
  }
  EXPECT_EQ(source->makes, 1);
  EXPECT_EQ(got, "abc" + text.substr(50, 100) + "xyz");
  EXPECT_EQ(budget.held.load(), 0u);
}

TEST(output_queue, a_made_piece_is_in_the_budget_until_written) {
  output_budget budget(1 << 20);
  output_queue q(budget);
  socket_pair s;
  auto source = std::make_shared<fake_deferred>(pattern(100));
  q.push_deferred(source, 10, 80);
  EXPECT_EQ(budget.held.load(), 0u);
  EXPECT_EQ(q.write_to(s.ours, 30), 30);
  EXPECT_EQ(source->makes, 1);
  EXPECT_EQ(budget.held.load(), 80u);  // the made bytes are held while any is unsent
  EXPECT_EQ(q.write_to(s.ours, 1000), 50);
  EXPECT_EQ(budget.held.load(), 0u);
  EXPECT_EQ(s.read_all(), pattern(100).substr(10, 80));
}

TEST(output_queue, size_counts_unsent_bytes) {
  output_budget budget(1 << 20);
  output_queue q(budget);
  socket_pair s;
  auto owner = std::make_shared<std::string>("22222");
  q.push("111");
  q.push_shared(owner, *owner);
  q.push_deferred(std::make_shared<fake_deferred>("3333333"), 0, 7);
  q.push_keep(std::make_shared<int>(1));  // no bytes
  EXPECT_EQ(q.size(), 15u);
  EXPECT_EQ(q.write_to(s.ours, 2), 2);
  EXPECT_EQ(q.size(), 13u);
  EXPECT_EQ(q.write_to(s.ours, 4), 4);
  EXPECT_EQ(q.size(), 9u);
  EXPECT_EQ(q.write_to(s.ours, 100), 9);
  EXPECT_EQ(q.size(), 0u);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(s.read_all(), "111222223333333");
}

TEST(output_queue, write_to_honours_most) {
  output_budget budget(1 << 20);
  output_queue q(budget);
  socket_pair s;
  const std::string a = pattern(4, 1), b = pattern(4, 2), c = pattern(100, 3);
  q.push(a);
  q.push(b);
  q.push(c);
  std::string got;
  for (size_t most : {size_t{10}, size_t{1}, size_t{0}, size_t{10}, size_t{33}}) {
    ssize_t w = q.write_to(s.ours, most);
    ASSERT_GE(w, 0);
    EXPECT_LE(static_cast<size_t>(w), most);
    EXPECT_FALSE(q.socket_full());
    got += s.read_all();
    EXPECT_EQ(got.size(), static_cast<size_t>(a.size() + b.size() + c.size()) - q.size());
  }
  EXPECT_EQ(got.size(), 54u);  // 10 + 1 + 0 + 10 + 33: the socket took every offer
  got += write_all(q, s, 10);
  EXPECT_EQ(got, a + b + c);
}

TEST(output_queue, a_full_socket_takes_less_and_the_rest_follows) {
  output_budget budget(64 << 20);
  output_queue q(budget);
  socket_pair s;
  int small = 4096;
  ASSERT_EQ(::setsockopt(s.ours, SOL_SOCKET, SO_SNDBUF, &small, sizeof small), 0);
  ASSERT_EQ(::setsockopt(s.peer, SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
  const std::string big = pattern(1 << 20, 9);
  q.push(big.substr(0, 300000));
  auto owner = std::make_shared<std::string>(big.substr(300000, 300000));
  q.push_shared(owner, *owner);
  auto source = std::make_shared<fake_deferred>(big.substr(600000));
  q.push_deferred(source, 0, big.size() - 600000);

  ssize_t w = q.write_to(s.ours, 8 << 20);
  ASSERT_GE(w, 0);
  EXPECT_LT(static_cast<size_t>(w), big.size());
  EXPECT_TRUE(q.socket_full());
  EXPECT_EQ(q.size(), big.size() - static_cast<size_t>(w));

  // With nothing read, the socket takes nothing more.
  EXPECT_EQ(q.write_to(s.ours, 8 << 20), 0);
  EXPECT_TRUE(q.socket_full());

  std::string got = s.read_all();
  int rounds = 0;
  while (!q.empty()) {
    ASSERT_LT(++rounds, 100000) << "no progress";
    ssize_t n = q.write_to(s.ours, 8 << 20);
    ASSERT_GE(n, 0);
    got += s.read_all();
  }
  got += s.read_all();
  EXPECT_FALSE(q.socket_full());  // the last write took all that was offered
  EXPECT_EQ(got.size(), big.size());
  EXPECT_TRUE(got == big) << "the bytes differ";
  EXPECT_EQ(source->makes, 1);
  EXPECT_EQ(budget.held.load(), 0u);
}

TEST(output_queue, a_keep_is_released_once_everything_before_it_is_written) {
  output_budget budget(1 << 20);
  output_queue q(budget);
  socket_pair s;
  auto keep = std::make_shared<int>(1);
  std::weak_ptr<int> watch = keep;
  q.push("hello");
  q.push_keep(std::move(keep));
  q.push("world");
  EXPECT_EQ(q.size(), 10u);
  EXPECT_EQ(q.write_to(s.ours, 4), 4);
  EXPECT_FALSE(watch.expired());
  EXPECT_EQ(q.write_to(s.ours, 1), 1);  // "hello" done: the keep goes, "world" still queued
  EXPECT_TRUE(watch.expired());
  EXPECT_FALSE(q.empty());
  EXPECT_EQ(q.write_to(s.ours, 100), 5);
  EXPECT_EQ(s.read_all(), "helloworld");
}

TEST(output_queue, a_keep_at_the_end_goes_with_the_last_byte) {
  output_budget budget(1 << 20);
  output_queue q(budget);
  socket_pair s;
  auto keep = std::make_shared<int>(1);
  std::weak_ptr<int> watch = keep;
  q.push("abc");
  q.push_deferred(std::make_shared<fake_deferred>("defgh"), 0, 5);
  q.push_keep(std::move(keep));
  EXPECT_EQ(q.write_to(s.ours, 7), 7);
  EXPECT_FALSE(watch.expired());
  EXPECT_EQ(q.write_to(s.ours, 100), 1);
  EXPECT_TRUE(watch.expired());
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(s.read_all(), "abcdefgh");
}

TEST(output_queue, a_keep_on_an_empty_queue_is_released_at_once) {
  output_budget budget(1 << 20);
  output_queue q(budget);
  auto keep = std::make_shared<int>(1);
  std::weak_ptr<int> watch = keep;
  q.push_keep(std::move(keep));
  EXPECT_TRUE(watch.expired());
  EXPECT_TRUE(q.empty());
}

TEST(output_queue, clear_drops_everything_and_releases_owners_and_keeps) {
  output_budget budget(1 << 20);
  output_queue q(budget);
  socket_pair s;
  auto owner = std::make_shared<std::string>("shared");
  auto keep = std::make_shared<int>(1);
  auto source = std::make_shared<fake_deferred>("deferred");
  std::weak_ptr<std::string> owner_watch = owner;
  std::weak_ptr<int> keep_watch = keep;
  q.push("owned bytes");
  EXPECT_EQ(q.write_to(s.ours, 3), 3);  // one piece part-written
  q.push_shared(std::move(owner), "shared");
  q.push_deferred(source, 0, 8);
  q.push_keep(std::move(keep));
  EXPECT_EQ(budget.held.load(), 11u);

  q.clear();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.size(), 0u);
  EXPECT_EQ(budget.held.load(), 0u);
  EXPECT_TRUE(owner_watch.expired());
  EXPECT_TRUE(keep_watch.expired());
  EXPECT_EQ(source->makes, 0);
  EXPECT_EQ(q.write_to(s.ours, 100), 0);
  EXPECT_EQ(s.read_all(), "own");
}

TEST(output_queue, the_destructor_returns_the_budget) {
  output_budget budget(1 << 20);
  auto keep = std::make_shared<int>(1);
  std::weak_ptr<int> watch = keep;
  {
    output_queue q(budget);
    q.push(std::string(500, 'x'));
    q.push_keep(std::move(keep));
    EXPECT_EQ(budget.held.load(), 500u);
  }
  EXPECT_EQ(budget.held.load(), 0u);
  EXPECT_TRUE(watch.expired());
}

TEST(output_queue, owned_bytes_count_in_the_budget_until_written) {
  output_budget budget(100);
  output_queue a(budget), b(budget);
  socket_pair s;
  a.push(std::string(30, 'a'));
  EXPECT_EQ(budget.held.load(), 30u);
  b.push(std::string(50, 'b'));
  EXPECT_EQ(budget.held.load(), 80u);
  a.push(std::string(40, 'c'));  // owned bytes are always taken, even past the limit
  EXPECT_EQ(budget.held.load(), 120u);
  EXPECT_TRUE(budget.over());

  EXPECT_EQ(a.write_to(s.ours, 30), 30);  // the first piece of a, whole
  EXPECT_EQ(budget.held.load(), 90u);
  EXPECT_FALSE(budget.over());
  b.clear();
  EXPECT_EQ(budget.held.load(), 40u);
  EXPECT_EQ(a.write_to(s.ours, 100), 40);
  EXPECT_EQ(budget.held.load(), 0u);
  EXPECT_EQ(s.read_all(), std::string(30, 'a') + std::string(40, 'c'));
}

TEST(output_queue, a_deferred_piece_past_the_budget_waits_for_other_bytes_to_be_written) {
  output_budget budget(100);
  output_queue other(budget), q(budget);
  socket_pair s_other, s;
  other.push(std::string(60, 'o'));
  auto source = std::make_shared<fake_deferred>(pattern(50, 4));
  q.push_deferred(source, 0, 50);  // 60 + 50 > 100

  EXPECT_EQ(q.write_to(s.ours, 1000), 0);
  EXPECT_TRUE(q.waiting_for_budget());
  EXPECT_FALSE(q.socket_full());
  EXPECT_EQ(source->makes, 0);
  EXPECT_EQ(q.size(), 50u);
  EXPECT_EQ(budget.held.load(), 60u);

  EXPECT_EQ(other.write_to(s_other.ours, 1000), 60);
  EXPECT_EQ(budget.held.load(), 0u);

  EXPECT_EQ(q.write_to(s.ours, 1000), 50);
  EXPECT_FALSE(q.waiting_for_budget());
  EXPECT_EQ(source->makes, 1);
  EXPECT_EQ(s.read_all(), pattern(50, 4));
  EXPECT_EQ(budget.held.load(), 0u);
}

TEST(output_queue, a_deferred_piece_that_just_fits_does_not_wait) {
  output_budget budget(100);
  output_queue other(budget), q(budget);
  socket_pair s;
  other.push(std::string(60, 'o'));
  q.push_deferred(std::make_shared<fake_deferred>(std::string(40, 'd')), 0, 40);  // 60 + 40
  EXPECT_EQ(q.write_to(s.ours, 1000), 40);
  EXPECT_FALSE(q.waiting_for_budget());
  EXPECT_EQ(s.read_all(), std::string(40, 'd'));
}

TEST(output_queue, with_nothing_held_a_deferred_piece_larger_than_the_budget_proceeds) {
  output_budget budget(100);
  output_queue q(budget);
  socket_pair s;
  const std::string text = pattern(5000, 5);
  auto source = std::make_shared<fake_deferred>(text);
  q.push_deferred(source, 0, text.size());
  EXPECT_EQ(q.write_to(s.ours, 1 << 20), static_cast<ssize_t>(text.size()));
  EXPECT_FALSE(q.waiting_for_budget());
  EXPECT_EQ(source->makes, 1);
  EXPECT_EQ(s.read_all(), text);
  EXPECT_EQ(budget.held.load(), 0u);
}

TEST(output_queue, a_deferred_piece_behind_this_queues_own_bytes_follows_them) {
  // The queue's own owned bytes are what holds the budget: once written, the deferred piece
  // behind them proceeds in the same call.
  output_budget budget(100);
  output_queue q(budget);
  socket_pair s;
  auto source = std::make_shared<fake_deferred>(std::string(50, 'd'));
  q.push(std::string(60, 'h'));
  q.push_deferred(source, 0, 50);
  EXPECT_EQ(q.write_to(s.ours, 1000), 110);
  EXPECT_FALSE(q.waiting_for_budget());
  EXPECT_EQ(source->makes, 1);
  EXPECT_EQ(s.read_all(), std::string(60, 'h') + std::string(50, 'd'));
}

TEST(output_queue, a_waiting_piece_holds_back_what_is_behind_it) {
  output_budget budget(100);
  output_queue other(budget), q(budget);
  socket_pair s_other, s;
  auto keep = std::make_shared<int>(1);
  std::weak_ptr<int> watch = keep;
  other.push(std::string(90, 'o'));
  q.push_deferred(std::make_shared<fake_deferred>(std::string(20, 'd')), 0, 20);
  q.push("after");
  q.push_keep(std::move(keep));
  EXPECT_EQ(q.write_to(s.ours, 1000), 0);
  EXPECT_TRUE(q.waiting_for_budget());
  EXPECT_EQ(s.read_all(), "");
  EXPECT_FALSE(watch.expired());

  other.clear();
  EXPECT_EQ(q.write_to(s.ours, 1000), 25);
  EXPECT_FALSE(q.waiting_for_budget());
  EXPECT_TRUE(watch.expired());
  EXPECT_EQ(s.read_all(), std::string(20, 'd') + "after");
}

// The queue's own owned bytes behind a deferred piece (a pipelined answer's head) cannot be
// written before it, so they must not hold it back: nobody else holds anything.
TEST(output_queue, a_deferred_piece_is_not_held_back_by_bytes_queued_behind_it) {
  output_budget budget(100);
  output_queue q(budget);
  socket_pair s;
  auto source = std::make_shared<fake_deferred>(std::string(150, 'd'));
  q.push_deferred(source, 0, 150);  // larger than the budget: allowed when nothing else is held
  q.push("next head");               // the next answer's head, owned, behind it
  EXPECT_EQ(budget.held.load(), 9u);  // only this queue holds anything
  EXPECT_EQ(q.write_to(s.ours, 1000), 159);
  EXPECT_FALSE(q.waiting_for_budget());
  EXPECT_EQ(s.read_all(), std::string(150, 'd') + "next head");
}

TEST(output_queue, a_socket_error_returns_minus_one_with_errno) {
  output_budget budget(1 << 20);
  output_queue q(budget);
  socket_pair s;
  q.push("nobody reads this");
  ::close(s.peer);
  s.peer = -1;
  errno = 0;
  EXPECT_EQ(q.write_to(s.ours, 1000), -1);  // with MSG_NOSIGNAL: no SIGPIPE kills the test
  EXPECT_EQ(errno, EPIPE);
  EXPECT_EQ(q.size(), 17u);  // nothing counted as written
  q.clear();
  EXPECT_EQ(budget.held.load(), 0u);
}

}  // namespace
