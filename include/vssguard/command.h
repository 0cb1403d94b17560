/*
 * Runs a configured program (the veto command of the gates, the pre-reboot
 * and post-boot hooks) on the libuv loop: no shell and no PATH search
 * (uv_spawn with the absolute path of the policy), standard input closed,
 * output inherited, a timeout after which the program is killed. The
 * environment is the agent's, without any VSSGUARD_* variable, plus
 * VSSGUARD_COUNT, VSSGUARD_THRESHOLD, VSSGUARD_SLOT_END (RFC 3339 UTC, empty
 * when none), VSSGUARD_DRY_RUN (0 or 1) and VSSGUARD_GROUP (only when set).
 */
#ifndef VSSGUARD_COMMAND_H
#define VSSGUARD_COMMAND_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "vssguard/common.h"
#include "vssguard/policy_gates.h"

/* Exit status of a program asking to postpone (sysexits.h EX_TEMPFAIL). */
#define VG_CMD_EXIT_POSTPONE 75

struct vg_cmd_env {
  int count;
  int threshold;
  vg_wall_t slot_end; /* 0 = none */
  bool dry_run;
  const char *group; /* fleet_lock group, or NULL */
};

enum vg_cmd_outcome {
  VG_CMD_EXITED,   /* exit_status holds its exit status */
  VG_CMD_SIGNALED, /* killed by signal term_signal (not by us) */
  VG_CMD_TIMEOUT,  /* ran past its timeout and was killed */
  VG_CMD_FAILED    /* could not be started: err says why */
};

struct vg_cmd_result {
  enum vg_cmd_outcome outcome;
  int64_t exit_status;
  int term_signal;
  int err;            /* libuv error of a failed start */
  double elapsed_s;   /* from start to exit */
  char describe[160]; /* "exit status 75", "killed after 60 s timeout" */
};

typedef void (*vg_cmd_cb)(void *ud, const struct vg_cmd_result *r);

/*
 * Starts cmd on loop. The callback runs on the loop thread exactly once,
 * also when the program cannot be started (outcome VG_CMD_FAILED). Returns
 * 0, or VG_EINVAL (cmd not set) / VG_ENOMEM; then cb is never called.
 */
int vg_cmd_run(uv_loop_t *loop, const struct vg_command *cmd,
               const struct vg_cmd_env *env, vg_cmd_cb cb, void *ud);

typedef struct vg_cmd_proc vg_cmd_proc;

/* As vg_cmd_run; *out is the running program until its callback runs. */
int vg_cmd_start(uv_loop_t *loop, const struct vg_command *cmd,
                 const struct vg_cmd_env *env, vg_cmd_cb cb, void *ud,
                 vg_cmd_proc **out);

/* Kills a running program (the agent stops); its callback still runs, with
 * outcome VG_CMD_TIMEOUT. */
void vg_cmd_kill(vg_cmd_proc *p);

#endif
