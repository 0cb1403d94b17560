/*
 * The optional fleet_slot line of the state file: absent in files written
 * before it existed, saved and loaded with escaping, cleared, and strict
 * about its form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vssguard/state.h"

static const char *old_file = "vssguard-state 1\n"
                              "boot_time 1796000000\n"
                              "count 3\n"
                              "last_event_time 1796000100\n"
                              "attempts 0\n"
                              "locked 0\n"
                              "end\n";

static vg_state *load(const char *text, int want_rc) {
  vg_state *s = NULL;
  char err[256];
  int rc = vg_state_load_string("s", text, strlen(text), &s, err, sizeof(err));
  if (rc != want_rc)
    fail_msg("load gave %d, want %d: %s", rc, want_rc, err);
  return s;
}

static void test_old_file_has_no_slot(void **st) {
  (void)st;
  vg_state *s = load(old_file, 0);
  struct vg_fleet_hold h;
  vg_state_fleet_slot(s, &h);
  assert_false(h.held);
  char *text = vg_state_serialize(s);
  assert_null(strstr(text, "fleet_slot"));
  free(text);
  vg_state_free(s);
}

static void test_round_trip(void **st) {
  (void)st;
  vg_state *s = load(old_file, 0);
  struct vg_fleet_hold h = {true, 1796000200, "dc-site-a", "Node 1\\x"};
  vg_state_set_fleet_slot(s, &h);
  char *text = vg_state_serialize(s);
  assert_non_null(
      strstr(text, "fleet_slot 1796000200 dc-site-a Node\\s1\\\\x\n"));
  vg_state *t = load(text, 0);
  struct vg_fleet_hold g;
  vg_state_fleet_slot(t, &g);
  assert_true(g.held);
  assert_int_equal(g.since, 1796000200);
  assert_string_equal(g.group, "dc-site-a");
  assert_string_equal(g.id, "Node 1\\x");
  vg_state_set_fleet_slot(t, NULL);
  char *text2 = vg_state_serialize(t);
  assert_null(strstr(text2, "fleet_slot"));
  free(text);
  free(text2);
  vg_state_free(s);
  vg_state_free(t);
}

static void test_bad_lines(void **st) {
  (void)st;
  const char *bad[] = {"fleet_slot 1796000200 g\n", "fleet_slot x g id\n",
                       "fleet_slot 1796000200 g id extra\n",
                       "fleet_slot 1 g a\nfleet_slot 1 g b\n"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char text[512];
    snprintf(text, sizeof(text),
             "vssguard-state 1\nboot_time 1\ncount 0\nlast_event_time 1\n"
             "attempts 0\nlocked 0\n%send\n",
             bad[i]);
    vg_state *s = load(text, VG_ECORRUPT);
    assert_null(s);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_old_file_has_no_slot),
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_bad_lines),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
