// The cache's results in the order stats pages list them: oldest stored first, then by call
// id. Kept by the cache actor on every store, replacement, delete, expiry and eviction, so a
// page costs O(log n + limit) (a cursor is found by binary search) and `limit=0` costs nothing,
// however many results there are; never a scan. Keys are the map's own strings, pointed at,
// not copied. Pure; owned by the cache actor, like the map.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "actors/stats_page.hpp"

namespace vapi_cache {

class stats_order {
 public:
  void add(int64_t stored_at_ms, const std::string* call_id, int64_t expires_at_ms) {
    items_.emplace(key{stored_at_ms, call_id}, expires_at_ms);
  }
  void remove(int64_t stored_at_ms, const std::string& call_id) {
    auto it = items_.find(probe{stored_at_ms, call_id});
    if (it != items_.end())
      items_.erase(it);
  }
  size_t size() const { return items_.size(); }

  struct page {
    std::vector<stats_row> rows;  // at most the request's limit, in order
    bool more = false;            // entries follow the last row
  };
  // The entries after the request's cursor (from the oldest without one), `limit` of them.
  page select(const stats_request& req) const {
    page out;
    if (req.limit == 0)
      return out;
    auto it = req.after ? items_.upper_bound(probe{req.after->stored_at_ms, req.after->call_id})
                        : items_.begin();
    out.rows.reserve(std::min(req.limit, items_.size()));
    for (; it != items_.end() && out.rows.size() < req.limit; ++it)
      out.rows.push_back({it->first.call_id, it->first.stored_at_ms, it->second});
    out.more = it != items_.end();
    return out;
  }

 private:
  struct key {
    int64_t stored_at_ms;
    const std::string* call_id;
  };
  struct probe {
    int64_t stored_at_ms;
    std::string_view call_id;
  };
  struct order {
    using is_transparent = void;
    static probe view(const key& k) { return {k.stored_at_ms, *k.call_id}; }
    static const probe& view(const probe& p) { return p; }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      auto x = view(a);
      auto y = view(b);
      return std::tie(x.stored_at_ms, x.call_id) < std::tie(y.stored_at_ms, y.call_id);
    }
  };
  std::map<key, int64_t, order> items_;  // -> expires at (epoch ms)
};

}  // namespace vapi_cache
