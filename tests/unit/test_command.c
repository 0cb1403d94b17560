/*
 * Unit tests of the command runner on a real libuv loop with real programs
 * (POSIX shell scripts written to a scratch directory): exit 0, 75 and 1, a
 * program that hangs past its timeout and is killed, the environment it
 * gets (VSSGUARD_* of the agent removed, ours added), arguments passed
 * without a shell, and a program that does not exist. On Windows (under
 * Wine) cmd.exe gives the exit codes and reads the environment.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "vssguard/command.h"

#ifndef _WIN32
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

static int setup(void **st) {
  (void)st;
  snprintf(dir, sizeof(dir), "/tmp/vg-cmd-XXXXXX");
  return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **st) {
  (void)st;
  char cmd[300];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  return system(cmd) == 0 ? 0 : -1;
}

static void script(struct vg_command *c, const char *name, const char *body,
                   int64_t timeout_s) {
  memset(c, 0, sizeof(*c));
  snprintf(c->path, sizeof(c->path), "%s/%s", dir, name);
  FILE *f = fopen(c->path, "w");
  assert_non_null(f);
  fprintf(f, "#!/bin/sh\n%s\n", body);
  fclose(f);
  chmod(c->path, 0755);
  c->set = true;
  c->timeout_s = timeout_s;
}

static void done(void *ud, const struct vg_cmd_result *r) {
  *(struct vg_cmd_result *)ud = *r;
}

static struct vg_cmd_result run(const struct vg_command *c, bool dry) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  struct vg_cmd_env env = {41, 40, 1796004000, dry, "dc-site1"};
  struct vg_cmd_result r;
  memset(&r, 0, sizeof(r));
  r.outcome = (enum vg_cmd_outcome) - 1;
  assert_int_equal(vg_cmd_run(&loop, c, &env, done, &r), 0);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
  return r;
}

static void test_exit_codes(void **st) {
  (void)st;
  struct vg_command c;
  static const int codes[] = {0, 75, 1};
  for (size_t i = 0; i < 3; i++) {
    char body[32];
    snprintf(body, sizeof(body), "exit %d", codes[i]);
    script(&c, "exit.sh", body, 10);
    struct vg_cmd_result r = run(&c, false);
    assert_int_equal(r.outcome, VG_CMD_EXITED);
    assert_int_equal(r.exit_status, codes[i]);
  }
}

static void test_timeout(void **st) {
  (void)st;
  struct vg_command c;
  script(&c, "hang.sh", "exec sleep 3600", 1);
  struct vg_cmd_result r = run(&c, false);
  /* Ended by its 1 s timeout: the program itself would run for an hour,
   * past the test's own time limit. Not before the timeout (a lower bound,
   * which a loaded machine cannot break). */
  assert_int_equal(r.outcome, VG_CMD_TIMEOUT);
  assert_true(r.elapsed_s >= 0.9);
  assert_non_null(strstr(r.describe, "timeout"));
}

static void test_env_and_args(void **st) {
  (void)st;
  struct vg_command c;
  char out[300], body[600];
  snprintf(out, sizeof(out), "%s/env.out", dir);
  snprintf(body, sizeof(body),
           "{ env | grep '^VSSGUARD_' | sort; for a in \"$@\"; do echo "
           "\"arg=$a\"; done; } > '%s'",
           out);
  script(&c, "env.sh", body, 10);
  snprintf(c.args[0], sizeof(c.args[0]), "two words");
  snprintf(c.args[1], sizeof(c.args[1]), "$(id);|*");
  c.nargs = 2;
  setenv("VSSGUARD_WARNING_S", "leaked", 1);
  struct vg_cmd_result r = run(&c, true);
  unsetenv("VSSGUARD_WARNING_S");
  assert_int_equal(r.outcome, VG_CMD_EXITED);
  assert_int_equal(r.exit_status, 0);
  FILE *f = fopen(out, "r");
  assert_non_null(f);
  char got[1024];
  size_t n = fread(got, 1, sizeof(got) - 1, f);
  got[n] = '\0';
  fclose(f);
  assert_string_equal(got, "VSSGUARD_COUNT=41\n"
                           "VSSGUARD_DRY_RUN=1\n"
                           "VSSGUARD_GROUP=dc-site1\n"
                           "VSSGUARD_SLOT_END=2026-11-30T02:00:00Z\n"
                           "VSSGUARD_THRESHOLD=40\n"
                           "arg=two words\n"
                           "arg=$(id);|*\n");
}

static void test_missing(void **st) {
  (void)st;
  struct vg_command c;
  memset(&c, 0, sizeof(c));
  c.set = true;
  c.timeout_s = 5;
  snprintf(c.path, sizeof(c.path), "%s/no-such-program", dir);
  struct vg_cmd_result r = run(&c, false);
  assert_int_equal(r.outcome, VG_CMD_FAILED);
  assert_int_equal(r.err, UV_ENOENT);
  assert_non_null(strstr(r.describe, "could not be started"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exit_codes),
      cmocka_unit_test(test_timeout),
      cmocka_unit_test(test_env_and_args),
      cmocka_unit_test(test_missing),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
#else
/* Windows (under Wine): cmd.exe answers with the exit codes, and a program
 * that does not exist fails to start. */
#include <windows.h>

static void done(void *ud, const struct vg_cmd_result *r) {
  *(struct vg_cmd_result *)ud = *r;
}

static struct vg_cmd_result run(const struct vg_command *c) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  struct vg_cmd_env env = {41, 40, 0, false, NULL};
  struct vg_cmd_result r;
  memset(&r, 0, sizeof(r));
  assert_int_equal(vg_cmd_run(&loop, c, &env, done, &r), 0);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
  return r;
}

static void cmd_exe(struct vg_command *c, const char *line) {
  char sys[MAX_PATH];
  memset(c, 0, sizeof(*c));
  UINT n = GetSystemDirectoryA(sys, sizeof(sys));
  assert_true(n > 0 && n < sizeof(sys));
  snprintf(c->path, sizeof(c->path), "%s\\cmd.exe", sys);
  snprintf(c->args[0], sizeof(c->args[0]), "/c");
  snprintf(c->args[1], sizeof(c->args[1]), "%s", line);
  c->nargs = 2;
  c->set = true;
  c->timeout_s = 30;
}

static void test_exit_codes(void **st) {
  (void)st;
  static const int codes[] = {0, 75, 1};
  for (size_t i = 0; i < 3; i++) {
    struct vg_command c;
    char line[32];
    snprintf(line, sizeof(line), "exit %d", codes[i]);
    cmd_exe(&c, line);
    struct vg_cmd_result r = run(&c);
    assert_int_equal(r.outcome, VG_CMD_EXITED);
    assert_int_equal(r.exit_status, codes[i]);
  }
}

static void test_env(void **st) {
  (void)st;
  struct vg_command c;
  cmd_exe(&c, "if \"%VSSGUARD_COUNT%\"==\"41\" (exit 7) else (exit 8)");
  struct vg_cmd_result r = run(&c);
  assert_int_equal(r.outcome, VG_CMD_EXITED);
  assert_int_equal(r.exit_status, 7);
}

static void test_missing(void **st) {
  (void)st;
  struct vg_command c;
  memset(&c, 0, sizeof(c));
  c.set = true;
  c.timeout_s = 5;
  snprintf(c.path, sizeof(c.path), "C:\\no\\such\\program.exe");
  struct vg_cmd_result r = run(&c);
  assert_int_equal(r.outcome, VG_CMD_FAILED);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exit_codes),
      cmocka_unit_test(test_env),
      cmocka_unit_test(test_missing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
#endif
