// Tests metrics/prometheus_text.cpp.
#include "metrics/prometheus_text.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace {

using metrics::labels;
using metrics::metric_type;
using metrics::prometheus_text;

// The text of a one-gauge page holding `v`, without its HELP and TYPE lines.
std::string gauge_value(double v) {
  prometheus_text p;
  p.family("g", metric_type::gauge, "h");
  p.sample({}, v);
  std::string t = p.text();
  return t.substr(t.rfind("\ng ") + 3, std::string::npos);
}

TEST(prometheus_text, counter_with_labels) {
  prometheus_text p;
  p.family("vapi_requests_total", metric_type::counter, "HTTP requests answered.");
  p.sample({{"method", "GET"}, {"code", "200"}}, 3);
  p.sample({{"method", "PUT"}, {"code", "404"}}, 0);
  EXPECT_EQ(p.text(),
            "# HELP vapi_requests_total HTTP requests answered.\n"
            "# TYPE vapi_requests_total counter\n"
            "vapi_requests_total{method=\"GET\",code=\"200\"} 3\n"
            "vapi_requests_total{method=\"PUT\",code=\"404\"} 0\n");
}

TEST(prometheus_text, gauge_without_labels_and_several_families) {
  prometheus_text p;
  p.family("vapi_entries", metric_type::gauge, "Cached call results.");
  p.sample({}, 42);
  p.family("vapi:ratio", metric_type::gauge, "");
  p.sample({}, 0.5);
  EXPECT_EQ(p.text(),
            "# HELP vapi_entries Cached call results.\n"
            "# TYPE vapi_entries gauge\n"
            "vapi_entries 42\n"
            "# HELP vapi:ratio \n"
            "# TYPE vapi:ratio gauge\n"
            "vapi:ratio 0.5\n");
}

TEST(prometheus_text, family_without_samples_is_only_help_and_type) {
  prometheus_text p;
  p.family("empty_total", metric_type::counter, "Nothing yet.");
  EXPECT_EQ(p.text(), "# HELP empty_total Nothing yet.\n# TYPE empty_total counter\n");
}

TEST(prometheus_text, histogram_buckets_are_cumulative) {
  prometheus_text p;
  p.family("vapi_wait_seconds", metric_type::histogram, "Long-poll wait.");
  p.histogram({{"route", "get"}}, {0.005, 0.1, 1, 2.5}, {1, 0, 3, 2, 4}, 17.25);
  EXPECT_EQ(p.text(),
            "# HELP vapi_wait_seconds Long-poll wait.\n"
            "# TYPE vapi_wait_seconds histogram\n"
            "vapi_wait_seconds_bucket{route=\"get\",le=\"0.005\"} 1\n"
            "vapi_wait_seconds_bucket{route=\"get\",le=\"0.1\"} 1\n"
            "vapi_wait_seconds_bucket{route=\"get\",le=\"1\"} 4\n"
            "vapi_wait_seconds_bucket{route=\"get\",le=\"2.5\"} 6\n"
            "vapi_wait_seconds_bucket{route=\"get\",le=\"+Inf\"} 10\n"
            "vapi_wait_seconds_sum{route=\"get\"} 17.25\n"
            "vapi_wait_seconds_count{route=\"get\"} 10\n");
}

TEST(prometheus_text, histogram_without_labels_and_without_bounds) {
  prometheus_text p;
  p.family("h", metric_type::histogram, "x");
  p.histogram({}, {1}, {0, 0}, 0);
  p.histogram({{"a", "b"}}, {}, {7}, 3.5);
  EXPECT_EQ(p.text(),
            "# HELP h x\n"
            "# TYPE h histogram\n"
            "h_bucket{le=\"1\"} 0\n"
            "h_bucket{le=\"+Inf\"} 0\n"
            "h_sum 0\n"
            "h_count 0\n"
            "h_bucket{a=\"b\",le=\"+Inf\"} 7\n"
            "h_sum{a=\"b\"} 3.5\n"
            "h_count{a=\"b\"} 7\n");
}

TEST(prometheus_text, histogram_counts_beyond_two_to_the_53_stay_exact) {
  prometheus_text p;
  p.family("h", metric_type::histogram, "x");
  p.histogram({}, {}, {9007199254740993ull}, 1);
  EXPECT_NE(p.text().find("h_bucket{le=\"+Inf\"} 9007199254740993\n"), std::string::npos);
  EXPECT_NE(p.text().find("h_count 9007199254740993\n"), std::string::npos);
}

TEST(prometheus_text, label_values_escape_backslash_quote_and_newline) {
  prometheus_text p;
  p.family("g", metric_type::gauge, "h");
  p.sample({{"path", "C:\\dir\\\"x\"\nnext"}, {"plain", "a b{c}=,'"}}, 1);
  EXPECT_EQ(p.text(),
            "# HELP g h\n"
            "# TYPE g gauge\n"
            "g{path=\"C:\\\\dir\\\\\\\"x\\\"\\nnext\",plain=\"a b{c}=,'\"} 1\n");
}

