// Every instance's one subscription to the store's channel (redis/keys.hpp: <prefix>stored),
// on a thread of its own with a connection of its own (a subscribed connection can do nothing
// else), handing what it hears to an actor as messages:
//   (redis_message_atom, std::string payload)  a store's publication: the call id
//   (redis_subscribed_atom)                    (re)subscribed: anything published while the
//                                              subscription was down was missed, so the owner
//                                              re-reads what its waiters wait for
// A lost connection is retried after a back-off (min_backoff doubling to max_backoff), logged
// once per change of state. The destructor stops the thread at once (an eventfd wakes it) and
// joins it.
//
// With sentinels, each (re)subscription first asks them for the master (redis/sentinel.hpp),
// so after a failover it subscribes on the new one: when the connection breaks (the sentinels
// kill a demoted master's subscribers), or at once when master_changed() is called (whoever
// is told redis_master_atom by actors/sentinel_watch.hpp passes it on).
#pragma once

#include <caf/all.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "redis/redis_url.hpp"
#include "redis/sentinel.hpp"

namespace vapi_cache {

using redis_message_atom = caf::atom_constant<caf::atom("redis_msg")>;
constexpr redis_message_atom redis_message_atom_v{};
using redis_subscribed_atom = caf::atom_constant<caf::atom("redis_sub")>;
constexpr redis_subscribed_atom redis_subscribed_atom_v{};

struct redis_subscriber_options {
  redis::endpoint where;  // with sentinels: the user, password and db (host and port unused)
  std::vector<redis::sentinel_address> sentinels;  // empty: subscribe at `where`
  std::string master_name;                         // with sentinels: REDIS_MASTER_NAME
  std::string channel;
  std::chrono::milliseconds timeout{2000};  // connect and SUBSCRIBE
  std::chrono::milliseconds min_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
};

class redis_subscriber {
 public:
  redis_subscriber(redis_subscriber_options options, caf::actor owner);
  ~redis_subscriber();
  redis_subscriber(const redis_subscriber&) = delete;
  redis_subscriber& operator=(const redis_subscriber&) = delete;

  // "The master may have changed": subscribe again on the one the sentinels name now. Any
  // thread; returns at once. Ignored without sentinels.
  void master_changed();

 private:
  void run();

  redis_subscriber_options opts_;
  caf::actor owner_;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> master_changed_{false};
  std::thread thread_;
};

}  // namespace vapi_cache
