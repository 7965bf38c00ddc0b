#include "redis/sentinel.hpp"

#include <algorithm>
#include <charconv>

namespace redis {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

std::optional<uint16_t> port_number(std::string_view text) {
  unsigned n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || n == 0 ||
      n > 65535)
    return std::nullopt;
  return static_cast<uint16_t>(n);
}

bool host_chars_ok(std::string_view host, bool ipv6) {
  return std::all_of(host.begin(), host.end(), [ipv6](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '-' || c == '_' || (ipv6 && (c == ':' || c == '%'));
  });
}

// One entry; the error names it, as written.
std::optional<sentinel_address> parse_one(std::string_view entry, std::string& error) {
  auto fail = [&](const std::string& why) {
    error = "REDIS_SENTINELS: \"" + std::string(entry) + "\": " + why;
    return std::nullopt;
  };
  if (entry.find("://") != std::string_view::npos)
    return fail("a sentinel is host[:port], not a URL");
  sentinel_address a;
  std::string_view port;
  bool has_port = false, ipv6 = !entry.empty() && entry.front() == '[';
  if (ipv6) {
    auto close = entry.find(']');
    if (close == std::string_view::npos)
      return fail("an IPv6 address needs its closing ']'");
    a.host = std::string(entry.substr(1, close - 1));
    auto after = entry.substr(close + 1);
    if (!after.empty() && after.front() != ':')
      return fail("expected ':port' after the IPv6 address");
    has_port = !after.empty();
    port = has_port ? after.substr(1) : after;
  } else {
    auto colon = entry.find(':');
    if (colon != std::string_view::npos && entry.find(':', colon + 1) != std::string_view::npos)
      return fail("write an IPv6 address in brackets, [::1]:26379");
    a.host = std::string(entry.substr(0, colon));
    has_port = colon != std::string_view::npos;
    port = has_port ? entry.substr(colon + 1) : std::string_view();
  }
  if (a.host.empty())
    return fail("no host (host[:port])");
  if (!host_chars_ok(a.host, ipv6))
    return fail("the host has a character a host name or address cannot have");
  if (has_port) {
    auto n = port_number(port);
    if (!n)
      return fail("the port must be 1-65535");
    a.port = *n;
  }
  return a;
}

// An array reply's items as text: ["master", ...], ["127.0.0.1", "6379"].
bool is_array_of_strings(const reply& r, size_t at_least) {
  return r.type == reply::kind::array && r.items.size() >= at_least &&
         std::all_of(r.items.begin(), r.items.begin() + at_least,
                     [](const reply& i) { return i.type == reply::kind::string; });
}

}  // namespace

std::string to_string(const sentinel_address& a) {
  bool v6 = a.host.find(':') != std::string::npos;
  return (v6 ? "[" + a.host + "]" : a.host) + ":" + std::to_string(a.port);
}

parsed_sentinels parse_sentinels(std::string_view text) {
  parsed_sentinels out;
  if (trim(text).empty()) {
    out.error = "REDIS_SENTINELS is empty (host:port,host:port,...; unset it for no Sentinel)";
    return out;
  }
  size_t index = 0;
  while (true) {
    ++index;
    auto comma = text.find(',');
    auto entry = trim(text.substr(0, comma));
    if (entry.empty()) {
      out.ok.clear();
      out.error = "REDIS_SENTINELS: entry " + std::to_string(index) + " is empty";
      return out;
    }
    auto a = parse_one(entry, out.error);
    if (!a) {
      out.ok.clear();
      return out;
    }
    out.ok.push_back(std::move(*a));
    if (comma == std::string_view::npos)
      return out;
    text.remove_prefix(comma + 1);
  }
}

endpoint sentinel_endpoint(const sentinel_address& a) {
  endpoint e;
  e.host = a.host;
  e.port = a.port;
  return e;
}

master_lookup resolve_master(std::vector<sentinel_address>& sentinels,
                             const std::string& master_name, const endpoint& base,
                             std::chrono::milliseconds timeout) {
  master_lookup out;
  auto note = [&](const sentinel_address& s, const std::string& why) {
    out.error += (out.error.empty() ? "" : "; ") + ("sentinel " + to_string(s) + ": " + why);
  };
  for (size_t i = 0; i < sentinels.size(); ++i) {
    const sentinel_address s = sentinels[i];
    endpoint master = base;
    try {
      auto sentinel = connection::open(sentinel_endpoint(s), timeout);
      auto addr = sentinel.run({"SENTINEL", "get-master-addr-by-name", master_name});
      if (addr.is_error()) {
        note(s, addr.text);
        continue;
      }
      if (!is_array_of_strings(addr, 2)) {
        note(s, "does not know a master named \"" + master_name + "\"");
        continue;
      }
      auto port = port_number(addr.items[1].text);
      if (!port) {
        note(s, "named a master with a bad port: " + addr.items[1].text);
        continue;
      }
      master.via = endpoint::transport::tcp;
      master.path.clear();
      master.host = addr.items[0].text;
      master.port = *port;
    } catch (const connection_error& e) {
      note(s, e.what());
      continue;
    }
    try {
      auto conn = connection::open(master, timeout);
      auto role = conn.run({"ROLE"});
      if (!is_array_of_strings(role, 1) || role.items[0].text != "master") {
        note(s, "named " + master.redacted() + ", which is not a master (" +
                  (role.is_error() ? role.text
                   : is_array_of_strings(role, 1) ? role.items[0].text
                                                  : "no ROLE") +
                  ")");
        continue;
      }
      out.ok = std::move(master);
      out.conn = std::move(conn);
      out.error.clear();
      // The guidelines' order: the sentinel whose answer worked is asked first next time.
      std::rotate(sentinels.begin(), sentinels.begin() + i, sentinels.begin() + i + 1);
      return out;
    } catch (const connection_error& e) {
      note(s, "named " + master.redacted() + ": " + e.what());
    }
  }
  if (sentinels.empty())
    out.error = "no sentinels";
  out.error = "no sentinel named a reachable master \"" + master_name + "\": " + out.error;
  return out;
}

std::optional<master_switch> parse_switch_master(std::string_view payload) {
  std::vector<std::string_view> words;
  while (!payload.empty()) {
    auto space = payload.find(' ');
    if (space != 0)
      words.push_back(payload.substr(0, space));
    if (space == std::string_view::npos)
      break;
    payload.remove_prefix(space + 1);
  }
  if (words.size() != 5)
    return std::nullopt;
  auto old_port = port_number(words[2]), new_port = port_number(words[4]);
  if (!old_port || !new_port)
    return std::nullopt;
  return master_switch{std::string(words[0]),
                       to_string({std::string(words[1]), *old_port}),
                       to_string({std::string(words[3]), *new_port})};
}

}  // namespace redis
