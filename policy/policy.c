/*
 * The policy model: defaults, accessors, setters, where each setting came
 * from, the one-line summary, cross-field validation and the Group Policy
 * overrides (registry values parsed with the YAML shorthand grammar).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"
#include "vssguard/fleetlock.h"
#include "vssguard/http.h"

/* Settings whose origin is tracked, in the order of the YAML schema. */
static const char *const origin_keys[] = {
    "threshold",
    "timezone",
    "count_failed_backups",
    "maintenance_windows",
    "blackouts",
    "dry_run",
    "metrics_file",
    "reboot.warning",
    "reboot.message",
    "reboot.force_close_apps",
    "reboot.reason",
    "reboot.splay",
    "reboot.min_time_left",
    "reboot.min_uptime",
    "reboot.max_per_week",
    "reboot.wait_for_backup",
    "fleet_lock.url",
    "fleet_lock.group",
    "fleet_lock.id",
    "fleet_lock.retry",
    "piggyback.windows_update",
    "piggyback.min_count",
};

#define NORIGINS (sizeof(origin_keys) / sizeof(origin_keys[0]))

struct vg_policy {
  int threshold;
  struct vg_zone zone;
  bool count_failed;
  bool dry_run;
  struct vg_window *windows;
  size_t nwindows, capwindows;
  struct vg_blackout *blackouts;
  size_t nblackouts, capblackouts;
  struct vg_reboot_cfg reboot;
  char *metrics_file;
  struct vg_fleet_cfg fleet;
  struct vg_piggyback piggyback;
  enum vg_origin origins[NORIGINS];
  /* Gates, hooks and notifications (policy/gates.c). */
  struct vg_gates gates;
  struct vg_hooks hooks;
  struct vg_notify notify;
};

const char *vg_origin_name(enum vg_origin o) {
  switch (o) {
  case VG_ORIGIN_DEFAULT: return "default";
  case VG_ORIGIN_FILE: return "file";
  case VG_ORIGIN_GPO: return "gpo";
  }
  return "unknown";
}

static int origin_index(const char *key) {
  for (size_t i = 0; i < NORIGINS; i++)
    if (strcmp(origin_keys[i], key) == 0)
      return (int)i;
  return -1;
}

void vg_policy_set_origin(vg_policy *p, const char *key, enum vg_origin o) {
  int i = origin_index(key);
  if (i >= 0)
    p->origins[i] = o;
}

enum vg_origin vg_policy_origin(const vg_policy *p, const char *key) {
  int i = key ? origin_index(key) : -1;
  return i >= 0 ? p->origins[i] : VG_ORIGIN_DEFAULT;
}

vg_policy *vg_policy_new(void) {
  vg_policy *p = calloc(1, sizeof(*p));
  if (p == NULL)
    return NULL;
  p->threshold = VG_THRESHOLD_DEFAULT;
  p->zone.kind = VG_ZONE_LOCAL;
  p->count_failed = true;
  p->dry_run = false;
  p->reboot.warning_s = 600;
  snprintf(p->reboot.message, sizeof(p->reboot.message), "%s",
           VG_DEFAULT_MESSAGE);
  p->reboot.force_close_apps = true;
  p->reboot.reason = VG_DEFAULT_REASON;
  p->reboot.splay_s = 1800;
  p->reboot.min_time_left_s = 900;
  p->reboot.min_uptime_s = 3600;
  p->reboot.max_per_week = 2;
  p->reboot.wait_for_backup = true;
  snprintf(p->fleet.group, sizeof(p->fleet.group), "%s",
           VG_FLEET_GROUP_DEFAULT);
  p->fleet.retry_s = VG_FLEET_RETRY_DEFAULT_S;
  vg_gates_defaults(&p->gates, &p->hooks, &p->notify);
  p->piggyback.min_count = VG_PIGGYBACK_MIN_COUNT_DEFAULT;
  return p;
}

const struct vg_gates *vg_policy_gates(const vg_policy *p) {
  return &p->gates;
}

const struct vg_hooks *vg_policy_hooks(const vg_policy *p) {
  return &p->hooks;
}

const struct vg_notify *vg_policy_notify(const vg_policy *p) {
  return &p->notify;
}

struct vg_gates *vg_policy_gates_mut(vg_policy *p) {
  return &p->gates;
}

