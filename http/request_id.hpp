// X-Request-Id: the client's, when it is a plausible id, else a new random one, so that every
// response and every log line of a request can be matched up.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace http {

// 1-128 characters of A-Z a-z 0-9 and . _ : / + = @ - : enough for UUIDs, trace ids and
// base64, and nothing that could break a header or mislead a log reader.
bool is_acceptable_request_id(std::string_view id);

// The client's id when acceptable, else a new one: 32 random hex digits. Any thread.
std::string request_id_for(std::optional<std::string_view> from_client);

}  // namespace http
