/*
 * The shorthand grammar shared by YAML strings and Group Policy values:
 * durations ("1h30m"), times of day ("23:30"), day lists ("mon-fri"),
 * weekly rules ("wed 23:30 2h") and blackouts
 * ("2026-12-20T00:00/2027-01-04T00:00 year-end freeze"), plus the scalar
 * forms (booleans, integers, reboot reasons) the loader and the overrides
 * share.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "policy_int.h"

/* Durations above this (about 100 years) are rejected as out of range. */
#define DURATION_CAP 3153600000LL

static const char *const day_names[7] = {"sunday",    "monday",   "tuesday",
                                         "wednesday", "thursday", "friday",
                                         "saturday"};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    VG_PRINTF(3, 4);

static void set_err(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  if (err == NULL || errlen == 0)
    return;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

static bool ieq_n(const char *a, const char *b, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (a[i] == '\0' || b[i] == '\0')
      return a[i] == b[i];
    if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
      return false;
  }
  return true;
}

/* True when s[0..n) equals word, ignoring case. */
static bool word_is(const char *s, size_t n, const char *word) {
  return strlen(word) == n && ieq_n(s, word, n);
}

int vg_parse_bool(const char *s, bool allow_digits, bool *out) {
  static const char *const yes[] = {"true", "yes", "on"};
  static const char *const no[] = {"false", "no", "off"};
  size_t n = strlen(s);
  for (int i = 0; i < 3; i++) {
    if (word_is(s, n, yes[i])) {
      *out = true;
      return VG_OK;
    }
    if (word_is(s, n, no[i])) {
      *out = false;
      return VG_OK;
    }
  }
  if (allow_digits && (strcmp(s, "1") == 0 || strcmp(s, "0") == 0)) {
    *out = s[0] == '1';
    return VG_OK;
  }
  return VG_EINVAL;
}

int vg_parse_int(const char *s, int64_t *out) {
  const char *p = s;
  bool neg = false;
  int64_t v = 0;
  if (*p == '+' || *p == '-')
    neg = *p++ == '-';
  if (!isdigit((unsigned char)*p))
    return VG_EINVAL;
  for (; isdigit((unsigned char)*p); p++) {
    if (v > (INT64_MAX - 9) / 10)
      return VG_ERANGE;
    v = v * 10 + (*p - '0');
  }
  if (*p != '\0')
    return VG_EINVAL;
  *out = neg ? -v : v;
  return VG_OK;
}

/*
 * Durations: a plain number of seconds, or one or more of <n>d, <n>h, <n>m,
 * <n>s in that order ("1h30m"). Returns VG_EINVAL for bad syntax (a sign
 * included) and VG_ERANGE above about 100 years.
 */
int vg_parse_duration(const char *s, int64_t *out) {
  static const char units[] = "dhms";
  static const int64_t mult[] = {86400, 3600, 60, 1};
  const char *p = s;
  int64_t total = 0;
  int next_unit = 0;
  if (s == NULL || *s == '\0')
    return VG_EINVAL;
  while (*p != '\0') {
    int64_t v = 0;
    if (!isdigit((unsigned char)*p))
      return VG_EINVAL;
    for (; isdigit((unsigned char)*p); p++) {
      v = v * 10 + (*p - '0');
      if (v > DURATION_CAP)
        return VG_ERANGE;
    }
    if (*p == '\0') {
      /* A bare number after a unit ("1h30") is ambiguous. */
      if (next_unit != 0)
        return VG_EINVAL;
      total = v;
      break;
    }
    const char *u = strchr(units, tolower((unsigned char)*p));
    if (u == NULL || u - units < next_unit)
      return VG_EINVAL;
    next_unit = (int)(u - units) + 1;
    total += v * mult[u - units];
    if (total > DURATION_CAP)
      return VG_ERANGE;
    p++;
  }
  *out = total;
  return VG_OK;
}

