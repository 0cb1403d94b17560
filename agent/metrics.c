/*
 * The Prometheus text file for the windows_exporter (or node_exporter)
 * textfile collector: every gauge and counter with its HELP and TYPE lines,
 * written atomically so the collector never reads half a file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vssguard/metrics.h"
#include "vssguard/platform.h"

struct metric {
  const char *name;
  const char *type;
  const char *help;
};

/* Appends one metric with its HELP and TYPE lines to buf at *used. */
static int add(char *buf, size_t cap, size_t *used, const struct metric *m,
               long long value) {
  int n = snprintf(buf + *used, cap - *used,
                   "# HELP %s %s\n# TYPE %s %s\n%s %lld\n", m->name, m->help,
                   m->name, m->type, m->name, value);
  if (n < 0 || (size_t)n >= cap - *used)
    return VG_ENOMEM;
  *used += (size_t)n;
  return 0;
}

/* The fleet_lock metrics; the buffer grows for them. */
static int add_fleet(char **buf, size_t *cap, size_t *used,
                     const struct vg_metrics_fleet *f) {
  static const struct metric held = {
      "vssguard_fleet_lock_held", "gauge",
      "1 while this machine holds a FleetLock slot of its group."};
  static const struct metric waiting = {
      "vssguard_fleet_lock_waiting_seconds", "gauge",
      "How long the due reboot has waited for a FleetLock slot (0 = not "
      "waiting)."};
  size_t need = *used + 1024 + f->nkinds * 128;
  if (need > *cap) {
    char *b = realloc(*buf, need);
    if (b == NULL)
      return VG_ENOMEM;
    *buf = b;
    *cap = need;
  }
  if (add(*buf, *cap, used, &held, f->held ? 1 : 0) != 0 ||
      add(*buf, *cap, used, &waiting, (long long)f->waiting_s) != 0)
    return VG_ENOMEM;
  int n = snprintf(*buf + *used, *cap - *used,
                   "# HELP vssguard_fleet_lock_errors_total FleetLock "
                   "requests that failed, by kind (the server's error kind, "
                   "or timeout, network).\n"
                   "# TYPE vssguard_fleet_lock_errors_total counter\n");
  if (n < 0 || (size_t)n >= *cap - *used)
    return VG_ENOMEM;
  *used += (size_t)n;
  for (size_t i = 0; i < f->nkinds && i < VG_METRICS_FLEET_KINDS; i++) {
    n = snprintf(*buf + *used, *cap - *used,
                 "vssguard_fleet_lock_errors_total{kind=\"%s\"} %llu\n",
                 f->errors[i].kind, (unsigned long long)f->errors[i].count);
    if (n < 0 || (size_t)n >= *cap - *used)
      return VG_ENOMEM;
    *used += (size_t)n;
  }
  return 0;
}

char *vg_metrics_format(const struct vg_metrics *m) {
  static const struct metric defs[] = {
      {"vssguard_active_sessions_estimated", "gauge",
       "Estimated active VSS writer sessions (backup runs since boot, or the "
       "last VSS 12289 count)."},
      {"vssguard_threshold", "gauge",
       "Policy threshold: a reboot is scheduled once the estimate reaches it."},
      {"vssguard_hard_limit", "gauge",
       "Maximum active VSS writer sessions the operating system supports."},
      {"vssguard_runs_since_boot", "gauge",
       "Backup runs counted since the last boot."},
      {"vssguard_last_run_timestamp_seconds", "gauge",
       "Start time of the last counted backup run (Unix seconds, 0 = none)."},
      {"vssguard_next_reboot_timestamp_seconds", "gauge",
       "Scheduled reboot time (Unix seconds, 0 = none scheduled)."},
      {"vssguard_reboots_initiated_total", "counter",
       "Reboots initiated by the agent."},
      {"vssguard_policy_errors_total", "counter",
       "Failed policy loads and reloads since the agent started."},
      {"vssguard_reboot_locked", "gauge",
       "1 when reboots are locked after repeated attempts without a boot "
       "(needs vssguard reset)."},
      {"vssguard_policy_invalid", "gauge",
       "1 when the last load of the policy file failed (the agent keeps its "
       "last good policy)."},
      {"vssguard_policy_insecure", "gauge",
       "1 when the policy file is writable by non-administrators (no reboot is "
       "scheduled from it)."},
      {"vssguard_paused", "gauge",
       "1 while an administrator's pause (vssguard pause) holds reboots."},
      {"vssguard_remediation_verified_timestamp_seconds", "gauge",
       "End of the first backup run without VSS 12289 after a confirmed "
       "reboot (Unix seconds, 0 = not verified since the last reboot)."},
  };
  const long long values[] = {
      m->active_sessions,
      m->threshold,
      VG_HARD_LIMIT,
      m->runs_since_boot,
      (long long)m->last_run,
      (long long)m->next_reboot,
      (long long)m->reboots_initiated,
      (long long)m->policy_errors,
      m->locked ? 1 : 0,
      m->policy_invalid ? 1 : 0,
      m->policy_insecure ? 1 : 0,
      m->paused ? 1 : 0,
      (long long)m->remediation_verified,
  };
  size_t cap = 4096, used = 0;
  char *buf = malloc(cap);
  if (buf == NULL)
    return NULL;
  buf[0] = '\0';
  for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++) {
    if (add(buf, cap, &used, &defs[i], values[i]) != 0) {
      free(buf);
      return NULL;
    }
  }
  if (m->fleet.enabled && add_fleet(&buf, &cap, &used, &m->fleet) != 0) {
    free(buf);
    return NULL;
  }
  return buf;
}

int vg_metrics_write(const char *path, const struct vg_metrics *m) {
  char tmp[4096];
  int rc = 0;
  if (path == NULL || *path == '\0')
    return VG_EINVAL;
  if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
    return VG_EINVAL;
  char *text = vg_metrics_format(m);
  if (text == NULL)
    return VG_ENOMEM;
  FILE *f = vg_plat_fopen(tmp, "wb");
  if (f == NULL) {
    free(text);
    return VG_EIO;
  }
  size_t n = strlen(text);
  if (fwrite(text, 1, n, f) != n || fflush(f) != 0 || vg_plat_fsync(f) != 0)
    rc = VG_EIO;
  if (fclose(f) != 0)
    rc = VG_EIO;
  free(text);
  if (rc == 0)
    rc = vg_plat_replace_file(tmp, path) == 0 ? 0 : VG_EIO;
  if (rc != 0)
    vg_plat_remove(tmp);
  return rc;
}