struct vg_hooks *vg_policy_hooks_mut(vg_policy *p) {
  return &p->hooks;
}

struct vg_notify *vg_policy_notify_mut(vg_policy *p) {
  return &p->notify;
}

void vg_policy_free(vg_policy *p) {
  if (p == NULL)
    return;
  free(p->windows);
  free(p->blackouts);
  free(p->metrics_file);
  free(p);
}

int vg_policy_threshold(const vg_policy *p) {
  return p->threshold;
}

const struct vg_zone *vg_policy_zone(const vg_policy *p) {
  return &p->zone;
}

bool vg_policy_count_failed(const vg_policy *p) {
  return p->count_failed;
}

bool vg_policy_dry_run(const vg_policy *p) {
  return p->dry_run;
}

size_t vg_policy_window_count(const vg_policy *p) {
  return p->nwindows;
}

const struct vg_window *vg_policy_window(const vg_policy *p, size_t i) {
  return i < p->nwindows ? &p->windows[i] : NULL;
}

size_t vg_policy_blackout_count(const vg_policy *p) {
  return p->nblackouts;
}

const struct vg_blackout *vg_policy_blackout(const vg_policy *p, size_t i) {
  return i < p->nblackouts ? &p->blackouts[i] : NULL;
}

const struct vg_reboot_cfg *vg_policy_reboot(const vg_policy *p) {
  return &p->reboot;
}

const char *vg_policy_metrics_file(const vg_policy *p) {
  return p->metrics_file;
}

const struct vg_fleet_cfg *vg_policy_fleet(const vg_policy *p) {
  return &p->fleet;
}

struct vg_fleet_cfg *vg_policy_fleet_mut(vg_policy *p) {
  return &p->fleet;
}

int vg_policy_set_threshold(vg_policy *p, int threshold) {
  if (threshold < VG_THRESHOLD_MIN || threshold > VG_THRESHOLD_MAX)
    return VG_ERANGE;
  p->threshold = threshold;
  vg_policy_set_origin(p, "threshold", VG_ORIGIN_FILE);
  return VG_OK;
}

void vg_policy_set_zone(vg_policy *p, const struct vg_zone *z) {
  p->zone = *z;
  vg_policy_set_origin(p, "timezone", VG_ORIGIN_FILE);
}

void vg_policy_set_dry_run(vg_policy *p, bool on) {
  p->dry_run = on;
  vg_policy_set_origin(p, "dry_run", VG_ORIGIN_FILE);
}

void vg_policy_set_count_failed(vg_policy *p, bool on) {
  p->count_failed = on;
  vg_policy_set_origin(p, "count_failed_backups", VG_ORIGIN_FILE);
}

/* Grows an array of elements of size sz to hold one more. */
static int grow(void **arr, size_t *cap, size_t n, size_t sz) {
  if (n < *cap)
    return VG_OK;
  size_t ncap = *cap ? *cap * 2 : 4;
  void *a = realloc(*arr, ncap * sz);
  if (a == NULL)
    return VG_ENOMEM;
  *arr = a;
  *cap = ncap;
  return VG_OK;
}

/* Whether a window's fields are in range for its kind. */
static bool window_ok(const struct vg_window *w) {
  switch (w->kind) {
  case VG_WINDOW_WEEKLY:
    return w->w.days != 0 && (w->w.days & ~VG_ALL_DAYS) == 0 &&
           w->w.start_s >= 0 && w->w.start_s < 86400 && w->w.duration_s > 0 &&
           w->w.duration_s <= VG_WINDOW_MAX_S;
  case VG_WINDOW_MONTHLY:
    return vg_monthly_check(&w->m, false, NULL, 0) == VG_OK;
  case VG_WINDOW_ONCE:
    return w->end > w->start && w->end - w->start <= VG_WINDOW_MAX_S;
  }
  return false;
}

int vg_policy_add_window(vg_policy *p, const struct vg_window *w) {
  if (!window_ok(w))
    return VG_EINVAL;
  if (p->nwindows >= VG_MAX_WINDOWS)
    return VG_ERANGE;
  int rc = grow((void **)&p->windows, &p->capwindows, p->nwindows,
                sizeof(*p->windows));
  if (rc != VG_OK)
    return rc;
  p->windows[p->nwindows++] = *w;
  vg_policy_set_origin(p, "maintenance_windows", VG_ORIGIN_FILE);
  return VG_OK;
}