void vg_format_duration(int64_t s, char *buf, size_t len) {
  static const char units[] = "dhms";
  static const int64_t mult[] = {86400, 3600, 60, 1};
  size_t used = 0;
  if (len == 0)
    return;
  buf[0] = '\0';
  if (s <= 0) {
    snprintf(buf, len, "%llds", (long long)s);
    return;
  }
  for (int i = 0; i < 4 && used < len; i++) {
    int64_t v = s / mult[i];
    s %= mult[i];
    if (v > 0) {
      int n =
          snprintf(buf + used, len - used, "%lld%c", (long long)v, units[i]);
      if (n < 0)
        return;
      used += (size_t)n;
    }
  }
}

int vg_parse_time_of_day(const char *s, int32_t *out_s) {
  int h = 0, m, sec = 0, i = 0;
  if (!isdigit((unsigned char)s[0]))
    return VG_EINVAL;
  h = s[i++] - '0';
  if (isdigit((unsigned char)s[i]))
    h = h * 10 + (s[i++] - '0');
  if (s[i++] != ':' || !isdigit((unsigned char)s[i]) ||
      !isdigit((unsigned char)s[i + 1]))
    return VG_EINVAL;
  m = (s[i] - '0') * 10 + (s[i + 1] - '0');
  i += 2;
  if (s[i] == ':') {
    if (!isdigit((unsigned char)s[i + 1]) || !isdigit((unsigned char)s[i + 2]))
      return VG_EINVAL;
    sec = (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
    i += 3;
  }
  if (s[i] != '\0')
    return VG_EINVAL;
  if (h > 23 || m > 59 || sec > 59)
    return VG_ERANGE;
  *out_s = h * 3600 + m * 60 + sec;
  return VG_OK;
}

/* A day name: three letters or more of the full English name. -1 if none. */
static int day_index(const char *s, size_t n) {
  if (n < 3)
    return -1;
  for (int d = 0; d < 7; d++)
    if (n <= strlen(day_names[d]) && ieq_n(s, day_names[d], n))
      return d;
  return -1;
}

/* Parses one day item ("sun", "mon-fri", "daily") of length n. */
static int parse_day_item(const char *s, size_t n, uint8_t *days, char *err,
                          size_t errlen) {
  if (word_is(s, n, "daily") || word_is(s, n, "everyday") ||
      word_is(s, n, "all")) {
    *days |= VG_ALL_DAYS;
    return VG_OK;
  }
  if (word_is(s, n, "weekdays")) {
    *days |= 0x3e;
    return VG_OK;
  }
  if (word_is(s, n, "weekends") || word_is(s, n, "weekend")) {
    *days |= VG_DAY(0) | VG_DAY(6);
    return VG_OK;
  }
  const char *dash = memchr(s, '-', n);
  if (dash != NULL) {
    int a = day_index(s, (size_t)(dash - s));
    int b = day_index(dash + 1, n - (size_t)(dash - s) - 1);
    if (a < 0 || b < 0) {
      set_err(err, errlen, "'%.*s' is not a day range (like mon-fri)", (int)n,
              s);
      return VG_EINVAL;
    }
    /* A range may wrap around the week: fri-mon is fri, sat, sun, mon. */
    for (int d = a;; d = (d + 1) % 7) {
      *days |= (uint8_t)VG_DAY(d);
      if (d == b)
        break;
    }
    return VG_OK;
  }
  int d = day_index(s, n);
  if (d < 0) {
    set_err(err, errlen,
            "'%.*s' is not a day (use sun, mon, tue, wed, thu, fri, sat, a "
            "range like mon-fri, or daily)",
            (int)n, s);
    return VG_EINVAL;
  }
  *days |= (uint8_t)VG_DAY(d);
  return VG_OK;
}

int vg_parse_days(const char *s, uint8_t *days, char *err, size_t errlen) {
  uint8_t out = 0;
  const char *p = s;
  if (*s == '\0') {
    set_err(err, errlen, "the day list is empty");
    return VG_EINVAL;
  }
  for (;;) {
    const char *comma = strchr(p, ',');
    size_t n = comma ? (size_t)(comma - p) : strlen(p);
    while (n > 0 && isspace((unsigned char)*p)) {
      p++;
      n--;
    }
    while (n > 0 && isspace((unsigned char)p[n - 1]))
      n--;
    if (n == 0) {
      set_err(err, errlen, "empty item in the day list '%s'", s);
      return VG_EINVAL;
    }
    int rc = parse_day_item(p, n, &out, err, errlen);
    if (rc != VG_OK)
      return rc;
    if (comma == NULL)
      break;
    p = comma + 1;
  }
  *days = out;
  return VG_OK;
}

int vg_parse_reason(const char *s, uint32_t *out) {
  unsigned long long v = 0;
  const char *p = s;
  if (strcmp(s, "planned-maintenance") == 0) {
    *out = VG_DEFAULT_REASON;
    return VG_OK;
  }
  if (strcmp(s, "planned-other") == 0) {
    *out = 0x80000000u;
    return VG_OK;
  }
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
    p += 2;
    if (!isxdigit((unsigned char)*p))
      return VG_EINVAL;
    for (; isxdigit((unsigned char)*p); p++) {
      int dv = isdigit((unsigned char)*p)
                   ? *p - '0'
                   : tolower((unsigned char)*p) - 'a' + 10;
      v = v * 16 + (unsigned)dv;
      if (v > 0xffffffffull)
        return VG_ERANGE;
    }
  } else {
    if (!isdigit((unsigned char)*p))
      return VG_EINVAL;
    for (; isdigit((unsigned char)*p); p++) {
      v = v * 10 + (unsigned)(*p - '0');
      if (v > 0xffffffffull)
        return VG_ERANGE;
    }
  }
  if (*p != '\0')
    return VG_EINVAL;
  if (v == 0)
    return VG_ERANGE;
  *out = (uint32_t)v;
  return VG_OK;
}

