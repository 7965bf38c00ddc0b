// nlohmann's serializer runs a UTF-8 decoder over every byte of every string; a transcript is
// nearly all plain ASCII, so finding the next byte to escape and copying the run before it is
// what makes this faster. The escapes are nlohmann's: \" \\ \b \f \n \r \t, other control
// characters as \u00xx (lower-case hex); everything else, DEL and non-ASCII included, as is.
#include "vapi/json_render.hpp"

#include <charconv>

namespace vapi {
namespace {

using ordered_json = nlohmann::ordered_json;

bool needs_escape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

// Well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, at most U+10FFFF).
bool valid_utf8(const std::string& s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (static_cast<size_t>(end - p) <= n || p[1] < lo || p[1] > hi)
      return false;
    for (size_t i = 2; i <= n; ++i)
      if (p[i] < 0x80 || p[i] > 0xBF)
        return false;
    p += n + 1;
  }
  return true;
}

void append_string(std::string& out, const std::string& s) {
  if (!valid_utf8(s)) {
    out += ordered_json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return;
  }
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (!needs_escape(c))
      continue;
    out.append(s, run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 0xf];
    }
  }
  out.append(s, run, std::string::npos);
  out += '"';
}

template <class Int>
void append_integer(std::string& out, Int n) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, r.ptr);
}

}  // namespace

void append_json(std::string& out, const ordered_json& value) {
  switch (value.type()) {
    case ordered_json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, member] : value.items()) {
        if (!first)
          out += ',';
        first = false;
        append_string(out, key);
        out += ':';
        append_json(out, member);
      }
      out += '}';
      return;
    }
    case ordered_json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& element : value) {
        if (!first)
          out += ',';
        first = false;
        append_json(out, element);
      }
      out += ']';
      return;
    }
    case ordered_json::value_t::string: return append_string(out, value.get_ref<const std::string&>());
    case ordered_json::value_t::boolean: out += value.get<bool>() ? "true" : "false"; return;
    case ordered_json::value_t::number_integer: return append_integer(out, value.get<int64_t>());
    case ordered_json::value_t::number_unsigned: return append_integer(out, value.get<uint64_t>());
    case ordered_json::value_t::null:
    case ordered_json::value_t::discarded: out += "null"; return;
    default:  // floats (nlohmann's own shortest form) and binary: as nlohmann writes them
      out += value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
}

}  // namespace vapi
