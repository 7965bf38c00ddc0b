// See waiters.hpp. A waiter is indexed under each call it still misses, so a stored result
// finds its waiters in one lookup; completing a waiter unlinks it from every call.
#include "actors/waiters.hpp"

#include <algorithm>

namespace vapi_cache {

waiters::waiter_id waiters::add(std::vector<std::string> calls, std::vector<body_ptr> bodies,
                                bool any, done_fn done) {
  auto id = ++next_id_;
  size_t missing = static_cast<size_t>(std::count(bodies.begin(), bodies.end(), nullptr));
  for (size_t i = 0; i < calls.size(); ++i)
    if (!bodies[i])
      by_call_[calls[i]].push_back(id);
  waiting_.emplace(id, waiter{std::move(calls), std::move(bodies), missing, any, std::move(done)});
  return id;
}

void waiters::stored(const std::string& call, const body_ptr& body) {
  auto it = by_call_.find(call);
  if (it == by_call_.end())
    return;
  std::vector<waiter_id> satisfied;
  for (waiter_id id : it->second) {
    auto& w = waiting_.at(id);
    for (size_t i = 0; i < w.calls.size(); ++i)
      if (w.calls[i] == call && !w.bodies[i]) {
        w.bodies[i] = body;
        --w.missing;
      }
    if (w.any || w.missing == 0)
      satisfied.push_back(id);
  }
  by_call_.erase(it);  // every waiter on this call now has it
  for (waiter_id id : satisfied)
    complete(id, ending::answered);
}

void waiters::expire(waiter_id id) {
  if (waiting_.count(id))
    complete(id, ending::timed_out);
}

void waiters::expire_all() {
  while (!waiting_.empty())
    complete(waiting_.begin()->first, ending::released);
}

bool waiters::release(waiter_id id) {
  if (!waiting_.count(id))
    return false;
  complete(id, ending::released);
  return true;
}

bool waiters::drop(waiter_id id) {
  if (!waiting_.count(id))
    return false;
  unlink(id);  // its done function goes with it, uncalled
  return true;
}

void waiters::complete(waiter_id id, ending why) {
  auto w = unlink(id);
  w.done(std::move(w.bodies), why);
}

waiters::waiter waiters::unlink(waiter_id id) {
  auto node = waiting_.extract(id);
  auto& w = node.mapped();
  for (size_t i = 0; i < w.calls.size(); ++i) {
    if (w.bodies[i])
      continue;
    auto it = by_call_.find(w.calls[i]);
    if (it == by_call_.end())
      continue;
    auto& ids = it->second;
    ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
    if (ids.empty())
      by_call_.erase(it);
  }
  return std::move(w);
}

std::vector<std::string> waiters::missing_calls() const {
  std::vector<std::string> out;
  out.reserve(by_call_.size());
  for (const auto& [call, ids] : by_call_)
    out.push_back(call);
  return out;
}

}  // namespace vapi_cache
