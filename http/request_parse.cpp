// Pistache's parser is fed one whole request at a time, so one per thread serves every
// connection of that thread's reactor.
#include "http/request_parse.hpp"

#include <algorithm>
#include <cctype>

namespace http {
namespace {

using namespace Pistache;

// Gives access to Message::body_, which Pistache only lets its own parser fill: a member
// pointer named through a derived class is the standard-conforming way in.
struct body_access : Http::Request {
  static constexpr std::string Http::Message::*body = &body_access::body_;
};

Http::RequestParser& parser_for(const framing_limits& limits) {
  thread_local Http::RequestParser parser(limits.max_header_bytes + limits.max_body_bytes);
  return parser;
}

bool is_content_length(std::string_view line) {
  static constexpr std::string_view name = "content-length";
  auto colon = line.find(':');
  auto same = [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); };
  return colon != std::string_view::npos && colon >= name.size() &&
         std::equal(name.begin(), name.end(), line.begin(), same) &&
         line.substr(name.size(), colon - name.size()).find_first_not_of(" \t") ==
           std::string_view::npos;
}

}  // namespace

std::optional<std::string> without_content_length(std::string_view head) {
  std::optional<std::string> out;
  size_t start = head.find("\r\n");  // the request line is never a header
  size_t kept = 0;
  while (start != std::string_view::npos && start + 2 < head.size()) {
    start += 2;
    auto end = head.find("\r\n", start);
    end = end == std::string_view::npos ? head.size() : end + 2;
    if (is_content_length(head.substr(start, end - start))) {
      if (!out)
        out.emplace();
      out->append(head.substr(kept, start - kept));
      kept = end;
    }
    start = end - 2;
  }
  if (out)
    out->append(head.substr(kept));
  return out;
}

parse_outcome parse_request(const framing_limits& limits, const std::string& head,
                            std::string body, bool own_body) {
  auto& parser = parser_for(limits);
  parser.reset();
  Http::Private::State state;
  try {
    if (!parser.feed(head.data(), head.size()))
      return {413, "Request too large"};
    state = parser.parse();
  } catch (const Http::HttpError& e) {  // e.g. a bad request line, an unknown media type
    return {e.code(), e.reason()};
  } catch (const std::exception& e) {
    return {400, e.what()};
  }
  if (state != Http::Private::State::Done)
    return {400, "Malformed request"};
  auto& request = parser.request;
  if (own_body)
    request.*body_access::body = std::move(body);
  if (request.resource().empty() || request.resource()[0] != '/')
    return {400, "Malformed request target"};
  return {};
}

const Http::Request& parsed_request(const framing_limits& limits) {
  return parser_for(limits).request;
}

bool wants_keep_alive(const Http::Request& request) {
  auto connection = request.headers().tryGet<Http::Header::Connection>();
  if (connection)
    return connection->control() != Http::ConnectionControl::Close;
  return request.version() == Http::Version::Http11;
}

std::optional<std::string_view> client_request_id(const Http::Request& request) {
  auto raw = request.headers().tryGetRaw("X-Request-Id");
  if (!raw)
    return std::nullopt;
  return std::string_view(raw->value());
}

}  // namespace http
