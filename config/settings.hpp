// The service's settings: defaults file < --config file < environment < flags, each value
// checked once at start-up so that nothing later has to doubt it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/cpu_budget.hpp"
#include "redis/redis_url.hpp"
#include "redis/sentinel.hpp"

namespace config {

// config/defaults.conf, compiled in (see CMakeLists.txt): every setting, its default and help.
extern const char* const defaults_text;

struct settings {
  std::string host;
  uint16_t port = 0;  // 0: the kernel picks a free port
  std::chrono::seconds cache_ttl{0};
  std::size_t max_body_bytes = 0;
  unsigned http_threads = 0;   // resolved: never 0 after load()
  unsigned actor_threads = 0;  // resolved: never 0 after load()
  cpu_budget cpus;             // what a 0 above resolves to, detected by load()
  std::string log_level;
  bool batch_scheduling = true;  // SCHED_BATCH for every thread
  std::chrono::seconds shutdown_delay{0};  // /ready is 503 before requests are refused
  std::chrono::seconds shutdown_grace{0};
  std::chrono::seconds max_wait{0};  // cap of ?wait=N
  std::size_t max_waiters = 0;
  std::size_t max_connections = 0;  // 0: derived from the descriptor limit at start
  std::chrono::seconds send_timeout{0};  // output making no progress this long: closed
  std::size_t max_output_buffer_bytes = 0;  // unsent response bytes held, all connections

  // Webhook authentication; empty secrets switch their check off.
  std::string webhook_secret;
  std::string webhook_secret_header;  // empty: none beyond X-Vapi-Secret and Authorization
  std::string webhook_hmac_secret;
  std::string webhook_hmac_algorithm;  // sha256, sha512 or sha1
  std::string webhook_signature_header;
  std::string webhook_signature_prefix;
  std::string webhook_timestamp_header;  // empty: the body alone is signed, no replay check
  std::chrono::seconds webhook_timestamp_tolerance{0};

  std::string api_token;  // empty: reads, deletes and stats need no token

  // Durability and the memory bound (README, "Configure").
  std::string data_dir;         // the journal's directory; empty: memory only
  std::string journal_fsync;    // always, everysec or no
  std::size_t journal_segment_bytes = 0;
  std::size_t max_memory_bytes = 0;  // MAX_MEMORY_MB, in bytes
  std::size_t max_entries = 0;

  // The store (README, "Run several instances").
  std::string store;                // memory or redis
  redis::endpoint redis;            // REDIS_URL, parsed
  std::string redis_key_prefix;     // REDIS_KEY_PREFIX
  std::vector<redis::sentinel_address> redis_sentinels;  // empty: REDIS_URL's host is Redis
  std::string redis_master_name;    // asked of the sentinels
  std::chrono::milliseconds redis_timeout{0};  // connect and every round trip
  int redis_wait_replicas = -1;     // REDIS_WAIT_REPLICAS; -1: auto (1 with sentinels, else 0)

  // Pushing results (README, "Resume Kestra flows", "Forward results"); empty URLs: off.
  std::string kestra_url;            // without the API path
  std::string kestra_tenant;         // {tenant} in the resume path
  std::string kestra_username, kestra_password;  // basic auth, sent with the first request
  std::string kestra_api_token;      // or a bearer token
  std::string kestra_resume_input;   // the Pause task's onResume input given the CallResult
  std::string kestra_resume_path;    // template with {tenant} and {executionId}
  std::string kestra_execution_key;  // the metadata key holding the execution id
  std::string forward_url;
  std::string forward_secret;        // Standard Webhooks key: whsec_<base64>, or raw text
  std::chrono::seconds delivery_retry{0};    // a delivery is retried this long, then given up
  std::chrono::seconds delivery_timeout{0};  // one attempt's bound
};

// What start-up does next: run with `values`, or print `output` and exit with `exit_code`
// (0 after --help, 2 after a bad flag or value).
struct load_result {
  std::optional<settings> values;
  int exit_code = 0;
  std::string output;
};

// Looks up an environment variable; nullptr when unset. main passes getenv, tests a map.
using env_lookup = std::function<const char*(const char* name)>;

// Reads the layers in order and validates the result. `args` excludes the program name.
// A --config/CONFIG_FILE file is read from disk, and the CPU budget detected (config/cpu_budget);
// everything else is pure.
load_result load(const std::vector<std::string>& args, const env_lookup& env,
                 const std::string& defaults = defaults_text);

}  // namespace config
