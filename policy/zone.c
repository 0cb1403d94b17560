/*
 * Civil time and the policy's time zone: proleptic Gregorian day arithmetic,
 * conversions between instants and civil times in a zone (with the DST gap
 * and repeat rules of zone.h), and RFC 3339 formatting and parsing.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "vssguard/platform.h"
#include "vssguard/zone.h"

/* Floor division and modulo, for negative instants and offsets. */
static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0)))
    q--;
  return q;
}

static int64_t floor_mod(int64_t a, int64_t b) {
  return a - floor_div(a, b) * b;
}

/*
 * Days since 1970-01-01 of a proleptic Gregorian date. The year is shifted
 * to start in March so that the leap day is the last day of the year; an era
 * is a 400-year cycle of 146097 days. mday may lie outside the month: it is
 * simply added, which normalises overflow.
 */
int64_t vg_days_from_civil(int year, int mon, int mday) {
  int64_t y = (int64_t)year - (mon <= 2 ? 1 : 0);
  int64_t era = floor_div(y, 400);
  int64_t yoe = y - era * 400;                          /* 0..399 */
  int64_t mp = mon > 2 ? mon - 3 : mon + 9;             /* 0..11 */
  int64_t doy = (153 * mp + 2) / 5 + (int64_t)mday - 1; /* from Mar 1 */
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;  /* 0..146096 */
  return era * 146097 + doe - 719468;
}

/* The date of a day count since 1970-01-01, the reverse of the above. */
void vg_civil_from_days(int64_t days, int *year, int *mon, int *mday) {
  int64_t z = days + 719468;
  int64_t era = floor_div(z, 146097);
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  *year = (int)y;
  *mon = (int)m;
  *mday = (int)d;
}

static bool is_leap(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

/* Days in month mon (1..12) of year; 0 for an invalid month. */
int vg_days_in_month(int year, int mon) {
  static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mon < 1 || mon > 12)
    return 0;
  if (mon == 2 && is_leap(year))
    return 29;
  return days[mon - 1];
}

int vg_zone_offset(const struct vg_zone *z, vg_wall_t t, int32_t *offset_s) {
  switch (z->kind) {
  case VG_ZONE_UTC: *offset_s = 0; return VG_OK;
  case VG_ZONE_FIXED: *offset_s = z->offset_s; return VG_OK;
  case VG_ZONE_LOCAL:
    if (z->local_fn != NULL)
      return z->local_fn(t, offset_s);
    return vg_plat_local_offset(t, offset_s);
  }
  return VG_EINVAL;
}

/* Splits local seconds since the epoch into a civil time. */
static void civil_from_local(int64_t local, struct vg_civil *c) {
  int64_t days = floor_div(local, 86400);
  int64_t secs = local - days * 86400;
  vg_civil_from_days(days, &c->year, &c->mon, &c->mday);
  c->hour = (int)(secs / 3600);
  c->min = (int)(secs / 60 % 60);
  c->sec = (int)(secs % 60);
  c->wday = (int)floor_mod(days + 4, 7); /* 1970-01-01 was a Thursday */
}

int vg_zone_to_civil(const struct vg_zone *z, vg_wall_t t, struct vg_civil *c) {
  int32_t off;
  int rc = vg_zone_offset(z, t, &off);
  if (rc != VG_OK)
    return rc;
  civil_from_local(t + off, c);
  return VG_OK;
}

/*
 * Local seconds since the epoch of a civil time, normalising a month outside
 * 1..12 into the year and any day, hour, minute or second overflow through
 * plain arithmetic.
 */
static int64_t local_from_civil(const struct vg_civil *c) {
  int64_t mon0 = (int64_t)c->mon - 1;
  int64_t year = (int64_t)c->year + floor_div(mon0, 12);
  int mon = (int)floor_mod(mon0, 12) + 1;
  int64_t days = vg_days_from_civil((int)year, mon, 1) + (int64_t)c->mday - 1;
  return days * 86400 + (int64_t)c->hour * 3600 + (int64_t)c->min * 60 +
         (int64_t)c->sec;
}

