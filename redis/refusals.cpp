#include "redis/refusals.hpp"

#include <cstdint>

namespace redis {

bool refused_for_now(std::string_view error) {
  static constexpr std::string_view for_now[] = {
    "LOADING", "READONLY", "OOM",     "BUSY",        "NOREPLICAS", "MASTERDOWN",
    "MISCONF", "TRYAGAIN", "NOPERM",  "CLUSTERDOWN", "NOAUTH",     "EXECABORT"};
  auto code = error.substr(0, error.find(' '));
  for (auto c : for_now)
    if (code == c)
      return true;
  return false;
}

size_t settled_changes(const std::vector<reply>& replies, const std::vector<size_t>& reply_of) {
  size_t done = 0;
  for (size_t at : reply_of) {
    if (at != SIZE_MAX) {
      if (at >= replies.size())
        break;  // no reply for it: not known to be in Redis
      if (replies[at].is_error() && refused_for_now(replies[at].text))
        break;
    }
    ++done;
  }
  return done;
}

}  // namespace redis
