// What a connection has still to write, in order, and the writing of it with writev. A piece is
// bytes the queue owns (a response head, a small body), bytes owned elsewhere and only shared
// (a stored body: no copy per response), or bytes made only when they reach the front (a
// compressed stored body, decompressed as the socket takes it, not when the answer is queued).
// Owned and made bytes count against one budget shared by every connection, so that slow
// readers cannot make the service hold more than it allows: past the budget, a piece waits at
// the front until other connections' bytes have been written. Used by one connection, on its reactor thread.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>

namespace net {

// The bytes of output the service holds for every connection together (owned and made
// pieces, not shared ones), and the most it lets them reach. Any reactor thread.
struct output_budget {
  explicit output_budget(size_t limit) : limit(limit) {}
  const size_t limit;
  std::atomic<size_t> held{0};
  bool over() const { return held.load(std::memory_order_relaxed) > limit; }
};

// Bytes that are made only when needed; `make` runs on the reactor thread.
class deferred_bytes {
 public:
  virtual ~deferred_bytes() = default;
  virtual size_t size() const = 0;
  virtual std::string make() const = 0;
};

class output_queue {
 public:
  explicit output_queue(output_budget& budget) : budget_(budget) {}
  ~output_queue() { clear(); }
  output_queue(const output_queue&) = delete;
  output_queue& operator=(const output_queue&) = delete;

  void push(std::string bytes);
  void push_shared(std::shared_ptr<const void> owner, std::string_view bytes);
  // The bytes [offset, offset + length) of what `source` makes.
  void push_deferred(std::shared_ptr<const deferred_bytes> source, size_t offset, size_t length);
  // Kept until everything pushed before it is written (or the queue is cleared).
  void push_keep(std::shared_ptr<const void> keep);

  size_t size() const { return unsent_; }  // bytes not written yet
  bool empty() const { return pieces_.empty(); }

  // Writes what `fd` takes without blocking, at most about `most` bytes. Returns the bytes
  // written (0 when the socket is full or the front piece waits for the budget), or -1 with
  // errno set on a socket error.
  ssize_t write_to(int fd, size_t most);
  // Whether the last write_to stopped because the socket took no more.
  bool socket_full() const { return full_; }
  // Whether the front piece is waiting for the budget.
  bool waiting_for_budget() const { return waiting_; }

  void clear();  // drops everything unsent

 private:
  struct piece {
    std::string own;                                // owned bytes, or the made ones
    std::shared_ptr<const void> owner;              // shared bytes' owner; or a keep
    std::shared_ptr<const deferred_bytes> source;   // until made
    const char* data = nullptr;
    size_t size = 0;         // bytes of this piece in all
    size_t deferred_at = 0;  // where in what source makes
    size_t written = 0;
    bool counted = false;    // `own` is in the budget
  };
  bool make(piece& p);  // false: over budget
  void pop_front();

  output_budget& budget_;
  std::deque<piece> pieces_;
  size_t unsent_ = 0;
  size_t counted_ = 0;  // of budget_.held, this queue's
  bool waiting_ = false;
  bool full_ = false;
};

}  // namespace net
