// Tests config/cpu_budget.cpp: the cpu.max, /proc/self/cgroup and mountinfo parsers, the walk up
// the cgroup path, the choice and its reason, and detect() in this process and under an affinity
// mask of one CPU (in a forked child).
#include "config/cpu_budget.hpp"

#include <gtest/gtest.h>

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <string>
#include <thread>
#include <vector>

namespace {

using config::cgroup2_mount;
using config::cpu_quota;

// --- cpu.max ----------------------------------------------------------------------------------

TEST(cpu_budget, cpu_max_unlimited_is_no_quota) {
  EXPECT_FALSE(config::parse_cpu_max("max 100000\n"));
  EXPECT_FALSE(config::parse_cpu_max("max 100000"));
  EXPECT_FALSE(config::parse_cpu_max("max"));
}

TEST(cpu_budget, cpu_max_rounds_up) {
  struct { const char* text; unsigned cpus; } cases[] = {
    {"150000 100000\n", 2}, {"50000 100000", 1}, {"100000 100000", 1}, {"100001 100000", 2},
    {"200000 100000", 2},   {"1000 100000", 1},  {"1 1000000", 1},     {"400000 50000", 8},
  };
  for (const auto& c : cases) {
    auto q = config::parse_cpu_max(c.text);
    ASSERT_TRUE(q) << c.text;
    EXPECT_EQ(q->cpus, c.cpus) << c.text;
  }
  auto q = config::parse_cpu_max("150000 100000\n");
  EXPECT_EQ(q->quota_us, 150000u);
  EXPECT_EQ(q->period_us, 100000u);
}

TEST(cpu_budget, cpu_max_huge_quota_does_not_overflow) {
  auto q = config::parse_cpu_max("18446744073709551615 1");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->cpus, UINT_MAX);
  q = config::parse_cpu_max("18446744073709551615 1000000");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->cpus, UINT_MAX);  // 18446744073710 CPUs, capped
}

TEST(cpu_budget, cpu_max_malformed_is_no_quota) {
  for (const char* text : {"", "\n", "150000", "150000 ", "150000 100000 7", "-1 100000",
                           "150000 -1", "0 100000", "150000 0", "abc 100000", "150000 1e5",
                           "1.5 100000", "18446744073709551616 100000", "max max", "100000 max"})
    EXPECT_FALSE(config::parse_cpu_max(text)) << '"' << text << '"';
}

// --- /proc/self/cgroup ------------------------------------------------------------------------

TEST(cpu_budget, cgroup_path_of_v2_line) {
  EXPECT_EQ(config::cgroup_v2_path("0::/\n"), "/");
  EXPECT_EQ(config::cgroup_v2_path("0::/system.slice/vapi-cache.service\n"),
            "/system.slice/vapi-cache.service");
  EXPECT_EQ(config::cgroup_v2_path("0::/kubepods/burstable/pod1/abc"),
            "/kubepods/burstable/pod1/abc");
  EXPECT_EQ(config::cgroup_v2_path("0::/a:b/c\n"), "/a:b/c");  // a ':' in the path is kept
}

TEST(cpu_budget, cgroup_v1_lines_are_ignored) {
  // A hybrid host: the v1 controllers name other paths; only the 0:: line counts.
  std::string hybrid = "12:cpu,cpuacct:/docker/abc\n4:memory:/process_api/950af7\n"
                       "1:name=systemd:/user.slice\n0::/user.slice/session-1.scope\n";
  EXPECT_EQ(config::cgroup_v2_path(hybrid), "/user.slice/session-1.scope");
  EXPECT_FALSE(config::cgroup_v2_path("12:cpu,cpuacct:/docker/abc\n1:name=systemd:/\n"));
  EXPECT_FALSE(config::cgroup_v2_path(""));
  EXPECT_FALSE(config::cgroup_v2_path("0::\n"));        // no path
  EXPECT_FALSE(config::cgroup_v2_path("10::/x\n"));     // not hierarchy 0
  EXPECT_FALSE(config::cgroup_v2_path("0:cpu:/x\n"));   // a v1 controller on hierarchy 0
}

// --- /proc/self/mountinfo ---------------------------------------------------------------------

TEST(cpu_budget, cgroup2_mount_unified) {
  auto m = config::parse_cgroup2_mount(
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
    "30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw\n");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->root, "/");
  EXPECT_EQ(m->point, "/sys/fs/cgroup");
}

TEST(cpu_budget, cgroup2_mount_hybrid_and_escaped) {
  auto m = config::parse_cgroup2_mount(
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->point, "/sys/fs/cgroup/unified");
  m = config::parse_cgroup2_mount("50 1 0:40 /docker/a\\040b /mnt/c\\134g rw - cgroup2 none rw\n");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->root, "/docker/a b");
  EXPECT_EQ(m->point, "/mnt/c\\g");
}

