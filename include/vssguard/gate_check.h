/*
 * The gates at the due moment (policy gates:): interactive sessions and
 * processes (the platform probes), the veto command (vssguard/command.h)
 * and Alertmanager's firing alerts (vssguard/alertmanager.h over
 * vg_http_request). One check runs them in that order on the loop and
 * answers once: allow, or postpone with the reason of each gate that
 * blocks. In dry run every gate runs (a rehearsal); otherwise the first
 * gate that blocks ends the check.
 */
#ifndef VSSGUARD_GATE_CHECK_H
#define VSSGUARD_GATE_CHECK_H

#include <stdbool.h>

#include <uv.h>

#include "vssguard/command.h"
#include "vssguard/common.h"
#include "vssguard/policy.h"

struct vg_gate_input {
  uv_loop_t *loop;
  const vg_policy *policy; /* its gates are copied at the start */
  const char *instance;    /* this machine's DNS name */
  struct vg_cmd_env env;   /* for the veto command */
  vg_wall_t now;
  vg_wall_t slot_start; /* the slot being tried (sessions wait per slot) */
  bool dry_run;
};

struct vg_gate_result {
  bool allow;
  char why[1024]; /* "processes: robocopy.exe is running; alertmanager: ..." */
};

typedef void (*vg_gate_cb)(void *ud, const struct vg_gate_result *r);

typedef struct vg_gate_check vg_gate_check;

/* True when the policy configures any gate. */
bool vg_gates_configured(const vg_policy *p);

vg_gate_check *vg_gate_check_new(void);
/* Frees an idle check (no run in progress). */
void vg_gate_check_free(vg_gate_check *g);
bool vg_gate_check_busy(const vg_gate_check *g);

/*
 * Runs the gates. The callback runs exactly once on the loop thread (maybe
 * before this returns, when no gate needs to wait). Returns 0, or VG_EBUSY
 * when a check is already running.
 */
int vg_gate_check_run(vg_gate_check *g, const struct vg_gate_input *in,
                      vg_gate_cb cb, void *ud);

/* Kills a running veto command (the agent stops); the callback still runs. */
void vg_gate_check_cancel(vg_gate_check *g);

#endif
