// The cache's map from call id, split into 64 hash maps. A std::unordered_map grows by rehashing
// every element at once: at a million entries that is a pause of tens of milliseconds on the
// cache actor, which every request then waits out. Split 64 ways, each rehash moves a 64th
// as much. (Redis rehashes incrementally for the same reason; this is the simple version.)
// Owned by one actor and touched only on its thread, like everything it holds.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <string>
#include <unordered_map>
#include <utility>

namespace vapi_cache {

template <class Value>
class sharded_map {
 public:
  Value* find(const std::string& key) {
    auto& s = shard(key);
    auto it = s.find(key);
    return it == s.end() ? nullptr : &it->second;
  }
  bool contains(const std::string& key) const { return shard(key).count(key) > 0; }

  // The value for `key`, default-made if absent; second: whether it was added.
  std::pair<Value*, bool> try_emplace(const std::string& key) {
    auto [it, added] = shard(key).try_emplace(key);
    size_ += added;
    return {&it->second, added};
  }

  // The map's own copy of `key` (null if absent): it stays put until the key is erased, rehashes
  // included, so an index can point at it instead of copying it.
  const std::string* key_of(const std::string& key) const {
    auto& s = shard(key);
    auto it = s.find(key);
    return it == s.end() ? nullptr : &it->first;
  }

  bool erase(const std::string& key) {
    bool erased = shard(key).erase(key) > 0;
    size_ -= erased;
    return erased;
  }

  size_t size() const { return size_; }

  template <class F>  // f(const std::string& key, const Value& value), in no particular order
  void for_each(F&& f) const {
    for (const auto& s : shards_)
      for (const auto& [key, value] : s)
        f(key, value);
  }

 private:
  using map = std::unordered_map<std::string, Value>;
  // The top bits pick the shard; the map itself buckets by the low bits of the same hash.
  static size_t index(const std::string& key) { return std::hash<std::string>{}(key) >> 58; }
  map& shard(const std::string& key) { return shards_[index(key)]; }
  const map& shard(const std::string& key) const { return shards_[index(key)]; }

  std::array<map, 64> shards_;
  size_t size_ = 0;
};

}  // namespace vapi_cache