int vg_policy_add_blackout(vg_policy *p, const struct vg_blackout *b) {
  switch (b->kind) {
  case VG_BLACKOUT_ABSOLUTE:
    if (b->end <= b->start)
      return VG_EINVAL;
    break;
  case VG_BLACKOUT_MONTHLY:
    if (b->from_day == 0 || b->to_day == 0 || b->from_day < -31 ||
        b->from_day > 31 || b->to_day < -31 || b->to_day > 31)
      return VG_EINVAL;
    break;
  case VG_BLACKOUT_WEEKLY:
    if (b->w.days == 0 || (b->w.days & ~VG_ALL_DAYS) != 0 || b->w.start_s < 0 ||
        b->w.start_s >= 86400 || b->w.duration_s <= 0 ||
        b->w.duration_s > VG_WINDOW_MAX_S)
      return VG_EINVAL;
    break;
  case VG_BLACKOUT_NTH:
    if (b->m.nth == 0 || vg_monthly_check(&b->m, true, NULL, 0) != VG_OK)
      return VG_EINVAL;
    break;
  default: return VG_EINVAL;
  }
  if (p->nblackouts >= VG_MAX_BLACKOUTS)
    return VG_ERANGE;
  int rc = grow((void **)&p->blackouts, &p->capblackouts, p->nblackouts,
                sizeof(*p->blackouts));
  if (rc != VG_OK)
    return rc;
  p->blackouts[p->nblackouts] = *b;
  p->blackouts[p->nblackouts].name[sizeof(b->name) - 1] = '\0';
  p->nblackouts++;
  vg_policy_set_origin(p, "blackouts", VG_ORIGIN_FILE);
  return VG_OK;
}

struct vg_reboot_cfg *vg_policy_reboot_mut(vg_policy *p) {
  return &p->reboot;
}

const struct vg_piggyback *vg_policy_piggyback(const vg_policy *p) {
  return &p->piggyback;
}

struct vg_piggyback *vg_policy_piggyback_mut(vg_policy *p) {
  return &p->piggyback;
}

void vg_policy_clear_windows(vg_policy *p) {
  p->nwindows = 0;
}

void vg_policy_clear_blackouts(vg_policy *p) {
  p->nblackouts = 0;
}

int vg_policy_set_metrics_file(vg_policy *p, const char *path) {
  char *copy = NULL;
  if (path != NULL && (copy = strdup(path)) == NULL)
    return VG_ENOMEM;
  free(p->metrics_file);
  p->metrics_file = copy;
  vg_policy_set_origin(p, "metrics_file", VG_ORIGIN_FILE);
  return VG_OK;
}

void vg_policy_summary(const vg_policy *p, char *buf, size_t len) {
  char zone[16];
  vg_zone_format(&p->zone, zone, sizeof(zone));
  snprintf(buf, len,
           "threshold %d, %zu window%s, %zu blackout%s, zone %s, "
           "dry run %s",
           p->threshold, p->nwindows, p->nwindows == 1 ? "" : "s",
           p->nblackouts, p->nblackouts == 1 ? "" : "s", zone,
           p->dry_run ? "on" : "off");
  /* Gates, hooks and notifications, when configured. */
  char g[256];
  vg_gates_summary(&p->gates, &p->hooks, &p->notify, g, sizeof(g));
  size_t used = strlen(buf);
  if (g[0] != '\0' && used + 2 < len)
    snprintf(buf + used, len - used, "; %s", g);
}

/* fleet_lock: the rules the YAML loader and the GPO values both obey. */
static void validate_fleet(const struct vg_fleet_cfg *f, const char *name,
                           vg_diags *d) {
  if (!f->enabled)
    return;
  if (vg_http_url_ok(f->url) != VG_OK)
    vg_diags_add(d, name, 0, 0,
                 "fleet_lock.url must be an http:// or https:// URL with a "
                 "host, not '%.64s'",
                 f->url);
  if (!vg_fleet_group_ok(f->group))
    vg_diags_add(d, name, 0, 0,
                 "fleet_lock.group must match ^[a-zA-Z0-9.-]+$, not '%.64s'",
                 f->group);
  if (f->id[0] != '\0' && !vg_fleet_id_ok(f->id))
    vg_diags_add(d, name, 0, 0,
                 "fleet_lock.id must be printable and at most %d bytes",
                 VG_FLEET_MAX_ID);
  if (f->retry_s < VG_FLEET_RETRY_MIN_S || f->retry_s > VG_FLEET_RETRY_MAX_S)
    vg_diags_add(d, name, 0, 0, "fleet_lock.retry must be between 1s and 1h");
}

