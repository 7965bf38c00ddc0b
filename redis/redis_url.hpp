// Where the Redis store connects: REDIS_URL parsed into an endpoint. Pure; any thread.
//
//   redis://[[user]:password@]host[:port][/db]   host a name, an IPv4 address or [IPv6]
//   unix://[[user]:password@]/path/redis.sock[?db=N]
//
// The user and password are percent-decoded (RFC 3986 userinfo), so a password with '@' or ':'
// is written %40 / %3A. A password alone ("redis://:secret@host") is Redis's default user
// (AUTH <password>); with a user, AUTH <user> <password> (Redis 6 ACLs). rediss:// (TLS) is
// refused: hiredis 0.14, Debian bookworm's, has no TLS (use a tunnel such as stunnel).
// No error message and no redacted() text ever contains the password.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace redis {

struct endpoint {
  enum class transport { tcp, unix_socket };
  transport via = transport::tcp;
  std::string host;       // tcp: as written, without IPv6 brackets
  uint16_t port = 6379;   // tcp
  std::string path;       // unix_socket
  std::string username;   // empty: Redis's default user
  std::string password;   // empty: no AUTH
  unsigned db = 0;        // SELECT db when not 0

  // The URL with the password replaced by "***": for log lines and /health.
  std::string redacted() const;
};

struct parsed_endpoint {
  std::optional<endpoint> ok;
  std::string error;  // set exactly when ok is not; names the part that is wrong
};

parsed_endpoint parse_url(std::string_view url);

}  // namespace redis
