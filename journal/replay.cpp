// Two maps by call id, like the cache actor's; the journal's order is the actor's order, so
// applying records in turn rebuilds its state, and the clock only matters at the end.
#include "journal/replay.hpp"

#include <algorithm>

namespace journal {

void replayer::apply(record r) {
  switch (r.type) {
    case kind::stored: {
      statuses_.erase(r.call_id);  // the result says more than any status
      auto [it, added] = results_.try_emplace(r.call_id);
      if (!added)
        ++replaced_;
      it->second = std::move(r);
      return;
    }
    case kind::deleted:
      results_.erase(r.call_id);
      statuses_.erase(r.call_id);
      return;
    case kind::evicted:  // of a result or of a status: a call never has both
      results_.erase(r.call_id);
      statuses_.erase(r.call_id);
      return;
    case kind::status: {
      auto held = results_.find(r.call_id);
      if (held != results_.end() && held->second.expires_at_ms > r.at_ms)
        return;  // a result was cached then: the cache ignored this status
      std::string id = r.call_id;
      statuses_[std::move(id)] = std::move(r);
      return;
    }
  }
}

replay_state replayer::finish(int64_t now_ms) {
  replay_state out;
  out.replaced = replaced_;
  auto keep_live = [&](std::unordered_map<std::string, record>& from, std::vector<record>& to) {
    to.reserve(from.size());
    for (auto& [id, r] : from) {
      if (r.expires_at_ms <= now_ms)
        ++out.expired;
      else
        to.push_back(std::move(r));
    }
    from.clear();
    std::sort(to.begin(), to.end(), [](const record& a, const record& b) {
      return a.at_ms != b.at_ms ? a.at_ms < b.at_ms : a.call_id < b.call_id;
    });
  };
  keep_live(results_, out.results);
  keep_live(statuses_, out.statuses);
  replaced_ = 0;
  return out;
}

}  // namespace journal
