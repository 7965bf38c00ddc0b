// Writes a JSON value as compact text, byte for byte what nlohmann's dump(-1, ' ', false,
// replace) writes, several times faster: strings are copied in runs between the few bytes that
// need escaping instead of one code point at a time. Pure; any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace vapi {

// Appends `value` to `out`. Strings that are not valid UTF-8 (the parser refuses such input,
// so only a bug could make one) are written by nlohmann itself, with U+FFFD for bad bytes.
void append_json(std::string& out, const nlohmann::ordered_json& value);

}  // namespace vapi