/* Splits the next whitespace-separated token from *p. Returns its length. */
static size_t next_token(const char **p, const char **tok) {
  const char *s = *p;
  while (isspace((unsigned char)*s))
    s++;
  *tok = s;
  while (*s != '\0' && !isspace((unsigned char)*s))
    s++;
  *p = s;
  return (size_t)(s - *tok);
}

/* Copies a token into a NUL-terminated buffer (truncating). */
static void token_copy(char *dst, size_t dlen, const char *tok, size_t n) {
  if (n >= dlen)
    n = dlen - 1;
  memcpy(dst, tok, n);
  dst[n] = '\0';
}

/* Parses a window duration: more than 0, at most 7 days. */
static int parse_window_duration(const char *tok, int64_t *out, char *err,
                                 size_t errlen) {
  int rc = vg_parse_duration(tok, out);
  if (tok[0] == '-')
    rc = VG_ERANGE;
  if (rc == VG_EINVAL) {
    set_err(err, errlen,
            "'%s' is not a duration (use forms like 90m, 3h, 1h30m or 2d)",
            tok);
    return VG_EINVAL;
  }
  if (rc != VG_OK || *out <= 0 || *out > VG_WINDOW_MAX_S) {
    set_err(err, errlen, "duration '%s' must be more than 0 and at most 7d",
            tok);
    return VG_EINVAL;
  }
  return VG_OK;
}

/*
 * Parses "DAYS HH:MM DURATION" from *p, leaving *p after the duration.
 */
static int parse_weekly_prefix(const char **p, struct vg_weekly *out, char *err,
                               size_t errlen) {
  const char *tok;
  char buf[64];
  size_t n;
  struct vg_weekly w = {0};

  n = next_token(p, &tok);
  if (n == 0) {
    set_err(err, errlen,
            "empty; expected DAYS HH:MM DURATION, e.g. "
            "\"sun 02:00 3h\"");
    return VG_EINVAL;
  }
  token_copy(buf, sizeof(buf), tok, n);
  if (vg_parse_days(buf, &w.days, err, errlen) != VG_OK)
    return VG_EINVAL;

  n = next_token(p, &tok);
  if (n == 0) {
    set_err(err, errlen,
            "missing start time; expected DAYS HH:MM DURATION, "
            "e.g. \"sun 02:00 3h\"");
    return VG_EINVAL;
  }
  token_copy(buf, sizeof(buf), tok, n);
  int rc = vg_parse_time_of_day(buf, &w.start_s);
  if (rc == VG_ERANGE) {
    set_err(err, errlen, "time '%s' is out of range (00:00 to 23:59:59)", buf);
    return VG_EINVAL;
  }
  if (rc != VG_OK) {
    set_err(err, errlen,
            "'%s' is not a start time (HH:MM); expected DAYS HH:MM DURATION, "
            "e.g. \"sun 02:00 3h\"",
            buf);
    return VG_EINVAL;
  }

  n = next_token(p, &tok);
  if (n == 0) {
    set_err(err, errlen,
            "missing duration after the start time; expected "
            "DAYS HH:MM DURATION, e.g. \"sun 02:00 3h\"");
    return VG_EINVAL;
  }
  token_copy(buf, sizeof(buf), tok, n);
  if (parse_window_duration(buf, &w.duration_s, err, errlen) != VG_OK)
    return VG_EINVAL;
  *out = w;
  return VG_OK;
}

