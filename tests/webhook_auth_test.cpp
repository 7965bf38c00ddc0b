// Tests http/webhook_auth.cpp: the shared secret in each header VAPI may use, the HMAC
// signature in each encoding and algorithm with its replay window, and the API bearer token.
// Expected signatures come from OpenSSL's HMAC() here and from the openssl command line (the
// known-answer constants), never from the code under test.
#include "http/webhook_auth.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>
#include <map>
#include <string>
#include <vector>

namespace {

using http::auth_result;
using http::bearer_matches;
using http::check_webhook;
using http::webhook_auth_config;

constexpr int64_t now_s = 1'700'000'000;
constexpr int64_t now_ms = now_s * 1000;
const std::string body = R"({"a":1})";
const std::string secret = "s3cr3t-value";
const std::string key = "secret";  // the HMAC key of the known-answer vectors

// Known answers, computed outside C++ with
//   printf '%s' '1700000000.{"a":1}' | openssl dgst -<alg> -hmac secret -r           (hex)
//   printf '%s' '1700000000.{"a":1}' | openssl dgst -<alg> -hmac secret -binary | base64
const std::string kat_sha256_hex =
  "49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686";
const std::string kat_sha256_b64 = "SfJOU3QHdD+koCQrtjuUuaR+6Zy74HHM2KIlUK5BFoY=";
const std::string kat_sha512_hex =
  "f71e82e1fa1f01407ac290b050e26290f4b62e4365ccce141b0a5c1a7251c4f3"
  "f6ce753871f0124e2ce10da3ab0c31594ae53e607f38866b93b651a05eadb4c8";
const std::string kat_sha512_b64 =
  "9x6C4fofAUB6wpCwUOJikPS2LkNlzM4UGwpcGnJRxPP2znU4cfASTizhDaOrDDFZSuU+YH84hmuTtlGgXq20yA==";
const std::string kat_sha1_hex = "72613c5d28819e14bbf0512f67cd8abb9eb0af6b";
const std::string kat_sha1_b64 = "cmE8XSiBnhS78FEvZ82Ku56wr2s=";
// printf '%s' '{"a":1}' | openssl dgst -sha256 -hmac secret -r
const std::string kat_body_only_sha256_hex =
  "aa9e2e3575f5d7098b6caccd790888c36d5fdb63342a73bada2d6a51747a8494";
// printf '%s' '1700000000123.{"a":1}' | openssl dgst -sha256 -hmac secret -r
const std::string kat_ms_sha256_hex =
  "d24a79557be8aaedc4e968ebe232194743ae3aeb70cde075bc72312c90fe2fb4";

std::string lower(std::string s) {
  for (auto& c : s)
    c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string upper(std::string s) {
  for (auto& c : s)
    c = char(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Request headers, looked up case-insensitively as Pistache does.
struct headers {
  std::map<std::string, std::string> values;  // keys lower-case

  headers() = default;
  headers(std::initializer_list<std::pair<const std::string, std::string>> list) {
    for (const auto& [name, value] : list)
      values[lower(name)] = value;
  }
  http::header_lookup lookup() const {
    return [this](std::string_view name) -> std::optional<std::string> {
      auto it = values.find(lower(std::string(name)));
      if (it == values.end())
        return std::nullopt;
      return it->second;
    };
  }
};

// The raw digest of `message` under `alg` ("sha256", ...), straight from OpenSSL's HMAC().
std::string raw_hmac(const std::string& alg, const std::string& hmac_key,
                     const std::string& message) {
  const EVP_MD* md = alg == "sha512" ? EVP_sha512() : alg == "sha1" ? EVP_sha1() : EVP_sha256();
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(md, hmac_key.data(), int(hmac_key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), out, &n);
  return std::string(reinterpret_cast<const char*>(out), n);
}

std::string to_hex(const std::string& bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string to_base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), int(bytes.size()));
  out.resize(n);
  return out;
}

std::string unpadded(std::string b64) {
  while (!b64.empty() && b64.back() == '=')
    b64.pop_back();
  return b64;
}

std::string hex_signature(const std::string& alg, const std::string& timestamp,
                          const std::string& signed_body = body) {
  return to_hex(raw_hmac(alg, key, timestamp + "." + signed_body));
}

// The signature header with `signature`, and the timestamp of the known answers.
headers signed_with(const std::string& signature) {
  return {{"x-signature", signature}, {"x-timestamp", "1700000000"}};
}

webhook_auth_config secret_config() {
  webhook_auth_config c;
  c.secret = secret;
  return c;
}

webhook_auth_config hmac_config(const std::string& alg = "sha256") {
  webhook_auth_config c;
  c.hmac_secret = key;
  c.hmac_algorithm = alg;
  return c;
}

auth_result check(const webhook_auth_config& c, const headers& h,
                  const std::string& signed_body = body, int64_t now = now_ms) {
  return check_webhook(c, h.lookup(), signed_body, now);
}

// Every secret or digest a test has handed over; no reason may ever contain one. (The key of
// the known answers, "secret", is skipped: it is also a word of "secret does not match".)
std::vector<std::string> forbidden_in_reasons(const headers& h, const webhook_auth_config& c) {
  std::vector<std::string> out;
  for (const auto& s : {c.secret, c.hmac_secret})
    if (!s.empty() && s != key)
      out.push_back(s);
  for (const auto& [name, value] : h.values)
    if (value.size() >= 6 && name != "x-timestamp" && name != "x-ts")
      out.push_back(value);
  return out;
}

void expect_ok(const webhook_auth_config& c, const headers& h,
               const std::string& signed_body = body, int64_t now = now_ms) {
  auto r = check(c, h, signed_body, now);
  EXPECT_TRUE(r.ok) << r.reason;
  EXPECT_EQ(r.reason, "");
}

void expect_refused(const webhook_auth_config& c, const headers& h, const std::string& reason,
                    const std::string& signed_body = body, int64_t now = now_ms) {
  auto r = check(c, h, signed_body, now);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, reason);
  for (const auto& secret_text : forbidden_in_reasons(h, c)) {
    EXPECT_EQ(r.reason.find(secret_text), std::string::npos) << "reason leaks " << secret_text;
    if (secret_text.size() >= 16) {  // a digest, or the secret's bytes after a prefix
      EXPECT_EQ(r.reason.find(secret_text.substr(secret_text.size() - 12)), std::string::npos);
    }
  }
}

// --- nothing configured ----------------------------------------------------------------------

TEST(webhook_auth, nothing_configured_lets_everything_through) {
  webhook_auth_config c;
  EXPECT_FALSE(c.enabled());
  expect_ok(c, {});
  expect_ok(c, {{"X-Vapi-Secret", "anything"}, {"x-signature", "garbage"}});
}

// --- shared secret ---------------------------------------------------------------------------

TEST(webhook_auth, secret_in_x_vapi_secret) {
  EXPECT_TRUE(secret_config().enabled());
  expect_ok(secret_config(), {{"X-Vapi-Secret", secret}});
  expect_ok(secret_config(), {{"x-vapi-secret", secret}});  // any case, as HTTP headers are
}

TEST(webhook_auth, secret_as_authorization_bearer_in_any_case) {
  for (std::string scheme : {"Bearer", "bearer", "BEARER", "bEaReR"})
    expect_ok(secret_config(), {{"Authorization", scheme + " " + secret}});
  expect_ok(secret_config(), {{"Authorization", "Bearer   " + secret}});  // several spaces
}

TEST(webhook_auth, secret_in_authorization_needs_the_bearer_scheme) {
  const auto wrong = "secret does not match";
  expect_refused(secret_config(), {{"Authorization", secret}}, wrong);
  expect_refused(secret_config(), {{"Authorization", "Basic " + secret}}, wrong);
  expect_refused(secret_config(), {{"Authorization", "Bearer" + secret}}, wrong);
  expect_refused(secret_config(), {{"Authorization", "Bearer "}}, wrong);
  expect_refused(secret_config(), {{"Authorization", "Bearer wrong-value"}}, wrong);
}

TEST(webhook_auth, empty_x_vapi_secret_counts_as_absent) {
  // VAPI sends an empty x-vapi-secret when the assistant has no secret.
  expect_refused(secret_config(), {{"x-vapi-secret", ""}},
                 "missing X-Vapi-Secret or Authorization header");
  expect_ok(secret_config(), {{"x-vapi-secret", ""}, {"Authorization", "Bearer " + secret}});
}

TEST(webhook_auth, missing_secret_headers) {
  expect_refused(secret_config(), {}, "missing X-Vapi-Secret or Authorization header");
  auto c = secret_config();
  c.secret_header = "X-Api-Key";
  expect_refused(c, {}, "missing X-Vapi-Secret, Authorization or X-Api-Key header");
}

TEST(webhook_auth, wrong_secret) {
  const auto reason = "secret does not match";
  expect_refused(secret_config(), {{"X-Vapi-Secret", "wrong"}}, reason);
  expect_refused(secret_config(), {{"X-Vapi-Secret", secret + "x"}}, reason);
  expect_refused(secret_config(), {{"X-Vapi-Secret", secret.substr(0, secret.size() - 1)}},
                 reason);
  expect_refused(secret_config(), {{"X-Vapi-Secret", upper(secret)}}, reason);
  expect_refused(secret_config(), {{"X-Vapi-Secret", "Bearer " + secret}}, reason);
}

TEST(webhook_auth, one_matching_header_is_enough) {
  expect_ok(secret_config(), {{"X-Vapi-Secret", "wrong"}, {"Authorization", "Bearer " + secret}});
  expect_ok(secret_config(), {{"X-Vapi-Secret", secret}, {"Authorization", "Bearer other"}});
}

TEST(webhook_auth, custom_secret_header_with_and_without_bearer_prefix) {
  auto c = secret_config();
  c.secret_header = "X-Api-Key";
  expect_ok(c, {{"x-api-key", secret}});
  expect_ok(c, {{"X-API-KEY", "Bearer " + secret}});
  expect_ok(c, {{"X-Api-Key", "bearer " + secret}});
  expect_ok(c, {{"X-Vapi-Secret", secret}});  // the standard headers still count
  expect_refused(c, {{"X-Api-Key", "nope"}}, "secret does not match");
  expect_refused(c, {{"X-Api-Key", ""}},
                 "missing X-Vapi-Secret, Authorization or X-Api-Key header");
  // Without secret_header, the custom header is not looked at.
  expect_refused(secret_config(), {{"X-Api-Key", secret}},
                 "missing X-Vapi-Secret or Authorization header");
}

// --- HMAC: encodings -------------------------------------------------------------------------

TEST(webhook_auth, hmac_known_answers_for_every_algorithm_and_encoding) {
  struct known {
    const char* alg;
    std::string signature;
  };
  const known vectors[] = {
    {"sha256", kat_sha256_hex},          {"sha256", upper(kat_sha256_hex)},
    {"sha256", kat_sha256_b64},          {"sha256", unpadded(kat_sha256_b64)},
    {"sha512", kat_sha512_hex},          {"sha512", upper(kat_sha512_hex)},
    {"sha512", kat_sha512_b64},          {"sha512", unpadded(kat_sha512_b64)},
    {"sha1", kat_sha1_hex},              {"sha1", upper(kat_sha1_hex)},
    {"sha1", kat_sha1_b64},              {"sha1", unpadded(kat_sha1_b64)},
  };
  for (const auto& v : vectors) {
    SCOPED_TRACE(std::string(v.alg) + " " + v.signature);
    expect_ok(hmac_config(v.alg), signed_with(v.signature));
  }
}

TEST(webhook_auth, hmac_known_answer_body_only_and_milliseconds) {
  auto c = hmac_config();
  c.timestamp_header = "";
  expect_ok(c, {{"x-signature", kat_body_only_sha256_hex}});
  expect_ok(hmac_config(), {{"x-signature", kat_ms_sha256_hex}, {"x-timestamp", "1700000000123"}});
}

TEST(webhook_auth, hmac_computed_with_openssl_for_each_algorithm) {
  for (std::string alg : {"sha256", "sha512", "sha1"}) {
    SCOPED_TRACE(alg);
    auto raw = raw_hmac(alg, key, "1700000000." + body);
    for (const auto& sig :
         {to_hex(raw), upper(to_hex(raw)), to_base64(raw), unpadded(to_base64(raw))})
      expect_ok(hmac_config(alg), signed_with(sig));
  }
}

TEST(webhook_auth, hmac_algorithm_must_match) {
  // A valid sha256 digest is malformed for sha512 (wrong length) and wrong for another key.
  expect_refused(hmac_config("sha512"), signed_with(kat_sha256_hex),
                 "malformed signature: not a hex or base64 sha512 digest");
  expect_refused(hmac_config("sha1"), signed_with(kat_sha256_b64),
                 "malformed signature: not a hex or base64 sha1 digest");
  auto c = hmac_config();
  c.hmac_secret = "another key";
  expect_refused(c, signed_with(kat_sha256_hex), "signature does not match");
}

TEST(webhook_auth, unknown_algorithm_fails_closed) {
  expect_refused(hmac_config("md5"), signed_with(kat_sha256_hex),
                 "unsupported HMAC algorithm \"md5\"");
  expect_ok(hmac_config("SHA256"), signed_with(kat_sha256_hex));
}

TEST(webhook_auth, garbage_signatures_are_malformed) {
  const auto malformed = "malformed signature: not a hex or base64 sha256 digest";
  auto good = kat_sha256_hex;
  const std::string garbage[] = {
    "not a signature",
    good.substr(1),                        // odd length
    good.substr(0, 62),                    // a digest too short
    good + "00",                           // too long
    "g" + good.substr(1),                  // a non-hex character in hex length
    std::string(64, 'z'),                  // base64 characters, hex length
    kat_sha256_b64 + "=",                  // too much padding
    kat_sha256_b64.substr(0, 42) + "=",    // padding short of the group
    "SfJOU3QHdD-koCQrtjuUuaR_6Zy74HHM2KIlUK5BFoY=",  // URL-safe alphabet
    "SfJOU3QH=D+koCQrtjuUuaR+6Zy74HHM2KIlUK5BFoY=",  // '=' inside
    "SfJOU3QH dD+koCQrtjuUuaR+6Zy74HHM2KIlUK5BFoY",  // a space inside
    "====",
    std::string(1000, 'A'),
  };
  for (const auto& sig : garbage) {
    SCOPED_TRACE(sig);
    expect_refused(hmac_config(), signed_with(sig),
                   malformed);
  }
  // Padding is all or nothing: a sha512 digest needs "==", and one '=' is not enough.
  expect_refused(hmac_config("sha512"), signed_with(kat_sha512_b64.substr(0, 87)),
                 "malformed signature: not a hex or base64 sha512 digest");
}

TEST(webhook_auth, surrounding_whitespace_in_headers_is_ignored) {
  expect_ok(hmac_config(), {{"x-signature", " " + kat_sha256_hex + "\t"},
                            {"x-timestamp", " 1700000000 "}});
}

// --- HMAC: prefix ----------------------------------------------------------------------------

TEST(webhook_auth, signature_prefix_is_stripped_and_required) {
  auto c = hmac_config();
  c.signature_prefix = "sha256=";
  expect_ok(c, signed_with("sha256=" + kat_sha256_hex));
  expect_ok(c, signed_with("sha256=" + kat_sha256_b64));
  expect_ok(c, signed_with("SHA256=" + kat_sha256_hex));
  expect_refused(c, signed_with(kat_sha256_hex), "malformed signature: no \"sha256=\" prefix");
  expect_refused(c, signed_with("sha512=" + kat_sha256_hex),
                 "malformed signature: no \"sha256=\" prefix");
  expect_refused(c, signed_with("sha256="),
                 "malformed signature: not a hex or base64 sha256 digest");
}

TEST(webhook_auth, unexpected_prefix_is_malformed) {
  expect_refused(hmac_config(), signed_with("sha256=" + kat_sha256_hex),
                 "malformed signature: not a hex or base64 sha256 digest");
}

// --- HMAC: what is signed --------------------------------------------------------------------

TEST(webhook_auth, tampered_body_fails) {
  const auto headers_ok = signed_with(kat_sha256_hex);
  expect_ok(hmac_config(), headers_ok);
  expect_refused(hmac_config(), headers_ok, "signature does not match", R"({"a":2})");
  expect_refused(hmac_config(), headers_ok, "signature does not match", R"({"a":1} )");
  expect_refused(hmac_config(), headers_ok, "signature does not match", "");
}

TEST(webhook_auth, tampered_timestamp_fails) {
  // Still inside the window, but not the signed value.
  expect_refused(hmac_config(), {{"x-signature", kat_sha256_hex}, {"x-timestamp", "1700000001"}},
                 "signature does not match");
  expect_refused(hmac_config(), {{"x-signature", kat_sha256_hex}, {"x-timestamp",
                                                                   "1700000000000"}},
                 "signature does not match");
}

TEST(webhook_auth, signature_over_the_body_alone_is_refused_when_a_timestamp_is_expected) {
  expect_refused(hmac_config(), signed_with(kat_body_only_sha256_hex), "signature does not match");
}

TEST(webhook_auth, empty_timestamp_header_signs_the_body_alone_without_replay_check) {
  auto c = hmac_config();
  c.timestamp_header = "";
  auto sig = to_hex(raw_hmac("sha256", key, body));
  expect_ok(c, {{"x-signature", sig}});
  expect_ok(c, {{"x-signature", sig}, {"x-timestamp", "1"}});  // ignored: not configured
  expect_ok(c, {{"x-signature", sig}}, body, 0);               // no clock involved
  expect_refused(c, {{"x-signature", kat_sha256_hex}}, "signature does not match");
  expect_refused(c, {{"x-signature", sig}}, "signature does not match", R"({"a":2})");
}

// --- HMAC: replay window ---------------------------------------------------------------------

TEST(webhook_auth, timestamp_in_seconds_within_tolerance) {
  for (int64_t offset : {-300, -299, -1, 0, 1, 299, 300}) {  // 300 s either way is accepted
    SCOPED_TRACE(offset);
    auto ts = std::to_string(now_s + offset);
    expect_ok(hmac_config(), {{"x-signature", hex_signature("sha256", ts)}, {"x-timestamp", ts}});
  }
}

TEST(webhook_auth, timestamp_too_old_or_too_new) {
  for (int64_t offset : {-301, -3600, 301, 86400}) {
    SCOPED_TRACE(offset);
    auto ts = std::to_string(now_s + offset);
    expect_refused(hmac_config(), {{"x-signature", hex_signature("sha256", ts)},
                                   {"x-timestamp", ts}},
                   "timestamp outside the 300 s tolerance");
  }
  expect_refused(hmac_config(), {{"x-signature", hex_signature("sha256", "0")},
                                 {"x-timestamp", "0"}},
                 "timestamp outside the 300 s tolerance");
}

TEST(webhook_auth, timestamp_in_milliseconds) {
  for (int64_t offset : {-300'000, -1, 0, 1, 300'000}) {
    SCOPED_TRACE(offset);
    auto ts = std::to_string(now_ms + offset);
    expect_ok(hmac_config(), {{"x-signature", hex_signature("sha256", ts)}, {"x-timestamp", ts}});
  }
  for (int64_t offset : {-300'001, 300'001}) {
    SCOPED_TRACE(offset);
    auto ts = std::to_string(now_ms + offset);
    expect_refused(hmac_config(), {{"x-signature", hex_signature("sha256", ts)},
                                   {"x-timestamp", ts}},
                   "timestamp outside the 300 s tolerance");
  }
}

TEST(webhook_auth, seconds_are_compared_to_a_millisecond_clock) {
  // A seconds timestamp 300.5 s behind a clock between whole seconds is outside the window.
  auto ts = std::to_string(now_s);
  auto sig = hex_signature("sha256", ts);
  expect_ok(hmac_config(), {{"x-signature", sig}, {"x-timestamp", ts}}, body, now_ms + 300'000);
  expect_refused(hmac_config(), {{"x-signature", sig}, {"x-timestamp", ts}},
                 "timestamp outside the 300 s tolerance", body, now_ms + 300'500);
}

TEST(webhook_auth, configured_tolerance_is_used) {
  auto c = hmac_config();
  c.tolerance = std::chrono::seconds(10);
  auto at = [&](int64_t offset) {
    auto ts = std::to_string(now_s + offset);
    return headers{{"x-signature", hex_signature("sha256", ts)}, {"x-timestamp", ts}};
  };
  expect_ok(c, at(-10));
  expect_ok(c, at(10));
  expect_refused(c, at(-11), "timestamp outside the 10 s tolerance");
  expect_refused(c, at(11), "timestamp outside the 10 s tolerance");
}

TEST(webhook_auth, malformed_timestamps) {
  const auto reason = "malformed x-timestamp header";
  for (std::string ts : {"abc", "-1700000000", "+1700000000", "1700000000.5", "1.7e9",
                         "0x6553f100", "1700000000s", "17000 00000",
                         "9999999999999999999999"}) {
    SCOPED_TRACE(ts);
    expect_refused(hmac_config(), {{"x-signature", hex_signature("sha256", ts)},
                                   {"x-timestamp", ts}},
                   reason);
  }
}

TEST(webhook_auth, missing_hmac_headers) {
  expect_refused(hmac_config(), {{"x-timestamp", "1700000000"}}, "missing x-signature header");
  expect_refused(hmac_config(), signed_with(""), "missing x-signature header");
  expect_refused(hmac_config(), {{"x-signature", kat_sha256_hex}}, "missing x-timestamp header");
  expect_refused(hmac_config(), {{"x-signature", kat_sha256_hex}, {"x-timestamp", ""}},
                 "missing x-timestamp header");
  expect_refused(hmac_config(), {}, "missing x-signature header");
}

TEST(webhook_auth, custom_header_names) {
  auto c = hmac_config();
  c.signature_header = "X-Vapi-Signature";
  c.timestamp_header = "X-Ts";
  expect_ok(c, {{"x-vapi-signature", kat_sha256_hex}, {"x-ts", "1700000000"}});
  expect_refused(c, signed_with(kat_sha256_hex), "missing X-Vapi-Signature header");
  expect_refused(c, {{"x-vapi-signature", kat_sha256_hex}, {"x-timestamp", "1700000000"}},
                 "missing X-Ts header");
  expect_refused(c, {{"x-vapi-signature", kat_sha256_hex}, {"x-ts", "soon"}},
                 "malformed X-Ts header");
}

// --- both options ----------------------------------------------------------------------------

TEST(webhook_auth, both_options_configured_both_must_pass) {
  auto c = hmac_config();
  c.secret = secret;
  const auto good_hmac = signed_with(kat_sha256_hex);
  auto with = [](headers h, const std::string& name, const std::string& value) {
    h.values[lower(name)] = value;
    return h;
  };
  expect_ok(c, with(good_hmac, "X-Vapi-Secret", secret));
  expect_refused(c, good_hmac, "missing X-Vapi-Secret or Authorization header");
  expect_refused(c, with(good_hmac, "X-Vapi-Secret", "wrong"), "secret does not match");
  expect_refused(c, with(good_hmac, "X-Vapi-Secret", secret), "signature does not match",
                 R"({"a":2})");
  expect_refused(c, {{"X-Vapi-Secret", secret}}, "missing x-signature header");
}

// --- reasons never leak --------------------------------------------------------------------

TEST(webhook_auth, reasons_never_contain_secrets_or_digests) {
  // Secrets that look like header names or prefixes, so a careless message would show them.
  webhook_auth_config c;
  c.secret = "x-signature-secret";
  c.hmac_secret = "sha256=hmac-key";
  c.signature_prefix = "sha256=";
  auto good_sig = "sha256=" + to_hex(raw_hmac("sha256", c.hmac_secret, "1700000000." + body));
  const headers cases[] = {
    {{"X-Vapi-Secret", "x-signature-secreT"}},
    {{"Authorization", "Bearer x-signature-secre"}},
    {{"X-Vapi-Secret", c.secret}, {"x-signature", good_sig}, {"x-timestamp", "1700009999"}},
    {{"X-Vapi-Secret", c.secret}, {"x-signature", good_sig + "0"}, {"x-timestamp", "1700000000"}},
    {{"X-Vapi-Secret", c.secret}, {"x-signature", "sha256=" + kat_sha256_hex},
     {"x-timestamp", "1700000000"}},
    {{"X-Vapi-Secret", c.secret}, {"x-signature", good_sig}, {"x-timestamp", "1700000001"}},
  };
  for (const auto& h : cases) {
    auto r = check(c, h);
    ASSERT_FALSE(r.ok);
    SCOPED_TRACE(r.reason);
    for (const auto& bad : forbidden_in_reasons(h, c))
      EXPECT_EQ(r.reason.find(bad), std::string::npos);
    EXPECT_EQ(r.reason.find("secret-"), std::string::npos);
    EXPECT_EQ(r.reason.find("hmac-key"), std::string::npos);
    EXPECT_EQ(r.reason.find(kat_sha256_hex.substr(0, 8)), std::string::npos);
    EXPECT_EQ(r.reason.find(good_sig.substr(7, 8)), std::string::npos);
  }
  EXPECT_TRUE(check(c, {{"X-Vapi-Secret", c.secret}, {"x-signature", good_sig},
                        {"x-timestamp", "1700000000"}})
                .ok);
}

// --- API token -------------------------------------------------------------------------------

TEST(webhook_auth, bearer_matches_the_api_token) {
  EXPECT_TRUE(bearer_matches("tok-123", "Bearer tok-123"));
  EXPECT_TRUE(bearer_matches("tok-123", "bearer tok-123"));
  EXPECT_TRUE(bearer_matches("tok-123", "BEARER tok-123"));
  EXPECT_TRUE(bearer_matches("tok-123", "Bearer    tok-123"));
  EXPECT_TRUE(bearer_matches("tok-123", " Bearer tok-123 "));
}

TEST(webhook_auth, bearer_refuses_everything_else) {
  EXPECT_FALSE(bearer_matches("tok-123", std::nullopt));
  EXPECT_FALSE(bearer_matches("tok-123", ""));
  EXPECT_FALSE(bearer_matches("tok-123", "tok-123"));
  EXPECT_FALSE(bearer_matches("tok-123", "Bearer"));
  EXPECT_FALSE(bearer_matches("tok-123", "Bearer "));
  EXPECT_FALSE(bearer_matches("tok-123", "Bearertok-123"));
  EXPECT_FALSE(bearer_matches("tok-123", "Basic tok-123"));
  EXPECT_FALSE(bearer_matches("tok-123", "Bearer tok-12"));
  EXPECT_FALSE(bearer_matches("tok-123", "Bearer tok-1234"));
  EXPECT_FALSE(bearer_matches("tok-123", "Bearer TOK-123"));
  EXPECT_FALSE(bearer_matches("tok-123", "Bearer tok-123 extra"));
}

TEST(webhook_auth, empty_api_token_never_matches) {
  EXPECT_FALSE(bearer_matches("", "Bearer "));
  EXPECT_FALSE(bearer_matches("", "Bearer"));
  EXPECT_FALSE(bearer_matches("", ""));
  EXPECT_FALSE(bearer_matches("", std::nullopt));
}

}  // namespace
