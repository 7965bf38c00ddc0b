// The status classes, the capped exponential backoff, and Retry-After read by hand: no locale,
// no std::get_time, no timezone; the date becomes epoch seconds by days-from-civil.
#include "delivery/retry_policy.hpp"

#include <algorithm>
#include <initializer_list>

namespace delivery {

namespace {

constexpr int64_t max_retry_after_s = 3600;

// Howard Hinnant's days_from_civil: days since 1970-01-01 of a proleptic Gregorian date.
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool valid_date(int64_t y, int64_t m, int64_t d) {
  static constexpr int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m >= 1 && m <= 12 && d >= 1 && d <= days[m - 1] && (m != 2 || d <= 28 || leap);
}

// RFC 9110 5.6.7: a two-digit year more than 50 years ahead is in the previous century. The
// current year from an average Gregorian year is off by at most a day, which 50 years absorb.
int64_t full_year(int64_t yy, int64_t now_s) {
  int64_t now_year = 1970 + now_s / 31556952;
  int64_t y = now_year - now_year % 100 + yy;
  return y > now_year + 50 ? y - 100 : y;
}

// The index of the name `v` starts with (and drops), or -1.
int take_name(std::string_view& v, std::initializer_list<std::string_view> names) {
  int i = 0;
  for (auto name : names) {
    if (v.substr(0, name.size()) == name) {
      v.remove_prefix(name.size());
      return i;
    }
    ++i;
  }
  return -1;
}

// Exactly `n` digits, dropped from `v`; -1 if they are not there.
int64_t take_digits(std::string_view& v, size_t n) {
  if (v.size() < n) return -1;
  int64_t out = 0;
  for (size_t i = 0; i < n; ++i) {
    if (v[i] < '0' || v[i] > '9') return -1;
    out = out * 10 + (v[i] - '0');
  }
  v.remove_prefix(n);
  return out;
}

// The three forms of RFC 9110 5.6.7, as patterns: a short day name, A long day name, b month,
// d two-digit day, e asctime's day (" 6" or "06"), Y four-digit year, y two-digit year,
// h m s the time's two-digit fields; any other character (as in "GMT") stands for itself.
constexpr std::string_view date_forms[] = {"a, d b Y h:m:s GMT", "A, d-b-y h:m:s GMT",
                                           "a b e h:m:s Y"};

std::optional<int64_t> match_date(std::string_view form, std::string_view v, int64_t now_s) {
  int64_t f[128] = {};  // by pattern letter; the day names are read but not kept
  for (char p : form) {
    int64_t got = 0;
    if (p == 'a') got = take_name(v, {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"});
    else if (p == 'A')
      got = take_name(v, {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                          "Sunday"});
    else if (p == 'b')
      got = take_name(v, {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                          "Nov", "Dec"}) + 1;
    else if (p == 'e' && v.substr(0, 1) == " ")  // " 6": a space, then one digit
      got = (v.remove_prefix(1), take_digits(v, 1));
    else if (p == 'Y') got = take_digits(v, 4);
    else if (std::string_view("deyhms").find(p) != std::string_view::npos) got = take_digits(v, 2);
    else if (v.substr(0, 1) == std::string_view(&p, 1)) v.remove_prefix(1);
    else return std::nullopt;
    if (got < 0 || (p == 'b' && got == 0)) return std::nullopt;
    f[int(p)] = got;
  }
  bool two_digit_year = form.find('y') != std::string_view::npos;
  int64_t year = two_digit_year ? full_year(f[int('y')], now_s) : f[int('Y')];
  int64_t day = f[int('d')] + f[int('e')];
  if (!v.empty() || !valid_date(year, f[int('b')], day)) return std::nullopt;
  if (f[int('h')] > 23 || f[int('m')] > 59 || f[int('s')] > 60) return std::nullopt;  // 60: leap
  return days_from_civil(year, f[int('b')], day) * 86400 + f[int('h')] * 3600 +
         f[int('m')] * 60 + f[int('s')];
}

std::optional<int64_t> http_date(std::string_view v, int64_t now_s) {
  for (auto form : date_forms)
    if (auto at = match_date(form, v, now_s)) return at;
  return std::nullopt;
}

}  // namespace

verdict classify(long status) {
  if (status >= 200 && status <= 299) return verdict::delivered;
  if (status == 0 || status == 408 || status == 425 || status == 429) return verdict::retry;
  if (status >= 500 && status <= 599) return verdict::retry;
  return verdict::refused;
}

verdict classify_resume(long status, std::chrono::milliseconds age,
                        std::chrono::milliseconds grace) {
  if (status == 409 && age < grace) return verdict::retry;
  return classify(status);
}

std::chrono::milliseconds retry_delay(const backoff& b, unsigned attempt, double unit) {
  int64_t cap = std::max<int64_t>(b.cap.count(), 0);
  int64_t w = std::min<int64_t>(std::max<int64_t>(b.first.count(), 0), cap);
  for (unsigned i = 1; i < attempt && w < cap; ++i) w = w > cap / 2 ? cap : w * 2;
  if (!(unit > 0)) unit = 0;  // NaN too
  if (unit > 1) unit = 1;
  int64_t half = w / 2;
  int64_t jitter = std::min(static_cast<int64_t>(double(w - half) * unit), w - half - 1);
  return std::chrono::milliseconds(half + std::max<int64_t>(jitter, 0));
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      int64_t now_epoch_s) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  int64_t wait = 0;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    for (char c : value) wait = std::min(wait * 10 + (c - '0'), max_retry_after_s + 1);
  } else if (auto at = http_date(value, now_epoch_s)) {
    wait = std::max<int64_t>(*at - now_epoch_s, 0);
  } else {
    return std::nullopt;
  }
  return std::chrono::seconds(std::min(wait, max_retry_after_s));
}

std::optional<std::chrono::milliseconds> next_wait(const backoff& b, unsigned attempt,
                                                   double unit,
                                                   std::optional<std::chrono::seconds> retry_after,
                                                   int64_t now_ms, int64_t deadline_ms) {
  std::chrono::milliseconds wait = retry_delay(b, attempt, unit);
  if (retry_after) wait = std::max<std::chrono::milliseconds>(wait, *retry_after);
  if (now_ms >= deadline_ms || wait.count() >= deadline_ms - now_ms) return std::nullopt;
  return wait;
}

}  // namespace delivery
