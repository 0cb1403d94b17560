/*
 * Internals of the policy module shared by the model (policy.c), the YAML
 * loader (policy_yaml.c) and the shorthand grammar (shorthand.c). Not part
 * of the public interface.
 */
#ifndef VSSGUARD_POLICY_INT_H
#define VSSGUARD_POLICY_INT_H

#include "vssguard/policy.h"
#include "vssguard/policy_gates.h"

/* Limits shared by the loader, the GPO overrides and the docs. */
#define VG_THRESHOLD_MIN 1
#define VG_THRESHOLD_MAX 63
#define VG_THRESHOLD_DEFAULT 56
#define VG_WINDOW_MAX_S (7 * 86400LL)
#define VG_WARNING_MAX_S 315360000LL /* MAX_SHUTDOWN_TIMEOUT */
#define VG_SPLAY_MAX_S (7 * 86400LL)
#define VG_MIN_TIME_LEFT_MAX_S (86400LL)
#define VG_MIN_UPTIME_MAX_S (30 * 86400LL)
#define VG_MAX_PER_WEEK_MIN 1
#define VG_MAX_PER_WEEK_MAX 50
#define VG_MESSAGE_MAX 511
#define VG_NAME_MAX 63
#define VG_PATH_MAX 4095
#define VG_MAX_WINDOWS 256
#define VG_MAX_BLACKOUTS 256
#define VG_DEFAULT_REASON 0x80040001u
#define VG_FLEET_RETRY_MIN_S 1
#define VG_FLEET_RETRY_MAX_S 3600
#define VG_FLEET_RETRY_DEFAULT_S 60
#define VG_FLEET_GROUP_DEFAULT "default"
#define VG_PIGGYBACK_MIN_COUNT_DEFAULT 32
#define VG_DEFAULT_MESSAGE                                                     \
  "Scheduled maintenance reboot to clear VSS writer sessions (VSS 12289)."

/* Records where the setting named key came from. Unknown keys are ignored. */
void vg_policy_set_origin(vg_policy *p, const char *key, enum vg_origin o);

/* Empties the window or blackout list. */
void vg_policy_clear_windows(vg_policy *p);
void vg_policy_clear_blackouts(vg_policy *p);

/* Sets or clears (path NULL) the metrics file. Returns 0 or VG_ENOMEM. */
int vg_policy_set_metrics_file(vg_policy *p, const char *path);

/*
 * Parses a boolean ("true"/"false", "yes"/"no", "on"/"off", case-insensitive;
 * with allow_digits also "1"/"0"). Returns 0 or VG_EINVAL.
 */
int vg_parse_bool(const char *s, bool allow_digits, bool *out);

/* Parses a decimal integer, optionally signed, into *out. 0 or VG_EINVAL. */
int vg_parse_int(const char *s, int64_t *out);

/* Parses a time of day "HH:MM" or "HH:MM:SS" (00:00..23:59:59). */
int vg_parse_time_of_day(const char *s, int32_t *out_s);

/*
 * Parses a day list: names sun..sat or sunday..saturday (any case), ranges
 * "mon-fri", "daily" or "weekdays"/"weekends", joined by commas. Returns 0 or
 * VG_EINVAL with a reason in err.
 */
int vg_parse_days(const char *s, uint8_t *days, char *err, size_t errlen);

/* Writes a duration as "1h30m", "45s", "2d"; "0s" for zero. */
void vg_format_duration(int64_t s, char *buf, size_t len);

/* Parses one day name (sun .. saturday, any case). 0 or VG_EINVAL. */
int vg_parse_weekday(const char *s, int *wday);

/*
 * Parses an ordinal of a weekday in the month: 1st..5th, first..fifth,
 * last, 2nd-last..5th-last. Sets *nth to 1..5 or -1..-5; 0 or VG_EINVAL.
 */
int vg_parse_ordinal(const char *s, int *nth);

/*
 * Checks a monthly rule's ranges (see struct vg_monthly); a duration of 0
 * is allowed only with whole_day_ok. 0, or VG_EINVAL with a reason in err.
 */
int vg_monthly_check(const struct vg_monthly *m, bool whole_day_ok, char *err,
                     size_t errlen);

/* Parses a reboot reason: "planned-maintenance" or a number (never 0). */
int vg_parse_reason(const char *s, uint32_t *out);

#endif