TEST(prometheus_text, help_escapes_backslash_and_newline_but_not_quote) {
  prometheus_text p;
  p.family("g", metric_type::gauge, "a \"quoted\" \\path\nsecond line");
  EXPECT_EQ(p.text(),
            "# HELP g a \"quoted\" \\\\path\\nsecond line\n"
            "# TYPE g gauge\n");
}

TEST(prometheus_text, empty_label_value_is_kept) {
  prometheus_text p;
  p.family("g", metric_type::gauge, "h");
  p.sample({{"a", ""}}, 1);
  EXPECT_EQ(p.text(), "# HELP g h\n# TYPE g gauge\ng{a=\"\"} 1\n");
}

TEST(prometheus_text, integers_have_no_exponent_or_point) {
  EXPECT_EQ(gauge_value(0), "0\n");
  EXPECT_EQ(gauge_value(-0.0), "0\n");
  EXPECT_EQ(gauge_value(3), "3\n");
  EXPECT_EQ(gauge_value(-17), "-17\n");
  EXPECT_EQ(gauge_value(1700000000), "1700000000\n");
  EXPECT_EQ(gauge_value(1e15), "1000000000000000\n");
  EXPECT_EQ(gauge_value(9007199254740991.0), "9007199254740991\n");  // 2^53 - 1
}

TEST(prometheus_text, fractions_use_the_shortest_exact_form) {
  EXPECT_EQ(gauge_value(0.1), "0.1\n");
  EXPECT_EQ(gauge_value(-2.5), "-2.5\n");
  EXPECT_EQ(gauge_value(0.005), "0.005\n");
  EXPECT_EQ(gauge_value(1e-9), "1e-09\n");
  EXPECT_EQ(gauge_value(0.1 + 0.2), "0.30000000000000004\n");  // 15 digits would lose it
  EXPECT_EQ(gauge_value(123456789.125), "123456789.125\n");
  EXPECT_EQ(gauge_value(1.0 / 3), "0.3333333333333333\n");
  EXPECT_EQ(gauge_value(std::numeric_limits<double>::denorm_min()), "5e-324\n");
}

TEST(prometheus_text, large_values_round_trip) {
  EXPECT_EQ(gauge_value(9007199254740992.0), "9007199254740992\n");  // 2^53: no longer "integer"
  EXPECT_EQ(gauge_value(1e20), "1e+20\n");
  EXPECT_EQ(gauge_value(-1e20), "-1e+20\n");
  EXPECT_EQ(gauge_value(std::numeric_limits<double>::max()), "1.7976931348623157e+308\n");
}

TEST(prometheus_text, special_values) {
  EXPECT_EQ(gauge_value(std::numeric_limits<double>::infinity()), "+Inf\n");
  EXPECT_EQ(gauge_value(-std::numeric_limits<double>::infinity()), "-Inf\n");
  EXPECT_EQ(gauge_value(std::numeric_limits<double>::quiet_NaN()), "NaN\n");
  EXPECT_EQ(gauge_value(-std::numeric_limits<double>::quiet_NaN()), "NaN\n");
}

