/*
 * Unit tests of the state's lock (vssguard/state_lock.h) on real files:
 * the lock file's name, exclusion between two holders in one process (the
 * platform lock belongs to the open file, not to the process), release,
 * the bounded wait, and a directory that does not exist. Under Wine this
 * runs LockFileEx.
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

#include "vssguard/state_lock.h"

static char dir[256], state[300], lock_file[320];

static int setup(void **st) {
  (void)st;
  uv_fs_t req;
  if (uv_fs_mkdtemp(NULL, &req, "vg_state_lock_XXXXXX", NULL) < 0)
    return -1;
  snprintf(dir, sizeof(dir), "%s", req.path);
  uv_fs_req_cleanup(&req);
  snprintf(state, sizeof(state), "%s/state", dir);
  snprintf(lock_file, sizeof(lock_file), "%s/state.lock", dir);
  return 0;
}

static int teardown(void **st) {
  (void)st;
  remove(lock_file);
  remove(dir);
  return 0;
}

static void test_lock_path(void **st) {
  (void)st;
  char buf[16];
  char big[400];
  assert_int_equal(vg_state_lock_path("C:\\d\\state", big, sizeof(big)), 0);
  assert_string_equal(big, "C:\\d\\state.lock");
  assert_int_equal(vg_state_lock_path("a-long-state-path", buf, sizeof(buf)),
                   VG_ERANGE);
}

/* One holder at a time; the file stays after the release. */
static void test_exclusive(void **st) {
  (void)st;
  vg_plat_lock *a = NULL, *b = NULL;
  struct vg_plat_stat sb;
  assert_int_equal(vg_state_lock(state, 0, &a), 0);
  assert_non_null(a);
  assert_int_equal(vg_plat_stat(lock_file, &sb), 0);
  assert_int_equal(vg_state_lock(state, 0, &b), VG_EBUSY);
  assert_null(b);
  vg_state_unlock(a);
  assert_int_equal(vg_state_lock(state, 0, &b), 0);
  assert_int_equal(vg_plat_stat(lock_file, &sb), 0);
  vg_state_unlock(b);
  vg_state_unlock(NULL);
}

/* A wait gives up after its bound while the lock stays held, and succeeds
 * at once when it is free. */
static void test_bounded_wait(void **st) {
  (void)st;
  vg_plat_lock *a = NULL, *b = NULL;
  assert_int_equal(vg_state_lock(state, 0, &a), 0);
  uint64_t t = uv_hrtime();
  assert_int_equal(vg_state_lock(state, 200, &b), VG_EBUSY);
  assert_true(uv_hrtime() - t >= 200u * 1000000u);
  vg_state_unlock(a);
  assert_int_equal(vg_state_lock(state, 200, &b), 0);
  vg_state_unlock(b);
}

/* No directory: an error, not a wait. */
static void test_no_directory(void **st) {
  (void)st;
  char p[400];
  vg_plat_lock *a = NULL;
  snprintf(p, sizeof(p), "%s/missing/state", dir);
  assert_int_equal(vg_state_lock(p, 1000, &a), VG_EIO);
  assert_null(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lock_path),
      cmocka_unit_test_setup_teardown(test_exclusive, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bounded_wait, setup, teardown),
      cmocka_unit_test_setup_teardown(test_no_directory, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
