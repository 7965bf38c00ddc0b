// Which strings can be Kestra execution ids. Pure: no I/O; any thread.
//
// Kestra names an execution with friendly-id's Url62.encode(UUID.randomUUID()): the UUID's two
// signed 64-bit halves are zigzagged and combined by Szudzik's elegant pairing, which maps them
// onto [0, 2^128) exactly, and that number is written in base62 with the digits
// 0-9 A-Z a-z, unpadded (1 to 22 characters). Url62.decode refuses anything of more than 128
// bits, and so does this check: an id goes into a resume URL's path and into the journal, so
// nothing but what Kestra could have made gets that far.
#pragma once

#include <string_view>

namespace delivery {

// True when `id` is 1..22 base62 digits whose value is below 2^128. Leading zeros are accepted,
// as Url62.decode accepts them, though Kestra never writes them.
bool valid_execution_id(std::string_view id);

}  // namespace delivery
