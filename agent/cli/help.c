/*
 * vssguard help [COMMAND]: the general help, or one command's, including
 * the platform's own commands.
 */
#include "cli_int.h"

static int cmd_help(const struct cmd *c, int argc, char **argv) {
  char *pos[1] = {NULL};
  int npos;
  int rc = vg_cli_parse_opts(c->name, argc, argv, NULL, 0, pos, 1, &npos);
  if (rc < 0 || (rc == 0 && npos == 0)) {
    vg_cli_print_usage(stdout);
    return VG_EXIT_OK;
  }
  if (rc != 0)
    return rc;
  const struct cmd *t = vg_cli_find_cmd(pos[0]);
  if (t == NULL) {
    /* A platform command prints its own help. */
    char *pargv[3] = {argv[0], pos[0], "--help"};
    int handled = 0;
    rc = vg_cli_platform(3, pargv, &handled);
    if (handled)
      return rc;
    return vg_cli_usage_error(NULL, "unknown command '%s'", pos[0]);
  }
  vg_cli_print_cmd_help(t, stdout);
  return VG_EXIT_OK;
}

const struct cmd vg_cli_cmd_help = {"help", cmd_help, "[COMMAND]",
                                    "show help for a command", ""};
