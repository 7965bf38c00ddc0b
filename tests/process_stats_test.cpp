// Tests metrics/process_stats.cpp.
#include "metrics/process_stats.hpp"

#include <gtest/gtest.h>

#include <ctime>
#include <string>

namespace {

using metrics::parse_boot_time;
using metrics::parse_self_stat;

// A real line of /proc/self/stat with `comm` as the command name: utime 250, stime 150,
// starttime 373054 ticks, vsize 3133440 bytes, rss 408 pages.
std::string stat_line(const std::string& comm) {
  return "11988 (" + comm +
         ") R 11985 11985 10581 0 -1 4194304 100 0 0 0 250 150 0 0 20 0 1 0 373054 3133440 408 "
         "18446744073709551615 94665040330752 94665040350633 140723508603056 0 0 0 0 0 0 0 0 0 "
         "17 1 0 0 0 0 0 94665040366640 94665040368256 94665236987904 140723508607619 "
         "140723508607639 140723508607639 140723508609003 0\n";
}

TEST(process_stats, parses_a_stat_line) {
  auto s = parse_self_stat(stat_line("vapi-cache"), 100, 4096, 1700000000);
  ASSERT_TRUE(s);
  EXPECT_DOUBLE_EQ(s->cpu_seconds, 4.0);  // (250 + 150) / 100
  EXPECT_DOUBLE_EQ(s->resident_bytes, 408.0 * 4096);
  EXPECT_DOUBLE_EQ(s->virtual_bytes, 3133440);
  EXPECT_DOUBLE_EQ(s->start_time_seconds, 1700000000 + 3730.54);
  EXPECT_EQ(s->open_fds, 0);  // not in the stat line
  EXPECT_EQ(s->max_fds, 0);
}

TEST(process_stats, command_names_may_hold_spaces_and_parentheses) {
  for (const char* comm : {"vapi (cache) x", "a) R 1 2 3", ")", "(", "", "x )( y", "1 2"}) {
    auto s = parse_self_stat(stat_line(comm), 100, 4096, 0);
    ASSERT_TRUE(s) << comm;
    EXPECT_DOUBLE_EQ(s->cpu_seconds, 4.0) << comm;
    EXPECT_DOUBLE_EQ(s->resident_bytes, 408.0 * 4096) << comm;
    EXPECT_DOUBLE_EQ(s->start_time_seconds, 3730.54) << comm;
  }
}

TEST(process_stats, clock_ticks_and_page_size_scale) {
  auto s = parse_self_stat(stat_line("x"), 1000, 65536, 10);
  ASSERT_TRUE(s);
  EXPECT_DOUBLE_EQ(s->cpu_seconds, 0.4);
  EXPECT_DOUBLE_EQ(s->resident_bytes, 408.0 * 65536);
  EXPECT_DOUBLE_EQ(s->start_time_seconds, 10 + 373.054);
}

TEST(process_stats, malformed_stat_lines_are_refused) {
  const std::string good = stat_line("x");
  const std::string cut = good.substr(0, good.find(" 408 "));  // ends before rss
  for (const std::string& bad : {
           std::string(), std::string("garbage"), cut, std::string("11988 (x"),
           std::string("11988 x) R 1"), "abc (x) R" + good.substr(good.find(')') + 2),
           "(x)" + good.substr(good.find(')') + 1),
           std::string("11988 (x) R 1 2 3 4 5 6 7 8 9 10 -11 12 13 14 15 16 17 18 19 20 21 22"),
           std::string("11988 (x) R 1 2 3 4 5 6 7 8 9 10 u 12 13 14 15 16 17 18 19 20 21 22"),
           std::string("11988 (x) RR 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22"),
       })
    EXPECT_EQ(parse_self_stat(bad, 100, 4096, 0), std::nullopt) << bad;
  EXPECT_EQ(parse_self_stat(good, 0, 4096, 0), std::nullopt);
  EXPECT_EQ(parse_self_stat(good, 100, -1, 0), std::nullopt);
  // Exactly the fields up to rss are enough.
  EXPECT_TRUE(parse_self_stat(
      "1 (x) R 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22", 100, 4096, 0));
}

TEST(process_stats, boot_time_is_the_btime_line) {
  const char* proc_stat =
      "cpu  4705 356 584 3699 23 23 0 0 0 0\n"
      "cpu0 1393280 32966 572056 13343292 6130 0 17875 0 0 0\n"
      "intr 114930548 113199788 3 0 5 263 0 4 [... lots more numbers ...]\n"
      "ctxt 1990473\n"
      "btime 1700000000\n"
      "processes 2915\n"
      "procs_running 1\n";
  EXPECT_EQ(parse_boot_time(proc_stat), 1700000000.0);
  EXPECT_EQ(parse_boot_time("btime 42"), 42.0);  // last line without newline
  EXPECT_EQ(parse_boot_time("xbtime 5\nbtime  7\n"), 7.0);
}

TEST(process_stats, missing_or_malformed_boot_time_is_refused) {
  for (const char* bad : {"", "cpu 1 2 3\n", "btime\n", "btime x\n", "btime -5\n", "btime 1 2\n",
                          "btimes 5\n", "ctxt 1\nbtime 12a\n"})
    EXPECT_EQ(parse_boot_time(bad), std::nullopt) << bad;
}

TEST(process_stats, this_process_has_plausible_values) {
  auto s = metrics::read_process_stats();
  double now = static_cast<double>(std::time(nullptr));
  EXPECT_GT(s.resident_bytes, 0);
  EXPECT_GE(s.virtual_bytes, s.resident_bytes);
  EXPECT_GE(s.open_fds, 3);  // stdin, stdout, stderr
  EXPECT_GE(s.max_fds, s.open_fds);
  EXPECT_GE(s.cpu_seconds, 0);
  EXPECT_LE(s.start_time_seconds, now + 1);  // btime is rounded to whole seconds
  EXPECT_GT(s.start_time_seconds, now - 86400);
}

TEST(process_stats, writes_the_six_standard_families) {
  metrics::process_stats s;
  s.cpu_seconds = 1.5;
  s.resident_bytes = 1048576;
  s.virtual_bytes = 4194304;
  s.open_fds = 12;
  s.max_fds = 1024;
  s.start_time_seconds = 1700000000.25;
  metrics::prometheus_text out;
  metrics::write_process_stats(out, s);
  EXPECT_EQ(out.text(),
            "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
            "# TYPE process_cpu_seconds_total counter\n"
            "process_cpu_seconds_total 1.5\n"
            "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
            "# TYPE process_resident_memory_bytes gauge\n"
            "process_resident_memory_bytes 1048576\n"
            "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
            "# TYPE process_virtual_memory_bytes gauge\n"
            "process_virtual_memory_bytes 4194304\n"
            "# HELP process_open_fds Number of open file descriptors.\n"
            "# TYPE process_open_fds gauge\n"
            "process_open_fds 12\n"
            "# HELP process_max_fds Maximum number of open file descriptors.\n"
            "# TYPE process_max_fds gauge\n"
            "process_max_fds 1024\n"
            "# HELP process_start_time_seconds Start time of the process since unix epoch in "
            "seconds.\n"
            "# TYPE process_start_time_seconds gauge\n"
            "process_start_time_seconds 1700000000.25\n");
}

TEST(process_stats, writes_into_a_page_that_has_other_families) {
  metrics::prometheus_text out;
  out.family("vapi_entries", metrics::metric_type::gauge, "Cached call results.");
  out.sample({}, 2);
  metrics::write_process_stats(out, metrics::read_process_stats());
  const std::string& t = out.text();
  EXPECT_NE(t.find("vapi_entries 2\n# HELP process_cpu_seconds_total "), std::string::npos);
  EXPECT_EQ(t.back(), '\n');
}

}  // namespace
