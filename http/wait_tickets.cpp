// A ticket is <thread number> << 40 | <count on that thread>: unique without a shared counter.
#include "http/wait_tickets.hpp"

#include <atomic>

namespace http {
namespace {

const std::string tickets_key = "vapi.wait-tickets";  // the peer-data slot
constexpr size_t kept_per_connection = 16;

std::atomic<uint64_t> next_thread{1};

struct tickets {
  std::vector<uint64_t> latest;
};

}  // namespace

uint64_t new_wait_ticket(const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  thread_local uint64_t thread_bits = next_thread.fetch_add(1) << 40;
  thread_local uint64_t count = 0;
  uint64_t ticket = thread_bits | (++count & ((uint64_t{1} << 40) - 1));
  auto held = std::static_pointer_cast<tickets>(peer->tryGetData(tickets_key));
  if (!held) {
    held = std::make_shared<tickets>();
    peer->putData(tickets_key, held);
  }
  if (held->latest.size() == kept_per_connection)
    held->latest.erase(held->latest.begin());
  held->latest.push_back(ticket);
  return ticket;
}

std::vector<uint64_t> wait_tickets_of(const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  auto held = std::static_pointer_cast<tickets>(peer->tryGetData(tickets_key));
  return held ? held->latest : std::vector<uint64_t>{};
}

}  // namespace http
