// The query parameters the API takes, read from their raw text into values or into the 400
// message that says what is wrong. Pure: no Pistache; any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "actors/stats_page.hpp"

namespace http {

// A value, or why there is none (the 400's message).
template <class T>
struct parsed {
  std::optional<T> value;
  std::string error;
};

// ?wait=N: whole seconds, capped at `max`; absent means 0 (answer at once).
parsed<std::chrono::seconds> parse_wait(const std::optional<std::string>& text,
                                        std::chrono::seconds max);

// ?ids=a,b,c: percent-decoded, valid call ids, duplicates dropped (first kept), at most `max`.
parsed<std::vector<std::string>> parse_ids(const std::optional<std::string>& list, size_t max);

// ?limit=N&cursor=C of the stats page: limit 0 to max_stats_page (larger is capped), default
// default_stats_page; cursor as stats returned it in nextCursor.
parsed<vapi_cache::stats_request> parse_stats_page(const std::optional<std::string>& limit,
                                                   const std::optional<std::string>& cursor);

}  // namespace http
