// nlohmann's serializer runs a UTF-8 decoder over every byte of every string; a transcript is
// nearly all plain ASCII, so finding the next byte to escape and copying the run before it is
// what makes this faster. The escapes are nlohmann's: \" \\ \b \f \n \r \t, other control
// characters as \u00xx (lower-case hex); everything else, DEL and non-ASCII included, as is.
#include "vapi/json_render.hpp"

#include <charconv>
#include <cstdint>
#include <cstring>

namespace vapi {
namespace {

using ordered_json = nlohmann::ordered_json;

bool needs_escape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

// Whether any of 8 bytes needs a look: a control character, '"', '\\' or a non-ASCII byte.
// (Word-at-a-time tests: v - 0x01.. & ~v & 0x80.. is non-zero iff some byte of v is zero.)
bool any_special(uint64_t w) {
  constexpr uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
  auto has_zero = [&](uint64_t v) { return (v - ones) & ~v & high; };
  uint64_t below_space = (w - ones * 0x20) & ~w & high;
  return ((w & high) | below_space | has_zero(w ^ (ones * '"')) | has_zero(w ^ (ones * '\\'))) !=
         0;
}

// The length of the well-formed UTF-8 sequence (RFC 3629: no overlongs, no surrogates, at most
// U+10FFFF) that starts with the non-ASCII byte at p; 0 if it is not one.
size_t utf8_length(const unsigned char* p, const unsigned char* end) {
  unsigned char c = *p, lo = 0x80, hi = 0xBF;
  size_t n;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (static_cast<size_t>(end - p) < n || p[1] < lo || p[1] > hi)
    return 0;
  for (size_t i = 2; i < n; ++i)
    if (p[i] < 0x80 || p[i] > 0xBF)
      return 0;
  return n;
}

void append_escape(std::string& out, unsigned char c) {
  static constexpr char hex[] = "0123456789abcdef";
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

void append_string_to(std::string& out, std::string_view s) {
  const auto* begin = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = begin + s.size();
  const auto* p = begin;
  const auto* run = begin;  // the start of the bytes not yet copied
  size_t rollback = out.size();
  out += '"';
  while (p < end) {
    // Plain ASCII, 8 bytes at a time.
    while (end - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      if (any_special(w))
        break;
      p += 8;
    }
    if (p == end)
      break;
    unsigned char c = *p;
    if (c >= 0x80) {
      size_t n = utf8_length(p, end);
      if (n == 0) {  // not UTF-8: let nlohmann write it, replacing the bad bytes
        out.resize(rollback);
        out += ordered_json(std::string(s)).dump(-1, ' ', false,
                                                 nlohmann::json::error_handler_t::replace);
        return;
      }
      p += n;
    } else if (needs_escape(c)) {
      out.append(reinterpret_cast<const char*>(run), static_cast<size_t>(p - run));
      append_escape(out, c);
      run = ++p;
    } else {
      ++p;
    }
  }
  out.append(reinterpret_cast<const char*>(run), static_cast<size_t>(end - run));
  out += '"';
}

template <class Int>
void append_integer(std::string& out, Int n) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, r.ptr);
}

// Either kind of tree: ordered_json (members in insertion order) or json (std::map: sorted).
template <class Json>
void append_value(std::string& out, const Json& value) {
  using value_t = typename Json::value_t;
  switch (value.type()) {
    case value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, member] : value.items()) {
        if (!first)
          out += ',';
        first = false;
        append_string_to(out, key);
        out += ':';
        append_value(out, member);
      }
      out += '}';
      return;
    }
    case value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& element : value) {
        if (!first)
          out += ',';
        first = false;
        append_value(out, element);
      }
      out += ']';
      return;
    }
    case value_t::string: return append_string_to(out, value.template get_ref<const std::string&>());
    case value_t::boolean: out += value.template get<bool>() ? "true" : "false"; return;
    case value_t::number_integer: return append_integer(out, value.template get<int64_t>());
    case value_t::number_unsigned: return append_integer(out, value.template get<uint64_t>());
    case value_t::null:
    case value_t::discarded: out += "null"; return;
    default:  // floats (nlohmann's own shortest form) and binary: as nlohmann writes them
      out += value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
}

}  // namespace

void append_json(std::string& out, const ordered_json& value) { append_value(out, value); }
void append_json(std::string& out, const nlohmann::json& value) { append_value(out, value); }
void append_json_string(std::string& out, std::string_view text) { append_string_to(out, text); }

}  // namespace vapi
