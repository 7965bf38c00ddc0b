// Decoding a URL path segment: the router matches raw bytes, so a call id written as
// "abc%2Ddef" must be decoded before it is checked and looked up. Pure; any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace http {

// Decodes each %XX once ("%252D" gives "%2D", not "-"); "+" stays "+" (it means space only in
// query strings). nullopt when a % is not followed by two hex digits.
std::optional<std::string> percent_decode(std::string_view segment);

}  // namespace http
