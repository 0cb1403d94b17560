/*
 * Pending restarts on POSIX: there is no Windows Update here, so only the
 * test hook of platform.h. VSSGUARD_TEST_RESTART_PENDING names a file; while
 * it exists a restart is pending and its first line says why. Tests of the
 * piggyback use it; it means nothing on a real server.
 */
#include <stdio.h>
#include <string.h>

#include <uv.h>

#include "vssguard/platform.h"

int vg_plat_restart_pending(char *why, size_t len) {
  char path[4096];
  size_t plen = sizeof(path);
  if (len > 0)
    why[0] = '\0';
  if (uv_os_getenv("VSSGUARD_TEST_RESTART_PENDING", path, &plen) != 0 ||
      path[0] == '\0')
    return 0;
  FILE *f = fopen(path, "r");
  if (f == NULL)
    return 0;
  char line[256] = "";
  if (fgets(line, sizeof(line), f) == NULL)
    line[0] = '\0';
  fclose(f);
  line[strcspn(line, "\r\n")] = '\0';
  if (len > 0)
    snprintf(why, len, "%s",
             line[0] != '\0' ? line : "a restart is pending (test hook)");
  return 1;
}
