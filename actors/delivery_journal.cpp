// The delivery journal: DATA_DIR/deliveries, in the journal's own format (journal/), written
// and synced on the delivery actor's thread. A pending delivery is a `stored` record, its end
// an `evicted` one (delivery/delivery_record.hpp); replay keeps what has not ended and is still
// inside its retry window, and retention drops a segment once all of its deliveries' windows
// have passed.
//
// A failed write (disk full) never stops a delivery: its records stay in memory, written first
// once writes succeed, and the failure is logged once per spell and counted.
#include "actors/delivery_state.hpp"
#include "journal/replay.hpp"
#include "logging/log.hpp"

namespace vapi_cache {
namespace {

constexpr size_t segment_bytes = size_t(16) << 20;
constexpr size_t max_unwritten = size_t(64) << 20;

void note(delivery_state& st, bool ok, const char* what, const std::string& why = {}) {
  if (!ok) {
    ++st.counts.journal_failures;
    if (!st.failing)
      logging::error("delivery_journal_failing", {{"step", what}, {"reason", why}});
  } else if (st.failing) {
    logging::info("delivery_journal_recovered");
  }
  st.failing = !ok;
}

}  // namespace

void open_journal(delivery_self self, std::unique_ptr<journal::directory> dir) {
  auto& st = self->state;
  if (!dir)
    return;
  journal::replayer replay;
  try {
    st.log = std::make_unique<journal::journal_log>(
      std::move(dir), segment_bytes, [&](journal::record&& r) { replay.apply(std::move(r)); });
  } catch (const journal::file_error& e) {  // deliveries go on, in memory only
    logging::error("delivery_journal_unreadable", {{"reason", e.what()}});
    return;
  }
  for (const auto& p : st.log->take_report().problems)
    logging::warn("delivery_journal_damaged",
                  {{"file", p.file}, {"offset", p.offset}, {"what", p.what}});
  auto left = replay.finish(delivery_now_ms());
  size_t resumed = 0;
  for (auto& r : left.results) {
    auto p = delivery::from_record(r);
    if (!p)
      continue;
    auto key = delivery::key_of(p->to, p->call_id);
    auto gen = st.next_generation++;
    ++counts_of(st, p->to).pending;
    st.pending[key] = live_delivery{std::move(*p), 0, gen, false};
    st.ready.emplace_back(key, gen);
    ++resumed;
  }
  st.counts.journaled = true;
  if (resumed || left.expired)
    logging::info("deliveries_replayed", {{"resumed", resumed}, {"expiredWhileDown", left.expired}});
}

void journal_add(delivery_state& st, const journal::record& r) {
  if (!st.log)
    return;
  if (st.unwritten.size() > max_unwritten) {  // a long outage of the disk: memory stays bounded
    logging::error("delivery_journal_dropped", {{"bytes", st.unwritten.size()}});
    st.unwritten.clear();
  }
  journal::append(st.unwritten, r);
  st.unwritten_expiry = std::max(st.unwritten_expiry, journal::expiry_of(r));
}

void journal_flush(delivery_state& st, bool sync) {
  if (!st.log)
    return;
  try {
    if (!st.unwritten.empty()) {
      st.log->append(st.unwritten, st.unwritten_expiry);
      st.unwritten.clear();
      st.unwritten_expiry = 0;
      st.unsynced = true;
    }
    if (sync && st.unsynced) {
      st.log->sync();
      st.unsynced = false;
    }
    note(st, true, "write");
  } catch (const journal::file_error& e) {
    note(st, false, "write", e.what());
  }
}

void journal_tick(delivery_state& st) {
  if (!st.log)
    return;
  journal_flush(st, st.options.policy != fsync_policy::no);
  if (++st.ticks % 10 == 0) {
    try {
      st.log->retire(delivery_now_ms());
    } catch (const journal::file_error& e) {
      logging::warn("delivery_journal_retention_failed", {{"reason", e.what()}});
    }
  }
}

}  // namespace vapi_cache
