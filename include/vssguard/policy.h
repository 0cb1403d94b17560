/*
 * The reboot policy: threshold, time zone, maintenance windows, blackouts and
 * reboot settings. Loaded from YAML (libyaml), then overridden by Group
 * Policy values parsed with the same grammar. Opaque; read it through the
 * accessors below.
 */
#ifndef VSSGUARD_POLICY_H
#define VSSGUARD_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vssguard/common.h"
#include "vssguard/zone.h"

typedef struct vg_policy vg_policy;

/* Day bits of a weekly rule: bit 0 = Sunday ... bit 6 = Saturday. */
#define VG_DAY(d) (1u << (d))
#define VG_ALL_DAYS 0x7fu

/*
 * A weekly rule, in the policy's zone: on each day in days, from local time
 * start_s (seconds after local midnight) for duration_s of elapsed time. It
 * may cross midnight and the week boundary.
 */
struct vg_weekly {
  uint8_t days;
  int32_t start_s;
  int64_t duration_s;
};

/*
 * A monthly rule, in the policy's zone. Its date in a month is, when nth is
 * not 0, the nth weekday of the month (nth 1..5 from the start, -1..-5 from
 * the end; a month without such a weekday has no date) moved by offset_days
 * (-7..7, which may cross into the next or previous month); when nth is 0,
 * the day `day` (1..31, or -31..-1 counting from the end; a day past the
 * month's end means its last day). On that date it starts at local time
 * start_s and lasts duration_s of elapsed time; a duration of 0 (blackouts
 * only) means the whole local date.
 */
struct vg_monthly {
  int nth;
  int weekday; /* 0 = Sunday */
  int offset_days;
  int day;
  int32_t start_s;
  int64_t duration_s;
};

enum vg_window_kind {
  VG_WINDOW_WEEKLY = 0, /* w */
  VG_WINDOW_MONTHLY,    /* m */
  VG_WINDOW_ONCE        /* [start, end) instants */
};

/* A maintenance window. w comes first: {{days, start, duration}} is weekly. */
struct vg_window {
  struct vg_weekly w;
  enum vg_window_kind kind;
  struct vg_monthly m;
  vg_wall_t start, end;
};

enum vg_blackout_kind {
  VG_BLACKOUT_ABSOLUTE, /* [start, end) instants */
  VG_BLACKOUT_MONTHLY,  /* whole local days from_day..to_day of each month */
  VG_BLACKOUT_WEEKLY,   /* a weekly rule, like a window */
  VG_BLACKOUT_NTH       /* a monthly nth-weekday rule (m, nth != 0) */
};

struct vg_blackout {
  char name[64];
  enum vg_blackout_kind kind;
  vg_wall_t start, end; /* ABSOLUTE */
  int from_day, to_day; /* MONTHLY: 1..31 or -31..-1 (-1 = last day) */
  struct vg_weekly w;   /* WEEKLY */
  struct vg_monthly m;  /* NTH */
};

/* Reboot settings; defaults in brackets. */
struct vg_reboot_cfg {
  int64_t warning_s;       /* [600] countdown shown to users */
  char message[512];       /* [a standard message] */
  bool force_close_apps;   /* [true] */
  uint32_t reason;         /* [0x80040001] planned-maintenance */
  int64_t splay_s;         /* [1800] random offset into the usable slot */
  int64_t min_time_left_s; /* [900] not in the last minutes of a slot */
  int64_t min_uptime_s;    /* [3600] */
  int max_per_week;        /* [2] in any 7 x 24 h */
  bool wait_for_backup;    /* [true] */
};

/* Fleet coordination through a FleetLock server (fleet_lock:). */
struct vg_fleet_cfg {
  bool enabled;    /* fleet_lock: present (or GPO FleetLockUrl set) */
  char url[1025];  /* FleetLock base URL, http:// or https:// */
  char group[256]; /* [default] ^[a-zA-Z0-9.-]+$ */
  char id[256];    /* [""] = this machine's DNS name, lower case */
  int64_t retry_s; /* [60] 1 s .. 1 h, jittered +-20% by the agent */
};

/*
 * Piggyback on a restart Windows needs anyway (Windows Update, component
 * servicing, pending file renames): any boot clears the VSS sessions, so
 * when such a restart is pending and the count is at least min_count, the
 * next allowed slot is planned as if the threshold were reached. Defaults in
 * brackets.
 */
struct vg_piggyback {
  bool windows_update; /* [false] */
  int min_count;       /* [32] 0..63 */
};

/* Where a setting's value came from. */
enum vg_origin { VG_ORIGIN_DEFAULT = 0, VG_ORIGIN_FILE, VG_ORIGIN_GPO };
const char *vg_origin_name(enum vg_origin o); /* "default", "file", "gpo" */

