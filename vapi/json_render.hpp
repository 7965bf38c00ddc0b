// Writes a JSON value as compact text, byte for byte what nlohmann's dump(-1, ' ', false,
// replace) writes, several times faster: strings are copied in runs between the few bytes that
// need escaping instead of one code point at a time. Pure; any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace vapi {

// Appends `value` to `out`. Strings that are not valid UTF-8 (the parser refuses such input,
// so only a bug could make one) are written by nlohmann itself, with U+FFFD for bad bytes.
void append_json(std::string& out, const nlohmann::ordered_json& value);
// The same for a parsed document's tree (objects' members in sorted order, as std::map keeps
// them, which is also the order an ordered_json made from it has).
void append_json(std::string& out, const nlohmann::json& value);
// `text` as a JSON string, quotes included.
void append_json_string(std::string& out, std::string_view text);

}  // namespace vapi