int vg_parse_weekly(const char *s, struct vg_weekly *out, char *err,
                    size_t errlen) {
  const char *p = s, *tok;
  struct vg_weekly w;
  if (s == NULL) {
    set_err(err, errlen, "missing");
    return VG_EINVAL;
  }
  if (parse_weekly_prefix(&p, &w, err, errlen) != VG_OK)
    return VG_EINVAL;
  size_t n = next_token(&p, &tok);
  if (n != 0) {
    set_err(err, errlen, "unexpected '%.*s' after the duration", (int)n, tok);
    return VG_EINVAL;
  }
  *out = w;
  return VG_OK;
}

/* Parses an absolute time: RFC 3339, or a date alone meaning its midnight. */
static int parse_instant(const char *s, const struct vg_zone *z, vg_wall_t *t) {
  if (strlen(s) == 10) {
    char buf[24];
    snprintf(buf, sizeof(buf), "%sT00:00", s);
    return vg_time_parse(buf, z, t);
  }
  return vg_time_parse(s, z, t);
}

/* Copies the rest of the string, trimmed, as the blackout's name. */
static int take_name(const char *p, const char *fallback, size_t fallback_n,
                     struct vg_blackout *b, char *err, size_t errlen) {
  while (isspace((unsigned char)*p))
    p++;
  size_t n = strlen(p);
  while (n > 0 && isspace((unsigned char)p[n - 1]))
    n--;
  if (n > VG_NAME_MAX) {
    set_err(err, errlen, "the name is longer than %d characters", VG_NAME_MAX);
    return VG_EINVAL;
  }
  if (n == 0) {
    p = fallback;
    n = fallback_n > VG_NAME_MAX ? VG_NAME_MAX : fallback_n;
  }
  memcpy(b->name, p, n);
  b->name[n] = '\0';
  return VG_OK;
}

/* Parses a monthly day "FROM..TO" or "DAY" into the blackout. */
static int parse_month_days(const char *tok, struct vg_blackout *b, char *err,
                            size_t errlen) {
  int64_t from, to;
  char a[16], c[16];
  const char *dots = strstr(tok, "..");
  if (dots != NULL) {
    token_copy(a, sizeof(a), tok, (size_t)(dots - tok));
    snprintf(c, sizeof(c), "%s", dots + 2);
  } else {
    snprintf(a, sizeof(a), "%s", tok);
    snprintf(c, sizeof(c), "%s", tok);
  }
  if (vg_parse_int(a, &from) != VG_OK || vg_parse_int(c, &to) != VG_OK) {
    set_err(err, errlen,
            "'%s' is not a day range of the month (like 1..5 or -3..-1)", tok);
    return VG_EINVAL;
  }
  if (from == 0 || to == 0 || from < -31 || from > 31 || to < -31 || to > 31) {
    set_err(err, errlen,
            "days of the month are 1..31, or -31..-1 counting from the end "
            "(-1 = last day)");
    return VG_EINVAL;
  }
  /*
   * A range whose from_day falls after its to_day runs on into the next
   * month ("28..3", "-3..2"); two days counted from the end cannot mean that.
   */
  if (from < 0 && to < 0 && from > to) {
    set_err(err, errlen,
            "from_day %d is after to_day %d (both count from the end of "
            "the month)",
            (int)from, (int)to);
    return VG_EINVAL;
  }
  b->from_day = (int)from;
  b->to_day = (int)to;
  return VG_OK;
}

