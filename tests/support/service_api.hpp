// Test support: the service's paths and the smallest valid requests, shared by the tests that
// talk to the real binary.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace test_support {

inline const std::string webhook = "/api/v1/vapi/webhook";
inline const std::string calls = "/api/v1/vapi/calls/";
inline const std::string stats = "/api/v1/vapi/cache/stats";

// An end-of-call report in VAPI's real layout (results on the message) for `id`.
inline std::string report(const std::string& id) {
  return nlohmann::json{{"message",
                         {{"type", "end-of-call-report"},
                          {"endedReason", "customer-ended-call"},
                          {"call", {{"id", id}}}}}}
    .dump();
}

// A bare GET, for tests that send it raw and read the answer later.
inline std::string get_request(const std::string& path) {
  return "GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n";
}

}  // namespace test_support
