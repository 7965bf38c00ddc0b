// A framed request (http/request_framing.hpp) made into Pistache's Http::Request: its head is
// parsed by Pistache's parser, its Content-Length body handed over whole. Also the two things
// a session reads off a parsed request. Runs on a reactor thread; keeps no state but the
// parser, one per thread.
#pragma once

#include <pistache/http.h>

#include <optional>
#include <string>
#include <string_view>

#include "http/request_framing.hpp"

namespace http {

// The head without its Content-Length lines, or nullopt when it has none (most requests are
// GETs: nothing is copied). Without them Pistache's parser takes the head as the whole
// request, and the body, collected by the session, is handed to the request as one string
// (its parser would copy it a byte at a time). Pure.
std::optional<std::string> without_content_length(std::string_view head);

// What parsing found: 0 and the request, or an error status (400, 413, ...) and why.
struct parse_outcome {
  int status = 0;
  std::string reason;
};

// Parses `head` (with a chunked body after it, if any) and gives the request `body` when
// `own_body`. The request is this thread's parser's (parsed_request) until the next call.
parse_outcome parse_request(const framing_limits& limits, const std::string& head,
                            std::string body, bool own_body);
const Pistache::Http::Request& parsed_request(const framing_limits& limits);

// HTTP/1.1 keeps the connection unless the client says close; HTTP/1.0 closes unless it asks
// for keep-alive.
bool wants_keep_alive(const Pistache::Http::Request& request);

// The client's X-Request-Id, if it sent one.
std::optional<std::string_view> client_request_id(const Pistache::Http::Request& request);

}  // namespace http
