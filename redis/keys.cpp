#include "redis/keys.hpp"

namespace redis {

std::string key_layout::call_pattern() const {
  std::string out;
  out.reserve(prefix_.size() + 8);
  for (char c : prefix_) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\')
      out += '\\';
    out += c;
  }
  out += "call:*";
  return out;
}

std::optional<std::string_view> key_layout::call_id_of(std::string_view key) const {
  std::string_view head = prefix_;
  constexpr std::string_view kind = "call:";
  if (key.size() <= head.size() + kind.size() || key.substr(0, head.size()) != head ||
      key.substr(head.size(), kind.size()) != kind)
    return std::nullopt;
  return key.substr(head.size() + kind.size());
}

}  // namespace redis
