// The delivery actor's state and the steps its handlers share (actors/delivery_actor.cpp,
// actors/delivery_journal.cpp). Internal to those files; one thread touches it.
#pragma once

#include <deque>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>

#include "actors/delivery_actor.hpp"
#include "delivery/delivery_record.hpp"
#include "journal/journal_log.hpp"
#include "outbound/transfers.hpp"

namespace vapi_cache {

struct live_delivery {
  delivery::pending p;
  unsigned attempts = 0;     // sent so far
  uint64_t generation = 0;   // names its current turn: a stale retry timer or answer is dropped
  bool in_flight = false;
};

struct delivery_state {
  static constexpr const char* name = "delivery";
  delivery_options options;
  std::unique_ptr<outbound::transfers> net;
  std::unordered_map<std::string, live_delivery> pending;  // by delivery::key_of
  std::deque<std::pair<std::string, uint64_t>> ready;      // (key, generation): to send
  std::unordered_map<uint64_t, std::pair<std::string, uint64_t>> sent;  // tag -> (key, gen)
  uint64_t next_tag = 1, next_generation = 1;
  bool pump_queued = false;
  delivery_metrics counts;
  std::mt19937_64 random{std::random_device{}()};
  // The journal: records encoded and not written yet (kept after a failed write).
  std::unique_ptr<journal::journal_log> log;
  std::string unwritten;
  int64_t unwritten_expiry = 0;
  bool unsynced = false;
  bool failing = false;
  unsigned ticks = 0;
};

using delivery_self = delivery_actor::stateful_pointer<delivery_state>;

int64_t delivery_now_ms();
delivery_counts& counts_of(delivery_state& st, delivery::target to);

// actors/delivery_journal.cpp
// Reads the journal in `dir` (null: none) and queues what a restart must resend.
void open_journal(delivery_self self, std::unique_ptr<journal::directory> dir);
void journal_add(delivery_state& st, const journal::record& r);
void journal_flush(delivery_state& st, bool sync);  // write what is queued (and fdatasync)
void journal_tick(delivery_state& st);

}  // namespace vapi_cache
