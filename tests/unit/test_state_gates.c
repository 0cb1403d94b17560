/*
 * Unit tests of the state lines of hooks and notifications: "post_boot" and
 * "silence" survive a save and a load, are optional (a state written
 * without them loads), and a malformed one is reported with its line.
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

#define HEAD                                                                   \
  "vssguard-state 1\nboot_time 1796000000\ncount 3\nlast_event_time "          \
  "1796000100\nattempts 0\nlocked 0\n"

static vg_state *load(const char *text, int want_rc, char *err, size_t len) {
  vg_state *s = NULL;
  assert_int_equal(vg_state_load_string("st", text, strlen(text), &s, err, len),
                   want_rc);
  return s;
}

static void test_roundtrip(void **st) {
  (void)st;
  char err[256];
  vg_state *s = load(HEAD "end\n", 0, err, sizeof(err));
  assert_int_equal(vg_state_post_boot_done(s), 0);
  assert_string_equal(vg_state_silence(s, NULL), "");
  vg_state_set_post_boot_done(s, 1796000000);
  assert_int_equal(vg_state_set_silence(s, "1eb30ca1-cc46", 1796001800), 0);
  assert_int_equal(vg_state_set_silence(s, "../etc", 1), VG_EINVAL);
  assert_int_equal(vg_state_save(s, "test_state_gates.state"), 0);
  vg_state_free(s);
  s = NULL;
  assert_int_equal(
      vg_state_load("test_state_gates.state", &s, err, sizeof(err)), 0);
  assert_int_equal(vg_state_post_boot_done(s), 1796000000);
  vg_wall_t until;
  assert_string_equal(vg_state_silence(s, &until), "1eb30ca1-cc46");
  assert_int_equal(until, 1796001800);
  vg_state_set_silence(s, NULL, 0);
  assert_string_equal(vg_state_silence(s, &until), "");
  vg_state_free(s);
  remove("test_state_gates.state");
}

static void test_malformed(void **st) {
  (void)st;
  char err[256];
  assert_null(
      load(HEAD "silence ../x 5\nend\n", VG_ECORRUPT, err, sizeof(err)));
  assert_non_null(strstr(err, "st:7: silence: expected <id> <until>"));
  assert_null(
      load(HEAD "post_boot soon\nend\n", VG_ECORRUPT, err, sizeof(err)));
  assert_non_null(strstr(err, "post_boot: expected <boot time>"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_roundtrip),
      cmocka_unit_test(test_malformed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