int vg_policy_validate(const vg_policy *p, const char *name, vg_diags *d) {
  size_t before = d->n;
  const struct vg_reboot_cfg *r = &p->reboot;
  if (name == NULL)
    name = "policy";
  if (p->nwindows == 0)
    vg_diags_add(d, name, 0, 0,
                 "no maintenance window: 'maintenance_windows' needs at "
                 "least one (for example \"sun 02:00 3h\")");
  if (p->threshold < VG_THRESHOLD_MIN || p->threshold > VG_THRESHOLD_MAX)
    vg_diags_add(d, name, 0, 0, "threshold must be between %d and %d, not %d",
                 VG_THRESHOLD_MIN, VG_THRESHOLD_MAX, p->threshold);
  if (r->warning_s < 0 || r->warning_s > VG_WARNING_MAX_S)
    vg_diags_add(d, name, 0, 0,
                 "reboot.warning must be between 0 and %lld seconds",
                 (long long)VG_WARNING_MAX_S);
  if (r->max_per_week < VG_MAX_PER_WEEK_MIN ||
      r->max_per_week > VG_MAX_PER_WEEK_MAX)
    vg_diags_add(d, name, 0, 0,
                 "reboot.max_per_week must be between %d and %d, not %d",
                 VG_MAX_PER_WEEK_MIN, VG_MAX_PER_WEEK_MAX, r->max_per_week);
  if (r->reason == 0)
    vg_diags_add(d, name, 0, 0,
                 "reboot.reason must not be 0 (Windows logs it as an "
                 "unplanned shutdown)");
  if (strlen(r->message) > VG_MESSAGE_MAX)
    vg_diags_add(d, name, 0, 0, "reboot.message is longer than %d bytes",
                 VG_MESSAGE_MAX);
  if (r->splay_s < 0 || r->min_time_left_s < 0 || r->min_uptime_s < 0)
    vg_diags_add(d, name, 0, 0, "reboot durations must not be negative");
  for (size_t i = 0; i < p->nblackouts; i++) {
    const struct vg_blackout *b = &p->blackouts[i];
    if (b->kind == VG_BLACKOUT_ABSOLUTE && b->end <= b->start)
      vg_diags_add(d, name, 0, 0, "blackout '%s' ends before it starts",
                   b->name);
  }
  validate_fleet(&p->fleet, name, d);
  return d->n > before ? VG_EINVAL : VG_OK;
}

/* ---- Group Policy overrides ---- */

const char *const vg_policy_override_names[] = {
    "Threshold",
    "DryRun",
    "WarningSeconds",
    "RebootMessage",
    "MaxRebootsPerWeek",
    "MaintenanceWindows",
    "Blackouts",
    "FleetLockUrl",
    "FleetLockGroup",
    "AlertmanagerUrl",
    NULL,
};

#define GPO_KEY "HKLM\\SOFTWARE\\Policies\\VssGuard\\"

/* Requires exactly one item; reports the error otherwise. */
static int one_item(const char *file, size_t nitems, vg_diags *d) {
  if (nitems == 1)
    return VG_OK;
  vg_diags_add(d, file, 0, 0, "expected one value, got %llu",
               (unsigned long long)nitems);
  return VG_EINVAL;
}

static int override_int(const char *file, const char *item, int64_t lo,
                        int64_t hi, int64_t *out, vg_diags *d) {
  int64_t v;
  if (vg_parse_int(item, &v) != VG_OK) {
    vg_diags_add(d, file, 0, 0, "'%s' is not a whole number", item);
    return VG_EINVAL;
  }
  if (v < lo || v > hi) {
    vg_diags_add(d, file, 0, 0,
                 "%" PRId64 " is out of range (%" PRId64 "..%" PRId64 ")", v,
                 lo, hi);
    return VG_EINVAL;
  }
  *out = v;
  return VG_OK;
}

