/*
 * Built-in rules of a few time zones for 2027-2028 (the tz database's rules
 * for those years), as vg_offset_fn functions. Tests give them to a local
 * zone when the system cannot provide the zone by name (Windows, where TZ
 * does not name an Olson zone). Only static inline functions: include it where
 * it is needed, after oracle.h.
 */
#ifndef VG_TEST_TZRULES_H
#define VG_TEST_TZRULES_H

#include <stdlib.h>
#include <time.h>

#include "oracle.h"

static inline int64_t nth_sunday(int y, int m, int n) {
  int64_t first = or_days(y, m, 1);
  int wday = (int)((first + 4) % 7);
  return first + (7 - wday) % 7 + 7 * (n - 1);
}

static inline int64_t last_sunday(int y, int m) {
  int64_t last = or_days(y, m, or_dim(y, m));
  return last - (last + 4) % 7;
}

static inline int utc_year(vg_wall_t t) {
  int y, m, d;
  or_ymd(or_fdiv(t, OR_DAY), &y, &m, &d);
  return y;
}

static inline int rules_new_york(vg_wall_t t, int32_t *off) {
  int y = utc_year(t);
  vg_wall_t on = nth_sunday(y, 3, 2) * OR_DAY + 7 * 3600;
  vg_wall_t off_at = nth_sunday(y, 11, 1) * OR_DAY + 6 * 3600;
  *off = t >= on && t < off_at ? -4 * 3600 : -5 * 3600;
  return VG_OK;
}

static inline int rules_berlin(vg_wall_t t, int32_t *off) {
  int y = utc_year(t);
  vg_wall_t on = last_sunday(y, 3) * OR_DAY + 3600;
  vg_wall_t off_at = last_sunday(y, 10) * OR_DAY + 3600;
  *off = t >= on && t < off_at ? 2 * 3600 : 3600;
  return VG_OK;
}

/* +10:30, and +11:00 from the first Sunday of October 02:00 to the first
 * Sunday of April 02:00 (local). */
static inline int rules_lord_howe(vg_wall_t t, int32_t *off) {
  int y = utc_year(t);
  vg_wall_t end = nth_sunday(y, 4, 1) * OR_DAY + 2 * 3600 - 39600;
  vg_wall_t start = nth_sunday(y, 10, 1) * OR_DAY + 2 * 3600 - 37800;
  *off = t < end || t >= start ? 39600 : 37800;
  return VG_OK;
}

static inline int rules_tokyo(vg_wall_t t, int32_t *off) {
  (void)t;
  *off = 9 * 3600;
  return VG_OK;
}

static inline void tz_set_env(const char *name) {
#ifdef _WIN32
  _putenv_s("TZ", name);
  _tzset();
#else
  setenv("TZ", name, 1);
  tzset();
#endif
}

/*
 * Makes z the local zone named name: the system's, through TZ, when it
 * agrees with rules at every hour of [from, to); otherwise rules as the
 * zone's offset function. Returns true when the system's zone is used.
 */
static inline bool tz_setup(const char *name, vg_offset_fn rules,
                            vg_wall_t from, vg_wall_t to, struct vg_zone *z) {
  memset(z, 0, sizeof(*z));
  z->kind = VG_ZONE_LOCAL;
  tz_set_env(name);
  for (vg_wall_t t = from; t < to; t += 3600) {
    int32_t a = 0, b = 0;
    if (vg_zone_offset(z, t, &a) != VG_OK || rules(t, &b) != VG_OK || a != b) {
      z->local_fn = rules;
      return false;
    }
  }
  return true;
}

#endif
