// One part between two delimiters; everything that could end the part early is refused.
#include "delivery/multipart.hpp"

#include <stdexcept>

namespace delivery {

namespace {

constexpr std::string_view crlf = "\r\n";

// RFC 2046 5.1.1: bchars are DIGIT / ALPHA / "'()+_,-./:=? " and a boundary does not end in a
// space. Checked because a bad one (a quote, a ';') would break the Content-Type header.
bool valid_boundary(std::string_view b) {
  if (b.empty() || b.size() > 70 || b.back() == ' ') return false;
  for (char c : b) {
    bool alnum = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (!alnum && std::string_view("'()+_,-./:=? ").find(c) == std::string_view::npos)
      return false;
  }
  return true;
}

}  // namespace

// Refusing the boundary anywhere in the value (not only after a CRLF, where it would end the
// part) keeps the rule simple to state; with 128 random bits a retry is all but never needed.
form form_data(std::string_view field_name, std::string_view value, std::string_view boundary) {
  if (!valid_boundary(boundary))
    throw std::invalid_argument("multipart: the boundary is not 1 to 70 of RFC 2046's bchars");
  if (value.find(boundary) != std::string_view::npos)
    throw std::invalid_argument("multipart: the boundary occurs in the value; pick another");
  if (field_name.empty() || field_name.find_first_of("\"\r\n") != std::string_view::npos)
    throw std::invalid_argument("multipart: the field name is empty or holds '\"', CR or LF");
  form f;
  f.boundary = std::string(boundary);
  f.content_type = "multipart/form-data; boundary=" + f.boundary;
  std::string& b = f.body;
  b.reserve(value.size() + 2 * boundary.size() + field_name.size() + 64);
  b.append("--").append(boundary).append(crlf);
  b.append("Content-Disposition: form-data; name=\"").append(field_name).append("\"");
  b.append(crlf).append(crlf);
  b.append(value).append(crlf);
  b.append("--").append(boundary).append("--").append(crlf);
  return f;
}

std::string boundary_from(uint64_t a, uint64_t b) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "vapi-cache-";
  for (uint64_t v : {a, b})
    for (int shift = 60; shift >= 0; shift -= 4) out.push_back(hex[(v >> shift) & 0xF]);
  return out;
}

}  // namespace delivery
