/*
 * POSIX side of the command line: no platform subcommands (the Linux agent
 * runs in the foreground under a service manager with "vssguard run").
 */
#include "vssguard/cli.h"

int vg_cli_platform(int argc, char **argv, int *handled) {
  (void)argc;
  (void)argv;
  *handled = 0;
  return VG_EXIT_OK;
}

const char *vg_cli_platform_help(void) {
  return "";
}

int vg_cli_platform_run(const char *state_path) {
  (void)state_path;
  return VG_EXIT_OK;
}
