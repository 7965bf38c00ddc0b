// A response as bytes on the wire: the head (status line, headers, framing) encoded here, the
// body queued piece by piece, stored bodies shared or, when compressed, decompressed only when
// the socket takes them (net/output_queue.hpp). The head is pure; any thread may encode one.
#pragma once

#include <memory>
#include <string>

#include "http/response.hpp"
#include "net/output_queue.hpp"

namespace http {

// "HTTP/1.1 <status> <reason>", Content-Type, the response's headers, Connection (Keep-Alive or
// Close), Content-Length, blank line.
std::string encode_head(const response& r, bool keep_alive);

// Queues the whole response; `keep` is released once its last byte is written (or dropped).
// Without `with_body` (the answer to a HEAD) only the head goes out, its Content-Length still
// the body's (RFC 9110, 9.3.2): a body there would be read as the next response.
void queue_response(net::output_queue& out, response r, bool keep_alive,
                    std::shared_ptr<const void> keep, bool with_body = true);

}  // namespace http
