// See inbox.hpp for the protocol; pop() is Vyukov's, which can see a push half done (the
// producer swapped head_ but has not linked it yet) and then reports empty: that producer's
// wake-up comes after its link, so the reactor drains again.
#include "net/inbox.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace net {

inbox::inbox() : head_(&stub_), tail_(&stub_) {
  fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd_ < 0)
    throw std::system_error(errno, std::generic_category(), "eventfd");
}

inbox::~inbox() {
  while (message* m = pop())
    delete m;
  ::close(fd_);
}

void inbox::link(message* m) {
  m->next.store(nullptr, std::memory_order_relaxed);
  message* prev = head_.exchange(m, std::memory_order_acq_rel);
  prev->next.store(m, std::memory_order_release);
}

void inbox::push(std::unique_ptr<message> m) {
  link(m.release());
  if (!signalled_.exchange(true, std::memory_order_seq_cst)) {
    uint64_t one = 1;
    // EAGAIN means the counter is already huge, hence readable: the wake-up is there.
    [[maybe_unused]] ssize_t n = ::write(fd_, &one, sizeof one);
  }
}

void inbox::clear_wakeup() {
  uint64_t count;
  [[maybe_unused]] ssize_t n = ::read(fd_, &count, sizeof count);
  signalled_.exchange(false, std::memory_order_seq_cst);
}

message* inbox::pop() {
  message* tail = tail_;
  message* next = tail->next.load(std::memory_order_acquire);
  if (tail == &stub_) {
    if (!next)
      return nullptr;
    tail_ = next;
    tail = next;
    next = next->next.load(std::memory_order_acquire);
  }
  if (next) {
    tail_ = next;
    return tail;
  }
  if (tail != head_.load(std::memory_order_acquire))
    return nullptr;  // a push is half done; its wake-up follows
  link(&stub_);
  next = tail->next.load(std::memory_order_acquire);
  if (next) {
    tail_ = next;
    return tail;
  }
  return nullptr;
}

}  // namespace net