TEST(prometheus_text, histogram_le_and_sum_use_the_same_formatter) {
  prometheus_text p;
  p.family("h", metric_type::histogram, "x");
  p.histogram({}, {-1, 1e-9, 0.25, 1e20}, {0, 0, 0, 0, 0},
              std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(p.text(),
            "# HELP h x\n"
            "# TYPE h histogram\n"
            "h_bucket{le=\"-1\"} 0\n"
            "h_bucket{le=\"1e-09\"} 0\n"
            "h_bucket{le=\"0.25\"} 0\n"
            "h_bucket{le=\"1e+20\"} 0\n"
            "h_bucket{le=\"+Inf\"} 0\n"
            "h_sum NaN\n"
            "h_count 0\n");
}

TEST(prometheus_text, content_type_is_version_0_0_4) {
  EXPECT_EQ(prometheus_text::content_type, "text/plain; version=0.0.4; charset=utf-8");
}

TEST(prometheus_text, invalid_metric_names_are_refused) {
  for (const char* bad : {"", "1abc", "a-b", "a b", "a.b", "é", "a{b}", "-x"}) {
    prometheus_text p;
    EXPECT_THROW(p.family(bad, metric_type::gauge, "h"), std::invalid_argument) << bad;
    EXPECT_EQ(p.text(), "") << bad;
  }
  for (const char* good : {"a", "_a", ":a", "a:b_c9", "A_Z", "__x"}) {
    prometheus_text p;
    EXPECT_NO_THROW(p.family(good, metric_type::gauge, "h")) << good;
  }
}

TEST(prometheus_text, counters_must_end_in_total) {
  for (const char* bad : {"requests", "total", "_total_x", "requests_Total"}) {
    prometheus_text p;
    EXPECT_THROW(p.family(bad, metric_type::counter, "h"), std::invalid_argument) << bad;
  }
  prometheus_text p;
  EXPECT_NO_THROW(p.family("_total", metric_type::counter, "h"));
}

TEST(prometheus_text, a_family_is_started_once) {
  prometheus_text p;
  p.family("a", metric_type::gauge, "h");
  p.family("a_b", metric_type::gauge, "h");
  p.family("b_a", metric_type::gauge, "h");
  EXPECT_THROW(p.family("a", metric_type::gauge, "other"), std::logic_error);
  EXPECT_THROW(p.family("a_b", metric_type::histogram, "h"), std::logic_error);
  EXPECT_NO_THROW(p.family("b", metric_type::gauge, "# TYPE c gauge"));
  EXPECT_NO_THROW(p.family("c", metric_type::gauge, "help that mentions\n# TYPE d gauge"));
  EXPECT_NO_THROW(p.family("d", metric_type::gauge, "h"));
}

TEST(prometheus_text, invalid_label_names_are_refused) {
  for (const char* bad : {"", "1a", "a-b", "a:b", "__name__", "__x", "a b"}) {
    prometheus_text p;
    p.family("g", metric_type::gauge, "h");
    EXPECT_THROW(p.sample({{bad, "v"}}, 1), std::invalid_argument) << bad;
    p.family("h", metric_type::histogram, "h");
    EXPECT_THROW(p.histogram({{bad, "v"}}, {}, {0}, 0), std::invalid_argument) << bad;
  }
  prometheus_text p;
  p.family("g", metric_type::gauge, "h");
  EXPECT_NO_THROW(p.sample({{"_a", "v"}, {"A9_b", "v"}, {"le", "v"}}, 1));  // le: only histograms
}

TEST(prometheus_text, duplicate_label_names_are_refused) {
  prometheus_text p;
  p.family("g", metric_type::gauge, "h");
  EXPECT_THROW(p.sample({{"a", "1"}, {"b", "2"}, {"a", "3"}}, 1), std::invalid_argument);
}

TEST(prometheus_text, le_is_reserved_in_histograms) {
  prometheus_text p;
  p.family("h", metric_type::histogram, "h");
  EXPECT_THROW(p.histogram({{"le", "1"}}, {1}, {0, 0}, 0), std::invalid_argument);
}

TEST(prometheus_text, histogram_needs_one_count_per_bound_plus_one) {
  prometheus_text p;
  p.family("h", metric_type::histogram, "h");
  EXPECT_THROW(p.histogram({}, {1, 2}, {0, 0}, 0), std::invalid_argument);
  EXPECT_THROW(p.histogram({}, {1, 2}, {0, 0, 0, 0}, 0), std::invalid_argument);
  EXPECT_THROW(p.histogram({}, {}, {}, 0), std::invalid_argument);
}

TEST(prometheus_text, histogram_bounds_must_be_finite_and_ascend) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const std::vector<double>& bad : std::vector<std::vector<double>>{
           {2, 1}, {1, 1}, {0.1, 0.5, 0.4}, {1, inf}, {-inf, 1}, {nan}, {1, nan}}) {
    prometheus_text p;
    p.family("h", metric_type::histogram, "h");
    EXPECT_THROW(p.histogram({}, bad, std::vector<uint64_t>(bad.size() + 1), 0),
                 std::invalid_argument);
  }
}

TEST(prometheus_text, refused_calls_write_nothing) {
  prometheus_text p;
  p.family("h", metric_type::histogram, "h");
  std::string before = p.text();
  EXPECT_THROW(p.histogram({}, {2, 1}, {0, 0, 0}, 0), std::invalid_argument);
  EXPECT_THROW(p.histogram({{"le", "x"}}, {}, {0}, 0), std::invalid_argument);
  EXPECT_EQ(p.text(), before);
}

TEST(prometheus_text, samples_need_a_family_of_their_kind) {
  {
    prometheus_text p;
    EXPECT_THROW(p.sample({}, 1), std::logic_error);
    EXPECT_THROW(p.histogram({}, {}, {0}, 0), std::logic_error);
  }
  {
    prometheus_text p;
    EXPECT_THROW(p.family("1bad", metric_type::gauge, "h"), std::invalid_argument);
    EXPECT_THROW(p.sample({}, 1), std::logic_error);  // a refused family does not start one
  }
  for (metric_type t : {metric_type::counter, metric_type::gauge}) {
    prometheus_text p;
    p.family("x_total", t, "h");
    EXPECT_THROW(p.histogram({}, {}, {0}, 0), std::logic_error);
  }
  prometheus_text p;
  p.family("h", metric_type::histogram, "h");
  EXPECT_THROW(p.sample({}, 1), std::logic_error);
}

}  // namespace
