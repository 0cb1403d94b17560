/*
 * Alertmanager (API v2) for the gate and the notifications: this module
 * only builds URLs and request bodies and interprets answers, so it is
 * tested without sockets; requests go out through vg_http_request.
 *
 * Gate: GET <base>api/v2/alerts?active=true&silenced=false&inhibited=false
 * (silenced and inhibited alerts never block). Filter semantics as kured's:
 * names matching alert_filter_regexp are ignored, or with match_only only
 * matching names block; with firing_only only alerts in state "active"
 * block. The agent's own notifications (VssGuard* with instance=<host>)
 * never block its reboot.
 */
#ifndef VSSGUARD_ALERTMANAGER_H
#define VSSGUARD_ALERTMANAGER_H

#include <stdbool.h>
#include <stddef.h>

#include "vssguard/common.h"
#include "vssguard/policy_gates.h"
#include "vssguard/regex.h"

#define VG_AM_ALERTS_QUERY                                                     \
  "api/v2/alerts?active=true&silenced=false&inhibited=false"

/* The alerts the agent pushes. */
#define VG_AM_SCHEDULED "VssGuardRebootScheduled"
#define VG_AM_BLOCKED "VssGuardRebootBlocked"
#define VG_AM_INITIATED "VssGuardRebootInitiated"
#define VG_AM_REMEDIATED "VssGuardRemediated"
#define VG_AM_LOCKED "VssGuardLocked"

/*
 * Joins base (with or without a trailing '/') and path into out. Returns 0
 * or VG_ERANGE when out is too small.
 */
int vg_am_url(const char *base, const char *path, char *out, size_t len);

struct vg_am_verdict {
  int blocking;    /* alerts that block */
  int ignored;     /* alerts left out by the filter, state or ownership */
  char names[512]; /* "NodeDown, DiskFull" (distinct, truncated with ...) */
};

/*
 * Reads the alert list of the gate's GET. instance is this machine's name
 * (the agent's own alerts are ignored). Returns 0, or VG_ECORRUPT when the
 * body is not a JSON array of alerts.
 */
int vg_am_check_alerts(const char *body, size_t len, const struct vg_am_gate *g,
                       const vg_regex *filter, const char *instance,
                       struct vg_am_verdict *v);

/*
 * The body of POST api/v2/alerts: one alert named name with labels
 * alertname, instance and the configured ones, annotations summary and
 * description, startsAt and (when ends != 0) endsAt. malloc'd, NULL when
 * out of memory.
 */
char *vg_am_alert_body(const char *name, const char *instance,
                       const struct vg_notify *n, const char *summary,
                       const char *description, vg_wall_t starts,
                       vg_wall_t ends);

/* The body of POST api/v2/silences: instance=<instance> and alertname
 * !~ VssGuard.* (the agent's own alerts stay visible), from starts to ends. */
char *vg_am_silence_body(const char *instance, vg_wall_t starts, vg_wall_t ends,
                         const char *comment);

/*
 * Reads {"silenceID":"..."} into id (letters, digits and '-' only). Returns 0
 * or VG_ECORRUPT.
 */
int vg_am_silence_id(const char *body, size_t len, char *id, size_t idlen);

#endif