/* Local time at instant t, or an error. */
static int local_at(const struct vg_zone *z, vg_wall_t t, int64_t *local) {
  int32_t off;
  int rc = vg_zone_offset(z, t, &off);
  if (rc == VG_OK)
    *local = t + off;
  return rc;
}

/*
 * Resolves local time L to an instant. Candidate offsets are those in force
 * a day before, at, and a day after L read as UTC; every real offset is
 * within a day of UTC, so the offsets around the answer are among them. A
 * candidate o is valid when the zone's offset at L - o is o; of the valid
 * ones the earliest instant is the first occurrence. When none is valid, L
 * falls in a gap: the answer is the transition instant, the first t whose
 * local time is past L, found by bisection between the two offsets.
 */
int vg_zone_from_civil(const struct vg_zone *z, const struct vg_civil *c,
                       vg_wall_t *t) {
  int64_t L = local_from_civil(c);
  if (z->kind != VG_ZONE_LOCAL) {
    int32_t off;
    int rc = vg_zone_offset(z, L, &off);
    if (rc != VG_OK)
      return rc;
    *t = L - off;
    return VG_OK;
  }

  int32_t cand[3];
  int ncand = 0;
  const int64_t probes[3] = {L - 86400, L, L + 86400};
  for (int i = 0; i < 3; i++) {
    int32_t off;
    int rc = vg_zone_offset(z, probes[i], &off);
    if (rc != VG_OK)
      return rc;
    bool seen = false;
    for (int j = 0; j < ncand; j++)
      seen = seen || cand[j] == off;
    if (!seen)
      cand[ncand++] = off;
  }

  bool found = false;
  vg_wall_t best = 0;
  int32_t lo_off = cand[0], hi_off = cand[0];
  for (int i = 0; i < ncand; i++) {
    int32_t off;
    int rc = vg_zone_offset(z, L - cand[i], &off);
    if (rc != VG_OK)
      return rc;
    if (off == cand[i] && (!found || L - cand[i] < best)) {
      best = L - cand[i];
      found = true;
    }
    if (cand[i] < lo_off)
      lo_off = cand[i];
    if (cand[i] > hi_off)
      hi_off = cand[i];
  }
  if (found) {
    *t = best;
    return VG_OK;
  }

  /*
   * In a gap the offset grows from lo_off to hi_off at the transition T and
   * T + lo_off <= L < T + hi_off. Every t < T has local time t + lo_off < L;
   * the answer is the least t with local time >= L, within (lo, hi].
   */
  int64_t lo = L - hi_off - 1, hi = L - lo_off;
  while (hi - lo > 1) {
    int64_t mid = lo + (hi - lo) / 2;
    int64_t local;
    int rc = local_at(z, mid, &local);
    if (rc != VG_OK)
      return rc;
    if (local >= L)
      hi = mid;
    else
      lo = mid;
  }
  *t = hi;
  return VG_OK;
}

/* Case-insensitive comparison of a whole string. */
static bool str_ieq(const char *a, const char *b) {
  for (; *a && *b; a++, b++)
    if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
      return false;
  return *a == *b;
}

/* Reads exactly n decimal digits at s. Returns the value or -1. */
static int digits(const char *s, int n) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (!isdigit((unsigned char)s[i]))
      return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

/* Parses "+HH:MM", "-HH:MM", "+HHMM" or "+HH" at s; returns chars used or 0. */
static int parse_offset(const char *s, int32_t *off) {
  if (s[0] != '+' && s[0] != '-')
    return 0;
  int hh = digits(s + 1, 2), mm = 0, used = 3;
  if (hh < 0)
    return 0;
  if (s[3] == ':') {
    mm = digits(s + 4, 2);
    used = 6;
  } else if (isdigit((unsigned char)s[3])) {
    mm = digits(s + 3, 2);
    used = 5;
  }
  if (mm < 0 || mm > 59 || hh > 14 || (hh == 14 && mm > 0))
    return 0;
  *off = (int32_t)((hh * 3600 + mm * 60) * (s[0] == '-' ? -1 : 1));
  return used;
}

