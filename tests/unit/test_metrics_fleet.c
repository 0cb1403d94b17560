/*
 * The fleet_lock metrics: absent without fleet_lock; held, waiting seconds
 * and one errors_total series per kind with it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vssguard/metrics.h"

static void test_absent_when_off(void **st) {
  (void)st;
  struct vg_metrics m;
  memset(&m, 0, sizeof(m));
  char *t = vg_metrics_format(&m);
  assert_null(strstr(t, "fleet_lock"));
  free(t);
}

static void test_present_when_on(void **st) {
  (void)st;
  struct vg_metrics m;
  memset(&m, 0, sizeof(m));
  m.fleet.enabled = true;
  m.fleet.held = true;
  m.fleet.waiting_s = 42;
  m.fleet.nkinds = 2;
  snprintf(m.fleet.errors[0].kind, sizeof(m.fleet.errors[0].kind), "timeout");
  m.fleet.errors[0].count = 3;
  snprintf(m.fleet.errors[1].kind, sizeof(m.fleet.errors[1].kind),
           "failed_lock");
  m.fleet.errors[1].count = 1;
  char *t = vg_metrics_format(&m);
  assert_non_null(strstr(t, "\nvssguard_fleet_lock_held 1\n"));
  assert_non_null(strstr(t, "\nvssguard_fleet_lock_waiting_seconds 42\n"));
  assert_non_null(
      strstr(t, "# TYPE vssguard_fleet_lock_errors_total counter\n"));
  assert_non_null(
      strstr(t, "\nvssguard_fleet_lock_errors_total{kind=\"timeout\"} 3\n"));
  assert_non_null(strstr(
      t, "\nvssguard_fleet_lock_errors_total{kind=\"failed_lock\"} 1\n"));
  assert_non_null(strstr(t, "# HELP vssguard_fleet_lock_held "));
  free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_absent_when_off),
      cmocka_unit_test(test_present_when_on),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
