// Tests delivery/requests.cpp: the exact request each target gets.
#include "delivery/requests.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "delivery/multipart.hpp"
#include "delivery/signature.hpp"

namespace {

delivery::pending a_result(delivery::target to) {
  return {to, "call-1", to == delivery::target::kestra_resume ? "7NLCAyd6sKR7kDHxgAWFPG" : "",
          R"({"callId":"call-1","status":"completed"})", 1700000000000, 1700000900000};
}

bool has(const std::vector<std::string>& headers, const std::string& h) {
  return std::find(headers.begin(), headers.end(), h) != headers.end();
}

TEST(DeliveryRequests, KestraResumeIsOnePlainFormFieldOnTheConfiguredPath) {
  delivery::kestra_config k{"https://kestra.example.com", "main",
                            "/api/v1/{tenant}/executions/{executionId}/resume", "result",
                            "Bearer t"};
  auto post = delivery::kestra_resume(k, a_result(delivery::target::kestra_resume), 1, 2);
  EXPECT_EQ(post.url,
            "https://kestra.example.com/api/v1/main/executions/7NLCAyd6sKR7kDHxgAWFPG/resume");
  EXPECT_TRUE(has(post.headers, "Authorization: Bearer t"));
  auto boundary = delivery::boundary_from(1, 2);
  EXPECT_TRUE(has(post.headers, "Content-Type: multipart/form-data; boundary=" + boundary));
  EXPECT_EQ(post.body, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"result\"\r\n\r\n" +
                         R"({"callId":"call-1","status":"completed"})" + "\r\n--" + boundary +
                         "--\r\n");
}

TEST(DeliveryRequests, NoAuthorizationHeaderWithoutCredentials) {
  delivery::kestra_config k{"http://k", "main", "/api/v1/executions/{executionId}/resume",
                            "result", ""};
  auto post = delivery::kestra_resume(k, a_result(delivery::target::kestra_resume), 1, 2);
  EXPECT_EQ(post.url, "http://k/api/v1/executions/7NLCAyd6sKR7kDHxgAWFPG/resume");
  for (const auto& h : post.headers)
    EXPECT_NE(h.rfind("Authorization", 0), 0u) << h;
}

TEST(DeliveryRequests, AForwardCarriesTheResultAndItsSignature) {
  auto key = delivery::decode_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  delivery::forward_config f{"https://hooks.example.com/in", key};
  auto p = a_result(delivery::target::forward);
  auto post = delivery::forward(f, p, 1700000001);
  EXPECT_EQ(post.url, "https://hooks.example.com/in");
  EXPECT_EQ(post.body, R"({"type":"call.result","callId":"call-1","data":{"callId":"call-1","status":"completed"}})");
  auto id = delivery::webhook_id(p);
  EXPECT_TRUE(has(post.headers, "webhook-id: " + id));
  EXPECT_TRUE(has(post.headers, "webhook-timestamp: 1700000001"));
  EXPECT_TRUE(has(post.headers, "webhook-signature: " +
                                  delivery::sign(key, id, 1700000001, post.body)));
  // The same message id on every attempt, a new timestamp and signature.
  auto again = delivery::forward(f, p, 1700000060);
  EXPECT_TRUE(has(again.headers, "webhook-id: " + id));
  EXPECT_FALSE(has(again.headers, "webhook-signature: " +
                                    delivery::sign(key, id, 1700000001, post.body)));
}

}  // namespace
