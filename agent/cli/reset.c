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
  int npos, rc;
  if (vg_cli_parse_cmd(c, argc, argv, o, no, pos, 0, &npos, &rc))
    return rc;
  struct vg_cli_edit e;
  if ((rc = vg_cli_edit_begin(c->name, vg_cli_opt(o, no, "state")->arg, &e)) !=
      0)
    return rc;
  bool was = vg_state_locked(e.s);
  int attempts = vg_state_pending_attempts(e.s);
  vg_state_reset_guard(e.s);
  if ((rc = vg_cli_edit_commit(&e)) != 0) {
    vg_cli_edit_end(&e);
    return rc;
  }
  vg_log_info(VG_EV_RESET,
              "reboot guard reset by an administrator (%s, %d unconfirmed "
              "attempts cleared)",
              was ? "was locked" : "was not locked", attempts);
  printf("%s: reboot guard reset (%s)\n", e.path,
         was ? "it was locked" : "it was not locked");
  if (was)
    printf("A running agent takes the reset over at once when it reloads "
           "(send it SIGHUP, or on Windows run 'sc control VssGuard "
           "paramchange'), otherwise before it next saves its state.\n");
  vg_cli_edit_end(&e);
  return VG_EXIT_OK;
}

const struct cmd vg_cli_cmd_reset = {
    "reset", cmd_reset, "[--state FILE]",
    "clear the reboot-loop guard after failed reboot attempts",
    "Clears the reboot-loop guard (set after repeated reboot attempts that\n"
    "did not lead to a boot) and saves the state.\n"};
