// Tests net/fd_limits.cpp: the default connection limit (all but 64 + fds/16, at least 16) and
// raising the soft RLIMIT_NOFILE to the hard one, as getrlimit then reports it.
#include "net/fd_limits.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>

namespace {

using net::default_max_connections;
using net::raise_fd_limit;

TEST(fd_limits, default_max_connections_leaves_64_and_a_sixteenth) {
  EXPECT_EQ(default_max_connections(1024), 896u);     // 1024 - (64 + 64)
  EXPECT_EQ(default_max_connections(65536), 61376u);  // 65536 - (64 + 4096)
  EXPECT_EQ(default_max_connections(128), 56u);       // 128 - (64 + 8)
  EXPECT_EQ(default_max_connections(1048576), 983040u - 64);
  EXPECT_EQ(default_max_connections(4096), 3776u);  // 4096 - (64 + 256)
}

TEST(fd_limits, default_max_connections_is_at_least_16) {
  for (size_t fds : {size_t{0}, size_t{1}, size_t{16}, size_t{50}, size_t{64}, size_t{80},
                     size_t{85}})
    EXPECT_EQ(default_max_connections(fds), 16u) << fds;
  // 86 - (64 + 5) = 17: the first above the floor.
  EXPECT_EQ(default_max_connections(86), 17u);
}

TEST(fd_limits, default_max_connections_follows_the_formula_everywhere) {
  for (size_t fds = 0; fds <= 200000; ++fds) {
    size_t reserve = 64 + fds / 16;
    size_t want = fds > reserve ? std::max<size_t>(fds - reserve, 16) : 16;
    ASSERT_EQ(default_max_connections(fds), want) << fds;
  }
}

TEST(fd_limits, raise_fd_limit_raises_the_soft_limit_to_the_hard_one) {
  rlimit r{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &r), 0);
  // Linux never reports an unlimited RLIMIT_NOFILE (it is capped at fs.nr_open).
  ASSERT_NE(r.rlim_max, RLIM_INFINITY);
  const rlim_t lowered = std::min<rlim_t>(r.rlim_max, 512);
  rlimit low = r;
  low.rlim_cur = lowered;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);

  net::fd_limits got = raise_fd_limit();
  EXPECT_EQ(got.soft_before, static_cast<size_t>(lowered));
  EXPECT_EQ(got.hard, static_cast<size_t>(r.rlim_max));
  EXPECT_EQ(got.soft, got.hard);

  rlimit after{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &after), 0);
  EXPECT_EQ(static_cast<size_t>(after.rlim_cur), got.soft);
  EXPECT_EQ(after.rlim_cur, after.rlim_max);
  EXPECT_EQ(after.rlim_max, r.rlim_max);  // the hard limit is left alone
}

TEST(fd_limits, raise_fd_limit_at_the_hard_limit_changes_nothing) {
  rlimit r{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &r), 0);
  // Linux never reports an unlimited RLIMIT_NOFILE (it is capped at fs.nr_open).
  ASSERT_NE(r.rlim_max, RLIM_INFINITY);
  rlimit full = r;
  full.rlim_cur = r.rlim_max;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &full), 0);

  net::fd_limits got = raise_fd_limit();
  EXPECT_EQ(got.soft_before, static_cast<size_t>(r.rlim_max));
  EXPECT_EQ(got.soft, static_cast<size_t>(r.rlim_max));
  EXPECT_EQ(got.hard, static_cast<size_t>(r.rlim_max));
  rlimit after{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &after), 0);
  EXPECT_EQ(after.rlim_cur, r.rlim_max);
}

}  // namespace
