#include "util/clock.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace cfiam {
namespace {

// Howard Hinnant's days_from_civil: proleptic Gregorian date to days since 1970-01-01.
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool Digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

bool ValidDate(int y, int m, int d) {
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  if (d > kDays[m - 1]) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return !(m == 2 && d == 29 && !leap);
}

}  // namespace

// Hinnant's civil_from_days: the inverse of DaysFromCivil.
Civil CivilFromDays(std::int64_t days) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

Micros NowMicros() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

std::string FormatRfc3339(Micros t) {
  std::int64_t secs = t >= 0 ? t / 1000000 : (t - 999999) / 1000000;
  const std::int64_t frac = t - secs * 1000000;
  std::int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  const std::int64_t rem = secs - days * 86400;
  const Civil c = CivilFromDays(days);
  const auto hh = static_cast<unsigned>(rem / 3600), mm = static_cast<unsigned>(rem / 60 % 60),
             ss = static_cast<unsigned>(rem % 60);
  if (c.y < 0 || c.y > 9999) {
    // Outside four-digit years (never produced by parsing): the general formatter.
    char buf[96];
    int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02u",
                          static_cast<long long>(c.y), c.m, c.d, hh, mm, ss);
    if (frac != 0) {
      std::int64_t f = frac;
      int digits = 6;
      while (f % 10 == 0) {
        f /= 10;
        --digits;
      }
      n += std::snprintf(buf + n, sizeof buf - static_cast<size_t>(n), ".%0*lld", digits,
                         static_cast<long long>(f));
    }
    std::snprintf(buf + n, sizeof buf - static_cast<size_t>(n), "Z");
    return buf;
  }
  // Timestamps are rendered into most responses (account details, tokens,
  // members), so format the fixed-width fields by hand rather than through
  // snprintf's format interpreter.
  char buf[32];
  char* p = buf;
  const auto put = [&p](unsigned v, int width) {
    for (int i = width - 1; i >= 0; --i) {
      p[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    p += width;
  };
  put(static_cast<unsigned>(c.y), 4);
  *p++ = '-';
  put(c.m, 2);
  *p++ = '-';
  put(c.d, 2);
  *p++ = 'T';
  put(hh, 2);
  *p++ = ':';
  put(mm, 2);
  *p++ = ':';
  put(ss, 2);
  if (frac != 0) {
    // Shortest exact fraction: "…:00.25Z", not "…:00.250000Z".
    *p++ = '.';
    put(static_cast<unsigned>(frac), 6);
    while (p[-1] == '0') --p;
  }
  *p++ = 'Z';
  return std::string(buf, p);
}

std::optional<Micros> ParseDate(std::string_view s) {
  int y, m, d;
  if (s.size() != 10 || !Digits(s, 0, 4, y) || s[4] != '-' || !Digits(s, 5, 2, m) || s[7] != '-' ||
      !Digits(s, 8, 2, d) || !ValidDate(y, m, d)) {
    return std::nullopt;
  }
  return DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)) * 86400 * 1000000;
}

std::optional<Micros> ParseRfc3339(std::string_view s) {
  if (s.size() < 20) return std::nullopt;
  auto date = ParseDate(s.substr(0, 10));
  if (!date || (s[10] != 'T' && s[10] != 't')) return std::nullopt;
  int hh, mm, ss;
  if (!Digits(s, 11, 2, hh) || s[13] != ':' || !Digits(s, 14, 2, mm) || s[16] != ':' ||
      !Digits(s, 17, 2, ss) || hh > 23 || mm > 59 || ss > 60) {
    return std::nullopt;
  }
  size_t pos = 19;
  std::int64_t frac = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    std::int64_t scale = 100000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      frac += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start || pos - start > 9) return std::nullopt;
  }
  if (pos >= s.size()) return std::nullopt;
  std::int64_t offset = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (!Digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset = (oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  const std::int64_t secs = *date / 1000000 + hh * 3600 + mm * 60 + ss - offset;
  return secs * 1000000 + frac;
}

Micros AddMonths(Micros t, int months) {
  constexpr std::int64_t kDay = 86400LL * 1000000;
  const std::int64_t days = t >= 0 ? t / kDay : (t - kDay + 1) / kDay;
  const Micros time_of_day = t - days * kDay;
  const Civil c = CivilFromDays(days);
  const std::int64_t index = c.y * 12 + (c.m - 1) + months;
  const std::int64_t y = index >= 0 ? index / 12 : (index - 11) / 12;
  const unsigned m = static_cast<unsigned>(index - y * 12) + 1;
  // Clamp the day to the target month's length (Jan 31 + 1 month = Feb 28/29).
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  const unsigned last = kDays[m - 1] + (m == 2 && leap ? 1 : 0);
  return DaysFromCivil(y, m, std::min(c.d, last)) * kDay + time_of_day;
}

}  // namespace cfiam
