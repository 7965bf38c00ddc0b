// Names follow Prometheus's conventions: a vapi_cache_ prefix, base units (seconds, bytes),
// _total on counters, and the standard process_* names. A family whose values come from the
// cache actor is written only when the cache answered the scrape: a missing series says
// "unknown", where a zero would say something false.
#include "http/metrics_page.hpp"

#include "logging/log.hpp"

namespace http {
namespace {

using metrics::metric_type;
using metrics::prometheus_text;

void one(prometheus_text& out, const char* name, metric_type type, const char* help,
         double value, const metrics::labels& l = {}) {
  out.family(name, type, help);
  out.sample(l, value);
}

void write_cache(prometheus_text& out, const vapi_cache::cache_metrics& m) {
  const auto& c = m.counters;
  auto d = [](uint64_t n) { return static_cast<double>(n); };
  one(out, "vapi_cache_results_cached_total", metric_type::counter,
      "Call results stored, re-deliveries included.", d(c.cached));
  one(out, "vapi_cache_results_replaced_total", metric_type::counter,
      "Stores that replaced a result already cached (VAPI re-delivery).", d(c.replaced));
  one(out, "vapi_cache_results_retrieved_total", metric_type::counter,
      "Lookups answered with the result (cache hits), long-polls and batch ids included.",
      d(c.hits));
  one(out, "vapi_cache_results_missed_total", metric_type::counter,
      "Lookups answered without the result (cache misses).", d(c.misses));
  one(out, "vapi_cache_results_deleted_total", metric_type::counter,
      "Results removed by DELETE.", d(c.deleted));
  one(out, "vapi_cache_results_expired_total", metric_type::counter,
      "Results removed by their TTL.", d(c.expired));
  one(out, "vapi_cache_evictions_total", metric_type::counter,
      "Results and call statuses evicted, soonest to expire first, past MAX_ENTRIES or "
      "MAX_MEMORY_MB.", d(c.evictions));
  one(out, "vapi_cache_results_restored_total", metric_type::counter,
      "Results read back from the journal at start-up.", d(c.restored));
  one(out, "vapi_cache_accounted_bytes", metric_type::gauge,
      "Memory counted against MAX_MEMORY_MB: stored bodies, statuses, per-entry overhead.",
      d(m.accounted_bytes));
  one(out, "vapi_cache_max_bytes", metric_type::gauge, "MAX_MEMORY_MB, in bytes.",
      d(m.max_bytes));
  one(out, "vapi_cache_max_entries", metric_type::gauge, "MAX_ENTRIES.", d(m.max_entries));
  one(out, "vapi_cache_call_status_updates_total", metric_type::counter,
      "status-update messages recorded for calls without a result yet.", d(c.status_updates));
  one(out, "vapi_cache_entries", metric_type::gauge, "Call results cached now.", d(m.entries));
  one(out, "vapi_cache_stored_bytes", metric_type::gauge,
      "Bytes of the cached results' response bodies.", d(m.stored_bytes));
  one(out, "vapi_cache_call_statuses", metric_type::gauge,
      "Calls with a recorded status and no result yet.", d(m.call_statuses));
  out.family("vapi_cache_result_first_retrieval_seconds", metric_type::histogram,
             "Time from storing a result to its first retrieval.");
  const auto& h = c.first_retrieval;
  out.histogram({}, h.upper_bounds(), h.counts(), h.sum());
  one(out, "vapi_cache_waiters", metric_type::gauge, "Long-polls held now.", d(m.waiters));
  out.family("vapi_cache_waits_total", metric_type::counter,
             "Long-polls (wait > 0), by how they ended.");
  out.sample({{"outcome", "answered"}}, d(c.waits_answered));
  out.sample({{"outcome", "timed_out"}}, d(c.waits_timed_out));
  out.sample({{"outcome", "refused"}}, d(c.waits_refused));
  out.sample({{"outcome", "released"}}, d(c.waits_released));
  out.sample({{"outcome", "abandoned"}}, d(c.waits_abandoned));
  one(out, "vapi_cache_actor_mailbox_messages", metric_type::gauge,
      "Messages queued in the actor's mailbox when it answered the scrape.", d(m.mailbox),
      {{"actor", "cache"}});
  one(out, "vapi_cache_actor_messages_processed_total", metric_type::counter,
      "Messages the actor has handled.", d(c.messages_processed), {{"actor", "cache"}});
}

// Written only when a journal is configured (DATA_DIR set).
void write_journal(prometheus_text& out, const vapi_cache::cache_metrics& m) {
  if (!m.journaled)
    return;
  const auto& j = m.journal;
  auto d = [](uint64_t n) { return static_cast<double>(n); };
  one(out, "vapi_journal_failing", metric_type::gauge,
      "1 while the journal's latest write or sync failed (webhooks are answered 503).",
      j.failing ? 1 : 0);
  one(out, "vapi_journal_replaying", metric_type::gauge,
      "1 while the journal is read back at start-up (/ready is 503).", m.replaying ? 1 : 0);
  one(out, "vapi_journal_write_failures_total", metric_type::counter,
      "Journal writes and syncs that failed.", d(j.write_failures));
  one(out, "vapi_journal_records_written_total", metric_type::counter,
      "Records written to the journal.", d(j.records_written));
  one(out, "vapi_journal_syncs_total", metric_type::counter, "fdatasync calls that succeeded.",
      d(j.syncs));
  out.family("vapi_journal_sync_seconds", metric_type::histogram,
             "Time each fdatasync that succeeded took (JOURNAL_FSYNC=always: one per batch of "
             "webhooks, which wait for it).");
  out.histogram({}, j.sync_seconds.upper_bounds(), j.sync_seconds.counts(), j.sync_seconds.sum());
  one(out, "vapi_journal_backlog_records", metric_type::gauge,
      "Records a failed write left in memory, written once writes succeed.", d(j.backlog_records));
  one(out, "vapi_journal_dropped_records_total", metric_type::counter,
      "Records never journaled: a backlog that outgrew its bound during a long failure.",
      d(j.dropped_records));
  one(out, "vapi_journal_waiting_changes", metric_type::gauge,
      "Changes waiting for the batch being written to finish (group commit).",
      d(m.journal_waiting));
  one(out, "vapi_journal_disk_bytes", metric_type::gauge, "Bytes of every journal segment.",
      d(j.disk_bytes));
  one(out, "vapi_journal_segments", metric_type::gauge, "Journal segment files.", d(j.segments));
  one(out, "vapi_journal_segments_removed_total", metric_type::counter,
      "Segments deleted because every record in them had expired.", d(j.segments_removed));
}

// Written only with STORE=redis.
void write_redis(prometheus_text& out, const vapi_cache::cache_metrics& m) {
  if (!m.redis)
    return;
  one(out, "vapi_redis_up", metric_type::gauge,
      "1 while Redis answers (the last round trip worked); 0: reads are answered 503.",
      m.redis_up ? 1 : 0);
  one(out, "vapi_redis_outbox_changes", metric_type::gauge,
      "Changes acknowledged but not yet written to Redis (kept in the journal meanwhile).",
      static_cast<double>(m.outbox));
  one(out, "vapi_redis_outbox_bytes", metric_type::gauge,
      "Bytes those changes hold in memory (bounded by MAX_MEMORY_MB; past it webhooks get 503).",
      static_cast<double>(m.outbox_bytes));
}

// The connection layer's families are named vapi_http_*, as the issue that made them did.
void write_connections(prometheus_text& out, const connection_counts& c) {
  auto d = [](uint64_t n) { return static_cast<double>(n); };
  auto relaxed = std::memory_order_relaxed;
  one(out, "vapi_http_connections_open", metric_type::gauge, "Client connections open now.",
      static_cast<double>(c.count.open.load(relaxed)));
  one(out, "vapi_http_connections_max", metric_type::gauge,
      "Most client connections held at once (MAX_CONNECTIONS).", d(c.max_connections));
  one(out, "vapi_http_connections_accepted_total", metric_type::counter,
      "Client connections accepted and served.", d(c.count.accepted.load(relaxed)));
  out.family("vapi_http_connections_refused_total", metric_type::counter,
             "Client connections answered 503 and closed: past MAX_CONNECTIONS, or with the "
             "process out of descriptors.");
  out.sample({{"reason", "max_connections"}}, d(c.count.refused_max_connections.load(relaxed)));
  out.sample({{"reason", "out_of_descriptors"}},
             d(c.count.refused_out_of_descriptors.load(relaxed)));
  out.family("vapi_http_connections_closed_total", metric_type::counter,
             "Client connections closed, by why.");
  for (size_t i = 0; i < static_cast<size_t>(net::close_reason::count); ++i)
    out.sample({{"reason", net::name_of(static_cast<net::close_reason>(i))}},
               d(c.count.closed[i].load(relaxed)));
  one(out, "vapi_http_accept_errors_total", metric_type::counter,
      "accept() failures (out of descriptors or memory), each followed by a back-off.",
      d(c.count.accept_errors.load(relaxed)));
  one(out, "vapi_http_output_buffered_bytes", metric_type::gauge,
      "Bytes of responses the service holds unsent, beyond stored bodies it shares.",
      d(c.output.held.load(relaxed)));
  one(out, "vapi_http_output_buffer_limit_bytes", metric_type::gauge,
      "The most it holds before slow readers wait (MAX_OUTPUT_BUFFER_BYTES).", d(c.output.limit));
}

// Written only when KESTRA_URL or FORWARD_URL is set and the delivery actor answered.
void write_deliveries(prometheus_text& out, const vapi_cache::delivery_metrics& m) {
  auto d = [](uint64_t n) { return static_cast<double>(n); };
  std::vector<std::pair<const char*, const vapi_cache::delivery_counts*>> targets;
  if (m.kestra_on)
    targets.emplace_back("kestra", &m.kestra);
  if (m.forward_on)
    targets.emplace_back("forward", &m.forward);
  out.family("vapi_deliveries_total", metric_type::counter,
             "Delivery attempts by target (kestra: resume, forward: FORWARD_URL) and outcome: "
             "delivered, retried (to be tried again), gave_up (DELIVERY_RETRY_SECONDS ran out), "
             "refused (a 4xx no retry fixes, or no valid execution id).");
  for (auto [name, c] : targets) {
    out.sample({{"target", name}, {"outcome", "delivered"}}, d(c->delivered));
    out.sample({{"target", name}, {"outcome", "retried"}}, d(c->retried));
    out.sample({{"target", name}, {"outcome", "gave_up"}}, d(c->gave_up));
    out.sample({{"target", name}, {"outcome", "refused"}}, d(c->refused));
  }
  out.family("vapi_deliveries_pending", metric_type::gauge,
             "Deliveries not done yet: in flight or waiting for a retry.");
  for (auto [name, c] : targets)
    out.sample({{"target", name}}, d(c->pending));
  out.family("vapi_delivery_seconds", metric_type::histogram,
             "Time from storing a result to its target accepting it.");
  for (auto [name, c] : targets)
    out.histogram({{"target", name}}, c->latency.upper_bounds(), c->latency.counts(),
                  c->latency.sum());
  one(out, "vapi_delivery_journal_failures_total", metric_type::counter,
      "Writes and syncs of the delivery journal that failed.", d(m.journal_failures));
}

}  // namespace

std::string render_metrics_page(const vapi_cache::system_view& actors,
                                const http_metrics& requests, int in_flight,
                                const connection_counts& connections,
                                const metrics::process_stats& process) {
  prometheus_text out;
  requests.write(out);
  write_connections(out, connections);
  one(out, "vapi_cache_http_requests_in_flight", metric_type::gauge,
      "Requests accepted and not yet answered, long-polls included.", in_flight);
  one(out, "vapi_log_dropped_lines_total", metric_type::counter,
      "Log lines dropped because the log output could not keep up (4 MiB queued).",
      static_cast<double>(logging::dropped_lines()));
  if (actors.cache_up) {
    write_cache(out, actors.cache);
    write_journal(out, actors.cache);
    write_redis(out, actors.cache);
  }
  if (actors.delivery_up)
    write_deliveries(out, actors.delivery);
  out.family("vapi_cache_actor_up", metric_type::gauge,
             "1 if the actor answered this scrape within 1 s, else 0.");
  out.sample({{"actor", "cache"}}, actors.cache_up ? 1 : 0);
  if (actors.delivery_configured)
    out.sample({{"actor", "delivery"}}, actors.delivery_up ? 1 : 0);
  one(out, "vapi_cache_actor_mailbox_oldest_message_age_seconds", metric_type::gauge,
      "How long the oldest message in the actor's mailbox had waited when the scrape asked "
      "(a lower bound when the actor did not answer).",
      actors.cache_oldest_message_age_seconds, {{"actor", "cache"}});
  one(out, "vapi_cache_actor_system_workers", metric_type::gauge,
      "Threads of the actor system's scheduler.", static_cast<double>(actors.workers));
  one(out, "vapi_cache_actor_system_running_actors", metric_type::gauge,
      "Actors running, from the actor system's registry.",
      static_cast<double>(actors.running_actors));
  metrics::write_process_stats(out, process);
  return out.text();
}

}  // namespace http
