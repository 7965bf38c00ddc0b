// The HTTP request each delivery sends, built from the configuration and the pending delivery
// alone. Pure: the time and the random numbers are the caller's.
//
//  - Kestra: POST <KESTRA_URL><resume path> as multipart/form-data with one plain form field,
//    <KESTRA_RESUME_INPUT> = the CallResult JSON (Kestra reads a part without a filename as the
//    input of that name and parses it for a JSON input); Authorization when configured.
//  - Forward: POST <FORWARD_URL> with {"type":"call.result","callId":...,"data":<CallResult>}
//    and the Standard Webhooks headers: webhook-id (the same on every attempt, so a consumer
//    can drop a repeat), webhook-timestamp (this attempt's) and webhook-signature.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "delivery/delivery_record.hpp"

namespace delivery {

struct kestra_config {
  std::string base_url;      // KESTRA_URL
  std::string tenant;        // KESTRA_TENANT
  std::string resume_path;   // KESTRA_RESUME_PATH
  std::string input;         // KESTRA_RESUME_INPUT
  std::string authorization;  // the header's value (basic_auth, bearer_auth); empty: none
};

struct forward_config {
  std::string url;  // FORWARD_URL
  std::string key;  // decode_secret(FORWARD_SECRET)
};

struct http_post {
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
};

// `r1`, `r2`: random numbers for the multipart boundary.
http_post kestra_resume(const kestra_config& k, const pending& p, uint64_t r1, uint64_t r2);
http_post forward(const forward_config& f, const pending& p, int64_t now_s);

// The forwarded message's id: one per stored result, the same on every attempt.
std::string webhook_id(const pending& p);

}  // namespace delivery
