// What a journal's records leave behind: applied in journal order, as the cache actor applied
// the changes they record, then cut at the time of the restart, so that what had expired
// while the service was down stays gone. Pure: no I/O, no clock of its own; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "journal/journal_record.hpp"

namespace journal {

// Live at the restart: results (type stored) and statuses of calls without a result (type
// status), each as its record was written, oldest stored first.
struct replay_state {
  std::vector<record> results;
  std::vector<record> statuses;
  size_t expired = 0;   // results and statuses whose time ran out before the restart
  size_t replaced = 0;  // results a later store of the same call replaced
};

class replayer {
 public:
  // In journal order. A status is ignored while its call has a result that had not expired at
  // the status's time, as the cache actor ignored it; a store replaces any earlier result and
  // forgets the call's status; a delete or an eviction forgets both.
  void apply(record r);

  // Everything applied, less what expired at or before `now_ms` (epoch ms).
  replay_state finish(int64_t now_ms);

 private:
  std::unordered_map<std::string, record> results_;
  std::unordered_map<std::string, record> statuses_;
  size_t replaced_ = 0;
};

}  // namespace journal
