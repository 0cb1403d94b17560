/*
 * What the CLI's reports share: loading the policy and state files with
 * their errors explained, time and duration formatting in the policy's
 * zone, JSON helpers, and the table of settings with their origin.
 */
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"

/* ---- Paths, loading ---------------------------------------------------- */

const char *vg_cli_default_path(const char *name, char *buf, size_t len) {
  const char *dir = vg_plat_default_dir();
  char sep = strchr(dir, '\\') ? '\\' : '/';
  snprintf(buf, len, "%s%c%s", dir, sep, name);
  return buf;
}

int vg_cli_load_policy(const char *path, vg_policy **out) {
  vg_diags d = {0};
  int rc = vg_policy_load_effective(path, out, &d);
  if (rc != 0) {
    char line[1024];
    for (size_t i = 0; i < d.n; i++) {
      vg_diag_format(&d.items[i], line, sizeof(line));
      fprintf(stderr, "%s\n", line);
    }
    if (d.n == 0)
      fprintf(stderr, "%s: %s\n", path, vg_strerror(rc));
    vg_diags_free(&d);
    *out = NULL;
    return rc == VG_ENOMEM ? VG_EXIT_FAIL : VG_EXIT_INPUT;
  }
  vg_diags_free(&d);
  return VG_EXIT_OK;
}

int vg_cli_load_state(const char *path, vg_state **out) {
  char err[512] = "";
  int rc = vg_state_load(path, out, err, sizeof(err));
  if (rc == 0)
    return VG_EXIT_OK;
  *out = NULL;
  if (rc == VG_ENOENT)
    fprintf(stderr, "%s: no such state file (the agent has not run yet?)\n",
            path);
  else if (err[0] != '\0')
    fprintf(stderr, "%s\n", err);
  else
    fprintf(stderr, "%s: %s\n", path, vg_strerror(rc));
  return rc == VG_ENOMEM ? VG_EXIT_FAIL : VG_EXIT_INPUT;
}

/* ---- Formatting --------------------------------------------------------- */

static const char *const wday_names[7] = {"Sun", "Mon", "Tue", "Wed",
                                          "Thu", "Fri", "Sat"};

void vg_cli_fmt_human(vg_wall_t t, const struct vg_zone *z, char *buf,
                      size_t len) {
  struct vg_civil c;
  int32_t off;
  if (vg_zone_to_civil(z, t, &c) != 0 || vg_zone_offset(z, t, &off) != 0) {
    vg_time_format(t, NULL, buf, len);
    return;
  }
  char sec[8] = "";
  if (c.sec != 0)
    snprintf(sec, sizeof(sec), ":%02d", c.sec);
  int a = off < 0 ? -off : off;
  snprintf(buf, len, "%s %04d-%02d-%02d %02d:%02d%s %c%02d:%02d",
           wday_names[c.wday % 7], c.year, c.mon, c.mday, c.hour, c.min, sec,
           off < 0 ? '-' : '+', a / 3600, (a / 60) % 60);
}

void vg_cli_fmt_short(vg_wall_t t, const struct vg_zone *z, char *buf,
                      size_t len) {
  struct vg_civil c;
  if (vg_zone_to_civil(z, t, &c) != 0) {
    vg_time_format(t, NULL, buf, len);
    return;
  }
  snprintf(buf, len, "%04d-%02d-%02d %02d:%02d", c.year, c.mon, c.mday, c.hour,
           c.min);
}

void vg_cli_fmt_dur(int64_t s, char *buf, size_t len) {
  size_t used = 0;
  bool neg = s < 0;
  if (neg)
    s = -s;
  buf[0] = '\0';
  if (s == 0) {
    snprintf(buf, len, "0s");
    return;
  }
  static const struct {
    int64_t unit;
    char c;
  } parts[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
  if (neg)
    used += (size_t)snprintf(buf, len, "-");
  for (size_t i = 0; i < 4 && used < len; i++) {
    if (s >= parts[i].unit) {
      used += (size_t)snprintf(buf + used, len - used, "%lld%c",
                               (long long)(s / parts[i].unit), parts[i].c);
      s %= parts[i].unit;
    }
  }
}

/* ---- JSON ---------------------------------------------------------------- */

void vg_cli_json_time_or_null(struct vg_json *j, vg_wall_t t) {
  if (t == 0)
    vg_json_null(j);
  else
    vg_json_time(j, t);
}

void vg_cli_json_local(struct vg_json *j, vg_wall_t t,
                       const struct vg_zone *z) {
  char b[64];
  vg_time_format(t, z, b, sizeof(b));
  vg_json_string(j, b);
}

void vg_cli_json_start(struct vg_json *j) {
  vg_json_init(j, stdout);
  vg_json_begin_object(j);
}

int vg_cli_json_finish(struct vg_json *j) {
  fputc('\n', stdout);
  if (fflush(stdout) != 0 || vg_json_error(j) != 0) {
    fprintf(stderr, "vssguard: writing the output failed\n");
    return VG_EXIT_FAIL;
  }
  return VG_EXIT_OK;
}

/* ---- Settings ------------------------------------------------------------ */

size_t vg_cli_collect_settings(const vg_policy *p, struct setting *s,
                               size_t max) {
  const struct vg_reboot_cfg *rb = vg_policy_reboot(p);
  size_t n = 0;
#define NUM(k, v)                                                              \
  do {                                                                         \
    if (n < max) {                                                             \
      s[n].key = (k);                                                          \
      s[n].is_num = true;                                                      \
      s[n].num = (long long)(v);                                               \
      snprintf(s[n].value, sizeof(s[n].value), "%lld", s[n].num);              \
      n++;                                                                     \
    }                                                                          \
  } while (0)
#define STR(k, ...)                                                            \
  do {                                                                         \
    if (n < max) {                                                             \
      s[n].key = (k);                                                          \
      s[n].is_num = false;                                                     \
      snprintf(s[n].value, sizeof(s[n].value), __VA_ARGS__);                   \
      n++;                                                                     \
    }                                                                          \
  } while (0)
  char b[64];
  NUM("threshold", vg_policy_threshold(p));
  vg_zone_format(vg_policy_zone(p), b, sizeof(b));
  STR("timezone", "%s", b);
  STR("count_failed_backups", "%s",
      vg_policy_count_failed(p) ? "true" : "false");
  STR("maintenance_windows", "%zu windows", vg_policy_window_count(p));
  STR("blackouts", "%zu blackouts", vg_policy_blackout_count(p));
  STR("dry_run", "%s", vg_policy_dry_run(p) ? "true" : "false");
  STR("metrics_file", "%s",
      vg_policy_metrics_file(p) ? vg_policy_metrics_file(p) : "off");
  vg_cli_fmt_dur(rb->warning_s, b, sizeof(b));
  STR("reboot.warning", "%s", b);
  STR("reboot.message", "%s", rb->message);
  STR("reboot.force_close_apps", "%s", rb->force_close_apps ? "true" : "false");
  STR("reboot.reason", "0x%08lx", (unsigned long)rb->reason);
  vg_cli_fmt_dur(rb->splay_s, b, sizeof(b));
  STR("reboot.splay", "%s", b);
  vg_cli_fmt_dur(rb->min_time_left_s, b, sizeof(b));
  STR("reboot.min_time_left", "%s", b);
  vg_cli_fmt_dur(rb->min_uptime_s, b, sizeof(b));
  STR("reboot.min_uptime", "%s", b);
  NUM("reboot.max_per_week", rb->max_per_week);
  STR("reboot.wait_for_backup", "%s", rb->wait_for_backup ? "true" : "false");
#undef NUM
#undef STR
  return n;
}