/* ---- Monthly and one-off rules ---- */

int vg_parse_weekday(const char *s, int *wday) {
  int d = day_index(s, strlen(s));
  if (d < 0)
    return VG_EINVAL;
  *wday = d;
  return VG_OK;
}

/*
 * Ordinals: 1st..5th or first..fifth (nth 1..5), last (-1), and 2nd-last ..
 * 5th-last or second-last .. fifth-last (-2..-5).
 */
int vg_parse_ordinal(const char *s, int *nth) {
  static const char *const num[] = {"1st", "2nd", "3rd", "4th", "5th"};
  static const char *const word[] = {"first", "second", "third", "fourth",
                                     "fifth"};
  size_t n = strlen(s);
  bool from_end = false;
  if (word_is(s, n, "last")) {
    *nth = -1;
    return VG_OK;
  }
  if (n > 5 && word_is(s + n - 5, 5, "-last")) {
    from_end = true;
    n -= 5;
  }
  for (int i = 0; i < 5; i++) {
    if (word_is(s, n, num[i]) || word_is(s, n, word[i])) {
      if (from_end && i == 0)
        return VG_EINVAL; /* "1st-last" is "last" */
      *nth = from_end ? -(i + 1) : i + 1;
      return VG_OK;
    }
  }
  return VG_EINVAL;
}

int vg_monthly_check(const struct vg_monthly *m, bool whole_day_ok, char *err,
                     size_t errlen) {
  if (m->nth != 0) {
    if (m->nth < -5 || m->nth > 5) {
      set_err(err, errlen,
              "nth must be 1 to 5, or -1 to -5 counting from the "
              "end of the month (-1 = last)");
      return VG_EINVAL;
    }
    if (m->weekday < 0 || m->weekday > 6) {
      set_err(err, errlen, "weekday must be a day name (sun .. sat)");
      return VG_EINVAL;
    }
    if (m->offset_days < -7 || m->offset_days > 7) {
      set_err(err, errlen, "offset_days must be -7 to 7");
      return VG_EINVAL;
    }
  } else {
    if (m->day == 0 || m->day < -31 || m->day > 31) {
      set_err(err, errlen,
              "day must be 1..31, or -31..-1 counting from the "
              "end of the month (-1 = last day)");
      return VG_EINVAL;
    }
    if (m->offset_days != 0) {
      set_err(err, errlen, "offset_days goes with weekday and nth, not day");
      return VG_EINVAL;
    }
  }
  if (m->start_s < 0 || m->start_s >= 86400) {
    set_err(err, errlen, "the start time is out of range (00:00 to 23:59:59)");
    return VG_EINVAL;
  }
  if (m->duration_s < 0 || m->duration_s > VG_WINDOW_MAX_S ||
      (m->duration_s == 0 && !whole_day_ok)) {
    set_err(err, errlen, "the duration must be more than 0 and at most 7d");
    return VG_EINVAL;
  }
  return VG_OK;
}

/* Parses a day offset "+5d" or "-2d" (-7..7). VG_EINVAL if not one. */
static int parse_offset_days(const char *s, int *out) {
  size_t n = strlen(s);
  if (n < 3 || (s[0] != '+' && s[0] != '-') ||
      tolower((unsigned char)s[n - 1]) != 'd')
    return VG_EINVAL;
  int v = 0;
  for (size_t i = 1; i + 1 < n; i++) {
    if (!isdigit((unsigned char)s[i]) || v > 100)
      return VG_EINVAL;
    v = v * 10 + (s[i] - '0');
  }
  *out = s[0] == '-' ? -v : v;
  return VG_OK;
}

/* Parses a start time token into *out, with the error in err. */
static int parse_start_token(const char *buf, int32_t *out, const char *shape,
                             char *err, size_t errlen) {
  int rc = vg_parse_time_of_day(buf, out);
  if (rc == VG_ERANGE) {
    set_err(err, errlen, "time '%s' is out of range (00:00 to 23:59:59)", buf);
    return VG_EINVAL;
  }
  if (rc != VG_OK) {
    set_err(err, errlen, "'%s' is not a start time (HH:MM); expected %s", buf,
            shape);
    return VG_EINVAL;
  }
  return VG_OK;
}

