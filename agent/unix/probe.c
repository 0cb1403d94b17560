/*
 * The local gates' probes on POSIX (see vssguard/probe.h): utmp for
 * sessions, /proc for processes. Test hook: VSSGUARD_TEST_UTMP names a utmp
 * file read instead of the system's (tests cannot sign a user in); it
 * means nothing on a real server.
 */
/* utmpxname (glibc) for the test hook. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <utmpx.h>

#include <uv.h>

#include "vssguard/probe.h"

int vg_plat_active_sessions(char *who, size_t len) {
  int n = 0;
  size_t used = 0;
  if (len > 0)
    who[0] = '\0';
  char path[4096];
  size_t plen = sizeof(path);
  if (uv_os_getenv("VSSGUARD_TEST_UTMP", path, &plen) == 0 && path[0] != '\0')
    utmpxname(path);
  setutxent();
  struct utmpx *u;
  while ((u = getutxent()) != NULL) {
    if (u->ut_type != USER_PROCESS || u->ut_user[0] == '\0')
      continue;
    /* A stale entry of a process that is gone does not count. */
    if (u->ut_pid > 0 && kill(u->ut_pid, 0) != 0 && errno == ESRCH)
      continue;
    n++;
    if (used < len) {
      int k = snprintf(who + used, len - used, "%s%.*s (%.*s)",
                       used > 0 ? ", " : "", (int)sizeof(u->ut_user),
                       u->ut_user, (int)sizeof(u->ut_line), u->ut_line);
      if (k > 0)
        used += (size_t)k;
    }
  }
  endutxent();
  return n;
}

static bool matches(const char (*names)[VG_PROCESS_NAME_MAX + 1], size_t n,
                    const char *prog, char *found, size_t len) {
  for (size_t i = 0; i < n; i++)
    if (strcasecmp(names[i], prog) == 0) {
      snprintf(found, len, "%s", names[i]);
      return true;
    }
  return false;
}

/* Reads up to cap-1 bytes of a small /proc file; returns the length. */
static size_t read_small(const char *path, char *buf, size_t cap) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return 0;
  size_t k = fread(buf, 1, cap - 1, f);
  fclose(f);
  buf[k] = '\0';
  return k;
}

int vg_plat_process_running(const char (*names)[VG_PROCESS_NAME_MAX + 1],
                            size_t n, char *found, size_t len) {
  DIR *d = opendir("/proc");
  if (d == NULL)
    return VG_EIO;
  struct dirent *e;
  int rc = 0;
  while (rc == 0 && (e = readdir(d)) != NULL) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9')
      continue;
    char path[64], buf[4096];
    snprintf(path, sizeof(path), "/proc/%.20s/cmdline", e->d_name);
    if (read_small(path, buf, sizeof(buf)) > 0) {
      /* argv[0] ends at the first NUL; its file name after the last '/'. */
      const char *base = strrchr(buf, '/');
      if (matches(names, n, base != NULL ? base + 1 : buf, found, len)) {
        rc = 1;
        break;
      }
    }
    snprintf(path, sizeof(path), "/proc/%.20s/comm", e->d_name);
    size_t k = read_small(path, buf, sizeof(buf));
    if (k > 0 && buf[k - 1] == '\n')
      buf[k - 1] = '\0';
    if (k > 0 && matches(names, n, buf, found, len))
      rc = 1;
  }
  closedir(d);
  return rc;
}
