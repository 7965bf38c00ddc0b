// Standard Webhooks signatures (www.standardwebhooks.com, spec/standard-webhooks.md) for what
// the service sends: the "v1" scheme, HMAC-SHA256 over "<msg_id>.<timestamp>.<body>". Pure: no
// I/O, no clock (the caller passes the timestamp); any thread.
//
// The signature goes in `webhook-signature`, with `webhook-id` = msg_id and
// `webhook-timestamp` = timestamp_s; msg_id stays the same across retries of one message (the
// receiver's idempotency key), the timestamp is the attempt's. The spec warns that a msg_id
// holding '.' makes the signed text ambiguous: the caller picks ids without one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace delivery {

// Standard base64 with padding (OpenSSL's EVP_EncodeBlock), for signatures and Basic auth.
std::string encode_base64(std::string_view bytes);

// The HMAC key of a configured secret. "whsec_<base64>" (the spec's serialization, padded or
// not) gives the decoded bytes; std::invalid_argument when that is not base64 or decodes to
// nothing. Any other secret is used as its raw bytes.
std::string decode_secret(std::string_view secret);

// "v1," + base64(HMAC-SHA256(key, msg_id + "." + timestamp_s + "." + body)). Throws
// std::runtime_error only if OpenSSL fails.
std::string sign(std::string_view key, std::string_view msg_id, int64_t timestamp_s,
                 std::string_view body);

}  // namespace delivery
