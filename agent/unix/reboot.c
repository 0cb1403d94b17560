/*
 * The reboot call on POSIX. A development machine or a test must never be
 * rebooted by accident, so the agent only runs the program given with
 * --reboot-command (never one named by the policy) and refuses otherwise.
 *
 * The program is started with posix_spawn, without a shell and without a
 * PATH search, as
 *
 *     COMMAND MESSAGE
 *
 * with VSSGUARD_WARNING_S, VSSGUARD_FORCE (0 or 1) and VSSGUARD_REASON
 * (0x%08x) added to its environment. The agent waits for it: exit status 0
 * means the reboot was accepted, 75 (EX_TEMPFAIL) means "try again soon",
 * anything else is a failure. It should return at once (for example after
 * `shutdown -r +10 "$1"`).
 */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "vssguard/log.h"
#include "vssguard/platform.h"

extern char **environ;

/* Exit status asking for a retry (sysexits.h EX_TEMPFAIL). */
#define EXIT_TRY_AGAIN 75

int vg_plat_reboot(const struct vg_reboot_req *req) {
  if (req == NULL || req->command == NULL || req->command[0] == '\0') {
    vg_log_error(VG_EV_REBOOT_FAILED,
                 "no --reboot-command given: this platform reboots only "
                 "through an explicit command");
    return VG_ENOSYS;
  }
  char message[512];
  snprintf(message, sizeof(message), "%s", req->message ? req->message : "");
  char warn[64], force[32], reason[48];
  snprintf(warn, sizeof(warn), "VSSGUARD_WARNING_S=%u",
           (unsigned)req->warning_s);
  snprintf(force, sizeof(force), "VSSGUARD_FORCE=%d",
           req->force_close_apps ? 1 : 0);
  snprintf(reason, sizeof(reason), "VSSGUARD_REASON=0x%08x",
           (unsigned)req->reason);

  size_t n = 0;
  while (environ != NULL && environ[n] != NULL)
    n++;
  char **envp = calloc(n + 4, sizeof(*envp));
  if (envp == NULL)
    return VG_ENOMEM;
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (strncmp(environ[i], "VSSGUARD_", 9) != 0)
      envp[k++] = environ[i];
  envp[k++] = warn;
  envp[k++] = force;
  envp[k++] = reason;
  envp[k] = NULL;

  char *argv[3] = {(char *)req->command, message, NULL};
  posix_spawnattr_t attr;
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_init(&attr);
  /* The loop's signal handling must not leak into the child. */
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid;
  int err = posix_spawn(&pid, req->command, NULL, &attr, argv, envp);
  posix_spawnattr_destroy(&attr);
  free(envp);
  if (err != 0) {
    vg_log_error(VG_EV_REBOOT_FAILED, "cannot run %s: %s", req->command,
                 strerror(err));
    return err == ENOENT ? VG_ENOENT : (err == EACCES ? VG_EPERM : VG_EIO);
  }
  int status;
  pid_t w;
  do
    w = waitpid(pid, &status, 0);
  while (w < 0 && errno == EINTR);
  if (w < 0) {
    vg_log_error(VG_EV_REBOOT_FAILED, "waiting for %s: %s", req->command,
                 strerror(errno));
    return VG_EIO;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return VG_OK;
  if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_TRY_AGAIN)
    return VG_EAGAIN;
  if (WIFEXITED(status))
    vg_log_error(VG_EV_REBOOT_FAILED, "%s exited with status %d", req->command,
                 WEXITSTATUS(status));
  else if (WIFSIGNALED(status))
    vg_log_error(VG_EV_REBOOT_FAILED, "%s was killed by signal %d",
                 req->command, WTERMSIG(status));
  return VG_EIO;
}
