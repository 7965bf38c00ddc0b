// See process_stats.hpp. Field numbers are those of proc(5).
#include "metrics/process_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace metrics {
namespace {

std::optional<uint64_t> to_uint(std::string_view s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty())
    return std::nullopt;
  return v;
}

std::vector<std::string_view> split_blanks(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t'))
      ++i;
    size_t start = i;
    while (i < s.size() && !(s[i] == ' ' || s[i] == '\n' || s[i] == '\t'))
      ++i;
    if (i > start)
      out.push_back(s.substr(start, i - start));
  }
  return out;
}

// /proc files report size 0, so read until EOF rather than by size.
std::optional<std::string> read_whole(const char* path) {
  std::ifstream in(path);
  if (!in)
    return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

double count_open_fds() {
  std::error_code ec;
  std::filesystem::directory_iterator it("/proc/self/fd", ec), end;
  if (ec)
    return 0;
  double n = 0;
  for (; it != end; it.increment(ec)) {
    if (ec)
      return 0;
    ++n;  // includes the descriptor this listing holds, as the official clients do
  }
  return n;
}

}  // namespace

std::optional<process_stats> parse_self_stat(std::string_view stat_text, long clock_ticks,
                                             long page_size, double boot_time_seconds) {
  if (clock_ticks <= 0 || page_size <= 0)
    return std::nullopt;
  // "<pid> (<comm>) <state> ...": comm is whatever the process named itself, ')' included.
  size_t open = stat_text.find(" (");
  size_t close = stat_text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close <= open + 1 ||
      !to_uint(stat_text.substr(0, open)))
    return std::nullopt;
  // fields[0] is field 3 (state), so field n is fields[n - 3].
  auto fields = split_blanks(stat_text.substr(close + 1));
  if (fields.size() < 22 || fields[0].size() != 1)
    return std::nullopt;
  auto utime = to_uint(fields[11]), stime = to_uint(fields[12]);  // fields 14, 15: ticks
  auto start = to_uint(fields[19]);                               // 22: ticks after boot
  auto vsize = to_uint(fields[20]);                               // 23: bytes
  auto rss = to_uint(fields[21]);                                 // 24: pages
  if (!utime || !stime || !start || !vsize || !rss)
    return std::nullopt;
  process_stats s;
  const double ticks = static_cast<double>(clock_ticks);
  s.cpu_seconds = static_cast<double>(*utime + *stime) / ticks;
  s.resident_bytes = static_cast<double>(*rss) * static_cast<double>(page_size);
  s.virtual_bytes = static_cast<double>(*vsize);
  s.start_time_seconds = boot_time_seconds + static_cast<double>(*start) / ticks;
  return s;
}

std::optional<double> parse_boot_time(std::string_view proc_stat_text) {
  size_t pos = 0;
  while (pos < proc_stat_text.size()) {
    size_t eol = proc_stat_text.find('\n', pos);
    if (eol == std::string_view::npos)
      eol = proc_stat_text.size();
    auto words = split_blanks(proc_stat_text.substr(pos, eol - pos));
    if (words.size() == 2 && words[0] == "btime") {
      auto v = to_uint(words[1]);
      if (!v)
        return std::nullopt;
      return static_cast<double>(*v);
    }
    pos = eol + 1;
  }
  return std::nullopt;
}

process_stats read_process_stats() {
  process_stats s;
  auto boot = parse_boot_time(read_whole("/proc/stat").value_or(""));
  auto stat = read_whole("/proc/self/stat");
  if (stat) {
    auto parsed = parse_self_stat(*stat, sysconf(_SC_CLK_TCK), sysconf(_SC_PAGESIZE),
                                  boot.value_or(0));
    if (parsed) {
      s = *parsed;
      if (!boot)  // ticks since an unknown boot are no Unix time
        s.start_time_seconds = 0;
    }
  }
  s.open_fds = count_open_fds();
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0)
    s.max_fds = static_cast<double>(lim.rlim_cur);  // RLIM_INFINITY shows as 2^64-1, as in Go
  return s;
}

void write_process_stats(prometheus_text& out, const process_stats& s) {
  out.family("process_cpu_seconds_total", metric_type::counter,
             "Total user and system CPU time spent in seconds.");
  out.sample({}, s.cpu_seconds);
  out.family("process_resident_memory_bytes", metric_type::gauge,
             "Resident memory size in bytes.");
  out.sample({}, s.resident_bytes);
  out.family("process_virtual_memory_bytes", metric_type::gauge, "Virtual memory size in bytes.");
  out.sample({}, s.virtual_bytes);
  out.family("process_open_fds", metric_type::gauge, "Number of open file descriptors.");
  out.sample({}, s.open_fds);
  out.family("process_max_fds", metric_type::gauge, "Maximum number of open file descriptors.");
  out.sample({}, s.max_fds);
  out.family("process_start_time_seconds", metric_type::gauge,
             "Start time of the process since unix epoch in seconds.");
  out.sample({}, s.start_time_seconds);
}

}  // namespace metrics
