// The one way into a reactor thread from any other: a lock-free queue of messages (Vyukov's
// intrusive many-producer, one-consumer queue) and an eventfd that wakes the reactor's epoll.
//
// The wake-up protocol cannot lose a message. A producer pushes, then swaps `signalled_` to
// true and writes the eventfd only if it was false. The consumer swaps `signalled_` back to
// false *before* it drains. Both swaps are read-modify-writes on one atomic, so either the
// producer's swap comes first (the consumer's swap then reads it and sees the pushed message
// while draining) or the consumer's does (the producer then writes the eventfd and the reactor
// drains again). Pistache's queue reads its eventfd after finding the queue empty, so a
// message pushed in between waits for the next one.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace net {

// What a reactor is handed. `to` names the connection it is for (reactor::key); 0: the
// reactor itself.
struct message {
  virtual ~message() = default;
  uint64_t to = 0;
  std::atomic<message*> next{nullptr};  // the queue's link
};

class inbox {
 public:
  inbox();  // throws std::system_error if no eventfd can be made
  ~inbox();  // deletes what is still queued
  inbox(const inbox&) = delete;
  inbox& operator=(const inbox&) = delete;

  // Readable when messages may be waiting; the consumer polls it.
  int fd() const { return fd_; }

  // Any thread.
  void push(std::unique_ptr<message> m);

  // The consumer only: clears the wake-up, then hands over every message queued, oldest first
  // per producer. Returns how many.
  template <class F>
  size_t drain(F&& take) {
    clear_wakeup();
    size_t n = 0;
    while (message* m = pop()) {
      ++n;
      take(std::unique_ptr<message>(m));
    }
    return n;
  }

 private:
  void clear_wakeup();
  message* pop();
  void link(message* m);

  int fd_ = -1;
  std::atomic<bool> signalled_{false};
  std::atomic<message*> head_;  // the newest: producers swap themselves in here
  message* tail_;               // the oldest: the consumer's end
  message stub_;                // keeps the list non-empty, so producers never touch tail_
};

}  // namespace net
