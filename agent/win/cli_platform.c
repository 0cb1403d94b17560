/*
 * Windows side of the command line: `vssguard service ...` to install and
 * control the service, `vssguard abort` to cancel a pending reboot
 * countdown, and the set-up `vssguard run` needs in a console (Event Log
 * output beside stderr, Group Policy changes reload the policy).
 */
#include <windows.h>

#include <stdio.h>
#include <string.h>

#include "vssguard/cli.h"
#include "vssguard/log.h"
#include "vssguard/platform.h"
#include "vssguard/run.h"
#include "win.h"

static int usage(void) {
  fprintf(stderr, "usage: vssguard service install [--policy FILE] "
                  "[--state FILE] [--dry-run]\n"
                  "       vssguard service uninstall|start|stop\n");
  return VG_EXIT_USAGE;
}

static int service_cmd(int argc, char **argv) {
  const char *verb = argc > 2 ? argv[2] : NULL;
  if (verb == NULL)
    return usage();
  if (strcmp(verb, "run") == 0)
    return vg_win_service_run(argc, argv);
  if (strcmp(verb, "install") == 0)
    return vg_win_service_install_args(argc, argv);
  if (argc > 3)
    return usage();
  if (strcmp(verb, "uninstall") == 0)
    return vg_win_service_uninstall();
  if (strcmp(verb, "start") == 0)
    return vg_win_service_start();
  if (strcmp(verb, "stop") == 0)
    return vg_win_service_stop();
  return usage();
}

/*
 * Cancels the countdown of a reboot the agent initiated. The agent recorded
 * the attempt in its slot before the call, so it does not try again in
 * that slot: the reboot moves to the next allowed slot.
 */
static int abort_cmd(int argc, char **argv) {
  int rc;
  (void)argv;
  if (argc > 2) {
    fprintf(stderr, "usage: vssguard abort\n");
    return VG_EXIT_USAGE;
  }
  vg_win_eventlog_open(false);
  rc = vg_plat_abort_reboot();
  if (rc == 0) {
    vg_log_warn(VG_EV_ABORTED,
                "pending reboot aborted by an administrator; the next "
                "reboot waits for the next allowed slot");
    printf("pending reboot aborted; the agent postpones to the next allowed "
           "slot\n");
  } else if (rc == VG_ENOENT) {
    printf("no reboot is pending\n");
  } else {
    fprintf(stderr, "vssguard: abort failed: %s\n", vg_strerror(rc));
  }
  vg_win_eventlog_close();
  return rc == 0 || rc == VG_ENOENT ? VG_EXIT_OK : VG_EXIT_FAIL;
}

static void on_gpo_change(void *ud) {
  (void)ud;
  vg_log_info(VG_EV_GENERIC, "Group Policy settings changed: reloading");
  vg_run_request_reload();
}

int vg_cli_platform(int argc, char **argv, int *handled) {
  const char *cmd = argc > 1 ? argv[1] : "";
  *handled = 1;
  if (strcmp(cmd, "service") == 0)
    return service_cmd(argc, argv);
  if (strcmp(cmd, "abort") == 0)
    return abort_cmd(argc, argv);
  *handled = 0;
  if (strcmp(cmd, "run") == 0) {
    /* The portable "run" follows; it logs to the Event Log too and
     * reloads on Group Policy changes. The watcher lives until exit. */
    vg_win_gpo_watch *w;
    vg_win_eventlog_open(true);
    (void)vg_win_gpo_watch_start(on_gpo_change, NULL, &w);
  }
  return VG_EXIT_OK;
}

/*
 * A console run protects the data directory and the state file as the
 * service does (a user who could edit the state could make the agent
 * reboot the server), which takes a process acting as Administrators:
 * without it the run does not start, rather than run on unprotected data.
 */
int vg_cli_platform_run(const char *state_path) {
  if (!vg_win_is_admin()) {
    fprintf(stderr,
            "vssguard: run: this console is not elevated: start it with "
            "\"Run as administrator\" (the agent restricts %s and its "
            "directory to SYSTEM and Administrators, and reboots the "
            "server)\n",
            state_path);
    return VG_EXIT_FAIL;
  }
  if (vg_win_secure_data(state_path) != 0) {
    fprintf(stderr,
            "vssguard: run: %s or its directory cannot be restricted to "
            "SYSTEM and Administrators (see above); not starting\n",
            state_path);
    return VG_EXIT_FAIL;
  }
  return VG_EXIT_OK;
}

const char *vg_cli_platform_help(void) {
  return "  service install [--policy FILE] [--state FILE] [--dry-run]\n"
         "                      install the VssGuard service (automatic, "
         "delayed start)\n"
         "  service uninstall|start|stop\n"
         "                      remove, start or stop the service\n"
         "  abort               cancel a pending reboot countdown; the "
         "agent waits for the next slot\n";
}