static int override_windows(vg_policy *p, const char *file,
                            const char *const *items, size_t nitems,
                            vg_diags *d) {
  struct vg_window *ws;
  int bad = 0;
  if (nitems == 0) {
    vg_diags_add(d, file, 0, 0,
                 "the list is empty; remove the value to use the policy "
                 "file's windows, or add at least one window");
    return VG_EINVAL;
  }
  if (nitems > VG_MAX_WINDOWS) {
    vg_diags_add(d, file, 0, 0, "too many windows (%llu; at most %d)",
                 (unsigned long long)nitems, VG_MAX_WINDOWS);
    return VG_EINVAL;
  }
  ws = calloc(nitems, sizeof(*ws));
  if (ws == NULL)
    return VG_ENOMEM;
  for (size_t i = 0; i < nitems; i++) {
    char err[160];
    if (vg_parse_window(items[i], &p->zone, &ws[i], err, sizeof(err)) !=
        VG_OK) {
      vg_diags_add(d, file, 0, 0, "item %llu \"%.64s\": %s",
                   (unsigned long long)(i + 1), items[i], err);
      bad = 1;
    }
  }
  if (!bad) {
    vg_policy_clear_windows(p);
    for (size_t i = 0; i < nitems; i++)
      if (vg_policy_add_window(p, &ws[i]) != VG_OK)
        bad = 1;
  }
  free(ws);
  return bad ? VG_EINVAL : VG_OK;
}

static int override_blackouts(vg_policy *p, const char *file,
                              const char *const *items, size_t nitems,
                              vg_diags *d) {
  struct vg_blackout *bs;
  int bad = 0;
  if (nitems > VG_MAX_BLACKOUTS) {
    vg_diags_add(d, file, 0, 0, "too many blackouts (%llu; at most %d)",
                 (unsigned long long)nitems, VG_MAX_BLACKOUTS);
    return VG_EINVAL;
  }
  bs = calloc(nitems ? nitems : 1, sizeof(*bs));
  if (bs == NULL)
    return VG_ENOMEM;
  for (size_t i = 0; i < nitems; i++) {
    char err[160];
    if (vg_parse_blackout(items[i], &p->zone, &bs[i], err, sizeof(err)) !=
        VG_OK) {
      vg_diags_add(d, file, 0, 0, "item %llu \"%.64s\": %s",
                   (unsigned long long)(i + 1), items[i], err);
      bad = 1;
    }
  }
  if (!bad) {
    vg_policy_clear_blackouts(p);
    for (size_t i = 0; i < nitems; i++)
      if (vg_policy_add_blackout(p, &bs[i]) != VG_OK)
        bad = 1;
  }
  free(bs);
  return bad ? VG_EINVAL : VG_OK;
}

/* FleetLockUrl turns coordination on with that server (the file's
 * fleet_lock settings, or their defaults, apply to the rest);
 * FleetLockGroup sets the group, one GPO per OU. */
static int override_fleet(vg_policy *p, const char *file, const char *name,
                          const char *value, vg_diags *d) {
  if (strcmp(name, "FleetLockUrl") == 0) {
    if (vg_http_url_ok(value) != VG_OK ||
        strlen(value) >= sizeof(p->fleet.url)) {
      vg_diags_add(d, file, 0, 0,
                   "'%.64s' is not an http:// or https:// URL with a host",
                   value);
      return VG_EINVAL;
    }
    snprintf(p->fleet.url, sizeof(p->fleet.url), "%s", value);
    p->fleet.enabled = true;
    vg_policy_set_origin(p, "fleet_lock.url", VG_ORIGIN_GPO);
    return VG_OK;
  }
  if (!vg_fleet_group_ok(value)) {
    vg_diags_add(d, file, 0, 0,
                 "'%.64s' is not a group name (^[a-zA-Z0-9.-]+$, at most 255 "
                 "characters)",
                 value);
    return VG_EINVAL;
  }
  snprintf(p->fleet.group, sizeof(p->fleet.group), "%s", value);
  vg_policy_set_origin(p, "fleet_lock.group", VG_ORIGIN_GPO);
  return VG_OK;
}