/*
 * Parses "ORDINAL WEEKDAY [+Nd]" from *p into m (after "monthly"), leaving
 * *p after it.
 */
static int parse_nth_weekday(const char **p, struct vg_monthly *m,
                             const char *shape, char *err, size_t errlen) {
  const char *tok, *save;
  char buf[32];
  size_t n = next_token(p, &tok);
  token_copy(buf, sizeof(buf), tok, n);
  if (n == 0 || vg_parse_ordinal(buf, &m->nth) != VG_OK) {
    set_err(err, errlen,
            "'%s' is not an ordinal (1st .. 5th, last, 2nd-last .. 5th-last); "
            "expected %s",
            buf, shape);
    return VG_EINVAL;
  }
  n = next_token(p, &tok);
  token_copy(buf, sizeof(buf), tok, n);
  if (n == 0 || vg_parse_weekday(buf, &m->weekday) != VG_OK) {
    set_err(err, errlen,
            "'%s' is not a day of the week (sun .. sat); "
            "expected %s",
            buf, shape);
    return VG_EINVAL;
  }
  save = *p;
  n = next_token(p, &tok);
  token_copy(buf, sizeof(buf), tok, n);
  if (n > 0 && (buf[0] == '+' || buf[0] == '-')) {
    if (parse_offset_days(buf, &m->offset_days) != VG_OK ||
        m->offset_days < -7 || m->offset_days > 7) {
      set_err(err, errlen, "'%s' is not a day offset from -7d to +7d", buf);
      return VG_EINVAL;
    }
  } else {
    *p = save;
  }
  return VG_OK;
}

/* Parses "HH:MM DURATION" from *p into m. */
static int parse_start_duration(const char **p, struct vg_monthly *m,
                                const char *shape, char *err, size_t errlen) {
  const char *tok;
  char buf[64];
  size_t n = next_token(p, &tok);
  if (n == 0) {
    set_err(err, errlen, "missing start time; expected %s", shape);
    return VG_EINVAL;
  }
  token_copy(buf, sizeof(buf), tok, n);
  if (parse_start_token(buf, &m->start_s, shape, err, errlen) != VG_OK)
    return VG_EINVAL;
  n = next_token(p, &tok);
  if (n == 0) {
    set_err(err, errlen, "missing duration after the start time; expected %s",
            shape);
    return VG_EINVAL;
  }
  token_copy(buf, sizeof(buf), tok, n);
  return parse_window_duration(buf, &m->duration_s, err, errlen);
}

#define MONTHLY_SHAPE                                                          \
  "monthly ORDINAL WEEKDAY [+Nd] HH:MM DURATION or monthly day N HH:MM "       \
  "DURATION, e.g. \"monthly 2nd tue +5d 02:00 3h\""

/* "monthly 2nd tue +5d 02:00 3h", "monthly day -1 23:00 2h" (after "monthly").
 */
static int parse_monthly_window(const char **p, struct vg_monthly *m, char *err,
                                size_t errlen) {
  const char *tok, *save = *p;
  char buf[32];
  memset(m, 0, sizeof(*m));
  size_t n = next_token(p, &tok);
  if (n == 0) {
    set_err(err, errlen, "missing the day after 'monthly'; expected %s",
            MONTHLY_SHAPE);
    return VG_EINVAL;
  }
  if (word_is(tok, n, "day")) {
    int64_t day;
    n = next_token(p, &tok);
    token_copy(buf, sizeof(buf), tok, n);
    if (n == 0 || vg_parse_int(buf, &day) != VG_OK || day == 0 || day < -31 ||
        day > 31) {
      set_err(err, errlen,
              "'%s' is not a day of the month (1..31, or -31..-1 counting "
              "from the end; -1 = last day)",
              buf);
      return VG_EINVAL;
    }
    m->day = (int)day;
  } else {
    *p = save;
    if (parse_nth_weekday(p, m, MONTHLY_SHAPE, err, errlen) != VG_OK)
      return VG_EINVAL;
  }
  return parse_start_duration(p, m, MONTHLY_SHAPE, err, errlen);
}

