/*
 * Unit tests of the monthly and one-off forms: the YAML mappings, the
 * shorthand strings (also as Group Policy values) and the slots the planner
 * finds for them on hand-worked dates: Patch Tuesday plus five days, the
 * last Saturday, the last day of the month, a day missing from a month, a
 * 5th weekday some months lack, offsets that cross into the next or the
 * previous month, the DST nights of America/New_York, and nth-weekday
 * blackouts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tzrules.h"
#include "vssguard/planner.h"
#include "vssguard/policy.h"

enum { SUN, MON, TUE, WED, THU, FRI, SAT };
#define H 3600

static vg_wall_t T(const char *s) {
  vg_wall_t t = 0;
  assert_int_equal(vg_time_parse(s, NULL, &t), 0);
  return t;
}

static void assert_time(vg_wall_t got, const char *want) {
  char buf[40];
  vg_time_format(got, NULL, buf, sizeof(buf));
  assert_string_equal(buf, want);
}

/* A policy from YAML text; fails the test with the diagnostics. */
static vg_policy *load(const char *yaml) {
  vg_policy *p = NULL;
  vg_diags d = {0};
  int rc = vg_policy_load_string("t.yaml", yaml, strlen(yaml), &p, &d);
  for (size_t i = 0; i < d.n; i++)
    fprintf(stderr, "%s\n", d.items[i].msg);
  vg_diags_free(&d);
  assert_int_equal(rc, 0);
  vg_policy_reboot_mut(p)->splay_s = 0;
  return p;
}

/* A UTC policy with the given window strings and blackout strings. */
static vg_policy *policy_with(const char *const *wins, size_t nw,
                              const char *const *blks, size_t nb) {
  vg_policy *p = vg_policy_new();
  struct vg_zone utc = {VG_ZONE_UTC, 0, NULL};
  vg_diags d = {0};
  assert_non_null(p);
  vg_policy_set_zone(p, &utc);
  vg_policy_reboot_mut(p)->splay_s = 0;
  vg_policy_reboot_mut(p)->min_time_left_s = 0;
  int rc = vg_policy_override(p, "MaintenanceWindows", wins, nw, &d);
  if (rc == 0 && nb > 0)
    rc = vg_policy_override(p, "Blackouts", blks, nb, &d);
  for (size_t i = 0; i < d.n; i++)
    fprintf(stderr, "%s\n", d.items[i].msg);
  vg_diags_free(&d);
  assert_int_equal(rc, 0);
  return p;
}

static void assert_next_slot(const vg_policy *p, const char *from,
                             const char *start, const char *end) {
  struct vg_slot s;
  assert_int_equal(vg_plan_next_slot(p, T(from), &s), 0);
  assert_time(s.start, start);
  assert_time(s.end, end);
}

/* The next slot of a one-window UTC policy given as a shorthand string. */
static void assert_window(const char *win, const char *from, const char *start,
                          const char *end) {
  vg_policy *p = policy_with(&win, 1, NULL, 0);
  assert_next_slot(p, from, start, end);
  vg_policy_free(p);
}

