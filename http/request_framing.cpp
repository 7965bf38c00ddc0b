// The framer reads only what framing needs (Content-Length, Transfer-Encoding, Expect) and
// leaves every other header to Pistache's parser, which sees exactly one request at a time.
#include "http/request_framing.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

namespace http {
namespace {

constexpr std::size_t max_chunk_line = 4096;  // a size line with extensions, or a trailer

struct head_info {
  bool has_length = false;
  bool bad_length = false;      // not digits, or two different values
  bool length_overflow = false;  // more digits than any body could have
  uint64_t length = 0;
  bool chunked = false;
  bool other_coding = false;  // a Transfer-Encoding we do not decode
  bool expect_continue = false;
};

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? char(c + ('a' - 'A')) : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

head_info analyze(std::string_view head) {
  head_info info;
  auto pos = head.find("\r\n");  // skip the request line
  while (pos != std::string_view::npos && pos + 2 < head.size()) {
    auto start = pos + 2;
    pos = head.find("\r\n", start);
    auto line = head.substr(start, (pos == std::string_view::npos ? head.size() : pos) - start);
    auto colon = line.find(':');
    if (colon == std::string_view::npos)
      continue;  // the blank line that ends the block, or junk Pistache will refuse
    auto name = trim(line.substr(0, colon));
    auto value = trim(line.substr(colon + 1));
    if (iequals(name, "content-length")) {
      uint64_t v = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      bool digits_only = !value.empty() && ptr == value.data() + value.size();
      if (ec == std::errc::result_out_of_range && digits_only) {
        info.length_overflow = true;
      } else if (ec != std::errc() || !digits_only || (info.has_length && v != info.length)) {
        info.bad_length = true;
      }
      info.has_length = true;
      info.length = v;
    } else if (iequals(name, "transfer-encoding")) {
      (iequals(value, "chunked") ? info.chunked : info.other_coding) = true;
    } else if (iequals(name, "expect")) {
      info.expect_continue = iequals(value, "100-continue");
    }
  }
  return info;
}

std::string too_large_message(std::size_t limit) {
  return "Request body exceeds MAX_BODY_BYTES (" + std::to_string(limit) + " bytes)";
}

}  // namespace

std::size_t request_framer::consume(std::string_view data, framing_sink& sink) {
  std::size_t total = data.size();
  while (!data.empty()) {
    std::size_t used = 0;
    switch (phase_) {
      case phase::head:
        if (head_.empty() && !sink.accepting())
          return total - data.size();
        used = consume_head(data, sink);
        break;
      case phase::body: used = consume_body(data, sink); break;
      case phase::chunked: used = consume_chunked(data, sink); break;
      case phase::closed: return total;  // ignored, hence taken
    }
    data.remove_prefix(used);
  }
  return total;
}

void request_framer::forward(std::string_view bytes, framing_sink& sink) {
  if (!discarding_ && !bytes.empty() && phase_ != phase::closed)
    sink.request_bytes(bytes);
}

void request_framer::refuse(framing_sink& sink, int status, std::string message, bool close) {
  if (close)
    phase_ = phase::closed;
  sink.reject(status, std::move(message), close);
}

void request_framer::finish_request(framing_sink& sink) {
  if (phase_ == phase::closed)
    return;  // a sink closed us while taking the bytes
  phase_ = phase::head;  // before the sink runs: it may close() us
  if (discarding_) {
    discarding_ = false;  // the refusal was already answered
  } else {
    sink.request_end();
  }
}

std::size_t request_framer::consume_head(std::string_view data, framing_sink& sink) {
  std::size_t used = 0;
  if (head_.empty()) {  // blank lines before a request line are allowed (RFC 9112, 2.2)
    while (used < data.size() && (data[used] == '\r' || data[used] == '\n'))
      ++used;
    if (used == data.size())
      return used;
  }
  auto old = head_.size();
  auto take = std::min(data.size() - used, limits_.max_header_bytes - old);
  head_.append(data.substr(used, take));
  auto end = head_.find("\r\n\r\n", old >= 3 ? old - 3 : 0);
  if (end == std::string::npos) {
    if (head_.size() >= limits_.max_header_bytes)
      refuse(sink, 431, "Request headers exceed " + std::to_string(limits_.max_header_bytes) +
                          " bytes", true);
    return used + take;
  }
  auto head_len = end + 4;
  used += take - (head_.size() - head_len);  // what follows the block is body or next request
  head_.resize(head_len);
  start_body(sink);
  return used;
}

void request_framer::start_body(framing_sink& sink) {
  auto info = analyze(head_);
  if (info.bad_length)
    return refuse(sink, 400, "Invalid Content-Length header", true);
  if (info.has_length && (info.chunked || info.other_coding))
    return refuse(sink, 400, "Content-Length and Transfer-Encoding must not both be sent", true);
  if (info.other_coding)
    return refuse(sink, 501, "Only the chunked Transfer-Encoding is supported", true);

  expect_continue_ = info.expect_continue;
  discarding_ = false;
  if (info.chunked) {
    phase_ = phase::chunked;  // before forwarding: the sink may close() us
    chunk_step_ = chunk_step::size_line;
    body_seen_ = 0;
    forward(head_, sink);
    head_.clear();
    if (expect_continue_ && phase_ != phase::closed)
      sink.expect_continue();
    return;
  }

  uint64_t length = info.has_length ? info.length : 0;
  if (info.length_overflow || length > limits_.max_body_bytes) {
    head_.clear();
    // A client that waits for "100 Continue" may never send the body we would skip, and no
    // client sends 2^64 bytes: close rather than wait for the end of either.
    if (expect_continue_ || info.length_overflow)
      return refuse(sink, 413, too_large_message(limits_.max_body_bytes), true);
    refuse(sink, 413, too_large_message(limits_.max_body_bytes), false);
    discarding_ = true;  // skip the body, then read the next request on this connection
    body_left_ = length;
    phase_ = phase::body;
    return;
  }
  body_left_ = length;
  phase_ = phase::body;  // before forwarding: the sink may close() us
  forward(head_, sink);
  head_.clear();
  if (length == 0)
    return finish_request(sink);
  if (expect_continue_ && phase_ != phase::closed)
    sink.expect_continue();
}

std::size_t request_framer::consume_body(std::string_view data, framing_sink& sink) {
  auto n = static_cast<std::size_t>(std::min<uint64_t>(data.size(), body_left_));
  forward(data.substr(0, n), sink);
  body_left_ -= n;
  if (body_left_ == 0)
    finish_request(sink);
  return n;
}

std::size_t request_framer::consume_chunked(std::string_view data, framing_sink& sink) {
  std::size_t i = 0, forwarded = 0;
  auto flush = [&] {
    forward(data.substr(forwarded, i - forwarded), sink);
    forwarded = i;
  };
  auto malformed = [&] {
    flush();
    refuse(sink, 400, "Malformed chunked body", true);
    return i;
  };
  // The limit counts every byte after the headers, framing included, so that neither many
  // tiny chunks nor endless trailers can grow the parser's buffer past it.
  auto check_limit = [&](uint64_t upcoming) {
    const uint64_t max = limits_.max_body_bytes, seen = body_seen_ + i;
    if (!discarding_ && (seen > max || upcoming > max - seen)) {  // no overflow near 2^64
      forwarded = i;  // the bytes that crossed the limit are dropped, not fed to the parser
      refuse(sink, 413, too_large_message(limits_.max_body_bytes), false);
      discarding_ = true;  // keep framing the chunks to find where this request ends
    }
  };
  while (i < data.size() && phase_ == phase::chunked) {
    if (chunk_step_ == chunk_step::data) {
      auto n = static_cast<std::size_t>(std::min<uint64_t>(data.size() - i, body_left_));
      i += n;
      body_left_ -= n;
      if (body_left_ == 0)
        chunk_step_ = chunk_step::data_end;
      continue;
    }
    // The size line, the CRLF after a chunk and each trailer are lines: read to the next '\n'.
    auto nl = data.find('\n', i);
    auto end = nl == std::string_view::npos ? data.size() : nl + 1;
    line_.append(data.substr(i, end - i));
    i = end;
    if (line_.size() > max_chunk_line)
      return malformed();
    check_limit(0);
    if (nl == std::string_view::npos)
      break;
    std::string_view line = trim(std::string_view(line_).substr(0, line_.size() - 1));
    if (chunk_step_ == chunk_step::size_line) {
      auto size_text = trim(line.substr(0, line.find(';')));  // chunk extensions are ignored
      uint64_t size = 0;
      auto [ptr, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(),
                                       size, 16);
      if (size_text.empty() || ec != std::errc() || ptr != size_text.data() + size_text.size())
        return malformed();
      body_left_ = size;
      chunk_step_ = size == 0 ? chunk_step::trailer : chunk_step::data;
      check_limit(size);
    } else if (chunk_step_ == chunk_step::data_end) {
      if (!line.empty())
        return malformed();
      chunk_step_ = chunk_step::size_line;
    } else if (line.empty()) {  // the blank line after the trailers ends the request
      line_.clear();
      flush();
      finish_request(sink);
      return i;
    }
    line_.clear();
  }
  body_seen_ += i;
  flush();
  return i;
}

}  // namespace http
