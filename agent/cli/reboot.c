/*
 * vssguard reboot --next-slot: asks for a reboot at the next allowed slot,
 * whatever the count, through every guard (windows, blackouts, a running
 * backup, minimum uptime, reboots per week, the reboot-loop guard). The
 * request is recorded in the state file and holds until the server boots;
 * a running agent takes it over when it reloads.
 */
#include <string.h>

#include "cli_int.h"
#include "vssguard/log.h"

/* The hint every administrators' command prints after writing the state. */
void vg_cli_reload_hint(void) {
  printf("A running agent takes it over at once when it reloads (send it "
         "SIGHUP, or on Windows run 'sc control VssGuard paramchange'), "
         "otherwise before it next saves its state or reboots.\n");
}

/* Checks a --reason: at most VG_STATE_REASON_MAX bytes, one line. */
int vg_cli_check_reason(const char *cmd, const char *reason) {
  if (reason == NULL)
    return 0;
  if (strlen(reason) > VG_STATE_REASON_MAX)
    return vg_cli_usage_error(cmd, "--reason is longer than %d bytes",
                              VG_STATE_REASON_MAX);
  if (strpbrk(reason, "\r\n") != NULL)
    return vg_cli_usage_error(cmd, "--reason must be one line");
  return 0;
}

static int cmd_reboot(const struct cmd *c, int argc, char **argv) {
  struct opt o[] = {{"next-slot", false, NULL, false},
                    {"reason", true, NULL, false},
                    {"state", true, NULL, false}};
  size_t no = sizeof(o) / sizeof(o[0]);
  char *pos[1] = {NULL};
  int npos, rc;
  if (vg_cli_parse_cmd(c, argc, argv, o, no, pos, 0, &npos, &rc))
    return rc;
  if (!vg_cli_opt(o, no, "next-slot")->seen)
    return vg_cli_usage_error(c->name,
                              "reboot needs --next-slot (the agent never "
                              "reboots outside an allowed slot)");
  const char *reason = vg_cli_opt(o, no, "reason")->arg;
  if ((rc = vg_cli_check_reason(c->name, reason)) != 0)
    return rc;
  struct vg_cli_edit e;
  if ((rc = vg_cli_edit_begin(c->name, vg_cli_opt(o, no, "state")->arg, &e)) !=
      0)
    return rc;
  struct vg_admin ad;
  vg_state_admin(e.s, &ad);
  ad.requested = true;
  ad.requested_at = vg_plat_now();
  snprintf(ad.request_reason, sizeof(ad.request_reason), "%s",
           reason ? reason : "");
  vg_state_set_admin(e.s, &ad);
  if ((rc = vg_cli_edit_commit(&e)) != 0) {
    vg_cli_edit_end(&e);
    return rc;
  }
  vg_log_info(VG_EV_REBOOT_REQUESTED,
              "reboot at the next allowed slot requested by an "
              "administrator%s%s",
              reason ? ": " : "", reason ? reason : "");
  printf("%s: reboot requested at the next allowed slot (until the server "
         "boots)%s%s\n",
         e.path, reason ? ": " : "", reason ? reason : "");
  if (vg_state_paused(e.s, ad.requested_at))
    printf("Reboots are paused: the request waits for the end of the pause "
           "('vssguard resume' ends it now).\n");
  vg_cli_reload_hint();
  vg_cli_edit_end(&e);
  return VG_EXIT_OK;
}

const struct cmd vg_cli_cmd_reboot = {
    "reboot", cmd_reboot, "--next-slot [--reason TEXT] [--state FILE]",
    "reboot at the next allowed slot, whatever the count",
    "Records in the state a request to reboot at the next allowed slot,\n"
    "whatever the count: inside a maintenance window, outside every "
    "blackout,\n"
    "with every check at the slot (a running backup, min_uptime,\n"
    "max_per_week, the reboot-loop guard, a pause). The request holds until\n"
    "the server boots. A running agent takes it over when it reloads "
    "(SIGHUP,\n"
    "or 'sc control VssGuard paramchange'), otherwise before it next saves\n"
    "its state. 'vssguard plan --state FILE'\n"
    "shows the slot.\n"};
