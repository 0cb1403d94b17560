/*
 * POSIX implementation of the platform interface: clocks, boot time, the
 * local zone's offset, durable file replacement, randomness and the policy
 * file permission check.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "vssguard/platform.h"
#include "vssguard/zone.h"

vg_wall_t vg_plat_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (vg_wall_t)ts.tv_sec;
}

vg_mono_t vg_plat_mono(void) {
  struct timespec ts;
  vg_mono_t m;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  m.ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
  return m;
}

/* Boot time as now minus CLOCK_BOOTTIME (which includes suspend), the same
 * definition as Windows' now - GetTickCount64(). */
int vg_plat_boot_time(vg_wall_t *out) {
  struct timespec rt, bt;
  if (clock_gettime(CLOCK_REALTIME, &rt) != 0 ||
      clock_gettime(CLOCK_BOOTTIME, &bt) != 0)
    return VG_EIO;
  *out = (vg_wall_t)rt.tv_sec - (vg_wall_t)bt.tv_sec;
  return VG_OK;
}

int vg_plat_boot_ident(struct vg_boot_ident *out) {
  struct timespec bt;
  memset(out, 0, sizeof(*out));
  if (clock_gettime(CLOCK_BOOTTIME, &bt) != 0)
    return VG_EIO;
  out->uptime_s = (uint64_t)bt.tv_sec;
  /* A random UUID the kernel draws at every boot. */
  FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
  if (f == NULL)
    return VG_OK;
  char buf[VG_BOOT_ID_MAX + 2];
  if (fgets(buf, sizeof(buf), f) != NULL) {
    size_t n = strcspn(buf, "\r\n");
    bool ok = n > 0 && n < VG_BOOT_ID_MAX;
    for (size_t i = 0; ok && i < n; i++)
      ok = (buf[i] >= '0' && buf[i] <= '9') ||
           (buf[i] >= 'a' && buf[i] <= 'f') || buf[i] == '-';
    if (ok) {
      memcpy(out->id, buf, n);
      out->id[n] = '\0';
    }
  }
  fclose(f);
  return VG_OK;
}

int vg_plat_local_offset(vg_wall_t t, int32_t *offset_s) {
  struct tm tm;
  time_t tt = (time_t)t;
  if (localtime_r(&tt, &tm) == NULL)
    return VG_ERANGE;
  int64_t days =
      vg_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  int64_t local = days * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
  *offset_s = (int32_t)(local - t);
  return VG_OK;
}

FILE *vg_plat_fopen(const char *path, const char *mode) {
  return fopen(path, mode);
}

int vg_plat_stat(const char *path, struct vg_plat_stat *out) {
  struct stat st;
  if (stat(path, &st) != 0)
    return errno == ENOENT || errno == ENOTDIR ? VG_ENOENT : VG_EIO;
  out->is_dir = S_ISDIR(st.st_mode);
  out->size = (int64_t)st.st_size;
  return VG_OK;
}

int vg_plat_remove(const char *path) {
  return remove(path) == 0 ? VG_OK : VG_EIO;
}

void vg_plat_utf8_args(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
}

int vg_plat_fsync(FILE *f) {
  if (fflush(f) != 0 || fsync(fileno(f)) != 0)
    return VG_EIO;
  return VG_OK;
}

int vg_plat_replace_file(const char *src, const char *dst) {
  if (rename(src, dst) != 0)
    return VG_EIO;
  /* Make the rename itself durable: fsync the directory. */
  char dir[4096];
  snprintf(dir, sizeof(dir), "%s", dst);
  char *slash = strrchr(dir, '/');
  if (slash == NULL)
    snprintf(dir, sizeof(dir), ".");
  else if (slash == dir)
    dir[1] = '\0';
  else
    *slash = '\0';
  int fd = open(dir, O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    (void)fsync(fd);
    close(fd);
  }
  return VG_OK;
}

int vg_plat_check_file_secure(const char *path, char *why, size_t len) {
  struct stat st;
  if (stat(path, &st) != 0) {
    snprintf(why, len, "%s: %s", path, strerror(errno));
    return VG_EPERM;
  }
  if (st.st_uid != 0 && st.st_uid != geteuid()) {
    snprintf(why, len, "%s is owned by uid %u, not by root or the agent's user",
             path, (unsigned)st.st_uid);
    return VG_EPERM;
  }
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    snprintf(why, len, "%s is writable by group or others (mode %03o)", path,
             (unsigned)(st.st_mode & 0777));
    return VG_EPERM;
  }
  return VG_OK;
}

int vg_plat_random(void *buf, size_t len) {
  FILE *f = fopen("/dev/urandom", "rb");
  if (f == NULL)
    return VG_EIO;
  size_t got = fread(buf, 1, len, f);
  fclose(f);
  return got == len ? VG_OK : VG_EIO;
}

const char *vg_plat_default_dir(void) {
  return "/var/lib/vssguard";
}

static vg_wall_t ops_now(void *ud) {
  (void)ud;
  return vg_plat_now();
}

static vg_mono_t ops_mono(void *ud) {
  (void)ud;
  return vg_plat_mono();
}

static int ops_boot_time(void *ud, vg_wall_t *out) {
  (void)ud;
  return vg_plat_boot_time(out);
}

static int ops_boot_ident(void *ud, struct vg_boot_ident *out) {
  (void)ud;
  return vg_plat_boot_ident(out);
}

static int ops_reboot(void *ud, const struct vg_reboot_req *req) {
  (void)ud;
  return vg_plat_reboot(req);
}

/* The real clocks, boot time and reboot call, for the agent. */
const struct vg_plat_ops vg_plat_default_ops = {.now = ops_now,
                                                .mono = ops_mono,
                                                .boot_time = ops_boot_time,
                                                .boot_ident = ops_boot_ident,
                                                .reboot = ops_reboot,
                                                .ud = NULL};
