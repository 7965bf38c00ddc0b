// Tests delivery/signature.cpp against the Standard Webhooks test vector (standard-webhooks
// repository, libraries/python/tests/test_webhooks.py, test_sign_function) and the secret's
// forms.
#include "delivery/signature.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace {

using delivery::decode_secret;
using delivery::sign;

constexpr const char* vector_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr const char* vector_id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr int64_t vector_ts = 1614265330;
constexpr const char* vector_body = R"({"test": 2432232314})";

TEST(DeliverySignature, TheStandardWebhooksTestVector) {
  EXPECT_EQ(sign(decode_secret(vector_secret), vector_id, vector_ts, vector_body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(DeliverySignature, EveryPartIsSigned) {
  auto key = decode_secret(vector_secret);
  auto good = sign(key, vector_id, vector_ts, vector_body);
  EXPECT_NE(sign(key, "msg_other", vector_ts, vector_body), good);
  EXPECT_NE(sign(key, vector_id, vector_ts + 1, vector_body), good);
  EXPECT_NE(sign(key, vector_id, vector_ts, R"({"test": 2432232315})"), good);
  EXPECT_NE(sign("other key", vector_id, vector_ts, vector_body), good);
}

TEST(DeliverySignature, AWhsecSecretIsItsBase64Bytes) {
  // base64 "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" is 24 bytes starting 0x31 0xF2 0x90.
  auto key = decode_secret(vector_secret);
  ASSERT_EQ(key.size(), 24u);
  EXPECT_EQ(static_cast<unsigned char>(key[0]), 0x31);
  EXPECT_EQ(static_cast<unsigned char>(key[1]), 0xF2);
  EXPECT_EQ(static_cast<unsigned char>(key[2]), 0x90);
  EXPECT_EQ(decode_secret("whsec_aGVsbG8="), "hello");  // padded
  EXPECT_EQ(decode_secret("whsec_aGVsbG8"), "hello");   // unpadded, as the libraries accept
  EXPECT_EQ(decode_secret("whsec_aGk="), "hi");
  EXPECT_EQ(decode_secret("whsec_aGk"), "hi");
  EXPECT_EQ(decode_secret("whsec_+/+/"), "\xfb\xff\xbf");
}

TEST(DeliverySignature, AnyOtherSecretIsItsRawBytes) {
  EXPECT_EQ(decode_secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  EXPECT_EQ(decode_secret("whsec"), "whsec");
  EXPECT_EQ(decode_secret(""), "");
  // Raw-byte key, checked with: python3 -c 'import hmac,hashlib,base64;print(base64.b64encode(
  //   hmac.new(b"plain-secret", b"m1.1700000000.{}", hashlib.sha256).digest()))'
  EXPECT_EQ(sign(decode_secret("plain-secret"), "m1", 1700000000, "{}"),
            "v1,6tbBd5MrVuipDXLOZvG6+FCd1OwqN3YxUXldsne8baw=");
}

TEST(DeliverySignature, ABadWhsecSecretIsRefusedClearly) {
  for (auto bad : {"whsec_not base64", "whsec_a", "whsec_aGk==x", "whsec_aGVsbG8===",
                   "whsec_aG=k", "whsec_-_-_", "whsec_aGk\n", "whsec_"}) {
    try {
      decode_secret(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("whsec_"), std::string::npos) << e.what();
    }
  }
}

TEST(DeliverySignature, NegativeAndEmptyInputsStillSign) {
  auto s = sign("k", "", 0, "");
  EXPECT_EQ(s.substr(0, 3), "v1,");
  EXPECT_EQ(s.size(), 3u + 44u);  // 32 bytes in padded base64
  EXPECT_NE(sign("k", "id", -1, "b"), sign("k", "id", 1, "b"));
}

}  // namespace
