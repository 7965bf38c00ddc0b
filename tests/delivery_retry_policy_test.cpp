// Tests delivery/retry_policy.cpp: each class of status, the backoff's growth, cap and jitter
// bounds, every form of Retry-After, and giving up at the deadline. Time is a number here.
#include "delivery/retry_policy.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace {

using namespace delivery;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int64_t t1994 = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT

TEST(DeliveryRetryPolicy, EveryClassOfStatus) {
  for (long s : {200L, 201L, 202L, 204L, 299L}) EXPECT_EQ(classify(s), verdict::delivered) << s;
  for (long s : {0L, 408L, 425L, 429L, 500L, 502L, 503L, 504L, 599L})
    EXPECT_EQ(classify(s), verdict::retry) << s;
  for (long s : {100L, 101L, 199L, 300L, 301L, 302L, 304L, 307L, 308L, 400L, 401L, 403L, 404L,
                 405L, 409L, 410L, 413L, 415L, 422L, 499L, 600L, -1L, 1L})
    EXPECT_EQ(classify(s), verdict::refused) << s;
}

TEST(DeliveryRetryPolicy, TheWaitDoublesUpToTheCap) {
  backoff b;  // 1 s, capped at 5 min; unit 0: the fixed half alone
  EXPECT_EQ(retry_delay(b, 1, 0), milliseconds(500));
  EXPECT_EQ(retry_delay(b, 2, 0), milliseconds(1000));
  EXPECT_EQ(retry_delay(b, 3, 0), milliseconds(2000));
  EXPECT_EQ(retry_delay(b, 9, 0), milliseconds(128000));
  EXPECT_EQ(retry_delay(b, 10, 0), milliseconds(150000));  // 256 s, capped at 300
  EXPECT_EQ(retry_delay(b, 1000, 0), milliseconds(150000));
  EXPECT_EQ(retry_delay(b, std::numeric_limits<unsigned>::max(), 0), milliseconds(150000));
  EXPECT_EQ(retry_delay(b, 0, 0), retry_delay(b, 1, 0));
}

TEST(DeliveryRetryPolicy, EqualJitterStaysInTheUpperHalf) {
  backoff b;
  EXPECT_EQ(retry_delay(b, 1, 0.5), milliseconds(750));
  EXPECT_EQ(retry_delay(b, 1, 0.999), milliseconds(999));
  EXPECT_EQ(retry_delay(b, 20, 0.999), milliseconds(299850));
  for (double u : {0.0, 0.25, 0.5, 0.999, 0.99999999, 1.0, 7.0, -1.0, std::nan("")}) {
    for (unsigned a : {1u, 4u, 30u}) {
      auto full = a == 1 ? 1000 : a == 4 ? 8000 : 300000;
      auto d = retry_delay(b, a, u).count();
      EXPECT_GE(d, full / 2) << u << " " << a;
      EXPECT_LT(d, full) << u << " " << a;
    }
  }
}

TEST(DeliveryRetryPolicy, OddBackoffsStayInRange) {
  EXPECT_EQ(retry_delay({milliseconds(0), milliseconds(1000)}, 5, 0.9), milliseconds(0));
  EXPECT_EQ(retry_delay({milliseconds(10000), milliseconds(1000)}, 1, 0), milliseconds(500));
  backoff huge{milliseconds(std::numeric_limits<int64_t>::max() / 3),
               milliseconds(std::numeric_limits<int64_t>::max())};
  EXPECT_GT(retry_delay(huge, 5, 0).count(), 0);  // no overflow
}

TEST(DeliveryRetryPolicy, RetryAfterInSeconds) {
  EXPECT_EQ(parse_retry_after("120", 0), seconds(120));
  EXPECT_EQ(parse_retry_after(" 0 ", 0), seconds(0));
  EXPECT_EQ(parse_retry_after("3600", 0), seconds(3600));
  EXPECT_EQ(parse_retry_after("3601", 0), seconds(3600));  // at most an hour
  EXPECT_EQ(parse_retry_after("99999999999999999999999999", 0), seconds(3600));
}

TEST(DeliveryRetryPolicy, RetryAfterAsEveryHttpDateForm) {
  for (auto v : {"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
                 "Sun Nov  6 08:49:37 1994", "Sun Nov 06 08:49:37 1994"})
    EXPECT_EQ(parse_retry_after(v, t1994 - 90), seconds(90)) << v;
  EXPECT_EQ(parse_retry_after("Thu, 29 Feb 2024 00:00:00 GMT", 1709164800 - 1), seconds(1));
  EXPECT_EQ(parse_retry_after("Wed, 01 Jan 2025 00:00:00 GMT", 1735689600 - 3599), seconds(3599));
  EXPECT_EQ(parse_retry_after("Wed, 01 Jan 2025 00:00:00 GMT", 0), seconds(3600));
}

