/*
 * vssguard check-policy FILE: loads and checks a policy, prints a one-line
 * summary or every error as file:line:col: message.
 */
#include "cli_int.h"

static int cmd_check_policy(const struct cmd *c, int argc, char **argv) {
  char *pos[1] = {NULL};
  int npos;
  int rc;
  if (vg_cli_parse_cmd(c, argc, argv, NULL, 0, pos, 1, &npos, &rc))
    return rc;
  if (npos != 1)
    return vg_cli_usage_error(c->name, "%s needs a policy FILE", c->name);
  vg_policy *p;
  rc = vg_cli_load_policy(pos[0], &p);
  if (rc != 0)
    return rc;
  char sum[512], why[512];
  vg_policy_summary(p, sum, sizeof(sum));
  printf("%s: ok: %s\n", pos[0], sum);
  if (vg_plat_check_file_secure(pos[0], why, sizeof(why)) != 0)
    fprintf(stderr,
            "vssguard: warning: %s; the agent will not schedule reboots from "
            "this file\n",
            why);
  vg_policy_free(p);
  return VG_EXIT_OK;
}

const struct cmd vg_cli_cmd_check_policy = {
    "check-policy", cmd_check_policy, "FILE",
    "check a policy file and print a one-line summary",
    "Loads the YAML policy FILE and checks it. Prints a one-line summary and\n"
    "exits 0, or prints every error as file:line:col: message and exits 2.\n"};
