// writev takes up to 64 pieces at a time; a deferred piece is made when the gathering reaches
// it, so only what is about to be written is ever made.
#include "net/output_queue.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>

namespace net {
namespace {

constexpr int max_iov = 64;

}  // namespace

void output_queue::push(std::string bytes) {
  if (bytes.empty())
    return;
  piece p;
  p.size = bytes.size();
  p.own = std::move(bytes);
  p.data = p.own.data();
  p.counted = true;
  counted_ += p.size;
  budget_.held.fetch_add(p.size, std::memory_order_relaxed);
  unsent_ += p.size;
  pieces_.push_back(std::move(p));
  pieces_.back().data = pieces_.back().own.data();  // (a short string's bytes moved with it)
}

void output_queue::push_shared(std::shared_ptr<const void> owner, std::string_view bytes) {
  if (bytes.empty())
    return;
  piece p;
  p.owner = std::move(owner);
  p.data = bytes.data();
  p.size = bytes.size();
  unsent_ += p.size;
  pieces_.push_back(std::move(p));
}

void output_queue::push_deferred(std::shared_ptr<const deferred_bytes> source, size_t offset,
                                 size_t length) {
  if (length == 0)
    return;
  piece p;
  p.source = std::move(source);
  p.deferred_at = offset;
  p.size = length;
  unsent_ += length;
  pieces_.push_back(std::move(p));
}

void output_queue::push_keep(std::shared_ptr<const void> keep) {
  if (pieces_.empty())
    return;  // nothing before it: released at once
  piece p;
  p.owner = std::move(keep);
  pieces_.push_back(std::move(p));
}

bool output_queue::make(piece& p) {
  // Past the budget a piece waits for other connections' bytes to be written; this queue's
  // own bytes (queued behind it) cannot be, so they never hold it back, and when no other
  // connection holds anything the piece is the only way forward, however large.
  size_t held = budget_.held.load(std::memory_order_relaxed);
  size_t others = held > counted_ ? held - counted_ : 0;
  if (others != 0 && held + p.size > budget_.limit)
    return false;
  std::string all = p.source->make();
  if (p.deferred_at == 0 && all.size() == p.size)
    p.own = std::move(all);
  else
    p.own = all.substr(p.deferred_at, p.size);
  p.source.reset();
  p.data = p.own.data();
  p.counted = true;
  counted_ += p.size;
  budget_.held.fetch_add(p.size, std::memory_order_relaxed);
  return true;
}

void output_queue::pop_front() {
  piece& p = pieces_.front();
  if (p.counted) {
    counted_ -= p.size;
    budget_.held.fetch_sub(p.size, std::memory_order_relaxed);
  }
  unsent_ -= p.size - p.written;
  pieces_.pop_front();
}

ssize_t output_queue::write_to(int fd, size_t most) {
  ssize_t total = 0;
  waiting_ = false;
  full_ = false;
  while (!pieces_.empty() && static_cast<size_t>(total) < most) {
    size_t max_gather = most - static_cast<size_t>(total);
    iovec iov[max_iov];
    int n = 0;
    size_t gathered = 0;
    for (auto it = pieces_.begin(); it != pieces_.end() && n < max_iov && gathered < max_gather;
         ++it) {
      if (it->source && !make(*it)) {
        waiting_ = n == 0;
        break;
      }
      if (it->size == 0)
        continue;  // a keep
      iov[n].iov_base = const_cast<char*>(it->data + it->written);
      iov[n].iov_len = std::min(it->size - it->written, max_gather - gathered);
      gathered += iov[n].iov_len;
      ++n;
    }
    if (n == 0) {
      while (!pieces_.empty() && pieces_.front().size == 0)
        pop_front();  // keeps with nothing left before them
      break;
    }
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<size_t>(n);
    ssize_t w = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        full_ = errno != EINTR;
        break;
      }
      return -1;
    }
    total += w;
    size_t left = static_cast<size_t>(w);
    while (!pieces_.empty()) {
      piece& p = pieces_.front();
      size_t rest = p.size - p.written;
      if (rest > left) {
        p.written += left;
        unsent_ -= left;
        left = 0;
        break;
      }
      left -= rest;
      unsent_ -= rest;
      p.written = p.size;
      pop_front();
      if (left == 0 && !pieces_.empty() && pieces_.front().size != 0)
        break;
    }
    if (static_cast<size_t>(w) < gathered) {
      full_ = true;  // the socket took less than offered
      break;
    }
  }
  return total;
}

void output_queue::clear() {
  while (!pieces_.empty())
    pop_front();
  waiting_ = false;
}

}  // namespace net
