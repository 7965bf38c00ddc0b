// How a setting's text becomes its value: one converter per setting, which stores the value or
// says what is wrong with it. Shared by config/settings.cpp and config/store_settings.cpp;
// internal to config/.
#pragma once

#include <charconv>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "config/settings.hpp"

namespace config {

inline std::optional<uint64_t> parse_uint(const std::string& text, uint64_t min, uint64_t max) {
  uint64_t v = 0;
  auto end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end || v < min || v > max)
    return std::nullopt;
  return v;
}

// One converter per setting: stores the value or returns what is wrong with it.
using converter = std::function<std::optional<std::string>(const std::string&, settings&)>;

inline converter whole_number(uint64_t min, uint64_t max,
                              std::function<void(settings&, uint64_t)> set) {
  return [=](const std::string& text, settings& s) -> std::optional<std::string> {
    auto v = parse_uint(text, min, max);
    if (!v)
      return "expected a whole number from " + std::to_string(min) + " to " + std::to_string(max);
    set(s, *v);
    return std::nullopt;
  };
}

// Secrets and prefixes: any text, empty included. Never echoed: no value of these is invalid.
inline converter any_text(std::string settings::*field) {
  return [=](const std::string& text, settings& s) -> std::optional<std::string> {
    s.*field = text;
    return std::nullopt;
  };
}

// REDIS_URL, REDIS_KEY_PREFIX, ...: the store's settings.
std::map<std::string, converter> store_converters();
// KESTRA_URL, FORWARD_URL, ...: pushing results (config/delivery_settings.cpp), and what they
// require of each other.
std::map<std::string, converter> delivery_converters();
std::optional<std::string> check_delivery(const settings& s);

}  // namespace config
