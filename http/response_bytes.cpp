// Header order and spelling are Pistache 0.0.5's, which clients of earlier versions saw:
// Content-Type, the others, Connection, Content-Length.
#include "http/response_bytes.hpp"

#include <pistache/http_defs.h>

#include <charconv>

namespace http {
namespace {

// A compressed stored body, decompressed when the output queue reaches it.
class stored_text final : public net::deferred_bytes {
 public:
  explicit stored_text(vapi_cache::body_ptr body) : body_(std::move(body)) {}
  size_t size() const override { return body_->size(); }
  std::string make() const override { return body_->text(); }

 private:
  vapi_cache::body_ptr body_;
};

void append_number(std::string& out, size_t n) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  out.append(digits, end);
}

}  // namespace

std::string encode_head(const response& r, bool keep_alive) {
  std::string out;
  out.reserve(160);
  out += "HTTP/1.1 ";
  append_number(out, static_cast<size_t>(r.status));
  out += ' ';
  out += Pistache::Http::codeString(static_cast<Pistache::Http::Code>(r.status));
  out += "\r\nContent-Type: ";
  out += r.content_type;
  out += "\r\n";
  for (const auto& [name, value] : r.headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  out += keep_alive ? "Connection: Keep-Alive\r\nContent-Length: "
                    : "Connection: Close\r\nContent-Length: ";
  append_number(out, r.content_length());
  out += "\r\n\r\n";
  return out;
}

void queue_response(net::output_queue& out, response r, bool keep_alive,
                    std::shared_ptr<const void> keep, bool with_body) {
  std::string head = encode_head(r, keep_alive);
  if (!with_body)
    r.body.clear();
  // A small text body travels in the head's buffer: one piece, one copy of a few hundred bytes.
  if (r.body.size() == 1 && !r.body[0].stored && r.body[0].text.size() <= 4096) {
    head += r.body[0].text;
    r.body.clear();
  }
  out.push(std::move(head));
  for (auto& p : r.body) {
    if (!p.stored) {
      out.push(std::move(p.text));
    } else if (!p.stored->compressed()) {
      out.push_shared(p.stored, p.stored->raw().substr(p.offset, p.length));
    } else {
      out.push_deferred(std::make_shared<stored_text>(p.stored), p.offset, p.length);
    }
  }
  out.push_keep(std::move(keep));
}

}  // namespace http
