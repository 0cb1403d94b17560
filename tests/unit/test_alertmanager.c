/*
 * Unit tests of the Alertmanager module without sockets: URL joining, the
 * gate's reading of an alert list (a real answer of Debian's
 * prometheus-alertmanager 0.25, tests/data/alertmanager/alerts-0.25.json)
 * under kured's filter semantics, the alert and silence bodies, and the
 * silence id. Malformed answers are errors, never a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vssguard/alertmanager.h"

static char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  char *buf = calloc(1, 65536);
  size_t n = fread(buf, 1, 65535, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

static void test_url(void **st) {
  (void)st;
  char u[128];
  assert_int_equal(
      vg_am_url("http://am:9093/", VG_AM_ALERTS_QUERY, u, sizeof(u)), 0);
  assert_string_equal(u,
                      "http://am:9093/api/v2/alerts?active=true&silenced=false&"
                      "inhibited=false");
  assert_int_equal(
      vg_am_url("http://am:9093/prefix", "api/v2/silences", u, sizeof(u)), 0);
  assert_string_equal(u, "http://am:9093/prefix/api/v2/silences");
  assert_int_equal(vg_am_url("http://am:9093/", "api/v2/silences", u, 10),
                   VG_ERANGE);
}

static struct vg_am_gate gate(const char *filter, bool match_only,
                              bool firing_only) {
  struct vg_am_gate g;
  memset(&g, 0, sizeof(g));
  g.set = true;
  snprintf(g.filter, sizeof(g.filter), "%s", filter);
  g.match_only = match_only;
  g.firing_only = firing_only;
  return g;
}

static void check(const char *body, const char *filter, bool match_only,
                  bool firing_only, const char *instance, int blocking,
                  const char *names) {
  struct vg_am_gate g = gate(filter, match_only, firing_only);
  vg_regex *re = NULL;
  if (filter[0] != '\0')
    assert_int_equal(vg_regex_compile(filter, &re, NULL, 0), 0);
  struct vg_am_verdict v;
  assert_int_equal(vg_am_check_alerts(body, strlen(body), &g, re, instance, &v),
                   0);
  vg_regex_free(re);
  if (v.blocking != blocking || strcmp(v.names, names) != 0)
    fail_msg("filter '%s' match_only %d: got %d '%s', want %d '%s'", filter,
             match_only, v.blocking, v.names, blocking, names);
}

static void test_gate_real_answer(void **st) {
  (void)st;
  char *body = read_file(VG_TEST_DATA "/alertmanager/alerts-0.25.json");
  /* DiskFull and VssGuardRebootScheduled, both for instance fs1. */
  check(body, "", false, true, "dc1", 2, "VssGuardRebootScheduled, DiskFull");
  check(body, "", false, true, "fs1", 1, "DiskFull"); /* our own: ignored */
  check(body, "^VssGuard", false, true, "dc1", 1, "DiskFull");
  check(body, "^VssGuard", true, true, "dc1", 1, "VssGuardRebootScheduled");
  check(body, "^Disk", true, true, "dc1", 1, "DiskFull");
  check(body, "^(Disk|VssGuard)", false, true, "dc1", 0, "");
  free(body);
}

static void test_gate_states(void **st) {
  (void)st;
  const char *body =
      "[{\"labels\":{\"alertname\":\"A\"},\"status\":{\"state\":"
      "\"unprocessed\"}},"
      "{\"labels\":{\"alertname\":\"B\"},\"status\":{\"state\":\"active\"}},"
      "{\"labels\":{\"alertname\":\"B\"},\"status\":{\"state\":\"active\"}}]";
  check(body, "", false, true, "h", 2, "B");
  check(body, "", false, false, "h", 3, "A, B");
  check("[]", "", false, true, "h", 0, "");
  check(" [ ] \n", "", false, true, "h", 0, "");
}

static void test_gate_malformed(void **st) {
  (void)st;
  static const char *const bad[] = {
      "",
      "{}",
      "[",
      "[{]",
      "[{\"labels\":}]",
      "[1,]",
      "[{}] trailing",
      "null",
      "<html>502</html>",
      "[{\"labels\":{\"alertname\":\"A\\x\"}}]",
  };
  struct vg_am_gate g = gate("", false, true);
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    struct vg_am_verdict v;
    if (vg_am_check_alerts(bad[i], strlen(bad[i]), &g, NULL, "h", &v) !=
        VG_ECORRUPT)
      fail_msg("accepted: %s", bad[i]);
  }
  char deep[200];
  memset(deep, '[', 100);
  memset(deep + 100, ']', 99);
  deep[199] = '\0';
  struct vg_am_verdict v;
  assert_int_equal(vg_am_check_alerts(deep, strlen(deep), &g, NULL, "h", &v),
                   VG_ECORRUPT);
}

static void test_alert_body(void **st) {
  (void)st;
  struct vg_notify n;
  memset(&n, 0, sizeof(n));
  n.nlabels = 1;
  snprintf(n.label_names[0], sizeof(n.label_names[0]), "team");
  snprintf(n.label_values[0], sizeof(n.label_values[0]), "wintel");
  char *b = vg_am_alert_body(VG_AM_INITIATED, "fs1.corp.example", &n,
                             "reboot \"now\"", "why", 1796004000, 1796007600);
  assert_non_null(b);
  assert_string_equal(
      b, "[{\"labels\":{\"alertname\":\"VssGuardRebootInitiated\","
         "\"instance\":\"fs1.corp.example\",\"team\":\"wintel\"},"
         "\"annotations\":{\"summary\":\"reboot \\\"now\\\"\","
         "\"description\":\"why\"},\"startsAt\":\"2026-11-30T02:00:00Z\","
         "\"endsAt\":\"2026-11-30T03:00:00Z\"}]");
  free(b);
  b = vg_am_silence_body("fs1", 1796004000, 1796005800, "reboot");
  assert_string_equal(
      b, "{\"matchers\":[{\"name\":\"instance\",\"value\":\"fs1\","
         "\"isRegex\":false,\"isEqual\":true},{\"name\":\"alertname\","
         "\"value\":\"VssGuard.*\",\"isRegex\":true,\"isEqual\":false}],"
         "\"startsAt\":"
         "\"2026-11-30T02:00:00Z\",\"endsAt\":\"2026-11-30T02:30:00Z\","
         "\"createdBy\":\"vssguard\",\"comment\":\"reboot\"}");
  free(b);
}

static void test_silence_id(void **st) {
  (void)st;
  char id[64];
  const char *ok = "{\"silenceID\":\"1eb30ca1-cc46-4544-8a54-a80cd52a322b\"}";
  assert_int_equal(vg_am_silence_id(ok, strlen(ok), id, sizeof(id)), 0);
  assert_string_equal(id, "1eb30ca1-cc46-4544-8a54-a80cd52a322b");
  const char *bad[] = {"{}", "{\"silenceID\":\"../x\"}", "[]", "",
                       "{\"silenceID\":5}"};
  for (size_t i = 0; i < 5; i++)
    assert_int_equal(vg_am_silence_id(bad[i], strlen(bad[i]), id, sizeof(id)),
                     VG_ECORRUPT);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_url),
      cmocka_unit_test(test_gate_real_answer),
      cmocka_unit_test(test_gate_states),
      cmocka_unit_test(test_gate_malformed),
      cmocka_unit_test(test_alert_body),
      cmocka_unit_test(test_silence_id),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
