/*
 * The policy's gates, hooks and notifications: what may hold a due reboot
 * back (interactive sessions, running processes, firing Alertmanager alerts,
 * a veto command), the commands run before the reboot and after the boot,
 * and where the agent tells people. Parsed from the policy's `gates:`,
 * `hooks:` and `notify:` keys (docs/policy.md); read through
 * vg_policy_gates(), vg_policy_hooks() and vg_policy_notify().
 */
#ifndef VSSGUARD_POLICY_GATES_H
#define VSSGUARD_POLICY_GATES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vssguard/common.h"

#define VG_CMD_PATH_MAX 1023 /* a command's path */
#define VG_CMD_MAX_ARGS 16   /* arguments after the path */
#define VG_CMD_ARG_MAX 255   /* bytes of one argument */
#define VG_CMD_TIMEOUT_MAX_S 3600
#define VG_GATE_MAX_PROCESSES 64
#define VG_PROCESS_NAME_MAX 127
#define VG_URL_MAX 1023
#define VG_FILTER_MAX 255
#define VG_NOTIFY_MAX_LABELS 16
#define VG_LABEL_NAME_MAX 63
#define VG_LABEL_VALUE_MAX 255
#define VG_SESSIONS_WAIT_MAX_S 86400
#define VG_SILENCE_MAX_S 86400

#define VG_GATE_COMMAND_TIMEOUT_DEFAULT_S 60
#define VG_HOOK_TIMEOUT_DEFAULT_S 300
#define VG_SESSIONS_WAIT_DEFAULT_S 1800
#define VG_SILENCE_DEFAULT_S 1800
#define VG_GATES_RETRY_DEFAULT_S 60
#define VG_GATES_RETRY_MAX_S 3600

/* A program run without a shell, with a timeout. */
struct vg_command {
  bool set; /* configured */
  char path[VG_CMD_PATH_MAX + 1];
  size_t nargs;
  char args[VG_CMD_MAX_ARGS][VG_CMD_ARG_MAX + 1];
  int64_t timeout_s;
};

/* Alertmanager as a gate: firing alerts (silences respected) block. */
struct vg_am_gate {
  bool set;
  char url[VG_URL_MAX + 1];       /* base URL, e.g. http://am:9093/ */
  char filter[VG_FILTER_MAX + 1]; /* alert_filter_regexp, "" = none */
  bool match_only;     /* [false] only names matching the filter block */
  bool firing_only;    /* [true] only alerts in state "active" block */
  bool block_on_error; /* [true] on_error: block (false = allow) */
};

struct vg_gates {
  bool sessions;           /* interactive_sessions configured */
  int64_t sessions_wait_s; /* [30m] postpone at most this long */
  size_t nprocesses;
  char processes[VG_GATE_MAX_PROCESSES][VG_PROCESS_NAME_MAX + 1];
  struct vg_am_gate alertmanager;
  struct vg_command command; /* the veto command */
  int64_t retry_s;           /* [1m] ask again after a postponement */
};

struct vg_hooks {
  struct vg_command pre_reboot; /* last step before the shutdown call */
  struct vg_command post_boot;  /* after the confirmed boot (event 1011) */
};

struct vg_notify {
  bool set; /* notify.alertmanager configured */
  char url[VG_URL_MAX + 1];
  size_t nlabels;
  char label_names[VG_NOTIFY_MAX_LABELS][VG_LABEL_NAME_MAX + 1];
  char label_values[VG_NOTIFY_MAX_LABELS][VG_LABEL_VALUE_MAX + 1];
  int64_t silence_s; /* [30m] silence for instance=<host>; 0 = none */
};

typedef struct vg_policy vg_policy;

const struct vg_gates *vg_policy_gates(const vg_policy *p);
const struct vg_hooks *vg_policy_hooks(const vg_policy *p);
const struct vg_notify *vg_policy_notify(const vg_policy *p);
struct vg_gates *vg_policy_gates_mut(vg_policy *p);
struct vg_hooks *vg_policy_hooks_mut(vg_policy *p);
struct vg_notify *vg_policy_notify_mut(vg_policy *p);

/* Sets the defaults of all three (nothing configured). */
void vg_gates_defaults(struct vg_gates *g, struct vg_hooks *h,
                       struct vg_notify *n);

/*
 * Checks an absolute command path: "/..." or "C:\..." ("C:/...") or a UNC
 * path "\\server\...". Returns 0 or VG_EINVAL.
 */
int vg_command_path_ok(const char *path);

/* Checks a label name: [a-zA-Z_][a-zA-Z0-9_]*. Returns 0 or VG_EINVAL. */
int vg_label_name_ok(const char *name);

/*
 * The Group Policy value AlertmanagerUrl: replaces the URL of the
 * Alertmanager gate and of the notifications that the policy configures;
 * when it configures neither, turns on notifications (with no labels and
 * the default silence) and no gate. Errors go to d naming the value.
 * Returns 0 or VG_EINVAL.
 */
int vg_gates_override_url(struct vg_gates *g, struct vg_notify *n,
                          const char *file, const char *url, vg_diags *d);

/* "gates: sessions 30m, 2 processes, alertmanager, command" or "" */
void vg_gates_summary(const struct vg_gates *g, const struct vg_hooks *h,
                      const struct vg_notify *n, char *buf, size_t len);

#endif
