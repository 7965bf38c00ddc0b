// The cache's entries (results and call statuses) in the order they expire: the one that
// expires soonest is the one evicted first (Redis's volatile-ttl), found in O(1) and kept in
// order in O(log n) on every store, replacement, delete, expiry and eviction. Keys are the
// maps' own strings, pointed at, not copied. Owned by the cache actor, like the maps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

namespace vapi_cache {

class expiry_index {
 public:
  struct item {
    const std::string* call_id;  // the key in its map, valid until erased there
    bool status;                 // a call status rather than a result
  };

  // Generations are unique, so (expiry, generation) names one entry.
  void add(int64_t expires_at_ms, uint64_t generation, const std::string* call_id, bool status) {
    items_.emplace(key{expires_at_ms, generation}, item{call_id, status});
  }
  void remove(int64_t expires_at_ms, uint64_t generation) {
    items_.erase(key{expires_at_ms, generation});
  }
  // The entry that expires soonest; the index must not be empty.
  const item& soonest() const { return items_.begin()->second; }
  // The same, passing over the entries `keep` says stay (the entry just stored; during replay,
  // those a webhook or delete changed meanwhile); nullptr if every entry stays. Costs one step
  // per entry passed over.
  template <class Keep>
  const item* soonest_except(const Keep& keep) const {
    for (const auto& [when, it] : items_)
      if (!keep(*it.call_id))
        return &it;
    return nullptr;
  }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }

 private:
  using key = std::pair<int64_t, uint64_t>;
  std::map<key, item> items_;
};

}  // namespace vapi_cache
