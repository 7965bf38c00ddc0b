// A strict, allocation-free parser: a timestamp either parses exactly or not at all, so a
// garbled one yields an unknown duration instead of a wrong one.
#include "vapi/iso8601.hpp"

namespace vapi {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's civil-days algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

unsigned days_in_month(int64_t y, unsigned m) {
  static const unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : days[m - 1];
}

// Reads exactly `n` digits at `pos`, advancing it; false if they are not all there.
bool digits(std::string_view s, size_t& pos, size_t n, unsigned& out) {
  if (pos + n > s.size())
    return false;
  out = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9')
      return false;
    out = out * 10 + unsigned(c - '0');
  }
  pos += n;
  return true;
}

bool expect(std::string_view s, size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

}  // namespace

std::optional<int64_t> parse_iso8601_ms(std::string_view s) {
  size_t pos = 0;
  unsigned year, month, day, hour = 0, minute = 0, second = 0, millis = 0;
  if (!digits(s, pos, 4, year) || !expect(s, pos, '-') || !digits(s, pos, 2, month) ||
      !expect(s, pos, '-') || !digits(s, pos, 2, day))
    return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
    return std::nullopt;

  int64_t offset_minutes = 0;
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ')
      return std::nullopt;
    ++pos;
    if (!digits(s, pos, 2, hour) || !expect(s, pos, ':') || !digits(s, pos, 2, minute))
      return std::nullopt;
    if (expect(s, pos, ':')) {
      if (!digits(s, pos, 2, second))
        return std::nullopt;
      if (expect(s, pos, '.') || expect(s, pos, ',')) {
        size_t start = pos;
        for (unsigned scale = 100; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos) {
          millis += unsigned(s[pos] - '0') * scale;  // digits past milliseconds are dropped
          scale /= 10;
        }
        if (pos == start)
          return std::nullopt;
      }
    }
    if (hour > 23 || minute > 59 || second > 59)
      return std::nullopt;
    if (expect(s, pos, 'Z') || expect(s, pos, 'z')) {
      // UTC
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
      int sign = s[pos++] == '-' ? -1 : 1;
      unsigned oh, om = 0;
      if (!digits(s, pos, 2, oh))
        return std::nullopt;
      if (expect(s, pos, ':')) {
        if (!digits(s, pos, 2, om))
          return std::nullopt;
      } else if (pos < s.size() && !digits(s, pos, 2, om)) {
        return std::nullopt;
      }
      if (oh > 23 || om > 59)
        return std::nullopt;
      offset_minutes = sign * int64_t(oh * 60 + om);
    }
    if (pos != s.size())
      return std::nullopt;
  }

  int64_t minutes = days_from_civil(year, month, day) * 1440 + hour * 60 + minute - offset_minutes;
  return (minutes * 60 + second) * 1000 + millis;
}

}  // namespace vapi
