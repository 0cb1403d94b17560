/*
 * vssguard reset: clears the reboot-loop guard in the state file after an
 * administrator has looked at why the reboots did not happen.
 */
#include "cli_int.h"
#include "vssguard/log.h"

static int cmd_reset(const struct cmd *c, int argc, char **argv) {
  struct opt o[] = {{"state", true, NULL, false}};
  size_t no = sizeof(o) / sizeof(o[0]);
  char *pos[1] = {NULL};
  int npos;
  char defs[1024];
  int rc;
  if (vg_cli_parse_cmd(c, argc, argv, o, no, pos, 0, &npos, &rc))
    return rc;
  const char *spath = vg_cli_opt(o, no, "state")->arg;
  if (spath == NULL)
    spath = vg_cli_default_path("state", defs, sizeof(defs));
  vg_state *s;
  rc = vg_cli_load_state(spath, &s);
  if (rc != 0)
    return rc;
  bool was = vg_state_locked(s);
  int attempts = vg_state_pending_attempts(s);
  vg_state_reset_guard(s);
  if (vg_state_save_cmd(s, spath) != 0) {
    fprintf(stderr, "vssguard: %s: cannot write the state\n", spath);
    vg_state_free(s);
    return VG_EXIT_FAIL;
  }
  vg_log_info(VG_EV_RESET,
              "reboot guard reset by an administrator (%s, %d unconfirmed "
              "attempts cleared)",
              was ? "was locked" : "was not locked", attempts);
  printf("%s: reboot guard reset (%s)\n", spath,
         was ? "it was locked" : "it was not locked");
  if (was)
    printf("A running agent takes the reset over at once when it reloads "
           "(send it SIGHUP, or on Windows run 'sc control VssGuard "
           "paramchange'), otherwise before it next saves its state.\n");
  vg_state_free(s);
  return VG_EXIT_OK;
}

const struct cmd vg_cli_cmd_reset = {
    "reset", cmd_reset, "[--state FILE]",
    "clear the reboot-loop guard after failed reboot attempts",
    "Clears the reboot-loop guard (set after repeated reboot attempts that\n"
    "did not lead to a boot) and saves the state.\n"};
