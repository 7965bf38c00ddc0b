// The key layout of the Redis store (issue 13), shared with the seed's own Redis variant:
//   <prefix>call:<id>    the CallResult JSON itself (our GET's "data"), SET ... PX <ttl>
//   <prefix>status:<id>  the last status-update of a call without a result, same TTL
//   <prefix>changed:<id> when the call was last stored or deleted (redis/scripts.hpp)
//   <prefix>stored       the channel a store publishes the call id on
// Pure; any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace redis {

class key_layout {
 public:
  explicit key_layout(std::string prefix) : prefix_(std::move(prefix)) {}

  std::string call(std::string_view id) const { return prefix_ + "call:" + std::string(id); }
  std::string status(std::string_view id) const { return prefix_ + "status:" + std::string(id); }
  std::string changed(std::string_view id) const {
    return prefix_ + "changed:" + std::string(id);
  }
  std::string channel() const { return prefix_ + "stored"; }

  // SCAN's MATCH pattern for every result key: the prefix with the glob characters Redis reads
  // (* ? [ ] \) escaped, then "call:*".
  std::string call_pattern() const;
  // The call id in a result key; nullopt for any other key.
  std::optional<std::string_view> call_id_of(std::string_view key) const;

  const std::string& prefix() const { return prefix_; }

 private:
  std::string prefix_;
};

}  // namespace redis
