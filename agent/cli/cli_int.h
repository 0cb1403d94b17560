/*
 * What the command files under agent/cli/ share: the command descriptor
 * that each file exports (vg_cli_cmd_<name>), the option parser of
 * agent/cli/cli.c and the report helpers of agent/cli/report.c. Internal to
 * the CLI; the rest of the program sees only vssguard/cli.h.
 */
#ifndef VSSGUARD_CLI_INT_H
#define VSSGUARD_CLI_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "policy_load.h"
#include "vssguard/cli.h"
#include "vssguard/common.h"
#include "vssguard/json.h"
#include "vssguard/platform.h"
#include "vssguard/policy.h"
#include "vssguard/state.h"
#include "vssguard/zone.h"

/* One option of a command: fill name and has_arg; the parser sets the rest. */
struct opt {
  const char *name; /* long name without the dashes */
  bool has_arg;
  const char *arg; /* its value, or NULL */
  bool seen;
};

struct cmd;
typedef int (*cmd_fn)(const struct cmd *c, int argc, char **argv);

/* A subcommand: each agent/cli/<name>.c defines one, listed in cli.c. */
struct cmd {
  const char *name;
  cmd_fn fn;
  const char *args;    /* synopsis after the name */
  const char *summary; /* one line for --help */
  const char *help;    /* details for "help CMD" */
};

/* The commands, one per file; the table in cli.c lists them in order. */
extern const struct cmd vg_cli_cmd_check_policy;
extern const struct cmd vg_cli_cmd_windows;
extern const struct cmd vg_cli_cmd_plan;
extern const struct cmd vg_cli_cmd_replay;
extern const struct cmd vg_cli_cmd_status;
extern const struct cmd vg_cli_cmd_run;
extern const struct cmd vg_cli_cmd_reset;
extern const struct cmd vg_cli_cmd_help;
/* Fleet coordination (fleet_lock.c), and its part of plan and status
 * (fleet_report.c): a "fleet_lock" member (null without fleet_lock), and
 * text lines starting with label. p or s may be NULL. */
extern const struct cmd vg_cli_cmd_fleet_lock;
void vg_cli_json_fleet(struct vg_json *j, const vg_policy *p,
                       const vg_state *s);
void vg_cli_human_fleet(const char *label, const vg_policy *p,
                        const vg_state *s);
/* Administrators' commands (reboot.c, pause.c). */
extern const struct cmd vg_cli_cmd_reboot;
extern const struct cmd vg_cli_cmd_pause;
extern const struct cmd vg_cli_cmd_resume;
/* Shared by them: the hint to reload a running agent, and the check of a
 * --reason (one line, at most VG_STATE_REASON_MAX bytes; 0 or a usage
 * error's exit code). */
void vg_cli_reload_hint(void);
int vg_cli_check_reason(const char *cmd, const char *reason);

/*
 * Their read-modify-write of the state (admin_state.c), under the state's
 * lock. vg_cli_edit_begin takes the lock, waiting up to
 * VG_STATE_LOCK_WAIT_MS, and loads the state of spath (NULL: the default
 * file) into e->s; it returns VG_EXIT_OK, or an exit code after printing
 * why (nothing held then). vg_cli_edit_commit writes e->s and releases the
 * lock; it returns VG_EXIT_OK or VG_EXIT_FAIL after printing why.
 * vg_cli_edit_end releases whatever is still held; call it in every case
 * after a successful begin.
 */
struct vg_cli_edit {
  const char *path; /* the state file */
  vg_state *s;      /* as read under the lock, for the command to change */
  vg_plat_lock *lock;
  char defs[1024]; /* the default path, when spath is NULL */
};
int vg_cli_edit_begin(const char *cmd, const char *spath,
                      struct vg_cli_edit *e);
int vg_cli_edit_commit(struct vg_cli_edit *e);
void vg_cli_edit_end(struct vg_cli_edit *e);

/* ---- cli.c: the table and the option parser ---------------------------- */

/* Prints "vssguard: message (try ...)" on one line; returns VG_EXIT_USAGE.
 * cmd names the command for the hint, or NULL for the general help. */
int vg_cli_usage_error(const char *cmd, const char *fmt, ...) VG_PRINTF(2, 3);

/*
 * Parses argv[2..] (argv[1] is the subcommand) into opts and positional
 * arguments. Accepts "--name value", "--name=value" and "--" to end the
 * options. Returns 0, VG_EXIT_USAGE after printing a hint, or -1 when
 * --help was asked for.
 */
int vg_cli_parse_opts(const char *cmd, int argc, char **argv, struct opt *opts,
                      size_t nopts, char **pos, int maxpos, int *npos);

/*
 * Parses a command's options with vg_cli_parse_opts. Returns true when the
 * command is done: *code is then VG_EXIT_OK after --help (printed), or the
 * usage error's code.
 */
bool vg_cli_parse_cmd(const struct cmd *c, int argc, char **argv,
                      struct opt *opts, size_t nopts, char **pos, int maxpos,
                      int *npos, int *code);

/* The option called name; it must be in opts. */
struct opt *vg_cli_opt(struct opt *opts, size_t n, const char *name);

/* Parses a decimal number without sign. Returns 0 or VG_EINVAL. */
int vg_cli_parse_u64(const char *s, uint64_t *out);

/* Parses a --from or --until value: "now" or an RFC 3339-like time in zone
 * z. Returns 0, or VG_EXIT_USAGE after printing why. */
int vg_cli_parse_when(const char *cmd, const char *opt, const char *s,
                      const struct vg_zone *z, vg_wall_t *t);

/* The command called name, or NULL. */
const struct cmd *vg_cli_find_cmd(const char *name);

/* Prints the general help, or one command's help. */
void vg_cli_print_usage(FILE *f);
void vg_cli_print_cmd_help(const struct cmd *c, FILE *f);

/* ---- report.c: loading inputs and formatting reports ------------------- */

/* The default file name in vg_plat_default_dir, with its separator. */
const char *vg_cli_default_path(const char *name, char *buf, size_t len);

/* Load a policy or a state file and print every error. Return an exit code;
 * *out is NULL on failure. */
int vg_cli_load_policy(const char *path, vg_policy **out);
int vg_cli_load_state(const char *path, vg_state **out);

/* "Sun 2026-11-29 02:00 +01:00" (seconds shown only when not zero). */
void vg_cli_fmt_human(vg_wall_t t, const struct vg_zone *z, char *buf,
                      size_t len);

/* "2026-11-29 02:00" in zone z, for timeline columns. */
void vg_cli_fmt_short(vg_wall_t t, const struct vg_zone *z, char *buf,
                      size_t len);

/* "3h", "1h30m", "2d4h", "45s", "0s". */
void vg_cli_fmt_dur(int64_t s, char *buf, size_t len);

/* A time in JSON as RFC 3339 UTC, or null for 0. */
void vg_cli_json_time_or_null(struct vg_json *j, vg_wall_t t);

/* A time in JSON as RFC 3339 in zone z. */
void vg_cli_json_local(struct vg_json *j, vg_wall_t t, const struct vg_zone *z);

/* Ends a JSON document on stdout. Returns an exit code. */
int vg_cli_json_finish(struct vg_json *j);

/* Starts a JSON object on stdout: initialises j and opens the top object. */
void vg_cli_json_start(struct vg_json *j);

/* One row of "which setting came from where". */
struct setting {
  const char *key;
  char value[600];
  bool is_num;
  long long num;
};

/* Fills s with the policy's settings in a fixed order; returns how many. */
size_t vg_cli_collect_settings(const vg_policy *p, struct setting *s,
                               size_t max);

#endif
