// The signature with OpenSSL's EVP_MAC, streamed so the body is never copied, and the secret's
// base64 with EVP_DecodeBlock, whose quirks (below) are handled here.
#include "delivery/signature.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <initializer_list>
#include <memory>
#include <stdexcept>

namespace delivery {

namespace {

constexpr std::string_view secret_prefix = "whsec_";

bool base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

// EVP_DecodeBlock wants whole 4-character groups and counts padding as decoded zero bytes, so
// missing padding is added (the spec's libraries accept unpadded secrets) and its bytes cut.
bool decode_base64(std::string_view text, std::string& out) {
  auto data = text;
  while (!data.empty() && data.back() == '=' && text.size() - data.size() < 2)
    data.remove_suffix(1);
  if (data.size() % 4 == 1 || !std::all_of(data.begin(), data.end(), base64_char)) return false;
  size_t pad = (4 - data.size() % 4) % 4;
  if (text.size() != data.size() && text.size() != data.size() + pad) return false;
  std::string padded(data);
  padded.append(pad, '=');
  out.assign(padded.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(padded.data()),
                          static_cast<int>(padded.size()));
  if (n < 0 || size_t(n) < pad) return false;
  out.resize(size_t(n) - pad);
  return true;
}

struct mac_free {
  void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};

std::string hmac_sha256(std::string_view key, std::initializer_list<std::string_view> parts) {
  auto fail = [] { return std::runtime_error("delivery signature: OpenSSL HMAC failed"); };
  std::unique_ptr<EVP_MAC, mac_free> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!mac) throw fail();
  std::unique_ptr<EVP_MAC_CTX, mac_free> ctx(EVP_MAC_CTX_new(mac.get()));
  if (!ctx) throw fail();
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  if (!EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                    params))
    throw fail();
  for (auto part : parts)
    if (!EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(part.data()),
                        part.size()))
      throw fail();
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t n = 0;
  if (!EVP_MAC_final(ctx.get(), out, &n, sizeof out) || n != 32) throw fail();
  return std::string(reinterpret_cast<const char*>(out), n);
}

}  // namespace

std::string encode_base64(std::string_view bytes) {
  std::string out((bytes.size() + 2) / 3 * 4 + 1, '\0');  // EVP_EncodeBlock adds a NUL
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(size_t(n));
  return out;
}

std::string decode_secret(std::string_view secret) {
  if (secret.substr(0, secret_prefix.size()) != secret_prefix) return std::string(secret);
  std::string key;
  if (!decode_base64(secret.substr(secret_prefix.size()), key))
    throw std::invalid_argument("webhook secret: what follows \"whsec_\" is not base64");
  if (key.empty()) throw std::invalid_argument("webhook secret: \"whsec_\" holds no key");
  return key;
}

std::string sign(std::string_view key, std::string_view msg_id, int64_t timestamp_s,
                 std::string_view body) {
  std::string ts = std::to_string(timestamp_s);
  return "v1," + encode_base64(hmac_sha256(key, {msg_id, ".", ts, ".", body}));
}

}  // namespace delivery
