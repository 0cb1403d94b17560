/*
 * The Prometheus text file for the windows_exporter textfile collector
 * (or node_exporter's): one atomic write of every gauge after each change.
 */
#ifndef VSSGUARD_METRICS_H
#define VSSGUARD_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vssguard/common.h"

/* Fleet coordination (fleet_lock): written only when enabled. */
#define VG_METRICS_FLEET_KINDS 8
struct vg_metrics_fleet {
  bool enabled;
  bool held;         /* this machine holds a slot */
  int64_t waiting_s; /* how long it has waited for a slot, 0 = not */
  size_t nkinds;     /* lock errors by kind since start */
  struct {
    char kind[64];
    uint64_t count;
  } errors[VG_METRICS_FLEET_KINDS];
};

struct vg_metrics {
  int active_sessions; /* estimated count */
  int threshold;
  int runs_since_boot;
  vg_wall_t last_run;    /* 0 = none */
  vg_wall_t next_reboot; /* 0 = none scheduled */
  uint64_t reboots_initiated;
  uint64_t policy_errors; /* failed loads/reloads since start */
  bool locked;
  bool policy_invalid;  /* the last load of the policy file failed */
  bool policy_insecure; /* the policy file is writable by non-admins */
  struct vg_metrics_fleet fleet;
  bool paused;                    /* vssguard pause is in force */
  vg_wall_t remediation_verified; /* first clean backup after a boot, 0 = no */
};

/* Formats the metrics in the Prometheus text format into a malloc'd string. */
char *vg_metrics_format(const struct vg_metrics *m);

/* Writes them atomically to path (temp file, flush, replace). */
int vg_metrics_write(const char *path, const struct vg_metrics *m);

#endif