/* A policy with every default and no window. NULL when out of memory. */
vg_policy *vg_policy_new(void);
void vg_policy_free(vg_policy *p);

/*
 * Loads a YAML policy. On error returns VG_EINVAL (or VG_ENOENT, VG_EIO) and
 * adds every error found to d, each with file, line and column; *out is then
 * NULL. name is the file name used in diagnostics.
 */
int vg_policy_load_file(const char *path, vg_policy **out, vg_diags *d);
int vg_policy_load_string(const char *name, const char *buf, size_t len,
                          vg_policy **out, vg_diags *d);

/*
 * Applies one Group Policy override (registry value under
 * HKLM\SOFTWARE\Policies\VssGuard). Names: Threshold, DryRun,
 * WarningSeconds, RebootMessage, MaxRebootsPerWeek (one value each) and
 * MaintenanceWindows, Blackouts (lists: items in the YAML shorthand; they
 * replace the file's list). Errors name the value, e.g.
 * "HKLM\SOFTWARE\Policies\VssGuard\Threshold: ...". Enabled and PolicyFile
 * are read by the agent itself and are not overrides.
 */
int vg_policy_override(vg_policy *p, const char *value_name,
                       const char *const *items, size_t nitems, vg_diags *d);

/* The names vg_policy_override accepts, NULL-terminated. */
extern const char *const vg_policy_override_names[];

/* Checks cross-field rules after overrides; adds errors to d. */
int vg_policy_validate(const vg_policy *p, const char *name, vg_diags *d);

/* Shorthand grammar, shared by YAML strings and GPO values. */
/* "sun 02:00 3h", "mon,wed 23:30 2h", "daily 01:00 90m", "mon-fri 22:00 4h" */
int vg_parse_weekly(const char *s, struct vg_weekly *out, char *err,
                    size_t errlen);
/*
 * A maintenance window in any form: weekly as vg_parse_weekly, monthly
 * ("monthly 2nd tue +5d 02:00 3h", "monthly last sat 22:00 6h",
 * "monthly day -1 23:00 2h") or one-off ("2027-01-09T22:00 6h",
 * "2027-01-09T22:00/2027-01-10T04:00"; civil times in zone z).
 */
int vg_parse_window(const char *s, const struct vg_zone *z,
                    struct vg_window *out, char *err, size_t errlen);
/*
 * "2026-12-20T00:00/2027-01-04T00:00 year-end freeze" (zone z for civil),
 * "monthly -3..-1 close", "fri 18:00 6h name", "monthly 2nd tue +1d patch"
 * (the whole local day) or "monthly 2nd tue 08:00 12h patch".
 */
int vg_parse_blackout(const char *s, const struct vg_zone *z,
                      struct vg_blackout *out, char *err, size_t errlen);
/* "90m", "3h", "1h30m", "45s", "2d" or plain seconds */
int vg_parse_duration(const char *s, int64_t *out);

/* Accessors. */
int vg_policy_threshold(const vg_policy *p);
const struct vg_zone *vg_policy_zone(const vg_policy *p);
bool vg_policy_count_failed(const vg_policy *p);
bool vg_policy_dry_run(const vg_policy *p);
size_t vg_policy_window_count(const vg_policy *p);
const struct vg_window *vg_policy_window(const vg_policy *p, size_t i);
size_t vg_policy_blackout_count(const vg_policy *p);
const struct vg_blackout *vg_policy_blackout(const vg_policy *p, size_t i);
const struct vg_reboot_cfg *vg_policy_reboot(const vg_policy *p);
const char *vg_policy_metrics_file(const vg_policy *p); /* NULL = off */
const struct vg_fleet_cfg *vg_policy_fleet(const vg_policy *p);
const struct vg_piggyback *vg_policy_piggyback(const vg_policy *p);
enum vg_origin vg_policy_origin(const vg_policy *p, const char *key);

/* Setters for tests, fuzzers and the GPO layer (mark origin FILE). */
int vg_policy_set_threshold(vg_policy *p, int threshold);
void vg_policy_set_zone(vg_policy *p, const struct vg_zone *z);
void vg_policy_set_dry_run(vg_policy *p, bool on);
void vg_policy_set_count_failed(vg_policy *p, bool on);
int vg_policy_add_window(vg_policy *p, const struct vg_window *w);
int vg_policy_add_blackout(vg_policy *p, const struct vg_blackout *b);
struct vg_reboot_cfg *vg_policy_reboot_mut(vg_policy *p);
struct vg_fleet_cfg *vg_policy_fleet_mut(vg_policy *p);
struct vg_piggyback *vg_policy_piggyback_mut(vg_policy *p);

/* One line: "threshold 56, 2 windows, 3 blackouts, zone local, dry run off". */
void vg_policy_summary(const vg_policy *p, char *buf, size_t len);

#endif
