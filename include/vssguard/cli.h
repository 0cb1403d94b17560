/*
 * The command line of vssguard: the portable subcommands live in
 * agent/cli/, one file per command; each platform adds its own (Windows:
 * service control and abort) through vg_cli_platform, implemented once per
 * platform in agent/unix/cli_platform.c and agent/win/cli_platform.c.
 */
#ifndef VSSGUARD_CLI_H
#define VSSGUARD_CLI_H

#include <stdio.h>

/* Exit codes: success, other failure, bad input, usage error (EX_USAGE). */
enum {
  VG_EXIT_OK = 0,
  VG_EXIT_FAIL = 1,
  VG_EXIT_INPUT = 2,
  VG_EXIT_USAGE = 64
};

/* Runs the command line; returns the process exit code. */
int vg_cli_main(int argc, char **argv);

/*
 * Gives the platform the first look at the command line (argv[1] is the
 * subcommand). When it handles it, it sets *handled to 1 and returns the
 * exit code; otherwise it sets *handled to 0 and the portable table runs.
 */
int vg_cli_platform(int argc, char **argv, int *handled);

/*
 * Lines the platform adds to "vssguard --help" for its own subcommands
 * (each "  name args   summary\n"), or "".
 */
const char *vg_cli_platform_help(void);

/*
 * What `vssguard run` needs of the platform once its options are read and
 * before the agent starts. Windows: the console must act as Administrators
 * ("Run as administrator"), and the state's directory and file get the
 * protection the service gives them; POSIX: nothing. Returns VG_EXIT_OK,
 * or the exit code after printing why the run does not start.
 */
int vg_cli_platform_run(const char *state_path);

#endif