TEST(cpu_budget, cgroup2_mount_missing) {
  EXPECT_FALSE(config::parse_cgroup2_mount(""));
  EXPECT_FALSE(config::parse_cgroup2_mount(
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:29 / /cgroup2 rw,relatime - tmpfs cgroup2 rw\n"));  // "cgroup2" as the source only
  EXPECT_FALSE(config::parse_cgroup2_mount("garbage\n1 2 3\n"));
}

// --- the walk up the path ---------------------------------------------------------------------

TEST(cpu_budget, dirs_walk_up_to_the_mount_point) {
  cgroup2_mount m{"/", "/sys/fs/cgroup"};
  std::vector<std::string> want = {"/sys/fs/cgroup/kubepods/pod1/c1",
                                   "/sys/fs/cgroup/kubepods/pod1", "/sys/fs/cgroup/kubepods",
                                   "/sys/fs/cgroup"};
  EXPECT_EQ(config::cgroup_dirs(m, "/kubepods/pod1/c1"), want);
  EXPECT_EQ(config::cgroup_dirs(m, "/kubepods/pod1/c1/"), want);
  EXPECT_EQ(config::cgroup_dirs(m, "/"), std::vector<std::string>{"/sys/fs/cgroup"});
}

TEST(cpu_budget, dirs_below_a_bind_mounted_root) {
  // Docker without a cgroup namespace: the container's own cgroup is mounted at /sys/fs/cgroup.
  cgroup2_mount m{"/docker/abc", "/sys/fs/cgroup"};
  EXPECT_EQ(config::cgroup_dirs(m, "/docker/abc"), std::vector<std::string>{"/sys/fs/cgroup"});
  EXPECT_EQ(config::cgroup_dirs(m, "/docker/abc/child"),
            (std::vector<std::string>{"/sys/fs/cgroup/child", "/sys/fs/cgroup"}));
  EXPECT_TRUE(config::cgroup_dirs(m, "/docker/abcdef").empty());  // a sibling, not below
  EXPECT_TRUE(config::cgroup_dirs(m, "/other").empty());
}

TEST(cpu_budget, dirs_refuse_what_cannot_be_read) {
  cgroup2_mount m{"/", "/sys/fs/cgroup"};
  EXPECT_TRUE(config::cgroup_dirs(m, "/../outside").empty());  // moved out of its namespace
  EXPECT_TRUE(config::cgroup_dirs(m, "/a/../../b").empty());
  EXPECT_TRUE(config::cgroup_dirs(m, "").empty());
  EXPECT_TRUE(config::cgroup_dirs(m, "relative").empty());
  EXPECT_EQ(config::cgroup_dirs({"/", "/"}, "/a"), (std::vector<std::string>{"/a", "/"}));
}

// --- the choice -------------------------------------------------------------------------------

TEST(cpu_budget, choose_the_smaller_and_say_why) {
  auto b = config::choose(2, 2, std::nullopt);
  EXPECT_EQ(b.count, 2u);
  EXPECT_EQ(b.reason, "2 CPUs");
  b = config::choose(2, 1, std::nullopt);
  EXPECT_EQ(b.count, 1u);
  EXPECT_EQ(b.reason, "affinity 1 of 2 CPUs");
  b = config::choose(8, 4, cpu_quota{150000, 100000, 2});
  EXPECT_EQ(b.count, 2u);
  EXPECT_EQ(b.reason, "cgroup cpu.max 150000/100000 -> 2");
  b = config::choose(8, 2, cpu_quota{400000, 100000, 4});  // a looser quota: the mask binds
  EXPECT_EQ(b.count, 2u);
  EXPECT_EQ(b.reason, "affinity 2 of 8 CPUs");
  b = config::choose(4, 4, cpu_quota{400000, 100000, 4});  // equal: nothing is cut
  EXPECT_EQ(b.reason, "4 CPUs");
  b = config::choose(1, 1, std::nullopt);
  EXPECT_EQ(b.reason, "1 CPU");
}

TEST(cpu_budget, choose_with_unknowns_is_never_zero) {
  EXPECT_EQ(config::choose(0, 0, std::nullopt).count, 1u);
  EXPECT_EQ(config::choose(4, 0, std::nullopt).count, 4u);  // mask unreadable: the machine
  EXPECT_EQ(config::choose(0, 3, std::nullopt).count, 3u);
  EXPECT_EQ(config::choose(0, 0, cpu_quota{300000, 100000, 3}).count, 3u);
}

// --- this process -----------------------------------------------------------------------------

TEST(cpu_budget, detect_in_this_process) {
  auto b = config::detect();
  EXPECT_GE(b.count, 1u);
  if (unsigned hw = std::thread::hardware_concurrency(); hw != 0) {
    EXPECT_LE(b.count, hw) << b.reason;
  }
  EXPECT_FALSE(b.reason.empty());
}

TEST(cpu_budget, detect_under_an_affinity_of_one_cpu) {
  cpu_set_t mine;
  ASSERT_EQ(sched_getaffinity(0, sizeof mine, &mine), 0);
  int cpu = 0;
  while (cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &mine))
    ++cpu;
  ASSERT_LT(cpu, CPU_SETSIZE);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // only async-signal-safe-ish work and _exit: no gtest assertions here
    close(fds[0]);
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0)
      _exit(2);
    auto b = config::detect();
    std::string line = std::to_string(b.count) + " " + b.reason;
    bool written = write(fds[1], line.data(), line.size()) == static_cast<ssize_t>(line.size());
    _exit(written ? 0 : 3);
  }
  close(fds[1]);
  std::string out;
  char buf[256];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0) << "2: sched_setaffinity failed, 3: write failed";
  EXPECT_EQ(out.substr(0, out.find(' ')), "1") << out;
  // "1 CPU" where hardware_concurrency itself honours the mask
  EXPECT_TRUE(out.find(" affinity 1 of ") == 1 || out == "1 1 CPU") << out;
}

}  // namespace
