// Redis Sentinel, from the client's side: REDIS_SENTINELS parsed into addresses, the master
// asked of the sentinels (Redis's "Guidelines for Redis clients with support for Redis
// Sentinel"), and +switch-master's payload read. Parsing is pure (any thread); resolve_master
// blocks (up to one timeout per sentinel and one for the master) and is called only from the
// thread that owns the connections it makes: the link's, the subscriber's.
//
// Sentinels are contacted without AUTH: the data password (REDIS_URL's) is Redis's, not the
// sentinels', and sentinel authentication (requirepass on the sentinels) is out of scope. A
// sentinel that asks for it answers NOAUTH and is skipped like one that is down.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "redis/connection.hpp"
#include "redis/redis_url.hpp"

namespace redis {

struct sentinel_address {
  std::string host;      // a name or an address; IPv6 without brackets
  uint16_t port = 26379;

  bool operator==(const sentinel_address& o) const { return host == o.host && port == o.port; }
};

// "host:port" ("[::1]:26379" for IPv6): for log lines and error texts.
std::string to_string(const sentinel_address& a);

struct parsed_sentinels {
  std::vector<sentinel_address> ok;  // at least one when error is empty
  std::string error;                 // names the entry that is wrong
};

// "host[:port],host[:port],..." with IPv6 as "[::1]:26379"; a missing port is 26379, spaces
// around an entry are ignored. Empty text is an error: leave REDIS_SENTINELS unset instead.
parsed_sentinels parse_sentinels(std::string_view text);

// How a sentinel is reached: TCP, no user, no password, db 0.
endpoint sentinel_endpoint(const sentinel_address& a);

struct master_lookup {
  std::optional<endpoint> ok;      // the master: `base` with its host and port replaced
  std::optional<connection> conn;  // when ok: the connection ROLE was checked on, for the caller
  std::string error;               // when not: each sentinel's reason, "; " between them
};

// Asks each sentinel in turn SENTINEL get-master-addr-by-name <master_name>, connects to the
// answer with `base`'s user, password and db, and accepts it only if ROLE says master (during a
// failover a sentinel may still name the demoted one; the next sentinel may know better). A
// sentinel that is down, refuses or does not know the name is skipped; the first that names a
// master is moved to the front of `sentinels`, so it is asked first next time.
master_lookup resolve_master(std::vector<sentinel_address>& sentinels,
                             const std::string& master_name, const endpoint& base,
                             std::chrono::milliseconds timeout);

// A +switch-master message: "<master name> <old ip> <old port> <new ip> <new port>".
struct master_switch {
  std::string master_name;
  std::string from, to;  // the old and the new master, "ip:port" ("[ip]:port" for IPv6)
};
std::optional<master_switch> parse_switch_master(std::string_view payload);

}  // namespace redis
