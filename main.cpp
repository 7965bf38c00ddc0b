// vapi-cache: settings -> actor system -> HTTP endpoint -> wait for SIGTERM/SIGINT -> drain.
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <pthread.h>
#include <sched.h>

#include "actors/cache_actor.hpp"
#include "actors/delivery_actor.hpp"
#include "actors/journal_actor.hpp"
#include "actors/probe_actor.hpp"
#include "actors/redis_store.hpp"
#include "config/settings.hpp"
#include "delivery/resume_target.hpp"
#include "delivery/signature.hpp"
#include "http/server.hpp"
#include "logging/log.hpp"
#include "net/fd_limits.hpp"
#include "outbound/transfers.hpp"

namespace {

bool loopback_only(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// Says which protections are off, once, where an operator reading the start-up log looks.
void warn_about_open_access(const config::settings& s) {
  if (s.api_token.empty() && !loopback_only(s.host))
    logging::warn("api_token_unset", {{"host", s.host},
                                      {"message", "GET/DELETE /calls and stats are open to anyone "
                                                  "who can reach this address; set API_TOKEN"}});
  if (s.webhook_secret.empty() && s.webhook_hmac_secret.empty() && !loopback_only(s.host))
    logging::warn("webhook_auth_unset",
                  {{"message", "webhooks are accepted without authentication; set "
                               "WEBHOOK_SECRET or WEBHOOK_HMAC_SECRET"}});
}

// Every thread started after this inherits the policy: reactors, actor workers, CAF's clock, the
// logger. Measured on one shared core (README, "Performance"): +5-17% cache-hit GETs, +12-19%
// webhooks, and a lower p99, because a thread woken by a message no longer preempts the one
// that sent it mid-slice. Not fatal if refused (e.g. by a seccomp profile): logged.
void apply_thread_scheduling(const config::settings& s) {
  if (!s.batch_scheduling)
    return;
  sched_param none{};
  if (sched_setscheduler(0, SCHED_BATCH, &none) != 0)
    logging::warn("thread_scheduling_refused", {{"policy", "batch"}, {"errno", errno}});
}

// Raises the descriptor limit and decides how many connections fit in it (README, "Deploy").
size_t connection_limit(const config::settings& s) {
  auto fds = net::raise_fd_limit();
  size_t max = s.max_connections != 0 ? s.max_connections : net::default_max_connections(fds.soft);
  logging::info("fd_limit", {{"softBefore", fds.soft_before},
                             {"soft", fds.soft},
                             {"hard", fds.hard},
                             {"maxConnections", max}});
  if (s.max_connections > fds.soft)
    logging::warn("max_connections_over_fd_limit",
                  {{"maxConnections", s.max_connections}, {"fdLimit", fds.soft},
                   {"message", "clients past the descriptor limit are refused as out of descriptors"}});
  if (s.max_waiters > max)
    logging::warn("max_waiters_over_connections",
                  {{"maxWaiters", s.max_waiters}, {"maxConnections", max},
                   {"message", "each held long-poll needs a connection: raise LimitNOFILE "
                               "(ulimit -n) or lower MAX_WAITERS"}});
  return max;
}

vapi_cache::fsync_policy fsync_of(const std::string& name) {
  if (name == "everysec")
    return vapi_cache::fsync_policy::everysec;
  return name == "no" ? vapi_cache::fsync_policy::no : vapi_cache::fsync_policy::always;
}

// The journal's directory, locked before anything starts: a second process on it is refused
// here, at once, rather than after it has taken the port (exit 2). Null: memory only.
std::unique_ptr<journal::directory> lock_data_dir(const config::settings& s, bool& refused) {
  refused = false;
  if (s.data_dir.empty()) {
    logging::warn("memory_only", {{"message", s.store == "redis"
                                                ? "DATA_DIR is empty: what Redis cannot take "
                                                  "(the outbox) lives only in memory"
                                                : "DATA_DIR is empty: results live only in "
                                                  "memory and are lost on restart"}});
    return nullptr;
  }
  try {
    return std::make_unique<journal::directory>(s.data_dir);
  } catch (const journal::file_error& e) {
    logging::error("data_dir_unavailable", {{"dataDir", s.data_dir}, {"reason", e.what()}});
    refused = true;
    return nullptr;
  }
}

// Every change the cache took is written and synced before the process exits.
void close_journal(caf::actor_system& system, const vapi_cache::cache_actor& cache) {
  caf::scoped_actor self{system};
  self->request(cache, std::chrono::seconds(30), caf::close_atom_v)
    .receive([](bool synced) { if (!synced) logging::error("journal_not_synced_at_exit"); },
             [](caf::error&) { logging::error("journal_close_timed_out"); });
}

// The store http/ talks to: the in-memory cache, or (STORE=redis) the Redis store, which
// answers the same messages.
vapi_cache::cache_actor spawn_store(caf::actor_system& system, const config::settings& s,
                                    bool journaled) {
  if (s.store == "redis") {
    vapi_cache::redis_store_options o;
    o.ttl = s.cache_ttl;
    o.max_waiters = s.max_waiters;
    o.key_prefix = s.redis_key_prefix;
    o.link.where = s.redis;
    o.link.timeout = s.redis_timeout;
    o.link.sentinels = s.redis_sentinels;
    o.link.master_name = s.redis_master_name;
    o.subscriber.where = s.redis;
    o.subscriber.timeout = s.redis_timeout;
    o.subscriber.sentinels = s.redis_sentinels;
    o.subscriber.master_name = s.redis_master_name;
    o.journaled = journaled;
    o.wait_replicas = s.redis_wait_replicas >= 0 ? unsigned(s.redis_wait_replicas)
                                                 : s.redis_sentinels.empty() ? 0u : 1u;
    o.wait_timeout = s.redis_timeout / 2;
    o.max_outbox_bytes = s.max_memory_bytes;
    logging::info("store", {{"store", "redis"},
                            {"redis", s.redis.redacted()},
                            {"keyPrefix", s.redis_key_prefix},
                            {"sentinels", s.redis_sentinels.size()},
                            {"waitReplicas", o.wait_replicas},
                            {"outbox", journaled ? "journaled" : "memory only"}});
    return vapi_cache::spawn_redis_store(system, o);
  }
  vapi_cache::cache_options options;
  options.ttl = s.cache_ttl;
  options.max_waiters = s.max_waiters;
  options.max_entries = s.max_entries;
  options.max_bytes = s.max_memory_bytes;
  options.journaled = journaled;
  return vapi_cache::spawn_cache(system, options);
}

// The delivery actor, when KESTRA_URL or FORWARD_URL is set (README, "Resume Kestra flows"); its
// journal is DATA_DIR/deliveries, locked here like DATA_DIR. Null handle: off. `refused`: the
// directory is another process's (exit 2).
vapi_cache::delivery_actor spawn_deliveries(caf::actor_system& system, const config::settings& s,
                                            vapi_cache::fsync_policy policy, bool& refused) {
  refused = false;
  if (s.kestra_url.empty() && s.forward_url.empty())
    return {};
  vapi_cache::delivery_options o;
  if (!s.kestra_url.empty()) {
    delivery::kestra_config k{s.kestra_url, s.kestra_tenant, s.kestra_resume_path,
                              s.kestra_resume_input, {}};
    if (!s.kestra_username.empty())
      k.authorization = delivery::basic_auth(s.kestra_username, s.kestra_password);
    else if (!s.kestra_api_token.empty())
      k.authorization = delivery::bearer_auth(s.kestra_api_token);
    o.kestra = std::move(k);
  }
  if (!s.forward_url.empty())
    o.forward = delivery::forward_config{s.forward_url, delivery::decode_secret(s.forward_secret)};
  o.policy = policy;
  o.retry_window = s.delivery_retry;
  o.timeout = s.delivery_timeout;
  std::unique_ptr<journal::directory> dir;
  if (!s.data_dir.empty()) {
    try {
      dir = std::make_unique<journal::directory>(s.data_dir + "/deliveries");
    } catch (const journal::file_error& e) {
      logging::error("data_dir_unavailable", {{"dataDir", s.data_dir + "/deliveries"},
                                              {"reason", e.what()}});
      refused = true;
      return {};
    }
  }
  outbound::global_init();
  // Where to, never with a secret: the resume path's shape and whether forwarding is on.
  logging::info("deliveries", {{"kestra", !s.kestra_url.empty()},
                               {"kestraUrl", s.kestra_url},
                               {"resumePath", s.kestra_resume_path},
                               {"kestraAuth", !s.kestra_username.empty() ? "basic"
                                              : !s.kestra_api_token.empty() ? "bearer" : "none"},
                               {"forward", !s.forward_url.empty()},
                               {"retrySeconds", s.delivery_retry.count()},
                               {"journaled", dir != nullptr}});
  return vapi_cache::spawn_delivery(system, std::move(o), std::move(dir));
}

// Pending deliveries are journaled and synced before the process exits.
void close_deliveries(caf::actor_system& system, const vapi_cache::delivery_actor& delivery) {
  caf::scoped_actor self{system};
  self->request(delivery, std::chrono::seconds(10), caf::close_atom_v)
    .receive([](bool synced) { if (!synced) logging::error("deliveries_not_synced_at_exit"); },
             [](caf::error&) { logging::error("deliveries_close_timed_out"); });
}

int serve(const config::settings& s, const sigset_t& stop_signals) {
  bool refused = false;
  auto data_dir = lock_data_dir(s, refused);
  if (refused)
    return 2;
  apply_thread_scheduling(s);
  size_t max_connections = connection_limit(s);
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", static_cast<size_t>(s.actor_threads));
  // Work-stealing workers poll and nanosleep while idle, which costs a core we share with the
  // reactors; sharing workers block on a condition variable. Measured: +25-30% cache-hit GETs
  // on one core (README, "Performance").
  cfg.set("scheduler.policy", caf::atom("sharing"));
  caf::actor_system system{cfg};
  auto cache = spawn_store(system, s, data_dir != nullptr);
  vapi_cache::journal_actor journal;
  if (data_dir) {
    vapi_cache::journal_options jo;
    jo.policy = fsync_of(s.journal_fsync);
    jo.segment_bytes = s.journal_segment_bytes;
    journal = vapi_cache::spawn_journal(system, std::move(data_dir), cache, jo);
    caf::anon_send(cache, vapi_cache::attach_atom_v, journal);  // first in its mailbox
  }
  bool deliveries_refused = false;
  auto delivery = spawn_deliveries(system, s, fsync_of(s.journal_fsync), deliveries_refused);
  auto probe = vapi_cache::spawn_probe(system, cache, std::chrono::seconds(1), delivery);
  auto stop_actors = [&] {
    caf::anon_send_exit(probe, caf::exit_reason::user_shutdown);
    if (delivery)
      caf::anon_send_exit(delivery, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(cache, caf::exit_reason::user_shutdown);
    if (journal)
      caf::anon_send_exit(journal, caf::exit_reason::user_shutdown);
  };

  if (deliveries_refused) {
    stop_actors();
    return 2;
  }
  http::server server(s, http::route_targets{cache, probe, delivery, s.kestra_execution_key},
                      max_connections);
  try {
    server.start();
  } catch (const std::exception& e) {
    logging::error("listen_failed", {{"host", s.host}, {"port", s.port}, {"reason", e.what()}});
    stop_actors();
    return 1;
  }
  logging::info("listening", {{"host", s.host},
                              {"port", server.port()},
                              {"cacheTtlSeconds", s.cache_ttl.count()},
                              {"maxBodyBytes", s.max_body_bytes},
                              {"httpThreads", s.http_threads},
                              {"maxConnections", max_connections},
                              {"actorThreads", s.actor_threads},
                              {"cpus", s.cpus.count},
                              {"cpusFrom", s.cpus.reason},
                              {"threadScheduling", s.batch_scheduling ? "batch" : "normal"},
                              {"webhookAuth", !s.webhook_secret.empty() ||
                                                !s.webhook_hmac_secret.empty()},
                              {"apiToken", !s.api_token.empty()},
                              {"dataDir", s.data_dir},
                              {"journalFsync", s.data_dir.empty() ? "" : s.journal_fsync},
                              {"maxMemoryMb", s.max_memory_bytes >> 20},
                              {"maxEntries", s.max_entries},
                              {"store", s.store}});
  warn_about_open_access(s);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  logging::info("stopping", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"},
                             {"delaySeconds", s.shutdown_delay.count()}});
  // First out of the load balancer (GET /ready is 503), still serving; a second signal ends
  // the delay early.
  server.stop_being_ready();
  if (s.shutdown_delay.count() > 0) {
    timespec delay{static_cast<time_t>(s.shutdown_delay.count()), 0};
    sigtimedwait(&stop_signals, nullptr, &delay);
  }
  auto grace = std::chrono::duration_cast<std::chrono::milliseconds>(s.shutdown_grace);
  // Once no new request is taken, held long-polls answer at once (404 for what has not
  // arrived) rather than hold up the drain.
  if (!server.drain(grace, [&] { caf::anon_send(cache, vapi_cache::wait_over_atom_v); }))
    logging::warn("drain_incomplete", {{"graceSeconds", s.shutdown_grace.count()}});
  if (journal || s.store == "redis")  // the Redis store's outbox, even without a journal
    close_journal(system, cache);
  if (delivery)
    close_deliveries(system, delivery);
  // The actors go first: once they are gone no reply can reach a writer of a stopped endpoint.
  stop_actors();
  system.await_all_actors_done();
  server.stop();
  logging::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto loaded = config::load(std::vector<std::string>(argv + 1, argv + argc),
                             [](const char* name) { return std::getenv(name); });
  if (!loaded.values) {
    (loaded.exit_code == 0 ? std::cout : std::cerr) << loaded.output;
    return loaded.exit_code;
  }
  // Block the stop signals before any thread starts, so every thread inherits the mask and
  // only sigwait in serve() receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // a client gone mid-write is an error code, not a death
  std::signal(SIGXFSZ, SIG_IGN);  // a journal past RLIMIT_FSIZE: a failed write (EFBIG), handled

  logging::init(loaded.values->log_level);
  int rc = serve(*loaded.values, stop_signals);
  logging::shutdown();
  return rc;
}
