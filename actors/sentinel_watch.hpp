// Hears Redis Sentinel announce a failover and tells the link: a thread of its own with a
// connection of its own to one sentinel, SUBSCRIBEd to +switch-master. When the payload names
// our master, redis_master_atom goes to the link (which drops its connection and asks the
// sentinels on its next request) and to each of `others` (an owner that passes it to its
// redis_subscriber's master_changed(), say). After a lost subscription it is sent too, once
// subscribed again: a switch may have been announced meanwhile.
//
// The sentinels are tried in turn, from the one after the sentinel last lost; a round where
// none takes the subscription is followed by a back-off (min_backoff doubling to max_backoff).
// Logs sentinel_watching / sentinel_watch_lost once per change, sentinel_switch per failover.
// Sentinels are contacted without AUTH (redis/sentinel.hpp). The destructor stops the thread at
// once (an eventfd wakes it) and joins it.
#pragma once

#include <caf/all.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "actors/redis_link.hpp"
#include "redis/sentinel.hpp"

namespace vapi_cache {

struct sentinel_watch_options {
  std::vector<redis::sentinel_address> sentinels;  // at least one
  std::string master_name;
  std::chrono::milliseconds timeout{2000};  // connect and SUBSCRIBE
  std::chrono::milliseconds min_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
};

class sentinel_watch {
 public:
  sentinel_watch(sentinel_watch_options options, redis_link_actor link,
                 std::vector<caf::actor> others = {});
  ~sentinel_watch();
  sentinel_watch(const sentinel_watch&) = delete;
  sentinel_watch& operator=(const sentinel_watch&) = delete;

 private:
  void run();
  void notify();

  sentinel_watch_options opts_;
  redis_link_actor link_;
  std::vector<caf::actor> others_;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace vapi_cache