static void test_yaml_forms(void **state) {
  (void)state;
  vg_policy *p = load(
      "timezone: UTC\n"
      "maintenance_windows:\n"
      "  - { days: [sun], start: \"02:00\", duration: 3h }\n"
      "  - { monthly: { weekday: tue, nth: 2, offset_days: 5 }, start: "
      "\"02:00\", duration: 3h }\n"
      "  - { monthly: { weekday: sat, nth: -1 }, start: \"22:00\", duration: "
      "6h }\n"
      "  - { monthly: { day: -1 }, start: \"23:00\", duration: 2h }\n"
      "  - { start: 2027-01-09T22:00, duration: 6h }\n"
      "  - { start: 2027-02-09T22:00, end: 2027-02-10T01:30 }\n"
      "blackouts:\n"
      "  - { name: patch day, monthly: { weekday: tue, nth: 2 } }\n"
      "  - { name: patch night, monthly: { weekday: tue, nth: 2, offset_days: "
      "1 }, start: \"20:00\", duration: 8h }\n");
  assert_int_equal(vg_policy_window_count(p), 6);
  const struct vg_window *w = vg_policy_window(p, 0);
  assert_int_equal(w->kind, VG_WINDOW_WEEKLY);
  w = vg_policy_window(p, 1);
  assert_int_equal(w->kind, VG_WINDOW_MONTHLY);
  assert_int_equal(w->m.nth, 2);
  assert_int_equal(w->m.weekday, TUE);
  assert_int_equal(w->m.offset_days, 5);
  assert_int_equal(w->m.start_s, 2 * H);
  assert_int_equal(w->m.duration_s, 3 * H);
  w = vg_policy_window(p, 2);
  assert_int_equal(w->m.nth, -1);
  assert_int_equal(w->m.weekday, SAT);
  w = vg_policy_window(p, 3);
  assert_int_equal(w->m.nth, 0);
  assert_int_equal(w->m.day, -1);
  w = vg_policy_window(p, 4);
  assert_int_equal(w->kind, VG_WINDOW_ONCE);
  assert_int_equal(w->start, T("2027-01-09T22:00:00Z"));
  assert_int_equal(w->end, T("2027-01-10T04:00:00Z"));
  w = vg_policy_window(p, 5);
  assert_int_equal(w->end, T("2027-02-10T01:30:00Z"));
  const struct vg_blackout *b = vg_policy_blackout(p, 0);
  assert_int_equal(b->kind, VG_BLACKOUT_NTH);
  assert_int_equal(b->m.duration_s, 0);
  b = vg_policy_blackout(p, 1);
  assert_int_equal(b->kind, VG_BLACKOUT_NTH);
  assert_int_equal(b->m.offset_days, 1);
  assert_int_equal(b->m.start_s, 20 * H);
  assert_int_equal(b->m.duration_s, 8 * H);
  vg_policy_free(p);
}

static void test_shorthand_forms(void **state) {
  (void)state;
  struct vg_zone utc = {VG_ZONE_UTC, 0, NULL};
  struct vg_window w;
  char err[200];
  assert_int_equal(
      vg_parse_window("monthly 2nd tue +5d 02:00 3h", &utc, &w, err, 200), 0);
  assert_int_equal(w.kind, VG_WINDOW_MONTHLY);
  assert_int_equal(w.m.nth, 2);
  assert_int_equal(w.m.weekday, TUE);
  assert_int_equal(w.m.offset_days, 5);
  assert_int_equal(
      vg_parse_window("monthly last sat 22:00 6h", &utc, &w, err, sizeof(err)),
      0);
  assert_int_equal(w.m.nth, -1);
  assert_int_equal(w.m.offset_days, 0);
  assert_int_equal(vg_parse_window("Monthly 2nd-last Friday -2d 01:00 1h", &utc,
                                   &w, err, sizeof(err)),
                   0);
  assert_int_equal(w.m.nth, -2);
  assert_int_equal(w.m.weekday, FRI);
  assert_int_equal(w.m.offset_days, -2);
  assert_int_equal(
      vg_parse_window("monthly fifth mon 01:00 1h", &utc, &w, err, sizeof(err)),
      0);
  assert_int_equal(w.m.nth, 5);
  assert_int_equal(
      vg_parse_window("monthly day -1 23:00 2h", &utc, &w, err, sizeof(err)),
      0);
  assert_int_equal(w.m.day, -1);
  assert_int_equal(w.m.nth, 0);
  assert_int_equal(
      vg_parse_window("2027-01-09T22:00 6h", &utc, &w, err, sizeof(err)), 0);
  assert_int_equal(w.kind, VG_WINDOW_ONCE);
  assert_int_equal(w.end - w.start, 6 * H);
  assert_int_equal(vg_parse_window("2027-01-09T22:00+01:00/2027-01-10T02:00Z",
                                   &utc, &w, err, sizeof(err)),
                   0);
  assert_int_equal(w.start, T("2027-01-09T21:00:00Z"));
  assert_int_equal(w.end, T("2027-01-10T02:00:00Z"));
  assert_int_equal(vg_parse_window("sun 02:00 3h", &utc, &w, err, sizeof(err)),
                   0);
  assert_int_equal(w.kind, VG_WINDOW_WEEKLY);
  assert_int_equal(w.w.days, VG_DAY(SUN));

  static const char *const bad[] = {
      "monthly",
      "monthly 0th tue 02:00 1h",
      "monthly 1st-last tue 02:00 1h",
      "monthly 2nd tue +8d 02:00 1h",
      "monthly 2nd tue 5d 02:00 1h",
      "monthly day 32 01:00 1h",
      "monthly day -32 01:00 1h",
      "monthly day x 01:00 1h",
      "monthly 2nd tue 02:00 8d",
      "monthly 2nd tue 02:00 0m",
      "2027-01-09T22:00 8d",
      "2027-01-09T22:00/2027-01-19T22:00",
      "2027-01-09 6h x",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    err[0] = '\0';
    if (vg_parse_window(bad[i], &utc, &w, err, sizeof(err)) == 0)
      fail_msg("'%s' parsed", bad[i]);
    assert_true(err[0] != '\0');
  }

  struct vg_blackout b;
  assert_int_equal(vg_parse_blackout("monthly 2nd tue +1d patch day", &utc, &b,
                                     err, sizeof(err)),
                   0);
  assert_int_equal(b.kind, VG_BLACKOUT_NTH);
  assert_int_equal(b.m.offset_days, 1);
  assert_int_equal(b.m.duration_s, 0);
  assert_string_equal(b.name, "patch day");
  assert_int_equal(vg_parse_blackout("monthly last fri 18:00 12h payroll", &utc,
                                     &b, err, sizeof(err)),
                   0);
  assert_int_equal(b.m.nth, -1);
  assert_int_equal(b.m.start_s, 18 * H);
  assert_int_equal(b.m.duration_s, 12 * H);
  assert_string_equal(b.name, "payroll");
  assert_int_equal(
      vg_parse_blackout("monthly 2nd tue", &utc, &b, err, sizeof(err)), 0);
  assert_string_equal(b.name, "monthly 2nd tue");
  assert_int_equal(
      vg_parse_blackout("monthly 1..3 close", &utc, &b, err, sizeof(err)), 0);
  assert_int_equal(b.kind, VG_BLACKOUT_MONTHLY);
  assert_int_equal(vg_parse_blackout("monthly 2nd tue 25:00 1h x", &utc, &b,
                                     err, sizeof(err)),
                   VG_EINVAL);
}

