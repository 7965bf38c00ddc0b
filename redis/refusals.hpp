// What a Redis error reply says about a change sent to it. Pure (no I/O).
//
// Some refusals are Redis's state, not the change's: loading its data after a restart
// (LOADING), a replica since a failover (READONLY), full under noeviction (OOM), a script
// running (BUSY), not enough replicas (NOREPLICAS), a failed save (MISCONF), an ACL the operator
// has not granted yet (NOPERM). The same change succeeds later, so an acknowledged change
// refused that way must stay queued. Anything else (WRONGTYPE: a foreign value at our key; an
// ERR from the script) would be refused again: it leaves, logged, so that it does not hold up
// everything behind it until it expires.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "redis/connection.hpp"

namespace redis {

// True when the error is one a retry can get past (the list above).
bool refused_for_now(std::string_view error);

// Of a pipeline of changes, where change i's reply is replies[reply_of[i]] (SIZE_MAX: it sent
// nothing), how many leading changes are done with: taken, or refused for good. It stops at the
// first one refused for now, so that it and everything after it are retried in order. A
// pipeline may be cut that way in the middle: Redis can finish loading between two of them.
size_t settled_changes(const std::vector<reply>& replies, const std::vector<size_t>& reply_of);

}  // namespace redis