int vg_zone_parse(const char *s, struct vg_zone *z) {
  struct vg_zone out = {0};
  if (s == NULL)
    return VG_EINVAL;
  if (str_ieq(s, "local")) {
    out.kind = VG_ZONE_LOCAL;
  } else if (str_ieq(s, "UTC") || str_ieq(s, "Z") || str_ieq(s, "GMT")) {
    out.kind = VG_ZONE_UTC;
  } else {
    int32_t off;
    int used = parse_offset(s, &off);
    if (used == 0 || s[used] != '\0')
      return VG_EINVAL;
    out.kind = VG_ZONE_FIXED;
    out.offset_s = off;
  }
  *z = out;
  return VG_OK;
}

/* Writes an offset as "+HH:MM" (seconds of historical offsets dropped). */
static void format_offset(int32_t off, char *buf, size_t len) {
  char sign = off < 0 ? '-' : '+';
  int32_t a = off < 0 ? -off : off;
  snprintf(buf, len, "%c%02d:%02d", sign, (int)(a / 3600), (int)(a / 60 % 60));
}

void vg_zone_format(const struct vg_zone *z, char *buf, size_t len) {
  if (len == 0)
    return;
  switch (z->kind) {
  case VG_ZONE_LOCAL: snprintf(buf, len, "local"); return;
  case VG_ZONE_UTC: snprintf(buf, len, "UTC"); return;
  case VG_ZONE_FIXED: format_offset(z->offset_s, buf, len); return;
  }
  snprintf(buf, len, "?");
}

void vg_time_format(vg_wall_t t, const struct vg_zone *z, char *buf,
                    size_t len) {
  struct vg_civil c;
  int32_t off = 0;
  if (len == 0)
    return;
  if (z != NULL && vg_zone_offset(z, t, &off) != VG_OK)
    off = 0;
  civil_from_local(t + off, &c);
  char zs[8] = "Z";
  if (z != NULL)
    format_offset(off, zs, sizeof(zs));
  snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%s", c.year, c.mon, c.mday,
           c.hour, c.min, c.sec, zs);
}

int vg_time_parse(const char *s, const struct vg_zone *z, vg_wall_t *t) {
  if (s == NULL)
    return VG_EINVAL;
  struct vg_civil c = {0};
  c.year = digits(s, 4);
  if (c.year < 0 || s[4] != '-')
    return VG_EINVAL;
  c.mon = digits(s + 5, 2);
  if (c.mon < 1 || c.mon > 12 || s[7] != '-')
    return VG_EINVAL;
  c.mday = digits(s + 8, 2);
  if (c.mday < 1 || c.mday > vg_days_in_month(c.year, c.mon))
    return VG_EINVAL;
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
    return VG_EINVAL;
  c.hour = digits(s + 11, 2);
  if (c.hour < 0 || c.hour > 23 || s[13] != ':')
    return VG_EINVAL;
  c.min = digits(s + 14, 2);
  if (c.min < 0 || c.min > 59)
    return VG_EINVAL;
  const char *p = s + 16;
  if (*p == ':') {
    c.sec = digits(p + 1, 2);
    if (c.sec < 0 || c.sec > 59)
      return VG_EINVAL;
    p += 3;
    if (*p == '.' || *p == ',') {
      /* Fractions of a second are accepted and ignored. */
      p++;
      if (!isdigit((unsigned char)*p))
        return VG_EINVAL;
      while (isdigit((unsigned char)*p))
        p++;
    }
  }
  if (*p == 'Z' || *p == 'z') {
    if (p[1] != '\0')
      return VG_EINVAL;
    *t = local_from_civil(&c);
    return VG_OK;
  }
  if (*p == '+' || *p == '-') {
    int32_t off;
    int used = parse_offset(p, &off);
    if (used == 0 || p[used] != '\0')
      return VG_EINVAL;
    *t = local_from_civil(&c) - off;
    return VG_OK;
  }
  if (*p != '\0' || z == NULL)
    return VG_EINVAL;
  return vg_zone_from_civil(z, &c, t);
}