static void test_monthly_slots(void **state) {
  (void)state;
  /* Patch Tuesday 2026-12-08, +5 days: Sunday 2026-12-13. */
  assert_window("monthly 2nd tue +5d 02:00 3h", "2026-11-30T00:00:00Z",
                "2026-12-13T02:00:00Z", "2026-12-13T05:00:00Z");
  assert_window("monthly 2nd tue +5d 02:00 3h", "2026-12-13T05:00:00Z",
                "2027-01-17T02:00:00Z", "2027-01-17T05:00:00Z");
  /* Inside the window: the slot holding the instant. */
  assert_window("monthly 2nd tue +5d 02:00 3h", "2026-12-13T03:00:00Z",
                "2026-12-13T02:00:00Z", "2026-12-13T05:00:00Z");
  assert_window("monthly last sat 22:00 6h", "2026-11-30T00:00:00Z",
                "2026-12-26T22:00:00Z", "2026-12-27T04:00:00Z");
  assert_window("monthly 2nd-last fri 01:00 1h", "2026-12-01T00:00:00Z",
                "2026-12-18T01:00:00Z", "2026-12-18T02:00:00Z");
  /* The last day, and a day the month lacks (the last day instead). */
  assert_window("monthly day -1 23:00 2h", "2027-02-02T00:00:00Z",
                "2027-02-28T23:00:00Z", "2027-03-01T01:00:00Z");
  assert_window("monthly day 31 23:00 1h", "2027-02-02T00:00:00Z",
                "2027-02-28T23:00:00Z", "2027-03-01T00:00:00Z");
  assert_window("monthly day 31 23:00 1h", "2027-03-01T00:00:00Z",
                "2027-03-31T23:00:00Z", "2027-04-01T00:00:00Z");
  assert_window("monthly day -31 01:00 1h", "2027-02-02T00:00:00Z",
                "2027-03-01T01:00:00Z", "2027-03-01T02:00:00Z");
  /* No 5th Tuesday in January or February 2027. */
  assert_window("monthly 5th tue 02:00 1h", "2027-01-01T00:00:00Z",
                "2027-03-30T02:00:00Z", "2027-03-30T03:00:00Z");
  assert_window("monthly 5th-last tue 02:00 1h", "2027-01-01T00:00:00Z",
                "2027-03-02T02:00:00Z", "2027-03-02T03:00:00Z");
  /* Offsets across months: February's first Monday (the 1st) less three
   * days is 29 January; December's last Saturday (the 26th) plus seven is 2
   * January. */
  assert_window("monthly 1st mon -3d 02:00 1h", "2027-01-20T00:00:00Z",
                "2027-01-29T02:00:00Z", "2027-01-29T03:00:00Z");
  assert_window("monthly last sat +7d 02:00 1h", "2026-12-28T00:00:00Z",
                "2027-01-02T02:00:00Z", "2027-01-02T03:00:00Z");
  /* One-off windows, and nothing after them. */
  assert_window("2027-01-09T22:00 6h", "2026-11-30T00:00:00Z",
                "2027-01-09T22:00:00Z", "2027-01-10T04:00:00Z");
  assert_window("2027-01-09T22:00/2027-01-10T01:00", "2027-01-09T23:00:00Z",
                "2027-01-09T22:00:00Z", "2027-01-10T01:00:00Z");
  const char *once = "2027-01-09T22:00 6h";
  vg_policy *p = policy_with(&once, 1, NULL, 0);
  struct vg_slot s;
  assert_int_equal(vg_plan_next_slot(p, T("2027-01-10T04:00:00Z"), &s),
                   VG_ENOSLOT);
  vg_policy_free(p);
}

