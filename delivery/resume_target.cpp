// Scans of the template and the URL, one rule per line, and the substitution that builds the URL.
#include "delivery/resume_target.hpp"

#include <algorithm>

#include "delivery/signature.hpp"

namespace delivery {

namespace {

constexpr std::string_view tenant_ph = "{tenant}";
constexpr std::string_view execution_ph = "{executionId}";

bool space_or_control(char c) {
  return static_cast<unsigned char>(c) <= 0x20 || c == 0x7F;
}

bool unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// Each value is a whole path segment to Kestra, so '/' is encoded too (RFC 3986 2.1: upper case).
void append_encoded(std::string& out, std::string_view value) {
  static constexpr char hex[] = "0123456789ABCDEF";
  for (char c : value) {
    if (unreserved(c)) {
      out.push_back(c);
      continue;
    }
    auto b = static_cast<unsigned char>(c);
    out.push_back('%');
    out.push_back(hex[b >> 4]);
    out.push_back(hex[b & 0xF]);
  }
}

bool valid_port(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  long n = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + (c - '0');
  }
  return n >= 1 && n <= 65535;
}

std::optional<std::string> check_authority(std::string_view auth) {
  if (auth.find('@') != std::string_view::npos)
    return "must hold no user:password@ (set KESTRA_USERNAME and KESTRA_PASSWORD)";
  std::string_view host = auth, port;
  bool has_port = false;
  if (!auth.empty() && auth.front() == '[') {  // IPv6 literal: its ':' are not the port's
    size_t close = auth.find(']');
    if (close == std::string_view::npos) return "has an IPv6 host without its ']'";
    host = auth.substr(0, close + 1);
    std::string_view rest = auth.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return "has something after the IPv6 host's ']'";
    has_port = !rest.empty();
    port = has_port ? rest.substr(1) : rest;
  } else if (size_t colon = auth.find(':'); colon != std::string_view::npos) {
    host = auth.substr(0, colon);
    port = auth.substr(colon + 1);
    has_port = true;
  }
  if (host.empty() || host == "[]") return "has no host";
  if (has_port && !valid_port(port)) return "has a port that is not a number from 1 to 65535";
  return std::nullopt;
}

}  // namespace

std::string default_resume_path() { return "/api/v1/{tenant}/executions/{executionId}/resume"; }

std::optional<std::string> check_resume_path(std::string_view templ) {
  auto why = [](const char* reason) { return "the resume path " + std::string(reason); };
  if (templ.empty() || templ.front() != '/') return why("must start with '/'");
  if (templ.find_first_of("?#") != std::string_view::npos) return why("must hold no '?' or '#'");
  if (std::any_of(templ.begin(), templ.end(), space_or_control))
    return why("must hold no whitespace or control characters");
  size_t executions = 0;
  for (size_t at = 0; at < templ.size(); ++at) {
    if (templ[at] == '}') return why("has a '}' outside {tenant} and {executionId}");
    if (templ[at] != '{') continue;
    std::string_view rest = templ.substr(at);
    if (rest.substr(0, execution_ph.size()) == execution_ph) {
      ++executions;
      at += execution_ph.size() - 1;
    } else if (rest.substr(0, tenant_ph.size()) == tenant_ph) {
      at += tenant_ph.size() - 1;
    } else {
      return why("may hold no placeholder but {tenant} and {executionId}");
    }
  }
  if (executions != 1) return why("must hold {executionId} exactly once");
  return std::nullopt;
}

std::optional<std::string> check_base_url(std::string_view url) {
  auto why = [](std::string reason) { return "the base URL " + reason; };
  std::string_view rest;
  if (url.substr(0, 7) == "http://") rest = url.substr(7);
  else if (url.substr(0, 8) == "https://") rest = url.substr(8);
  else return why("must start with http:// or https://");
  if (rest.find_first_of("?#") != std::string_view::npos) return why("must hold no '?' or '#'");
  if (std::any_of(rest.begin(), rest.end(), space_or_control))
    return why("must hold no whitespace or control characters");
  if (auto bad = check_authority(rest.substr(0, rest.find('/')))) return why(*bad);
  return std::nullopt;
}

std::string resume_url(std::string_view base_url, std::string_view templ,
                       std::string_view tenant, std::string_view execution_id) {
  while (!base_url.empty() && base_url.back() == '/') base_url.remove_suffix(1);
  std::string out(base_url);
  for (size_t at = 0; at < templ.size();) {
    std::string_view rest = templ.substr(at);
    if (rest.substr(0, execution_ph.size()) == execution_ph) {
      append_encoded(out, execution_id);
      at += execution_ph.size();
    } else if (rest.substr(0, tenant_ph.size()) == tenant_ph) {
      append_encoded(out, tenant);
      at += tenant_ph.size();
    } else {
      out.push_back(templ[at++]);
    }
  }
  return out;
}

std::string basic_auth(std::string_view user, std::string_view password) {
  return "Basic " + encode_base64(std::string(user) + ":" + std::string(password));
}

std::string bearer_auth(std::string_view token) { return "Bearer " + std::string(token); }

}  // namespace delivery
