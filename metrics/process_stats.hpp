// The standard Prometheus process_* metrics of this process, read from Linux's /proc.
// Parsing is pure; read_process_stats() does the I/O and may be called from any thread.
#pragma once

#include <optional>
#include <string_view>

#include "metrics/prometheus_text.hpp"

namespace metrics {

// In the units the metrics are exposed in; a value that could not be read is 0.
struct process_stats {
  double cpu_seconds = 0;         // user + system
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double open_fds = 0;
  double max_fds = 0;             // soft RLIMIT_NOFILE
  double start_time_seconds = 0;  // Unix time
};

// Reads the fields /proc/<pid>/stat provides: cpu_seconds, resident_bytes, virtual_bytes and
// start_time_seconds (= boot_time_seconds + start ticks / clock_ticks); the others stay 0.
// The command name may hold spaces and parentheses: fields start after the last ')'.
// nullopt when the text is not a stat line or clock_ticks or page_size is not positive.
std::optional<process_stats> parse_self_stat(std::string_view stat_text, long clock_ticks,
                                             long page_size, double boot_time_seconds);

// The "btime" line of /proc/stat: the Unix time the system booted. nullopt when absent.
std::optional<double> parse_boot_time(std::string_view proc_stat_text);

// This process now. Never fails: what cannot be read is left 0.
process_stats read_process_stats();

// Writes the six process_* families, named and documented as the official clients do.
void write_process_stats(prometheus_text& out, const process_stats& s);

}  // namespace metrics
