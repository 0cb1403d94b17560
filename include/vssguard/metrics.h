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
};

/* Formats the metrics in the Prometheus text format into a malloc'd string. */
char *vg_metrics_format(const struct vg_metrics *m);

/* Writes them atomically to path (temp file, flush, replace). */
int vg_metrics_write(const char *path, const struct vg_metrics *m);

#endif
