// The delivery actor: pushes each stored result to where it is awaited, on a thread of its own
// (CAF detached), which owns the outbound HTTP (outbound/transfers.hpp, libcurl's multi
// interface: many deliveries in flight, none blocking another) and the delivery journal. The
// webhook's answer never waits for it: http/ tells it of a result once the store has it.
//
// A delivery is journaled (DATA_DIR/deliveries, the journal's own format) before it is first
// sent, and ended there once the target accepted it, refused it for good, or its retries ran
// out; a restart resends what had not ended. What it sends and when it retries are the pure
// delivery/ layer's: requests.hpp, retry_policy.hpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "actors/messages.hpp"
#include "delivery/requests.hpp"
#include "delivery/retry_policy.hpp"
#include "journal/segment_files.hpp"

namespace vapi_cache {

struct delivery_options {
  std::optional<delivery::kestra_config> kestra;    // KESTRA_URL set
  std::optional<delivery::forward_config> forward;  // FORWARD_URL set
  fsync_policy policy = fsync_policy::always;  // JOURNAL_FSYNC, for the delivery journal too
  std::chrono::seconds retry_window{900};      // DELIVERY_RETRY_SECONDS
  std::chrono::milliseconds timeout{10000};    // DELIVERY_TIMEOUT_SECONDS
  delivery::backoff backoff;
  size_t max_in_flight = 64;     // transfers at once; the rest wait their turn
  size_t max_pending = 100000;   // deliveries held; past it a new one is refused (logged)
  std::chrono::milliseconds poll{10};  // longest wait for the network between mailbox checks
  caf::timespan tick = std::chrono::seconds(1);  // everysec's sync, journal retention
};

// `dir`: the delivery journal's directory, locked already (main takes it at start, so that a
// second process is refused at once); null: pending deliveries are kept in memory only.
delivery_actor spawn_delivery(caf::actor_system& system, delivery_options options,
                              std::unique_ptr<journal::directory> dir);

}  // namespace vapi_cache