TEST(DeliveryRetryPolicy, ATwoDigitYearIsWithinFiftyYears) {
  // In 2025, "69" is 2069 (44 years ahead), so a date then is far off: capped.
  EXPECT_EQ(parse_retry_after("Tuesday, 01-Jan-69 00:00:00 GMT", 1735689600), seconds(3600));
  // In 2025, "94" is 1994, not 2094: in the past.
  EXPECT_EQ(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", 1735689600), seconds(0));
  EXPECT_EQ(parse_retry_after("Wednesday, 01-Jan-25 00:00:10 GMT", 1735689600), seconds(10));
}

TEST(DeliveryRetryPolicy, ADateInThePastIsNoWait) {
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", t1994 + 1), seconds(0));
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", t1994), seconds(0));
}

TEST(DeliveryRetryPolicy, GarbageIsNoRetryAfter) {
  for (auto v : {"", "   ", "-5", "1.5", "12s", "soon", "0x10", "Sun, 06 Nov 1994 08:49:37",
                 "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 6 Nov 1994 08:49:37 GMT",
                 "Sun, 06 nov 1994 08:49:37 GMT", "Sun, 31 Nov 1994 08:49:37 GMT",
                 "Thu, 29 Feb 2023 00:00:00 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
                 "Sun, 06 Nov 1994 08:60:00 GMT", "Sun, 06 Nov 94 08:49:37 GMT",
                 "Sun, 06 Nov 1994 08:49:37 GMT x", "Sunday, 06-Nov-1994 08:49:37 GMT",
                 "Sun Nov 6 08:49:37 1994", "Xyz, 06 Nov 1994 08:49:37 GMT",
                 "Sun, 00 Nov 1994 08:49:37 GMT"})
    EXPECT_EQ(parse_retry_after(v, t1994), std::nullopt) << v;
}

TEST(DeliveryRetryPolicy, NextWaitIsTheBackoffOrALongerRetryAfter) {
  backoff b;
  EXPECT_EQ(next_wait(b, 1, 0, std::nullopt, 0, 60000), milliseconds(500));
  EXPECT_EQ(next_wait(b, 1, 0, seconds(5), 0, 60000), milliseconds(5000));
  EXPECT_EQ(next_wait(b, 4, 0, seconds(1), 0, 60000), milliseconds(4000));  // backoff longer
  EXPECT_EQ(next_wait(b, 1, 0, seconds(0), 0, 60000), milliseconds(500));   // no hot loop
}

TEST(DeliveryRetryPolicy, PastTheDeadlineItGivesUp) {
  backoff b;
  EXPECT_EQ(next_wait(b, 1, 0, std::nullopt, 1000, 1501), milliseconds(500));
  EXPECT_EQ(next_wait(b, 1, 0, std::nullopt, 1000, 1500), std::nullopt);  // due at the deadline
  EXPECT_EQ(next_wait(b, 1, 0, std::nullopt, 1000, 1200), std::nullopt);
  EXPECT_EQ(next_wait(b, 1, 0, seconds(30), 0, 20000), std::nullopt);  // the server asks too much
  EXPECT_EQ(next_wait(b, 1, 0, std::nullopt, 5000, 5000), std::nullopt);
  EXPECT_EQ(next_wait(b, 1, 0, std::nullopt, 6000, 5000), std::nullopt);
}

}  // namespace

TEST(DeliveryRetryPolicy, KestrasNotPausedIsRetriedOnlyWhileTheDeliveryIsYoung) {
  using namespace std::chrono_literals;
  EXPECT_EQ(delivery::classify_resume(409, 1s), delivery::verdict::retry);
  EXPECT_EQ(delivery::classify_resume(409, 59s), delivery::verdict::retry);
  EXPECT_EQ(delivery::classify_resume(409, 60s), delivery::verdict::refused);
  EXPECT_EQ(delivery::classify_resume(404, 1s), delivery::verdict::refused);
  EXPECT_EQ(delivery::classify_resume(204, 1s), delivery::verdict::delivered);
  EXPECT_EQ(delivery::classify_resume(503, 90s), delivery::verdict::retry);
}
