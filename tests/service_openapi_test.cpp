// Tests GET /api/v1/vapi/openapi.json on the real binary: the embedded openapi.yaml served as
// JSON, guarded by API_TOKEN like every read, and describing exactly the routes the service has;
// and answers the document describes that other tests do not bring (tests/openapi/check.sh
// validates every response recorded here against it).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <string>

#include "tests/support/http_client.hpp"
#include "tests/support/service_api.hpp"
#include "tests/support/service_process.hpp"

namespace {

using nlohmann::json;
using test_support::http_client;
using test_support::service_process;

const std::string openapi = "/api/v1/vapi/openapi.json";

TEST(OpenApi, TheDocumentIsServedAsJson) {
  service_process svc;
  http_client c(svc.port());
  auto rsp = c.get(openapi);
  ASSERT_EQ(rsp.status, 200);
  EXPECT_EQ(rsp.header("content-type"), "application/json; charset=utf-8");
  EXPECT_FALSE(rsp.header("x-request-id").empty());
  json doc = json::parse(rsp.body);  // throws, failing the test, unless it is JSON
  EXPECT_EQ(doc["openapi"], "3.1.0");
  EXPECT_EQ(doc["info"]["title"], "vapi-cache");
  for (const char* path : {"/api/v1/vapi/webhook", "/api/v1/vapi/calls/{callId}",
                           "/api/v1/vapi/calls", "/api/v1/vapi/cache/stats",
                           "/api/v1/vapi/openapi.json", "/metrics", "/health", "/ready"})
    EXPECT_TRUE(doc["paths"].contains(path)) << path;
  EXPECT_EQ(doc["paths"].size(), 8u);
}

TEST(OpenApi, TheApiTokenGuardsItLikeEveryRead) {
  service_process svc({}, {{"API_TOKEN", "t0ken"}});
  http_client c(svc.port());
  auto denied = c.get(openapi);
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(denied.header("www-authenticate"), "Bearer");
  EXPECT_EQ(json::parse(denied.body),
            json::parse(R"({"success":false,"error":"Unauthorized",)"
                        R"("message":"This endpoint needs Authorization: Bearer <API_TOKEN>"})"));
  auto wrong = c.request("GET", openapi, "", {{"Authorization", "Bearer other"}});
  EXPECT_EQ(wrong.status, 401);
  auto allowed = c.request("GET", openapi, "", {{"Authorization", "Bearer t0ken"}});
  ASSERT_EQ(allowed.status, 200);
  EXPECT_EQ(json::parse(allowed.body)["openapi"], "3.1.0");
  // As the document says of every read and delete; /health and /ready stay open.
  for (auto [method, path] : {std::pair{"GET", "/api/v1/vapi/calls/c1"},
                              {"DELETE", "/api/v1/vapi/calls/c1"},
                              {"GET", "/api/v1/vapi/calls?ids=c1,c2"},
                              {"GET", "/api/v1/vapi/cache/stats"},
                              {"GET", "/metrics"}}) {
    auto rsp = c.request(method, path);
    EXPECT_EQ(rsp.status, 401) << method << " " << path;
    EXPECT_EQ(rsp.header("www-authenticate"), "Bearer") << path;
  }
  EXPECT_EQ(c.get("/health").status, 200);
  EXPECT_EQ(c.get("/ready").status, 200);
}

TEST(OpenApi, OtherMethodsAreAJson405) {
  service_process svc;
  http_client c(svc.port());
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    auto rsp = c.request(method, openapi);
    EXPECT_EQ(rsp.status, 405) << method;
    EXPECT_EQ(rsp.header("allow"), "GET") << method;
    EXPECT_EQ(json::parse(rsp.body)["error"], "Method Not Allowed") << method;
  }
}

// The connection layer answers before any route, on every path, as the document lists for each:
// a Content-Type that is no media type, a Transfer-Encoding it does not decode, a body over
// MAX_BODY_BYTES, headers over 32 KiB. (The recorded responses are validated against it.)
TEST(OpenApi, TheConnectionLayersAnswersAreJsonOnEveryPath) {
  service_process svc({}, {{"MAX_BODY_BYTES", "1024"}});
  for (const char* path : {"/health", "/metrics", "/api/v1/vapi/cache/stats",
                           "/api/v1/vapi/openapi.json", "/api/v1/vapi/calls/c1"}) {
    const std::string line = std::string("GET ") + path + " HTTP/1.1\r\nHost: t\r\n";
    const std::pair<std::string, int> cases[] = {
      {line + "Content-Type: nonsense\r\n\r\n", 415},
      {line + "Transfer-Encoding: gzip\r\n\r\n", 501},
      {line + "Content-Length: 2000\r\n\r\n" + std::string(2000, 'x'), 413},
      {line + "X-Big: " + std::string(40000, 'h') + "\r\n\r\n", 431}};
    for (const auto& [bytes, status] : cases) {
      http_client c(svc.port());
      c.send_raw(bytes);
      auto rsp = c.read_response();
      ASSERT_TRUE(rsp) << path << " " << status;
      EXPECT_EQ(rsp->status, status) << path;
      EXPECT_EQ(json::parse(rsp->body)["success"], false) << path;
      EXPECT_FALSE(rsp->header("x-request-id").empty()) << path;
    }
  }
}

// Every operation the document lists is routed (the router's 404 and 405 are never the
// answer), and the document's methods per path are the ones the 405's Allow names.
TEST(OpenApi, EveryDocumentedOperationIsRoutedAndNoOther) {
  service_process svc;
  http_client c(svc.port());
  json doc = json::parse(c.get(openapi).body);
  for (const auto& [path, item] : doc["paths"].items()) {
    std::string concrete = std::regex_replace(path, std::regex(R"(\{[^}]+\})"), "some-call");
    std::string allow;
    for (const char* method : {"get", "put", "post", "delete", "options", "head", "patch", "trace"}) {
      if (!item.contains(method))
        continue;
      std::string upper = method;
      for (auto& ch : upper)
        ch = char(std::toupper(static_cast<unsigned char>(ch)));
      allow += (allow.empty() ? "" : ", ") + upper;
      auto rsp = upper == "POST" ? c.post_json(concrete, "{}") : c.request(upper, concrete);
      EXPECT_NE(rsp.status, 405) << upper << " " << concrete;
      if (rsp.status == 404) {
        EXPECT_EQ(json::parse(rsp.body)["error"], "Call result not found") << concrete;
      }
      EXPECT_TRUE(item[method]["responses"].contains(std::to_string(rsp.status)))
        << upper << " " << concrete << " answered " << rsp.status << ", not documented";
    }
    auto other = c.request("PATCH", concrete);
    EXPECT_EQ(other.status, 405) << concrete;
    EXPECT_EQ(other.header("allow"), allow) << concrete;
  }
}

}  // namespace
