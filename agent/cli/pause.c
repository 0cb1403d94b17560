/*
 * vssguard pause --until TIME and vssguard resume: no reboot on this server
 * until then (a change freeze the policy does not know about), and its end.
 * Recorded in the state file; a running agent takes it over when it
 * reloads. A pause longer than 30 days needs --force.
 */
#include <string.h>

#include "cli_int.h"
#include "vssguard/log.h"

#define PAUSE_MAX_S (30 * 86400LL)

/*
 * The end of the pause: "+DURATION" from now ("+3d", "+12h"), or a time as
 * --from takes it (local time of this server without a zone).
 */
static int pause_until(const char *cmd, const char *s, vg_wall_t now,
                       vg_wall_t *out) {
  struct vg_zone local;
  memset(&local, 0, sizeof(local));
  local.kind = VG_ZONE_LOCAL;
  if (s[0] == '+') {
    int64_t d;
    if (vg_parse_duration(s + 1, &d) != 0 || d <= 0)
      return vg_cli_usage_error(
          cmd, "--until '%s' is not a time or +DURATION (like +3d)", s);
    *out = now + d;
    return 0;
  }
  return vg_cli_parse_when(cmd, "--until", s, &local, out);
}

static int cmd_pause(const struct cmd *c, int argc, char **argv) {
  struct opt o[] = {{"until", true, NULL, false},
                    {"reason", true, NULL, false},
                    {"force", false, NULL, false},
                    {"state", true, NULL, false}};
  size_t no = sizeof(o) / sizeof(o[0]);
  char *pos[1] = {NULL};
  int npos, rc;
  char t[64];
  if (vg_cli_parse_cmd(c, argc, argv, o, no, pos, 0, &npos, &rc))
    return rc;
  const char *until = vg_cli_opt(o, no, "until")->arg;
  if (until == NULL)
    return vg_cli_usage_error(c->name, "pause needs --until TIME");
  const char *reason = vg_cli_opt(o, no, "reason")->arg;
  if ((rc = vg_cli_check_reason(c->name, reason)) != 0)
    return rc;
  vg_wall_t now = vg_plat_now(), end;
  if ((rc = pause_until(c->name, until, now, &end)) != 0)
    return rc;
  if (end <= now)
    return vg_cli_usage_error(c->name, "--until '%s' is not in the future",
                              until);
  if (end - now > PAUSE_MAX_S && !vg_cli_opt(o, no, "force")->seen)
    return vg_cli_usage_error(c->name,
                              "a pause longer than 30 days needs --force "
                              "(--until '%s')",
                              until);
  struct vg_cli_edit e;
  if ((rc = vg_cli_edit_begin(c->name, vg_cli_opt(o, no, "state")->arg, &e)) !=
      0)
    return rc;
  struct vg_admin ad;
  vg_state_admin(e.s, &ad);
  ad.paused = true;
  ad.paused_until = end;
  ad.paused_at = now;
  snprintf(ad.pause_reason, sizeof(ad.pause_reason), "%s",
           reason ? reason : "");
  vg_state_set_admin(e.s, &ad);
  if ((rc = vg_cli_edit_commit(&e)) != 0) {
    vg_cli_edit_end(&e);
    return rc;
  }
  vg_time_format(end, NULL, t, sizeof(t));
  vg_log_warn(VG_EV_PAUSED, "reboots paused by an administrator until %s%s%s",
              t, reason ? ": " : "", reason ? reason : "");
  printf("%s: reboots paused until %s%s%s\n", e.path, t, reason ? ": " : "",
         reason ? reason : "");
  vg_cli_reload_hint();
  vg_cli_edit_end(&e);
  return VG_EXIT_OK;
}

static int cmd_resume(const struct cmd *c, int argc, char **argv) {
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
  struct vg_admin ad;
  vg_state_admin(e.s, &ad);
  bool was = vg_state_paused(e.s, vg_plat_now());
  ad.paused = false;
  ad.paused_until = ad.paused_at = 0;
  ad.pause_reason[0] = '\0';
  vg_state_set_admin(e.s, &ad);
  if ((rc = vg_cli_edit_commit(&e)) != 0) {
    vg_cli_edit_end(&e);
    return rc;
  }
  vg_log_info(VG_EV_RESUMED, "pause lifted by an administrator (vssguard "
                             "resume): reboots are allowed again");
  printf("%s: %s\n", e.path,
         was ? "pause lifted: reboots are allowed again"
             : "no pause was in force");
  vg_cli_reload_hint();
  vg_cli_edit_end(&e);
  return VG_EXIT_OK;
}

const struct cmd vg_cli_cmd_pause = {
    "pause", cmd_pause, "--until TIME [--reason TEXT] [--force] [--state FILE]",
    "no reboot on this server until TIME",
    "Records in the state a pause: no reboot until TIME, whatever the count\n"
    "and the windows. TIME is a date and time (local time of this server, or\n"
    "with Z or +HH:MM) or +DURATION from now (+3d, +12h). A pause longer\n"
    "than 30 days needs --force. status, plan, the metric vssguard_paused and\n"
    "the Event Log (1047) show it; plan warns when it pushes the first reboot\n"
    "past the projected hard limit of 64. A running agent takes it over when\n"
    "it reloads (SIGHUP, or 'sc control VssGuard paramchange'), otherwise\n"
    "before it next saves its state or reboots.\n"};

const struct cmd vg_cli_cmd_resume = {
    "resume", cmd_resume, "[--state FILE]", "end a pause now",
    "Removes the pause from the state (Event Log 1048). A running agent "
    "takes\n"
    "it over when it reloads, otherwise before it next saves its state.\n"};
