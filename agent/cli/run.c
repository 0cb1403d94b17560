/*
 * vssguard run: the agent in the foreground (the Windows service runs the
 * same loop through agent/win/service.c).
 */
#include <string.h>

#include "cli_int.h"
#include "vssguard/run.h"

static int cmd_run(const struct cmd *c, int argc, char **argv) {
  struct opt o[] = {
      {"policy", true, NULL, false},         {"state", true, NULL, false},
      {"events-follow", true, NULL, false},  {"dry-run", false, NULL, false},
      {"reboot-command", true, NULL, false}, {"seed", true, NULL, false}};
  size_t no = sizeof(o) / sizeof(o[0]);
  char *pos[1] = {NULL};
  int npos;
  char defp[1024], defs[1024];
  int rc;
  if (vg_cli_parse_cmd(c, argc, argv, o, no, pos, 0, &npos, &rc))
    return rc;
  if (vg_cli_opt(o, no, "dry-run")->seen &&
      vg_cli_opt(o, no, "reboot-command")->seen)
    return vg_cli_usage_error(c->name,
                              "%s: --dry-run and --reboot-command are "
                              "exclusive",
                              c->name);
  uint64_t seed = 0;
  struct opt *oseed = vg_cli_opt(o, no, "seed");
  if (oseed->seen && vg_cli_parse_u64(oseed->arg, &seed) != 0)
    return vg_cli_usage_error(c->name, "--seed '%s' must be a number",
                              oseed->arg);
  const char *rcmd = vg_cli_opt(o, no, "reboot-command")->arg;
  if (rcmd != NULL && *rcmd == '\0')
    return vg_cli_usage_error(c->name, "%s: --reboot-command needs a program",
                              c->name);
  struct vg_agent_config cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.policy_path = vg_cli_opt(o, no, "policy")->arg;
  if (cfg.policy_path == NULL)
    cfg.policy_path = vg_policy_default_path(defp, sizeof(defp));
  cfg.state_path = vg_cli_opt(o, no, "state")->arg;
  if (cfg.state_path == NULL)
    cfg.state_path = vg_cli_default_path("state", defs, sizeof(defs));
  cfg.events_follow = vg_cli_opt(o, no, "events-follow")->arg;
  cfg.reboot_command = rcmd;
  cfg.dry_run = vg_cli_opt(o, no, "dry-run")->seen;
  cfg.seed = seed;
  cfg.ops = NULL;
  rc = vg_cli_platform_run(cfg.state_path);
  if (rc != VG_EXIT_OK)
    return rc;
  rc = vg_run(&cfg);
  if (rc == VG_OK)
    return VG_EXIT_OK;
  /* The agent already logged why; bad input files are exit 2. */
  return (rc == VG_EINVAL || rc == VG_ENOENT || rc == VG_ECORRUPT ||
          rc == VG_EPERM)
             ? VG_EXIT_INPUT
             : VG_EXIT_FAIL;
}

const struct cmd vg_cli_cmd_run = {
    "run", cmd_run,
    "[--policy FILE] [--state FILE] [--events-follow FILE]\n"
    "        [--dry-run | --reboot-command CMD] [--seed N]",
    "run the agent in the foreground",
    "Runs the agent: follows events, counts backup runs, schedules and\n"
    "performs the reboot. --dry-run never reboots; --reboot-command runs CMD\n"
    "(no shell) instead of the system call. SIGHUP reloads the policy,\n"
    "SIGTERM saves the state and exits.\n"};
