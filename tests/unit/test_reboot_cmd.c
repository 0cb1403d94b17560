/*
 * Unit tests of the POSIX reboot call (agent/unix/reboot.c): without
 * --reboot-command it refuses; with one it runs that program directly (no
 * shell: the message reaches it as one literal argument), passes the
 * warning, force and reason in its environment, and maps its exit status
 * (0 accepted, 75 try again, anything else a failure). The Windows build
 * has the real shutdown call instead, so there this test has nothing to do.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vssguard/platform.h"

#ifndef _WIN32
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];
static char script[512];
static char out[512];

static void write_script(int status) {
  FILE *f = fopen(script, "wb");
  assert_non_null(f);
  fprintf(
      f,
      "#!/bin/sh\n"
      "printf '%%s|%%s|%%s|%%s|%%s\\n' \"$#\" \"$1\" \"$VSSGUARD_WARNING_S\" "
      "\"$VSSGUARD_FORCE\" \"$VSSGUARD_REASON\" >>'%s'\n"
      "exit %d\n",
      out, status);
  assert_int_equal(fclose(f), 0);
  assert_int_equal(chmod(script, 0755), 0);
}

static void read_out(char *buf, size_t len) {
  FILE *f = fopen(out, "rb");
  assert_non_null(f);
  size_t n = fread(buf, 1, len - 1, f);
  buf[n] = '\0';
  fclose(f);
}

static int setup(void **st) {
  (void)st;
  snprintf(dir, sizeof(dir), "%s/vg_reboot_XXXXXX",
           getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  assert_non_null(mkdtemp(dir));
  snprintf(script, sizeof(script), "%s/reboot.sh", dir);
  snprintf(out, sizeof(out), "%s/out", dir);
  return 0;
}

static int teardown(void **st) {
  (void)st;
  char p[600];
  snprintf(p, sizeof(p), "%s/pwned", dir);
  remove(p);
  remove(script);
  remove(out);
  rmdir(dir);
  return 0;
}

static struct vg_reboot_req req(const char *command, const char *message) {
  struct vg_reboot_req r;
  memset(&r, 0, sizeof(r));
  r.message = message;
  r.warning_s = 600;
  r.force_close_apps = true;
  r.reason = 0x80040001u;
  r.command = command;
  return r;
}

static void test_refuses_without_command(void **st) {
  (void)st;
  struct vg_reboot_req r = req(NULL, "m");
  assert_int_equal(vg_plat_reboot(&r), VG_ENOSYS);
  r.command = "";
  assert_int_equal(vg_plat_reboot(&r), VG_ENOSYS);
}

static void test_runs_command_without_shell(void **st) {
  (void)st;
  char msg[512], got[1024], want[1200];
  write_script(0);
  /* Shell syntax in the message must stay text. */
  snprintf(msg, sizeof(msg), "Maintenance; touch %s/pwned $(id) `id`", dir);
  struct vg_reboot_req r = req(script, msg);
  assert_int_equal(vg_plat_reboot(&r), 0);
  read_out(got, sizeof(got));
  snprintf(want, sizeof(want), "1|%s|600|1|0x80040001\n", msg);
  assert_string_equal(got, want);
  char p[600];
  snprintf(p, sizeof(p), "%s/pwned", dir);
  assert_int_equal(access(p, F_OK), -1);
}

static void test_exit_status(void **st) {
  (void)st;
  struct vg_reboot_req r = req(script, "m");
  write_script(75);
  assert_int_equal(vg_plat_reboot(&r), VG_EAGAIN);
  write_script(3);
  assert_int_equal(vg_plat_reboot(&r), VG_EIO);
  r.command = "/nonexistent/vssguard-reboot";
  assert_int_equal(vg_plat_reboot(&r), VG_ENOENT);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_refuses_without_command, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_runs_command_without_shell, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_exit_status, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
#else
int main(void) {
  puts("POSIX reboot command only: nothing to test on Windows");
  return 0;
}
#endif
