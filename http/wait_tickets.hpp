// Tickets for held long-polls, kept on their connection, so that when a client disconnects the
// cache actor can be told which of its waits to drop. Only the connection's reactor thread
// touches a connection's tickets (handlers and onDisconnection both run there).
#pragma once

#include <pistache/peer.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace http {

// A new ticket, unique in this process, remembered on `peer`. A connection keeps its latest
// few tickets only: older waits on it were answered before a newer request was read, unless
// the client pipelines long-polls, which nothing does.
uint64_t new_wait_ticket(const std::shared_ptr<Pistache::Tcp::Peer>& peer);

// The tickets remembered on `peer` (some may be answered already; the cache ignores those).
std::vector<uint64_t> wait_tickets_of(const std::shared_ptr<Pistache::Tcp::Peer>& peer);

}  // namespace http
