// The listening socket every reactor accepts from.
#pragma once

#include <cstdint>
#include <string>

namespace net {

// Binds and listens on host:port (port 0: any free one), non-blocking, SO_REUSEADDR (a restart
// rebinds at once, without waiting out TIME_WAIT). Throws std::runtime_error naming the reason.
int listen_tcp(const std::string& host, uint16_t port, int backlog);

// The port a bound socket has.
uint16_t local_port(int fd);

}  // namespace net
