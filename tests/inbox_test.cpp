// Tests net/inbox.cpp: order, counts and ownership of what drain hands over, the eventfd's
// readability around push and drain, that the destructor frees what is left, and under four
// producers that no message is lost, duplicated or reordered and no wake-up is lost (the
// consumer drains only when poll says the eventfd is readable).
#include "net/inbox.hpp"

#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

namespace {

using net::inbox;
using net::message;

struct numbered final : message {
  numbered(int producer, uint64_t seq) : producer(producer), seq(seq) {}
  int producer;
  uint64_t seq;
};

// Counts its destructions.
struct counted final : message {
  explicit counted(int& destroyed) : destroyed(destroyed) {}
  ~counted() override { ++destroyed; }
  int& destroyed;
};

bool readable(int fd, int timeout_ms = 0) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

std::unique_ptr<message> with_to(uint64_t to) {
  auto m = std::make_unique<numbered>(0, to);
  m->to = to;
  return m;
}

TEST(inbox, a_new_inbox_is_empty_and_not_readable) {
  inbox box;
  EXPECT_GE(box.fd(), 0);
  EXPECT_FALSE(readable(box.fd()));
  int calls = 0;
  EXPECT_EQ(box.drain([&](std::unique_ptr<message>) { ++calls; }), 0u);
  EXPECT_EQ(calls, 0);
}

TEST(inbox, one_thread_drains_in_push_order_with_the_count) {
  inbox box;
  for (uint64_t i = 1; i <= 5; ++i)
    box.push(with_to(i));
  std::vector<uint64_t> got;
  size_t n = box.drain([&](std::unique_ptr<message> m) {
    ASSERT_NE(m, nullptr);
    auto* num = dynamic_cast<numbered*>(m.get());
    ASSERT_NE(num, nullptr);
    EXPECT_EQ(num->seq, m->to);
    got.push_back(m->to);
  });
  EXPECT_EQ(n, 5u);
  EXPECT_EQ(got, (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(box.drain([](std::unique_ptr<message>) { FAIL() << "nothing should be left"; }), 0u);
}

TEST(inbox, order_holds_across_several_drains) {
  inbox box;
  std::vector<uint64_t> got;
  auto take = [&](std::unique_ptr<message> m) { got.push_back(m->to); };
  box.push(with_to(1));
  EXPECT_EQ(box.drain(take), 1u);
  box.push(with_to(2));
  box.push(with_to(3));
  EXPECT_EQ(box.drain(take), 2u);
  EXPECT_EQ(box.drain(take), 0u);
  box.push(with_to(4));
  EXPECT_EQ(box.drain(take), 1u);
  EXPECT_EQ(got, (std::vector<uint64_t>{1, 2, 3, 4}));
}

TEST(inbox, drain_hands_over_ownership) {
  inbox box;
  int destroyed = 0;
  box.push(std::make_unique<counted>(destroyed));
  box.push(std::make_unique<counted>(destroyed));
  std::vector<std::unique_ptr<message>> kept;
  EXPECT_EQ(box.drain([&](std::unique_ptr<message> m) { kept.push_back(std::move(m)); }), 2u);
  EXPECT_EQ(destroyed, 0);  // the taker owns them now
  kept.clear();
  EXPECT_EQ(destroyed, 2);
}

TEST(inbox, the_eventfd_is_readable_after_a_push_and_not_after_a_drain) {
  inbox box;
  auto ignore = [](std::unique_ptr<message>) {};
  box.push(with_to(1));
  EXPECT_TRUE(readable(box.fd()));
  box.push(with_to(2));
  EXPECT_TRUE(readable(box.fd()));
  box.drain(ignore);
  EXPECT_FALSE(readable(box.fd()));
  // And again: the wake-up is re-armed by the drain.
  box.push(with_to(3));
  EXPECT_TRUE(readable(box.fd()));
  EXPECT_EQ(box.drain(ignore), 1u);
  EXPECT_FALSE(readable(box.fd()));
  // An empty drain leaves it unreadable too.
  EXPECT_EQ(box.drain(ignore), 0u);
  EXPECT_FALSE(readable(box.fd()));
}

TEST(inbox, a_push_from_another_thread_wakes_a_poll) {
  inbox box;
  std::thread producer([&] { box.push(with_to(7)); });
  EXPECT_TRUE(readable(box.fd(), 1000));
  producer.join();
  std::vector<uint64_t> got;
  EXPECT_EQ(box.drain([&](std::unique_ptr<message> m) { got.push_back(m->to); }), 1u);
  EXPECT_EQ(got, std::vector<uint64_t>{7});
}

TEST(inbox, the_destructor_deletes_what_is_still_queued) {
  int destroyed = 0;
  {
    inbox box;
    for (int i = 0; i < 3; ++i)
      box.push(std::make_unique<counted>(destroyed));
    EXPECT_EQ(destroyed, 0);
  }
  EXPECT_EQ(destroyed, 3);

  destroyed = 0;
  {
    inbox box;
    for (int i = 0; i < 5; ++i)
      box.push(std::make_unique<counted>(destroyed));
    EXPECT_EQ(box.drain([](std::unique_ptr<message>) {}), 5u);  // each destroyed by the taker
    EXPECT_EQ(destroyed, 5);
    for (int i = 0; i < 2; ++i)
      box.push(std::make_unique<counted>(destroyed));
  }
  EXPECT_EQ(destroyed, 7);  // the two left, once each
}

// The lost-wakeup check: the consumer drains only after poll reports the eventfd readable. A
// message whose wake-up was lost would leave the consumer waiting; after 20 timeouts of 100 ms in
// a row with messages still missing the test fails instead of hanging.
TEST(inbox, four_producers_lose_duplicate_and_reorder_nothing) {
  constexpr int producers = 4;
  constexpr uint64_t each = 100000;
  constexpr uint64_t total = producers * each;
  inbox box;

  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p)
    threads.emplace_back([&box, p] {
      for (uint64_t s = 0; s < each; ++s) {
        auto m = std::make_unique<numbered>(p, s);
        m->to = static_cast<uint64_t>(p) + 1;
        box.push(std::move(m));
      }
    });

  std::vector<uint64_t> next(producers, 0);  // the sequence expected next from each producer
  uint64_t received = 0, out_of_order = 0, malformed = 0;
  int timeouts_in_a_row = 0, drains = 0;
  bool lost = false;
  while (received < total) {
    pollfd p{box.fd(), POLLIN, 0};
    int r = ::poll(&p, 1, 100);
    if (r < 0) {
      ADD_FAILURE() << "poll failed";
      break;
    }
    if (r == 0) {
      if (++timeouts_in_a_row >= 20) {
        lost = true;  // (the producers have long finished: they never wait)
        break;
      }
      continue;
    }
    timeouts_in_a_row = 0;
    ++drains;
    received += box.drain([&](std::unique_ptr<message> m) {
      auto* num = dynamic_cast<numbered*>(m.get());
      if (!num || num->producer < 0 || num->producer >= producers ||
          m->to != static_cast<uint64_t>(num->producer) + 1) {
        ++malformed;
        return;
      }
      uint64_t& want = next[static_cast<size_t>(num->producer)];
      if (num->seq != want)
        ++out_of_order;  // a gap is a loss or reordering, a repeat a duplicate
      want = num->seq + 1;
    });
  }
  for (auto& t : threads)
    t.join();

  EXPECT_FALSE(lost) << "lost wake-up: " << received << " of " << total
                     << " received, then the eventfd stayed unreadable for 2 s";
  EXPECT_EQ(received, total);
  EXPECT_EQ(malformed, 0u);
  EXPECT_EQ(out_of_order, 0u);
  for (int p = 0; p < producers; ++p)
    EXPECT_EQ(next[static_cast<size_t>(p)], each) << "producer " << p;
  EXPECT_GT(drains, 0);
  // Nothing beyond the 400,000 was made up.
  EXPECT_EQ(box.drain([](std::unique_ptr<message>) {}), 0u);
}

// The sharpest lost-wakeup check: one producer pushes a message only once the consumer has taken
// the one before, so every push is the last one for a while and nothing later can cover for a
// lost wake-up. The producer's next push can come while the consumer is still inside drain (the
// acknowledgement is given from `take`): the wake-up it makes must not be swallowed.
TEST(inbox, a_push_made_while_the_consumer_drains_is_not_lost) {
  constexpr uint64_t rounds = 20000;
  inbox box;
  std::atomic<uint64_t> taken{0};
  std::atomic<bool> stop{false};
  std::thread producer([&] {
    for (uint64_t s = 0; s < rounds && !stop.load(); ++s) {
      box.push(std::make_unique<numbered>(0, s));
      while (taken.load(std::memory_order_acquire) <= s && !stop.load())
        std::this_thread::yield();
    }
  });

  uint64_t next = 0, out_of_order = 0;
  int timeouts_in_a_row = 0;
  bool lost = false;
  while (next < rounds) {
    pollfd p{box.fd(), POLLIN, 0};
    int r = ::poll(&p, 1, 100);
    if (r < 0)
      break;
    if (r == 0) {
      if (++timeouts_in_a_row >= 20) {
        lost = true;
        break;
      }
      continue;
    }
    timeouts_in_a_row = 0;
    box.drain([&](std::unique_ptr<message> m) {
      auto* num = dynamic_cast<numbered*>(m.get());
      if (!num || num->seq != next)
        ++out_of_order;
      ++next;
      taken.store(next, std::memory_order_release);
    });
  }
  stop = true;
  producer.join();
  EXPECT_FALSE(lost) << "lost wake-up: " << next << " of " << rounds
                     << " taken, then the eventfd stayed unreadable for 2 s";
  EXPECT_EQ(next, rounds);
  EXPECT_EQ(out_of_order, 0u);
}

}  // namespace
