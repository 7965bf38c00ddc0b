// Numbers are digits only (no sign, no spaces) and short enough never to overflow.
#include "http/query_params.hpp"

#include <algorithm>

#include "http/percent_decode.hpp"
#include "vapi/webhook.hpp"

namespace http {
namespace {

std::optional<uint64_t> small_number(const std::string& text) {
  if (text.empty() || text.size() > 9 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return std::stoull(text);
}

}  // namespace

parsed<std::chrono::seconds> parse_wait(const std::optional<std::string>& text,
                                        std::chrono::seconds max) {
  if (!text)
    return {std::chrono::seconds(0), {}};
  auto n = small_number(*text);
  if (!n)
    return {std::nullopt, "Invalid wait: expected whole seconds, 0 or more (at most " +
                            std::to_string(max.count()) + " are used)"};
  return {std::min(std::chrono::seconds(*n), max), {}};
}

parsed<std::vector<std::string>> parse_ids(const std::optional<std::string>& list, size_t max) {
  if (!list || list->empty())
    return {std::nullopt, "Missing ids: expected ids=<callId>,<callId>,..."};
  std::vector<std::string> ids;
  size_t start = 0;
  while (start <= list->size()) {
    auto comma = list->find(',', start);
    auto end = comma == std::string::npos ? list->size() : comma;
    auto id = percent_decode(std::string_view(*list).substr(start, end - start));
    if (!id || !vapi::is_valid_call_id(*id))
      return {std::nullopt, "Invalid ids: each must be 1-128 characters of A-Z a-z 0-9 . _ : -"};
    if (std::find(ids.begin(), ids.end(), *id) == ids.end())
      ids.push_back(std::move(*id));
    if (ids.size() > max)
      return {std::nullopt, "Too many ids: at most " + std::to_string(max)};
    start = end + 1;
  }
  return {std::move(ids), {}};
}

parsed<vapi_cache::stats_request> parse_stats_page(const std::optional<std::string>& limit,
                                                   const std::optional<std::string>& cursor) {
  vapi_cache::stats_request req;
  if (limit) {
    auto n = small_number(*limit);
    if (!n)
      return {std::nullopt, "Invalid limit: expected a whole number of entries, 0 to " +
                              std::to_string(vapi_cache::max_stats_page)};
    req.limit = std::min<size_t>(*n, vapi_cache::max_stats_page);
  }
  if (cursor) {
    auto text = percent_decode(*cursor);
    if (text)
      req.after = vapi_cache::parse_cursor(*text);
    if (!req.after)
      return {std::nullopt, "Invalid cursor: pass nextCursor from the previous page as it was"};
  }
  return {std::move(req), {}};
}

}  // namespace http