#define NTH_BLACKOUT_SHAPE                                                     \
  "monthly ORDINAL WEEKDAY [+Nd] [HH:MM DURATION] [name], e.g. "               \
  "\"monthly 2nd tue +1d patch day\""

/*
 * "monthly 2nd tue [+1d] [HH:MM DURATION]" (after "monthly"), leaving *p at
 * the name. Without a start time it covers the whole local day.
 */
static int parse_nth_blackout(const char **p, struct vg_monthly *m, char *err,
                              size_t errlen) {
  const char *tok, *save;
  char buf[32];
  memset(m, 0, sizeof(*m));
  if (parse_nth_weekday(p, m, NTH_BLACKOUT_SHAPE, err, errlen) != VG_OK)
    return VG_EINVAL;
  save = *p;
  size_t n = next_token(p, &tok);
  token_copy(buf, sizeof(buf), tok, n);
  *p = save;
  if (n > 0 && isdigit((unsigned char)buf[0]) && strchr(buf, ':') != NULL)
    return parse_start_duration(p, m, NTH_BLACKOUT_SHAPE, err, errlen);
  return VG_OK;
}

/* True when s starts like a date: four digits and a dash. */
static bool looks_like_date(const char *s) {
  for (int i = 0; i < 4; i++)
    if (!isdigit((unsigned char)s[i]))
      return false;
  return s[4] == '-';
}

#define ONCE_SHAPE "START DURATION or START/END, e.g. \"2027-01-09T22:00 6h\""

/* "2027-01-09T22:00 6h" or "2027-01-09T22:00/2027-01-10T04:00". */
static int parse_once_window(const char **p, const struct vg_zone *z,
                             struct vg_window *w, char *err, size_t errlen) {
  const char *tok;
  char a[48], c[48];
  size_t n = next_token(p, &tok);
  const char *slash = memchr(tok, '/', n);
  token_copy(a, sizeof(a), tok, slash ? (size_t)(slash - tok) : n);
  if (vg_time_parse(a, z, &w->start) != VG_OK) {
    set_err(err, errlen,
            "'%s' is not a date and time (like 2027-01-09T22:00); expected %s",
            a, ONCE_SHAPE);
    return VG_EINVAL;
  }
  if (slash != NULL) {
    token_copy(c, sizeof(c), slash + 1, n - (size_t)(slash - tok) - 1);
    if (vg_time_parse(c, z, &w->end) != VG_OK) {
      set_err(err, errlen,
              "'%s' is not a date and time (like 2027-01-10T04:00)", c);
      return VG_EINVAL;
    }
    if (w->end <= w->start) {
      set_err(err, errlen, "the end %s is not after the start %s", c, a);
      return VG_EINVAL;
    }
    if (w->end - w->start > VG_WINDOW_MAX_S) {
      set_err(err, errlen, "the window from %s to %s is longer than 7d", a, c);
      return VG_EINVAL;
    }
    return VG_OK;
  }
  char buf[64];
  int64_t d;
  n = next_token(p, &tok);
  if (n == 0) {
    set_err(err, errlen, "missing duration after the start; expected %s",
            ONCE_SHAPE);
    return VG_EINVAL;
  }
  token_copy(buf, sizeof(buf), tok, n);
  if (parse_window_duration(buf, &d, err, errlen) != VG_OK)
    return VG_EINVAL;
  w->end = w->start + d;
  return VG_OK;
}

