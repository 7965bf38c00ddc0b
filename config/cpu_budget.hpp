// How many CPUs this process may actually use: the affinity mask, capped by a cgroup v2
// cpu.max quota (as Go's GOMAXPROCS and the JVM's container support do), so that
// HTTP_THREADS=0 and ACTOR_THREADS=0 mean one thread per usable CPU, not per CPU of the host.
// Parsing is pure; detect() does the I/O and may be called from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace config {

struct cpu_budget {
  unsigned count = 1;  // never 0
  std::string reason;  // why, for the operator: "affinity 1 of 2 CPUs", "2 CPUs", ...
};

struct cpu_quota {
  uint64_t quota_us = 0;
  uint64_t period_us = 0;
  unsigned cpus = 1;  // quota / period rounded up, never 0
};

// A cgroup v2 cpu.max text, "150000 100000" (2 CPUs) or "max 100000" (no limit: nullopt).
// Malformed text, a zero quota or period, is no limit either.
std::optional<cpu_quota> parse_cpu_max(std::string_view text);

// The process's cgroup v2 path, from the "0::/some/path" line of /proc/self/cgroup; cgroup v1
// lines ("4:memory:/x") are ignored. nullopt without such a line.
std::optional<std::string> cgroup_v2_path(std::string_view proc_self_cgroup);

struct cgroup2_mount {
  std::string root;   // the directory of the hierarchy mounted there, "/" unless a bind mount
  std::string point;  // where it is mounted: /sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrids
};

// The first cgroup2 mount in /proc/self/mountinfo text (octal escapes such as \040 decoded).
std::optional<cgroup2_mount> parse_cgroup2_mount(std::string_view mountinfo);

// The directories whose cpu.max may limit `path`, innermost first, up to the mount point: a
// quota set on an ancestor binds too. Empty when `path` lies outside the mount's root (or
// climbs with ".."), where no directory of it can be read.
std::vector<std::string> cgroup_dirs(const cgroup2_mount& mount, const std::string& path);

// The budget from what detect() read: `hardware` CPUs of the machine (0: unknown), `affinity`
// in the mask (0: unknown), `quota` the tightest along the cgroup path. Pure.
cpu_budget choose(unsigned hardware, unsigned affinity, const std::optional<cpu_quota>& quota);

// This process now: sched_getaffinity, /proc/self/{cgroup,mountinfo}, cpu.max files along the
// path, std::thread::hardware_concurrency. Never fails: what cannot be read does not limit.
cpu_budget detect();

}  // namespace config
