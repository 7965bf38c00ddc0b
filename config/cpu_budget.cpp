// The CPU budget: parse cpu.max, /proc/self/cgroup and /proc/self/mountinfo, walk the cgroup
// path up to its mount point, and take the smaller of the affinity mask and the quota.
#include "config/cpu_budget.hpp"

#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <fstream>
#include <sstream>
#include <thread>

namespace config {
namespace {

std::optional<uint64_t> parse_u64(std::string_view text) {
  uint64_t v = 0;
  auto end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end)
    return std::nullopt;
  return v;
}

// Splits at runs of spaces (and tabs); no empty fields.
std::vector<std::string_view> fields_of(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (true) {
    i = line.find_first_not_of(" \t", i);
    if (i == std::string_view::npos)
      return out;
    size_t end = std::min(line.find_first_of(" \t", i), line.size());
    out.push_back(line.substr(i, end - i));
    i = end;
  }
}

// mountinfo writes a space, tab, newline or backslash in a path as \040, \011, \012, \134.
std::string unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    bool octal = s[i] == '\\' && i + 3 < s.size();
    for (size_t k = 1; octal && k <= 3; ++k)
      octal = s[i + k] >= '0' && s[i + k] <= '7';
    if (octal) {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

template <typename F>
void for_each_line(std::string_view text, F f) {
  while (!text.empty()) {
    size_t nl = std::min(text.find('\n'), text.size());
    f(text.substr(0, nl));
    text.remove_prefix(std::min(nl + 1, text.size()));
  }
}

std::string cpus_text(unsigned n) { return std::to_string(n) + (n == 1 ? " CPU" : " CPUs"); }

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The CPUs in the calling thread's mask (at start-up, the process's). The kernel refuses a set
// smaller than its own (EINVAL), so the set grows until it fits. 0 when it cannot be read.
unsigned affinity_count() {
  for (int n = 1024; n <= (1 << 20); n *= 2) {
    cpu_set_t* set = CPU_ALLOC(n);
    if (set == nullptr)
      return 0;
    size_t size = CPU_ALLOC_SIZE(n);
    int rc = sched_getaffinity(0, size, set);
    int err = errno;
    unsigned count = rc == 0 ? static_cast<unsigned>(CPU_COUNT_S(size, set)) : 0;
    CPU_FREE(set);
    if (rc == 0 || err != EINVAL)
      return count;
  }
  return 0;
}

// The tightest cpu.max along the process's cgroup path; nullopt on cgroup v1, or no quota.
std::optional<cpu_quota> cgroup_quota() {
  auto cgroup = read_text("/proc/self/cgroup");
  auto mountinfo = read_text("/proc/self/mountinfo");
  if (!cgroup || !mountinfo)
    return std::nullopt;
  auto path = cgroup_v2_path(*cgroup);
  auto mount = parse_cgroup2_mount(*mountinfo);
  if (!path || !mount)
    return std::nullopt;
  std::optional<cpu_quota> tightest;
  for (const auto& dir : cgroup_dirs(*mount, *path)) {
    auto text = read_text(dir + "/cpu.max");
    auto quota = text ? parse_cpu_max(*text) : std::nullopt;
    if (quota && (!tightest || quota->cpus < tightest->cpus))
      tightest = quota;
  }
  return tightest;
}

}  // namespace

std::optional<cpu_quota> parse_cpu_max(std::string_view text) {
  auto fields = fields_of(text.substr(0, text.find('\n')));
  if (fields.size() != 2 || fields[0] == "max")
    return std::nullopt;
  auto quota = parse_u64(fields[0]);
  auto period = parse_u64(fields[1]);
  if (!quota || !period || *quota == 0 || *period == 0)
    return std::nullopt;
  uint64_t cpus = *quota / *period + (*quota % *period != 0 ? 1 : 0);
  return cpu_quota{*quota, *period, static_cast<unsigned>(std::min<uint64_t>(cpus, UINT_MAX))};
}

std::optional<std::string> cgroup_v2_path(std::string_view proc_self_cgroup) {
  std::optional<std::string> found;
  for_each_line(proc_self_cgroup, [&](std::string_view line) {
    // hierarchy-ID:controllers:path, where the path itself may hold a ':'
    if (!found && line.rfind("0::", 0) == 0 && line.size() > 3 && line[3] == '/')
      found = std::string(line.substr(3));
  });
  return found;
}

std::optional<cgroup2_mount> parse_cgroup2_mount(std::string_view mountinfo) {
  // id parent major:minor root mount-point options [optional fields...] - fstype source ...
  std::optional<cgroup2_mount> found;
  for_each_line(mountinfo, [&](std::string_view line) {
    auto f = fields_of(line);
    if (found || f.size() < 5)
      return;
    for (size_t i = 5; i + 1 < f.size(); ++i)
      if (f[i] == "-") {
        if (f[i + 1] == "cgroup2")
          found = cgroup2_mount{unescape(f[3]), unescape(f[4])};
        return;
      }
  });
  return found;
}

std::vector<std::string> cgroup_dirs(const cgroup2_mount& mount, const std::string& path) {
  auto strip = [](std::string s) {
    while (!s.empty() && s.back() == '/')
      s.pop_back();
    return s;
  };
  std::string root = strip(mount.root), point = strip(mount.point), rel;
  if (path.empty() || path[0] != '/')
    return {};
  if (root.empty()) {
    rel = strip(path);
  } else if (path.compare(0, root.size(), root) == 0 &&
             (path.size() == root.size() || path[root.size()] == '/')) {
    rel = strip(path.substr(root.size()));
  } else {
    return {};  // a cgroup namespace or bind mount that does not show the process's cgroup
  }
  if ((rel + "/").find("/../") != std::string::npos)
    return {};
  std::vector<std::string> dirs;
  while (true) {
    dirs.push_back(point + rel);
    if (rel.empty())
      break;
    rel.erase(rel.rfind('/'));
  }
  if (dirs.back().empty())
    dirs.back() = "/";
  return dirs;
}

cpu_budget choose(unsigned hardware, unsigned affinity, const std::optional<cpu_quota>& quota) {
  unsigned base = affinity != 0 ? affinity : hardware;
  cpu_budget b;
  if (base == 0)
    b = {1, "CPU count unknown: 1"};
  else if (affinity != 0 && hardware != 0 && affinity < hardware)
    b = {affinity, "affinity " + std::to_string(affinity) + " of " + cpus_text(hardware)};
  else
    b = {base, cpus_text(base)};
  if (quota && (base == 0 || quota->cpus < base))
    b = {quota->cpus, "cgroup cpu.max " + std::to_string(quota->quota_us) + "/" +
                          std::to_string(quota->period_us) + " -> " + std::to_string(quota->cpus)};
  if (b.count == 0)
    b.count = 1;
  return b;
}

cpu_budget detect() {
  return choose(std::thread::hardware_concurrency(), affinity_count(), cgroup_quota());
}

}  // namespace config