int vg_policy_override(vg_policy *p, const char *value_name,
                       const char *const *items, size_t nitems, vg_diags *d) {
  char file[256];
  int64_t v;
  int rc;
  snprintf(file, sizeof(file), GPO_KEY "%s", value_name ? value_name : "");
  for (size_t i = 0; i < nitems; i++)
    if (items[i] == NULL) {
      vg_diags_add(d, file, 0, 0, "item %llu is missing",
                   (unsigned long long)(i + 1));
      return VG_EINVAL;
    }

  if (value_name == NULL) {
    vg_diags_add(d, file, 0, 0, "no value name");
    return VG_EINVAL;
  } else if (strcmp(value_name, "Threshold") == 0) {
    if ((rc = one_item(file, nitems, d)) != VG_OK ||
        (rc = override_int(file, items[0], VG_THRESHOLD_MIN, VG_THRESHOLD_MAX,
                           &v, d)) != VG_OK)
      return rc;
    p->threshold = (int)v;
    vg_policy_set_origin(p, "threshold", VG_ORIGIN_GPO);
  } else if (strcmp(value_name, "DryRun") == 0) {
    bool on;
    if ((rc = one_item(file, nitems, d)) != VG_OK)
      return rc;
    if (vg_parse_bool(items[0], true, &on) != VG_OK) {
      vg_diags_add(d, file, 0, 0, "'%s' is not 0, 1, true or false", items[0]);
      return VG_EINVAL;
    }
    p->dry_run = on;
    vg_policy_set_origin(p, "dry_run", VG_ORIGIN_GPO);
  } else if (strcmp(value_name, "WarningSeconds") == 0) {
    if ((rc = one_item(file, nitems, d)) != VG_OK)
      return rc;
    if (vg_parse_duration(items[0], &v) != VG_OK) {
      vg_diags_add(d, file, 0, 0,
                   "'%s' is not a number of seconds (or a duration like 10m)",
                   items[0]);
      return VG_EINVAL;
    }
    if (v > VG_WARNING_MAX_S) {
      vg_diags_add(d, file, 0, 0, "%" PRId64 " is out of range (0..%lld)", v,
                   (long long)VG_WARNING_MAX_S);
      return VG_EINVAL;
    }
    p->reboot.warning_s = v;
    vg_policy_set_origin(p, "reboot.warning", VG_ORIGIN_GPO);
  } else if (strcmp(value_name, "RebootMessage") == 0) {
    if ((rc = one_item(file, nitems, d)) != VG_OK)
      return rc;
    size_t n = strlen(items[0]);
    if (n == 0 || n > VG_MESSAGE_MAX) {
      vg_diags_add(d, file, 0, 0, "the message must have 1 to %d bytes",
                   VG_MESSAGE_MAX);
      return VG_EINVAL;
    }
    snprintf(p->reboot.message, sizeof(p->reboot.message), "%s", items[0]);
    vg_policy_set_origin(p, "reboot.message", VG_ORIGIN_GPO);
  } else if (strcmp(value_name, "MaxRebootsPerWeek") == 0) {
    if ((rc = one_item(file, nitems, d)) != VG_OK ||
        (rc = override_int(file, items[0], VG_MAX_PER_WEEK_MIN,
                           VG_MAX_PER_WEEK_MAX, &v, d)) != VG_OK)
      return rc;
    p->reboot.max_per_week = (int)v;
    vg_policy_set_origin(p, "reboot.max_per_week", VG_ORIGIN_GPO);
  } else if (strcmp(value_name, "MaintenanceWindows") == 0) {
    if ((rc = override_windows(p, file, items, nitems, d)) != VG_OK)
      return rc;
    vg_policy_set_origin(p, "maintenance_windows", VG_ORIGIN_GPO);
  } else if (strcmp(value_name, "Blackouts") == 0) {
    if ((rc = override_blackouts(p, file, items, nitems, d)) != VG_OK)
      return rc;
    vg_policy_set_origin(p, "blackouts", VG_ORIGIN_GPO);
  } else if (strcmp(value_name, "FleetLockUrl") == 0 ||
             strcmp(value_name, "FleetLockGroup") == 0) {
    if ((rc = one_item(file, nitems, d)) != VG_OK)
      return rc;
    return override_fleet(p, file, value_name, items[0], d);
  } else if (strcmp(value_name, "AlertmanagerUrl") == 0) {
    if ((rc = one_item(file, nitems, d)) != VG_OK ||
        (rc = vg_gates_override_url(&p->gates, &p->notify, file, items[0],
                                    d)) != VG_OK)
      return rc;
  } else {
    vg_diags_add(d, file, 0, 0, "not a policy value this agent reads");
    return VG_EINVAL;
  }
  return VG_OK;
}
