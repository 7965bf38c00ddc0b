// Webhook authentication: the shared secret in its headers and the HMAC signature over
// "<timestamp>.<body>", every comparison constant-time. Any thread; no I/O, no clock of its own.
//
// What VAPI sends (VapiAI/docs, fern/apis/api/openapi.json: BearerAuthenticationPlan and
// HMACAuthenticationPlan; fern/server-url/server-authentication.mdx):
// - the legacy inline `secret` arrives as X-Vapi-Secret (empty when none is set); a Bearer
//   credential sends `token` in `headerName` (default Authorization), with "Bearer " unless
//   bearerPrefixEnabled is false;
// - an HMAC credential signs payloadFormat (default "{timestamp}.{body}") with `algorithm`
//   (sha256, sha512, sha1) and puts signaturePrefix + the digest (signatureEncoding hex by
//   default, or base64) in signatureHeader (default x-signature) and the timestamp in
//   timestampHeader (default x-timestamp). The docs do not say whether the timestamp counts
//   seconds or milliseconds, so both are accepted (see epoch_ms).
#include "http/webhook_auth.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <limits>
#include <memory>

namespace http {
namespace {

struct algorithm {
  const char* name;    // as configured
  const char* digest;  // as OpenSSL names it
  std::size_t size;    // digest bytes
};

const algorithm algorithms[] = {
  {"sha256", "SHA256", 32},
  {"sha512", "SHA512", 64},
  {"sha1", "SHA1", 20},
};

// Above this a timestamp counts milliseconds: as seconds it would be the year 5138, as
// milliseconds it is March 1973, so no real signing time is ambiguous.
constexpr int64_t ms_threshold = 100'000'000'000;

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? char(c + ('a' - 'A')) : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

// Equal contents, in time that depends on the lengths only (lengths are not secret).
bool same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// A header's trimmed value; an empty one counts as absent (VAPI sends `x-vapi-secret: ""`
// when no secret is set).
std::optional<std::string> present(const header_lookup& headers, std::string_view name) {
  auto value = headers(name);
  if (!value)
    return std::nullopt;
  auto text = trim(*value);
  if (text.empty())
    return std::nullopt;
  return std::string(text);
}

// The credential of a "Bearer <credential>" value (scheme in any case, then spaces).
std::optional<std::string_view> bearer_credential(std::string_view value) {
  constexpr std::string_view scheme = "Bearer";
  value = trim(value);
  if (!istarts_with(value, scheme) || value.size() == scheme.size() || value[scheme.size()] != ' ')
    return std::nullopt;
  value.remove_prefix(scheme.size());
  while (!value.empty() && value.front() == ' ')
    value.remove_prefix(1);
  if (value.empty())
    return std::nullopt;
  return value;
}

auth_result refuse(std::string reason) { return {false, std::move(reason)}; }

// Every header that may carry the secret is tried; one match is enough. Which headers are
// present is not secret, so only the comparisons need to be constant-time.
auth_result check_secret(const webhook_auth_config& config, const header_lookup& headers) {
  bool offered = false;
  bool matched = false;
  auto consider = [&](std::string_view candidate) {
    offered = true;
    matched = same(candidate, config.secret) || matched;  // no short cut: try them all
  };
  if (auto v = present(headers, "X-Vapi-Secret"))
    consider(*v);
  if (auto v = present(headers, "Authorization")) {
    offered = true;  // another scheme is offered too, and does not match
    if (auto credential = bearer_credential(*v))
      consider(*credential);
  }
  if (!config.secret_header.empty())
    if (auto v = present(headers, config.secret_header)) {
      consider(*v);
      if (auto credential = bearer_credential(*v))
        consider(*credential);
    }
  if (!offered)
    return refuse(config.secret_header.empty()
                    ? "missing X-Vapi-Secret or Authorization header"
                    : "missing X-Vapi-Secret, Authorization or " + config.secret_header +
                        " header");
  if (!matched)
    return refuse("secret does not match");
  return {true, {}};
}

// The signing time in epoch milliseconds: digits only, seconds or milliseconds (ms_threshold).
std::optional<int64_t> epoch_ms(std::string_view text) {
  if (text.empty() || text.size() > 18 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size())
    return std::nullopt;
  return value > ms_threshold ? value : value * 1000;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c = ascii_lower(c);
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

std::optional<std::string> decode_hex(std::string_view text) {
  if (text.size() % 2 != 0)
    return std::nullopt;
  std::string out(text.size() / 2, '\0');
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = hex_digit(text[2 * i]), lo = hex_digit(text[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return std::nullopt;
    out[i] = char(hi * 16 + lo);
  }
  return out;
}

bool base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

// Standard base64, padded or not. EVP_DecodeBlock wants whole 4-character groups, takes '='
// anywhere as a zero digit and counts padding as decoded zero bytes, so the shape is checked
// here, missing padding added, and the padding's bytes cut from its result.
std::optional<std::string> decode_base64(std::string_view text) {
  auto data = text;
  while (!data.empty() && data.back() == '=' && text.size() - data.size() < 2)
    data.remove_suffix(1);
  if (data.size() % 4 == 1 || !std::all_of(data.begin(), data.end(), base64_char))
    return std::nullopt;
  std::size_t pad = (4 - data.size() % 4) % 4;
  if (text.size() != data.size() && text.size() != data.size() + pad)
    return std::nullopt;  // some padding, but not the right amount
  std::string padded(data);
  padded.append(pad, '=');
  std::string out(padded.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(padded.data()),
                          static_cast<int>(padded.size()));
  if (n < 0 || static_cast<std::size_t>(n) < pad)
    return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

// The received digest as bytes: hex (either case) when it has twice the digest's length,
// otherwise base64. The two lengths never coincide, so the length decides.
std::optional<std::string> decode_signature(std::string_view text, std::size_t size) {
  if (text.size() == 2 * size)
    return decode_hex(text);
  if (text.size() > (size + 2) / 3 * 4)  // longer than the padded base64: not worth decoding
    return std::nullopt;
  auto bytes = decode_base64(text);
  if (!bytes || bytes->size() != size)
    return std::nullopt;
  return bytes;
}

struct mac_free {
  void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};

// HMAC of the concatenated parts, streamed so the body is not copied; nullopt if OpenSSL fails.
std::optional<std::string> hmac(const algorithm& alg, std::string_view key,
                                std::initializer_list<std::string_view> parts) {
  std::unique_ptr<EVP_MAC, mac_free> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!mac)
    return std::nullopt;
  std::unique_ptr<EVP_MAC_CTX, mac_free> ctx(EVP_MAC_CTX_new(mac.get()));
  if (!ctx)
    return std::nullopt;
  OSSL_PARAM params[] = {
    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(alg.digest), 0),
    OSSL_PARAM_construct_end(),
  };
  if (!EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                    params))
    return std::nullopt;
  for (auto part : parts)
    if (!EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(part.data()),
                        part.size()))
      return std::nullopt;
  unsigned char out[EVP_MAX_MD_SIZE];
  std::size_t n = 0;
  if (!EVP_MAC_final(ctx.get(), out, &n, sizeof out) || n != alg.size)
    return std::nullopt;
  return std::string(reinterpret_cast<const char*>(out), n);
}

// Cheap refusals first (headers, replay window, shape); the HMAC is computed last.
auth_result check_hmac(const webhook_auth_config& config, const header_lookup& headers,
                       std::string_view body, int64_t now_ms) {
  const algorithm* alg = nullptr;
  for (const auto& a : algorithms)
    if (iequals(config.hmac_algorithm, a.name))
      alg = &a;
  if (!alg)
    return refuse("unsupported HMAC algorithm \"" + config.hmac_algorithm + "\"");

  auto signature = present(headers, config.signature_header);
  if (!signature)
    return refuse("missing " + config.signature_header + " header");

  std::optional<std::string> timestamp;
  if (!config.timestamp_header.empty()) {
    timestamp = present(headers, config.timestamp_header);
    if (!timestamp)
      return refuse("missing " + config.timestamp_header + " header");
    auto signed_ms = epoch_ms(*timestamp);
    if (!signed_ms)
      return refuse("malformed " + config.timestamp_header + " header");
    constexpr int64_t max = std::numeric_limits<int64_t>::max();
    auto tolerance_s = std::max<int64_t>(config.tolerance.count(), 0);
    auto tolerance_ms = tolerance_s > max / 1000 ? max : tolerance_s * 1000;
    auto skew = *signed_ms > now_ms ? *signed_ms - now_ms : now_ms - *signed_ms;
    if (skew > tolerance_ms)
      return refuse("timestamp outside the " + std::to_string(tolerance_s) + " s tolerance");
  }

  std::string_view digest_text = *signature;
  if (!config.signature_prefix.empty()) {
    if (!istarts_with(digest_text, config.signature_prefix))
      return refuse("malformed signature: no \"" + config.signature_prefix + "\" prefix");
    digest_text.remove_prefix(config.signature_prefix.size());
  }
  auto received = decode_signature(digest_text, alg->size);
  if (!received)
    return refuse(std::string("malformed signature: not a hex or base64 ") + alg->name +
                  " digest");

  auto expected = timestamp ? hmac(*alg, config.hmac_secret, {*timestamp, ".", body})
                            : hmac(*alg, config.hmac_secret, {body});
  if (!expected)
    return refuse("HMAC computation failed");
  bool match = same(*received, *expected);
  OPENSSL_cleanse(expected->data(), expected->size());
  if (!match)
    return refuse("signature does not match");
  return {true, {}};
}

}  // namespace

auth_result check_webhook(const webhook_auth_config& config, const header_lookup& headers,
                          std::string_view body, int64_t now_epoch_ms) {
  if (!config.secret.empty())
    if (auto r = check_secret(config, headers); !r.ok)
      return r;
  if (!config.hmac_secret.empty())
    if (auto r = check_hmac(config, headers, body, now_epoch_ms); !r.ok)
      return r;
  return {true, {}};
}

bool bearer_matches(std::string_view token, std::optional<std::string_view> authorization) {
  if (token.empty() || !authorization)
    return false;
  auto credential = bearer_credential(*authorization);
  return credential && same(*credential, token);
}

}  // namespace http
