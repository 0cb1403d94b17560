/*
 * Civil time and the policy's time zone.
 *
 * A zone is "local" (the system's zone, through the platform), "UTC", or a
 * fixed offset. Local civil times resolve to instants by two rules, the same
 * for windows and blackouts:
 *   - a local time that does not exist (clocks jump forward) resolves to the
 *     first instant after the gap;
 *   - a local time that exists twice (clocks fall back) resolves to its first
 *     occurrence.
 */
#ifndef VSSGUARD_ZONE_H
#define VSSGUARD_ZONE_H

#include <stdbool.h>
#include <stdint.h>

#include "vssguard/common.h"

enum vg_zone_kind { VG_ZONE_LOCAL = 0, VG_ZONE_UTC, VG_ZONE_FIXED };

/*
 * Returns in *offset_s the zone's offset east of UTC at instant t (seconds).
 * Returns 0 or a negative error.
 */
typedef int (*vg_offset_fn)(vg_wall_t t, int32_t *offset_s);

struct vg_zone {
  enum vg_zone_kind kind;
  int32_t offset_s;      /* VG_ZONE_FIXED only */
  vg_offset_fn local_fn; /* VG_ZONE_LOCAL: NULL means vg_plat_local_offset */
};

/* A civil (calendar) date and time, no zone. mon 1..12, mday 1..31. */
struct vg_civil {
  int year, mon, mday, hour, min, sec;
  int wday; /* 0 = Sunday; filled by conversions from instants */
};

/* Days since 1970-01-01 of a proleptic Gregorian date, and the reverse. */
int64_t vg_days_from_civil(int year, int mon, int mday);
void vg_civil_from_days(int64_t days, int *year, int *mon, int *mday);
int vg_days_in_month(int year, int mon);

/* Offset of zone z at instant t. */
int vg_zone_offset(const struct vg_zone *z, vg_wall_t t, int32_t *offset_s);

/* The civil time in zone z of instant t (wday filled). */
int vg_zone_to_civil(const struct vg_zone *z, vg_wall_t t, struct vg_civil *c);

/* The instant of civil time c in zone z, by the gap and repeat rules above. */
int vg_zone_from_civil(const struct vg_zone *z, const struct vg_civil *c,
                       vg_wall_t *t);

/* Parses "local", "UTC", "+HH:MM" or "-HH:MM". Returns 0 or VG_EINVAL. */
int vg_zone_parse(const char *s, struct vg_zone *z);

/* Writes "local", "UTC" or "+HH:MM". */
void vg_zone_format(const struct vg_zone *z, char *buf, size_t len);

/*
 * Formats t as RFC 3339: in UTC with "Z" when z is NULL, otherwise in zone z
 * with its numeric offset ("2026-11-29T02:00:00+01:00").
 */
void vg_time_format(vg_wall_t t, const struct vg_zone *z, char *buf,
                    size_t len);

/*
 * Parses an RFC 3339-like time: "YYYY-MM-DDTHH:MM[:SS[.frac]]" followed by
 * "Z", "+HH:MM" / "-HH:MM", or nothing (then it is civil time in zone z,
 * which must not be NULL). A space may stand for "T". Returns 0 or VG_EINVAL.
 */
int vg_time_parse(const char *s, const struct vg_zone *z, vg_wall_t *t);

#endif
