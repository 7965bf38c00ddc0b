// The multipart/form-data body (RFC 7578) of a Kestra resume: one plain form field. Pure: no
// I/O, no randomness of its own (the caller supplies the random numbers); any thread.
//
// Kestra's resume endpoint takes the Pause task's onResume inputs as form fields. The part
// carries no filename, so Kestra reads it as a plain input value, not as a file upload, and no
// Content-Type, so it is text/plain (RFC 7578 4.4).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace delivery {

struct form {
  std::string boundary;
  std::string body;          // the request body, exact bytes
  std::string content_type;  // "multipart/form-data; boundary=<boundary>"
};

// Throws std::invalid_argument when the boundary occurs in the value (pick another random
// boundary and call again), when the boundary is not 1..70 of RFC 2046's bchars (ending in no
// space), or when field_name is empty or holds '"', CR or LF.
form form_data(std::string_view field_name, std::string_view value, std::string_view boundary);

// "vapi-cache-" + 32 lower-case hex digits of a then b: give it two random numbers.
std::string boundary_from(uint64_t a, uint64_t b);

}  // namespace delivery
