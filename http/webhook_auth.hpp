// Webhook authentication, every option VAPI offers a server URL: a shared secret in a header, or
// an HMAC signature over the timestamp and body. Pure functions: the caller passes the headers.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace http {

struct webhook_auth_config {
  // Shared secret; empty: not checked. Accepted in X-Vapi-Secret, in "Authorization: Bearer",
  // and in secret_header (when set) with or without a "Bearer " prefix.
  std::string secret;
  std::string secret_header;

  // HMAC; empty hmac_secret: not checked.
  std::string hmac_secret;
  std::string hmac_algorithm = "sha256";         // sha256, sha512 or sha1
  std::string signature_header = "x-signature";  // hex or base64 digest, after signature_prefix
  std::string signature_prefix;                  // e.g. "sha256="; "" for none
  std::string timestamp_header = "x-timestamp";  // "" signs the body alone, with no replay check
  std::chrono::seconds tolerance{300};           // oldest (and furthest future) timestamp accepted

  bool enabled() const { return !secret.empty() || !hmac_secret.empty(); }
};

// A request header's value by name, case-insensitively; nullopt when absent.
using header_lookup = std::function<std::optional<std::string>(std::string_view name)>;

struct auth_result {
  bool ok;
  std::string reason;  // why not, for the log and the 401 body; never holds a secret or digest
};

// Checks every configured option (all must pass; none configured: ok). The timestamp header
// may count seconds or milliseconds; now_epoch_ms is the caller's clock. Comparisons are
// constant-time. Any thread.
auth_result check_webhook(const webhook_auth_config& config, const header_lookup& headers,
                          std::string_view body, int64_t now_epoch_ms);

// API_TOKEN: true when `authorization` is "Bearer <token>" (scheme in any case, then one or
// more spaces), compared in constant time. An empty token never matches.
bool bearer_matches(std::string_view token, std::optional<std::string_view> authorization);

}  // namespace http