static void test_nth_blackouts(void **state) {
  (void)state;
  static const char *const wins[] = {"daily 02:00 3h"};
  static const char *const blks[] = {"monthly 2nd tue patch day",
                                     "monthly 2nd tue +1d 04:00 1h verify"};
  vg_policy *p = policy_with(wins, 1, blks, 2);
  /* 2026-12-08 is blocked all day; on the 9th the window ends at 04:00. */
  assert_next_slot(p, "2026-12-07T05:00:00Z", "2026-12-09T02:00:00Z",
                   "2026-12-09T04:00:00Z");
  assert_false(vg_plan_allowed_at(p, T("2026-12-08T02:30:00Z")));
  assert_true(vg_plan_allowed_at(p, T("2026-12-07T02:30:00Z")));
  struct vg_plan plan;
  assert_int_equal(vg_plan_next_reboot(p, T("2026-12-07T05:00:00Z"), 1, &plan),
                   0);
  assert_int_equal(plan.nskips, 1);
  assert_string_equal(plan.skips[0].reason, "blackout 'patch day'");
  vg_policy_free(p);
}

static void test_dst_new_york(void **state) {
  (void)state;
  struct vg_zone z;
  tz_setup("America/New_York", rules_new_york, T("2027-09-01T00:00:00Z"),
           T("2028-12-01T00:00:00Z"), &z);
  vg_policy *p = vg_policy_new();
  assert_non_null(p);
  vg_policy_set_zone(p, &z);
  struct vg_window w;
  char err[200];
  /* 2028-03-12, the 2nd Sunday of March: 02:30 does not exist, the window
   * starts at the end of the gap (03:00 EDT) and lasts 1 h elapsed. */
  assert_int_equal(
      vg_parse_window("monthly 2nd sun 02:30 1h", &z, &w, err, sizeof(err)), 0);
  assert_int_equal(vg_policy_add_window(p, &w), 0);
  assert_next_slot(p, "2028-03-01T00:00:00Z", "2028-03-12T07:00:00Z",
                   "2028-03-12T08:00:00Z");
  /* 2028-11-05, the 1st Sunday of November: 01:30 happens twice; the first
   * (EDT) counts. A one-off window in the repeated hour does the same. */
  assert_int_equal(
      vg_parse_window("monthly 1st sun 01:30 1h", &z, &w, err, sizeof(err)), 0);
  assert_int_equal(vg_policy_add_window(p, &w), 0);
  assert_next_slot(p, "2028-11-01T00:00:00Z", "2028-11-05T05:30:00Z",
                   "2028-11-05T06:30:00Z");
  vg_policy_free(p);
  assert_int_equal(
      vg_parse_window("2028-11-05T01:30 3h", &z, &w, err, sizeof(err)), 0);
  assert_int_equal(w.start, T("2028-11-05T05:30:00Z"));
  assert_int_equal(w.end, T("2028-11-05T08:30:00Z"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_yaml_forms),
      cmocka_unit_test(test_shorthand_forms),
      cmocka_unit_test(test_monthly_slots),
      cmocka_unit_test(test_nth_blackouts),
      cmocka_unit_test(test_dst_new_york),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