int vg_parse_window(const char *s, const struct vg_zone *z,
                    struct vg_window *out, char *err, size_t errlen) {
  struct vg_window w;
  const char *p = s, *tok;
  memset(&w, 0, sizeof(w));
  if (s == NULL) {
    set_err(err, errlen, "missing");
    return VG_EINVAL;
  }
  size_t n = next_token(&p, &tok);
  if (n > 0 && word_is(tok, n, "monthly")) {
    w.kind = VG_WINDOW_MONTHLY;
    if (parse_monthly_window(&p, &w.m, err, errlen) != VG_OK)
      return VG_EINVAL;
  } else if (n >= 5 && looks_like_date(tok)) {
    p = tok;
    w.kind = VG_WINDOW_ONCE;
    if (parse_once_window(&p, z, &w, err, errlen) != VG_OK)
      return VG_EINVAL;
  } else {
    w.kind = VG_WINDOW_WEEKLY;
    if (vg_parse_weekly(s, &w.w, err, errlen) != VG_OK)
      return VG_EINVAL;
    *out = w;
    return VG_OK;
  }
  n = next_token(&p, &tok);
  if (n != 0) {
    set_err(err, errlen, "unexpected '%.*s' after the duration", (int)n, tok);
    return VG_EINVAL;
  }
  *out = w;
  return VG_OK;
}

/*
 * Blackouts in one string, four forms:
 *   "START/END [name]"          absolute, RFC 3339 or civil in zone z
 *   "monthly FROM..TO [name]"   whole days of each month
 *   "monthly ORDINAL WEEKDAY [+Nd] [HH:MM DURATION] [name]"
 *                               the nth weekday (its whole day by default)
 *   "DAYS HH:MM DURATION [name]" weekly
 */
int vg_parse_blackout(const char *s, const struct vg_zone *z,
                      struct vg_blackout *out, char *err, size_t errlen) {
  struct vg_blackout b;
  const char *p = s, *tok;
  memset(&b, 0, sizeof(b));
  if (s == NULL) {
    set_err(err, errlen, "missing");
    return VG_EINVAL;
  }
  const char *start = s;
  while (isspace((unsigned char)*start))
    start++;
  size_t n = next_token(&p, &tok);
  if (n == 0) {
    set_err(err, errlen,
            "empty; expected START/END [name], e.g. "
            "\"2026-12-20T00:00/2027-01-04T00:00 freeze\"");
    return VG_EINVAL;
  }
  if (memchr(tok, '/', n) != NULL) {
    char a[48], c[48];
    const char *slash = memchr(tok, '/', n);
    token_copy(a, sizeof(a), tok, (size_t)(slash - tok));
    token_copy(c, sizeof(c), slash + 1, n - (size_t)(slash - tok) - 1);
    b.kind = VG_BLACKOUT_ABSOLUTE;
    if (parse_instant(a, z, &b.start) != VG_OK) {
      set_err(err, errlen,
              "'%s' is not a date and time (like 2026-12-20T00:00)", a);
      return VG_EINVAL;
    }
    if (parse_instant(c, z, &b.end) != VG_OK) {
      set_err(err, errlen,
              "'%s' is not a date and time (like 2027-01-04T00:00)", c);
      return VG_EINVAL;
    }
    if (b.end <= b.start) {
      set_err(err, errlen, "the end %s is not after the start %s", c, a);
      return VG_EINVAL;
    }
  } else if (word_is(tok, n, "monthly")) {
    char buf[32];
    const char *save = p;
    b.kind = VG_BLACKOUT_MONTHLY;
    n = next_token(&p, &tok);
    if (n == 0) {
      set_err(err, errlen,
              "missing days after 'monthly' (like -3..-1, or 2nd tue)");
      return VG_EINVAL;
    }
    token_copy(buf, sizeof(buf), tok, n);
    int nth;
    if (vg_parse_ordinal(buf, &nth) == VG_OK) {
      p = save;
      b.kind = VG_BLACKOUT_NTH;
      if (parse_nth_blackout(&p, &b.m, err, errlen) != VG_OK)
        return VG_EINVAL;
    } else if (parse_month_days(buf, &b, err, errlen) != VG_OK) {
      return VG_EINVAL;
    }
  } else {
    p = s;
    b.kind = VG_BLACKOUT_WEEKLY;
    if (parse_weekly_prefix(&p, &b.w, err, errlen) != VG_OK)
      return VG_EINVAL;
  }
  if (take_name(p, start, (size_t)(p - start), &b, err, errlen) != VG_OK)
    return VG_EINVAL;
  *out = b;
  return VG_OK;
}
