#include "redis/redis_url.hpp"

#include <charconv>

#include "http/percent_decode.hpp"

namespace redis {
namespace {

parsed_endpoint fail(std::string why) { return {std::nullopt, std::move(why)}; }

// A decimal number in [0, max]; nullopt for anything else (empty, sign, junk, too large).
std::optional<uint64_t> number(std::string_view text, uint64_t max) {
  uint64_t n = 0;
  if (text.empty())
    return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n > max)
    return std::nullopt;
  return n;
}

// "[user]:password" or "user" (no colon: a user without a password, which Redis has no use
// for, so refused); decoded into e.
std::optional<std::string> take_userinfo(std::string_view info, endpoint& e) {
  auto colon = info.find(':');
  if (colon == std::string_view::npos)
    return "REDIS_URL: a user needs a password (write user:password@, or :password@)";
  auto user = http::percent_decode(info.substr(0, colon));
  auto password = http::percent_decode(info.substr(colon + 1));
  if (!user || !password)
    return "REDIS_URL: bad percent-encoding in the user or password";
  e.username = std::move(*user);
  e.password = std::move(*password);
  return std::nullopt;
}

// What follows "scheme://": splits off "userinfo@" (the last '@' before the path).
std::optional<std::string> split_userinfo(std::string_view& rest, endpoint& e) {
  auto slash = rest.find('/');
  auto at = rest.substr(0, slash).rfind('@');
  if (at == std::string_view::npos)
    return std::nullopt;
  auto error = take_userinfo(rest.substr(0, at), e);
  rest.remove_prefix(at + 1);
  return error;
}

parsed_endpoint parse_tcp(std::string_view rest) {
  endpoint e;
  if (auto error = split_userinfo(rest, e))
    return fail(*error);
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      return fail("REDIS_URL: an IPv6 address needs its closing ']'");
    e.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':')
      return fail("REDIS_URL: expected ':port' after the IPv6 address");
    if (!after.empty())
      port = after.substr(1);
  } else {
    auto colon = authority.rfind(':');
    e.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos)
      port = authority.substr(colon + 1);
    if (e.host.find(':') != std::string::npos)
      return fail("REDIS_URL: write an IPv6 address in brackets, [::1]:6379");
  }
  if (e.host.empty())
    return fail("REDIS_URL: no host (redis://host[:port][/db])");
  if (authority.find_first_of("?#") != std::string_view::npos)
    return fail("REDIS_URL: the host part has a '?' or '#'");
  if (!port.empty() || authority.back() == ':') {
    auto n = number(port, 65535);
    if (!n || *n == 0)
      return fail("REDIS_URL: the port must be 1-65535");
    e.port = static_cast<uint16_t>(*n);
  }
  if (!path.empty()) {
    auto n = number(path, 1u << 20);
    if (!n)
      return fail("REDIS_URL: the path must be a database number (/0, /1, ...)");
    e.db = static_cast<unsigned>(*n);
  }
  return {std::move(e), {}};
}

parsed_endpoint parse_unix(std::string_view rest) {
  endpoint e;
  e.via = endpoint::transport::unix_socket;
  if (auto error = split_userinfo(rest, e))
    return fail(*error);
  auto query = rest.find('?');
  std::string_view path = rest.substr(0, query);
  if (path.empty() || path.front() != '/')
    return fail("REDIS_URL: a unix socket needs an absolute path (unix:///run/redis.sock)");
  e.path = std::string(path);
  if (query != std::string_view::npos) {
    std::string_view q = rest.substr(query + 1);
    if (q.substr(0, 3) != "db=")
      return fail("REDIS_URL: the only query a unix socket URL takes is ?db=N");
    auto n = number(q.substr(3), 1u << 20);
    if (!n)
      return fail("REDIS_URL: db must be a database number");
    e.db = static_cast<unsigned>(*n);
  }
  return {std::move(e), {}};
}

}  // namespace

parsed_endpoint parse_url(std::string_view url) {
  constexpr std::string_view tcp = "redis://", unix_socket = "unix://", tls = "rediss://";
  if (url.substr(0, tls.size()) == tls)
    return fail("REDIS_URL: rediss:// (TLS) is not supported: Debian's hiredis 0.14 has no TLS; "
                "run a TLS tunnel (stunnel, spiped) and point REDIS_URL at its local end");
  if (url.substr(0, tcp.size()) == tcp)
    return parse_tcp(url.substr(tcp.size()));
  if (url.substr(0, unix_socket.size()) == unix_socket)
    return parse_unix(url.substr(unix_socket.size()));
  return fail("REDIS_URL must start with redis:// or unix://");
}

std::string endpoint::redacted() const {
  std::string out = via == transport::tcp ? "redis://" : "unix://";
  if (!password.empty() || !username.empty())
    out += username + ":***@";
  if (via == transport::tcp) {
    out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
    out += ":" + std::to_string(port);
    out += "/" + std::to_string(db);
  } else {
    out += path;
    if (db != 0)
      out += "?db=" + std::to_string(db);
  }
  return out;
}

}  // namespace redis
