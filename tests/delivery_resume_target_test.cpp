// Tests delivery/resume_target.cpp: the three path shapes Kestra has had, the checks of the
// configured template and base URL, the URL's percent-encoding, the Authorization values.
#include "delivery/resume_target.hpp"

#include <gtest/gtest.h>

namespace {

using namespace delivery;

constexpr const char* path_0_23 = "/api/v1/{tenant}/executions/{executionId}/resume";
constexpr const char* path_2 = "/api/v1/{tenant}/executions/{executionId}/actions/resume";
constexpr const char* path_old = "/api/v1/executions/{executionId}/resume";

TEST(DeliveryResumeTarget, TheDefaultIsThe0_23To1xPath) {
  EXPECT_EQ(default_resume_path(), path_0_23);
  EXPECT_EQ(check_resume_path(default_resume_path()), std::nullopt);
}

TEST(DeliveryResumeTarget, EveryKestraPathShapeIsAcceptedAndBuilt) {
  for (auto p : {path_0_23, path_2, path_old}) EXPECT_EQ(check_resume_path(p), std::nullopt) << p;
  const char* base = "http://kestra:8080";
  EXPECT_EQ(resume_url(base, path_0_23, "main", "7NLCAyd6sKR7kDHxgAWFPG"),
            "http://kestra:8080/api/v1/main/executions/7NLCAyd6sKR7kDHxgAWFPG/resume");
  EXPECT_EQ(resume_url(base, path_2, "main", "7NLCAyd6sKR7kDHxgAWFPG"),
            "http://kestra:8080/api/v1/main/executions/7NLCAyd6sKR7kDHxgAWFPG/actions/resume");
  EXPECT_EQ(resume_url(base, path_old, "main", "7NLCAyd6sKR7kDHxgAWFPG"),
            "http://kestra:8080/api/v1/executions/7NLCAyd6sKR7kDHxgAWFPG/resume");
}

TEST(DeliveryResumeTarget, BadTemplatesSayWhy) {
  auto why = [](const char* t) { return check_resume_path(t).value_or("(accepted)"); };
  EXPECT_EQ(why(""), "the resume path must start with '/'");
  EXPECT_EQ(why("api/v1/executions/{executionId}/resume"), "the resume path must start with '/'");
  EXPECT_EQ(why("/api/v1/executions/resume"),
            "the resume path must hold {executionId} exactly once");
  EXPECT_EQ(why("/x/{executionId}/{executionId}"),
            "the resume path must hold {executionId} exactly once");
  EXPECT_EQ(why("/x/{execution}/resume"),
            "the resume path may hold no placeholder but {tenant} and {executionId}");
  EXPECT_EQ(why("/x/{executionid}/resume"),
            "the resume path may hold no placeholder but {tenant} and {executionId}");
  EXPECT_EQ(why("/x/{executionId}/resume}"),
            "the resume path has a '}' outside {tenant} and {executionId}");
  EXPECT_EQ(why("/x/{executionId}/resume?wait=1"), "the resume path must hold no '?' or '#'");
  EXPECT_EQ(why("/x/{executionId}#frag"), "the resume path must hold no '?' or '#'");
  EXPECT_EQ(why("/x /{executionId}"),
            "the resume path must hold no whitespace or control characters");
  EXPECT_EQ(why("/x/{executionId}\r\n"),
            "the resume path must hold no whitespace or control characters");
}

TEST(DeliveryResumeTarget, TrailingSlashesOfTheBaseGo) {
  EXPECT_EQ(resume_url("https://k.example/", path_old, "", "abc"),
            "https://k.example/api/v1/executions/abc/resume");
  EXPECT_EQ(resume_url("https://k.example/kestra///", path_old, "", "abc"),
            "https://k.example/kestra/api/v1/executions/abc/resume");
}

TEST(DeliveryResumeTarget, ValuesArePercentEncodedOutsideUnreserved) {
  EXPECT_EQ(resume_url("http://k", path_0_23, "a b/c?d#e%f", "x"),
            "http://k/api/v1/a%20b%2Fc%3Fd%23e%25f/executions/x/resume");
  EXPECT_EQ(resume_url("http://k", path_0_23, "Az09-._~", "..\xc3\xa9"),
            "http://k/api/v1/Az09-._~/executions/..%C3%A9/resume");
  EXPECT_EQ(resume_url("http://k", "/{tenant}/{tenant}/{executionId}", "t{", "{tenant}"),
            "http://k/t%7B/t%7B/%7Btenant%7D");  // substituted once: values are not templates
}

TEST(DeliveryResumeTarget, GoodBaseUrls) {
  for (auto u : {"http://kestra", "https://kestra.example.com", "http://kestra:8080",
                 "http://kestra:8080/", "https://example.com/kestra/", "http://10.0.0.5:1",
                 "http://[::1]:8080", "http://[fd00::1]/k", "http://kestra:65535"})
    EXPECT_EQ(check_base_url(u), std::nullopt) << u;
}

TEST(DeliveryResumeTarget, BadBaseUrlsSayWhy) {
  auto why = [](const char* u) { return check_base_url(u).value_or("(accepted)"); };
  EXPECT_EQ(why("kestra:8080"), "the base URL must start with http:// or https://");
  EXPECT_EQ(why("ftp://kestra"), "the base URL must start with http:// or https://");
  EXPECT_EQ(why("HTTP://kestra"), "the base URL must start with http:// or https://");
  EXPECT_EQ(why("http://"), "the base URL has no host");
  EXPECT_EQ(why("http:///api"), "the base URL has no host");
  EXPECT_EQ(why("http://:8080"), "the base URL has no host");
  EXPECT_EQ(why("http://kestra?x=1"), "the base URL must hold no '?' or '#'");
  EXPECT_EQ(why("http://kestra/#x"), "the base URL must hold no '?' or '#'");
  EXPECT_EQ(why("http://kes tra"), "the base URL must hold no whitespace or control characters");
  EXPECT_EQ(why("http://kestra\n"), "the base URL must hold no whitespace or control characters");
  EXPECT_EQ(why("http://admin:secret@kestra:8080"),
            "the base URL must hold no user:password@ (set KESTRA_USERNAME and KESTRA_PASSWORD)");
  EXPECT_EQ(why("http://kestra:0"), "the base URL has a port that is not a number from 1 to 65535");
  EXPECT_EQ(why("http://kestra:65536"),
            "the base URL has a port that is not a number from 1 to 65535");
  EXPECT_EQ(why("http://kestra:"), "the base URL has a port that is not a number from 1 to 65535");
  EXPECT_EQ(why("http://kestra:80a"),
            "the base URL has a port that is not a number from 1 to 65535");
  EXPECT_EQ(why("http://[::1"), "the base URL has an IPv6 host without its ']'");
  EXPECT_EQ(why("http://[::1]x"), "the base URL has something after the IPv6 host's ']'");
  EXPECT_EQ(why("http://[]:80"), "the base URL has no host");
}

TEST(DeliveryResumeTarget, AnAtInThePathIsNoUserinfo) {
  EXPECT_EQ(check_base_url("https://example.com/@kestra"), std::nullopt);
}

TEST(DeliveryResumeTarget, AuthorizationValues) {
  // RFC 7617's example.
  EXPECT_EQ(basic_auth("Aladdin", "open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  EXPECT_EQ(basic_auth("admin@kestra.io", "Admin1234"),
            "Basic YWRtaW5Aa2VzdHJhLmlvOkFkbWluMTIzNA==");
  EXPECT_EQ(basic_auth("", ""), "Basic Og==");
  EXPECT_EQ(basic_auth("a:b", "c"), "Basic YTpiOmM=");
  EXPECT_EQ(bearer_auth("tok.en-1"), "Bearer tok.en-1");
}

}  // namespace
