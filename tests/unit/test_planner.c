/*
 * Unit tests of the planner on hand-worked cases: windows across midnight
 * and the week boundary, merging, blackouts of every kind, min_time_left,
 * splay, the reasons for skipped windows, DST days in America/New_York,
 * fixed offsets, the projection and the cadence.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "oracle.h"
#include "tzrules.h"
#include "vssguard/planner.h"

enum { SUN, MON, TUE, WED, THU, FRI, SAT };
#define H 3600
#define M 60

/* An instant from RFC 3339 text; fails the test on bad text. */
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

/* A policy in zone z (UTC when NULL) without splay. */
static vg_policy *policy_in(const struct vg_zone *z) {
  vg_policy *p = vg_policy_new();
  assert_non_null(p);
  struct vg_zone utc = {VG_ZONE_UTC, 0, NULL};
  vg_policy_set_zone(p, z != NULL ? z : &utc);
  vg_policy_reboot_mut(p)->splay_s = 0;
  return p;
}

static void add_window(vg_policy *p, uint8_t days, int32_t start_s,
                       int64_t duration_s) {
  struct vg_window w = {.w = {days, start_s, duration_s}};
  assert_int_equal(vg_policy_add_window(p, &w), 0);
}

static void add_weekly_blackout(vg_policy *p, const char *name, uint8_t days,
                                int32_t start_s, int64_t duration_s) {
  struct vg_blackout b;
  memset(&b, 0, sizeof(b));
  snprintf(b.name, sizeof(b.name), "%s", name);
  b.kind = VG_BLACKOUT_WEEKLY;
  b.w.days = days;
  b.w.start_s = start_s;
  b.w.duration_s = duration_s;
  assert_int_equal(vg_policy_add_blackout(p, &b), 0);
}

static void add_monthly_blackout(vg_policy *p, const char *name, int from,
                                 int to) {
  struct vg_blackout b;
  memset(&b, 0, sizeof(b));
  snprintf(b.name, sizeof(b.name), "%s", name);
  b.kind = VG_BLACKOUT_MONTHLY;
  b.from_day = from;
  b.to_day = to;
  assert_int_equal(vg_policy_add_blackout(p, &b), 0);
}

static void add_absolute_blackout(vg_policy *p, const char *name,
                                  vg_wall_t start, vg_wall_t end) {
  struct vg_blackout b;
  memset(&b, 0, sizeof(b));
  snprintf(b.name, sizeof(b.name), "%s", name);
  b.kind = VG_BLACKOUT_ABSOLUTE;
  b.start = start;
  b.end = end;
  assert_int_equal(vg_policy_add_blackout(p, &b), 0);
}

static void assert_next_slot(const vg_policy *p, const char *from,
                             const char *start, const char *end) {
  struct vg_slot s;
  assert_int_equal(vg_plan_next_slot(p, T(from), &s), 0);
  assert_time(s.start, start);
  assert_time(s.end, end);
}

static void test_window_across_midnight_and_week(void **state) {
  (void)state;
  vg_policy *p = policy_in(NULL);
  add_window(p, VG_DAY(SAT), 23 * H, 3 * H);
  assert_next_slot(p, "2026-11-25T00:00:00Z", "2026-11-28T23:00:00Z",
                   "2026-11-29T02:00:00Z");
  /* From inside, the slot that holds from, its start before from. */
  assert_next_slot(p, "2026-11-29T01:00:00Z", "2026-11-28T23:00:00Z",
                   "2026-11-29T02:00:00Z");
  /* At the end it is over: the next Saturday. */
  assert_next_slot(p, "2026-11-29T02:00:00Z", "2026-12-05T23:00:00Z",
                   "2026-12-06T02:00:00Z");
  assert_false(vg_plan_allowed_at(p, T("2026-11-28T22:59:59Z")));
  assert_true(vg_plan_allowed_at(p, T("2026-11-28T23:00:00Z")));
  assert_true(vg_plan_allowed_at(p, T("2026-11-29T01:59:59Z")));
  assert_false(vg_plan_allowed_at(p, T("2026-11-29T02:00:00Z")));
  vg_policy_free(p);
}

static void test_overlapping_and_adjacent_windows_merge(void **state) {
  (void)state;
  vg_policy *p = policy_in(NULL);
  add_window(p, VG_DAY(MON), 1 * H, 2 * H);
  add_window(p, VG_DAY(MON), 2 * H, 2 * H);  /* overlaps */
  add_window(p, VG_DAY(MON), 4 * H, 1 * H);  /* touches */
  add_window(p, VG_DAY(MON), 6 * H, 30 * M); /* apart */
  assert_next_slot(p, "2026-11-29T00:00:00Z", "2026-11-30T01:00:00Z",
                   "2026-11-30T05:00:00Z");
  assert_next_slot(p, "2026-11-30T05:00:00Z", "2026-11-30T06:00:00Z",
                   "2026-11-30T06:30:00Z");

  struct vg_slot s[4];
  size_t n = 0;
  assert_int_equal(vg_plan_slots(p, T("2026-11-30T03:00:00Z"), s, 4, &n), 0);
  assert_int_equal(n, 4);
  assert_time(s[0].start, "2026-11-30T01:00:00Z");
  assert_time(s[1].start, "2026-11-30T06:00:00Z");
  assert_time(s[2].start, "2026-12-07T01:00:00Z");
  assert_time(s[3].end, "2026-12-07T06:30:00Z");
  vg_policy_free(p);
}

static void test_blackout_splits_window(void **state) {
  (void)state;
  vg_policy *p = policy_in(NULL);
  add_window(p, VG_DAY(SUN), 0, 6 * H);
  add_weekly_blackout(p, "backup", VG_DAY(SUN), 2 * H, 1 * H);
  assert_next_slot(p, "2026-11-28T12:00:00Z", "2026-11-29T00:00:00Z",
                   "2026-11-29T02:00:00Z");
  assert_next_slot(p, "2026-11-29T02:30:00Z", "2026-11-29T03:00:00Z",
                   "2026-11-29T06:00:00Z");
  assert_false(vg_plan_allowed_at(p, T("2026-11-29T02:00:00Z")));
  assert_true(vg_plan_allowed_at(p, T("2026-11-29T03:00:00Z")));
  vg_policy_free(p);
}

static void test_monthly_blackout_month_end(void **state) {
  (void)state;
  vg_policy *p = policy_in(NULL);
  add_window(p, VG_ALL_DAYS, 0, 24 * H); /* always open */
  add_monthly_blackout(p, "month-end close", -3, -1);
  /* February 2027 has 28 days, February 2028 has 29. */
  assert_next_slot(p, "2027-02-10T00:00:00Z", "2027-02-01T00:00:00Z",
                   "2027-02-26T00:00:00Z");
  assert_next_slot(p, "2027-02-27T12:00:00Z", "2027-03-01T00:00:00Z",
                   "2027-03-29T00:00:00Z");
  assert_next_slot(p, "2028-02-20T00:00:00Z", "2028-02-01T00:00:00Z",
                   "2028-02-27T00:00:00Z");
  assert_false(vg_plan_allowed_at(p, T("2028-02-29T23:59:59Z")));
  assert_true(vg_plan_allowed_at(p, T("2028-03-01T00:00:00Z")));
  assert_true(vg_plan_allowed_at(p, T("2028-02-26T23:59:59Z")));
  assert_false(vg_plan_allowed_at(p, T("2028-02-27T00:00:00Z")));
  vg_policy_free(p);

  /* From the 28th to the 2nd wraps into the next month. */
  p = policy_in(NULL);
  add_window(p, VG_ALL_DAYS, 0, 24 * H);
  add_monthly_blackout(p, "wrap", 28, 2);
  assert_next_slot(p, "2027-02-10T00:00:00Z", "2027-02-03T00:00:00Z",
                   "2027-02-28T00:00:00Z");
  assert_next_slot(p, "2027-02-28T00:00:00Z", "2027-03-03T00:00:00Z",
                   "2027-03-28T00:00:00Z");
  vg_policy_free(p);

  /* Day 31 is the last day in shorter months. */
  p = policy_in(NULL);
  add_window(p, VG_ALL_DAYS, 0, 24 * H);
  add_monthly_blackout(p, "last", 31, 31);
  assert_next_slot(p, "2027-04-10T00:00:00Z", "2027-04-01T00:00:00Z",
                   "2027-04-30T00:00:00Z");
  vg_policy_free(p);
}

static void test_year_end_freeze_and_skips(void **state) {
  (void)state;
  vg_policy *p = policy_in(NULL);
  add_window(p, VG_DAY(SUN), 2 * H, 3 * H);
  add_absolute_blackout(p, "year-end freeze", T("2026-12-20T00:00:00Z"),
                        T("2027-01-04T00:00:00Z"));
  struct vg_plan plan;
  assert_int_equal(vg_plan_next_reboot(p, T("2026-12-15T00:00:00Z"), 7, &plan),
                   0);
  assert_time(plan.at, "2027-01-10T02:00:00Z");
  assert_time(plan.slot.start, "2027-01-10T02:00:00Z");
  assert_time(plan.slot.end, "2027-01-10T05:00:00Z");
  assert_time(plan.usable_end, "2027-01-10T04:45:00Z");
  assert_int_equal(plan.nskips, 3);
  assert_time(plan.skips[0].window.start, "2026-12-20T02:00:00Z");
  assert_time(plan.skips[2].window.start, "2027-01-03T02:00:00Z");
  for (size_t i = 0; i < plan.nskips; i++)
    assert_string_equal(plan.skips[i].reason, "blackout 'year-end freeze'");
  vg_policy_free(p);
}

static void test_min_time_left(void **state) {
  (void)state;
  vg_policy *p = policy_in(NULL);
  add_window(p, VG_DAY(SUN), 2 * H, 3 * H);
  assert_int_equal(vg_policy_reboot(p)->min_time_left_s, 15 * M);
  struct vg_plan plan;
  /* 16 minutes left: reboot now. */
  assert_int_equal(vg_plan_next_reboot(p, T("2026-11-29T04:44:00Z"), 1, &plan),
                   0);
  assert_time(plan.at, "2026-11-29T04:44:00Z");
  assert_int_equal(plan.nskips, 0);
  assert_true(vg_plan_reboot_allowed_at(p, T("2026-11-29T04:44:59Z")));
  /* Exactly 15 minutes left is not more than min_time_left. */
  assert_false(vg_plan_reboot_allowed_at(p, T("2026-11-29T04:45:00Z")));
  assert_true(vg_plan_allowed_at(p, T("2026-11-29T04:45:00Z")));
  assert_int_equal(vg_plan_next_reboot(p, T("2026-11-29T04:45:00Z"), 1, &plan),
                   0);
  assert_time(plan.at, "2026-12-06T02:00:00Z");
  assert_int_equal(plan.nskips, 1);
  assert_time(plan.skips[0].window.start, "2026-11-29T02:00:00Z");
  assert_string_equal(plan.skips[0].reason, "less than 15m left");

  vg_policy_reboot_mut(p)->min_time_left_s = 90 * M;
  assert_int_equal(vg_plan_next_reboot(p, T("2026-11-29T03:31:00Z"), 1, &plan),
                   0);
  assert_string_equal(plan.skips[0].reason, "less than 1h30m left");
  vg_policy_free(p);
}

static void test_skip_reasons(void **state) {
  (void)state;
  vg_policy *p = policy_in(NULL);
  add_window(p, VG_DAY(SUN), 2 * H, 3 * H);
  add_window(p, VG_DAY(WED), 22 * H, 1 * H);
  /* Sunday's window is covered by two blackouts together. */
  add_weekly_blackout(p, "patching", VG_DAY(SUN), 1 * H, 2 * H);
  add_weekly_blackout(p, "payroll", VG_DAY(SUN), 3 * H, 3 * H);
  /* Wednesday's keeps only ten minutes. */
  add_weekly_blackout(p, "batch", VG_DAY(WED), 22 * H + 10 * M, 2 * H);
  vg_policy_reboot_mut(p)->min_time_left_s = 15 * M;
  struct vg_plan plan;
  assert_int_equal(vg_plan_next_reboot(p, T("2026-11-28T00:00:00Z"), 0, &plan),
                   VG_ENOSLOT);
  /* No slot within the horizon; the skips still say why. */
  assert_int_equal(plan.nskips, VG_PLAN_MAX_SKIPS);
  assert_time(plan.skips[0].window.start, "2026-11-29T02:00:00Z");
  assert_string_equal(plan.skips[0].reason, "blackouts 'patching', 'payroll'");
  assert_time(plan.skips[1].window.start, "2026-12-02T22:00:00Z");
  assert_string_equal(plan.skips[1].reason, "less than 15m left");
  vg_policy_free(p);
}

static void test_no_window_no_slot(void **state) {
  (void)state;
  vg_policy *p = policy_in(NULL);
  struct vg_slot s;
  struct vg_plan plan;
  assert_int_equal(vg_plan_next_slot(p, T("2026-11-28T00:00:00Z"), &s),
                   VG_ENOSLOT);
  assert_int_equal(vg_plan_next_reboot(p, T("2026-11-28T00:00:00Z"), 0, &plan),
                   VG_ENOSLOT);
  assert_int_equal(plan.nskips, 0);
  assert_false(vg_plan_allowed_at(p, T("2026-11-28T00:00:00Z")));
  assert_false(vg_plan_reboot_allowed_at(p, T("2026-11-28T00:00:00Z")));
  vg_policy_free(p);
}

static void test_out_of_range_instants(void **state) {
  (void)state;
  vg_policy *p = policy_in(NULL);
  add_window(p, VG_ALL_DAYS, 0, 2 * H);
  const vg_wall_t bad[] = {INT64_MIN, INT64_MAX, -4000000000000LL,
                           400000000000LL};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    struct vg_slot s;
    struct vg_plan plan;
    struct vg_projection pr;
    size_t n = 1;
    assert_false(vg_plan_allowed_at(p, bad[i]));
    assert_false(vg_plan_reboot_allowed_at(p, bad[i]));
    assert_int_equal(vg_plan_next_slot(p, bad[i], &s), VG_ERANGE);
    assert_int_equal(vg_plan_slots(p, bad[i], &s, 1, &n), VG_ERANGE);
    assert_int_equal(n, 0);
    assert_int_equal(vg_plan_next_reboot(p, bad[i], 0, &plan), VG_ERANGE);
    assert_int_equal(vg_plan_project(p, 1, 1.0, bad[i], &pr), VG_EINVAL);
    assert_true(vg_plan_cadence(bad, 4, bad[i]) == 0.0);
  }
  /* A tiny cadence puts the threshold beyond the planner's years. */
  struct vg_projection pr;
  assert_int_equal(vg_plan_project(p, 0, 1e-9, T("2026-11-25T00:00:00Z"), &pr),
                   0);
  assert_false(pr.have_reboot);
  assert_true(pr.too_sparse);
  vg_policy_free(p);
}

static void test_splay_bounds_and_seed(void **state) {
  (void)state;
  vg_policy *p = policy_in(NULL);
  add_window(p, VG_DAY(SUN), 2 * H, 3 * H);
  vg_policy_reboot_mut(p)->splay_s = 30 * M;
  vg_wall_t start = T("2026-11-29T02:00:00Z");
  vg_wall_t from = T("2026-11-28T00:00:00Z");
  vg_wall_t lo = INT64_MAX, hi = INT64_MIN;
  struct vg_plan a, b;
  for (uint64_t seed = 0; seed < 2000; seed++) {
    assert_int_equal(vg_plan_next_reboot(p, from, seed, &a), 0);
    assert_int_equal(vg_plan_next_reboot(p, from, seed, &b), 0);
    assert_int_equal(a.at, b.at); /* the seed fixes the choice */
    assert_true(a.at >= start && a.at < start + 30 * M);
    assert_true(vg_plan_reboot_allowed_at(p, a.at));
    lo = a.at < lo ? a.at : lo;
    hi = a.at > hi ? a.at : hi;
  }
  /* 2000 draws over 1800 s reach both ends. */
  assert_true(lo - start < 10);
  assert_true(start + 30 * M - hi < 10);

  /* Splay longer than the usable part stays inside it. */
  vg_policy_reboot_mut(p)->splay_s = 6 * H;
  from = T("2026-11-29T04:40:00Z");
  for (uint64_t seed = 0; seed < 500; seed++) {
    assert_int_equal(vg_plan_next_reboot(p, from, seed, &a), 0);
    assert_true(a.at >= from && a.at < T("2026-11-29T04:45:00Z"));
  }
  vg_policy_free(p);
}

static void test_fixed_offset(void **state) {
  (void)state;
  struct vg_zone z;
  assert_int_equal(vg_zone_parse("+05:30", &z), 0);
  vg_policy *p = policy_in(&z);
  add_window(p, VG_DAY(MON), 2 * H, 1 * H);
  /* Monday 02:00 at +05:30 is Sunday 20:30 UTC. */
  assert_next_slot(p, "2026-11-28T00:00:00Z", "2026-11-29T20:30:00Z",
                   "2026-11-29T21:30:00Z");
  vg_policy_free(p);

  assert_int_equal(vg_zone_parse("-03:00", &z), 0);
  p = policy_in(&z);
  add_window(p, VG_DAY(SAT), 23 * H, 2 * H);
  assert_next_slot(p, "2026-11-28T00:00:00Z", "2026-11-29T02:00:00Z",
                   "2026-11-29T04:00:00Z");
  vg_policy_free(p);
}

static void test_dst_new_york(void **state) {
  (void)state;
  struct vg_zone z;
  tz_setup("America/New_York", rules_new_york, T("2027-09-01T00:00:00Z"),
           T("2028-12-01T00:00:00Z"), &z);
  vg_policy *p = policy_in(&z);
  add_window(p, VG_DAY(SUN), 2 * H + 30 * M, 1 * H);
  /* Spring forward (2028-03-12): 02:30 does not exist; the window starts at
   * the end of the gap, 03:00 EDT, and lasts one hour of elapsed time. */
  assert_next_slot(p, "2028-03-11T00:00:00Z", "2028-03-12T07:00:00Z",
                   "2028-03-12T08:00:00Z");
  /* The week before and after, 02:30 EST and 02:30 EDT. */
  assert_next_slot(p, "2028-03-04T00:00:00Z", "2028-03-05T07:30:00Z",
                   "2028-03-05T08:30:00Z");
  assert_next_slot(p, "2028-03-13T00:00:00Z", "2028-03-19T06:30:00Z",
                   "2028-03-19T07:30:00Z");
  vg_policy_free(p);

  /* Fall back (2028-11-05): 01:30 happens twice; the first (EDT) counts. */
  p = policy_in(&z);
  add_window(p, VG_DAY(SUN), 1 * H + 30 * M, 1 * H);
  assert_next_slot(p, "2028-11-04T00:00:00Z", "2028-11-05T05:30:00Z",
                   "2028-11-05T06:30:00Z");
  assert_true(vg_plan_allowed_at(p, T("2028-11-05T06:29:59Z")));
  assert_false(vg_plan_allowed_at(p, T("2028-11-05T06:30:00Z")));
  vg_policy_free(p);

  /* A window across the fall-back night is 3 h of elapsed time. */
  p = policy_in(&z);
  add_window(p, VG_DAY(SUN), 0, 3 * H);
  assert_next_slot(p, "2028-11-04T00:00:00Z", "2028-11-05T04:00:00Z",
                   "2028-11-05T07:00:00Z");
  vg_policy_free(p);
}

static void test_long_slot_across_chunks(void **state) {
  (void)state;
  vg_policy *p = policy_in(NULL);
  add_window(p, VG_ALL_DAYS, 0, 7 * 24 * H); /* overlapping: always open */
  add_absolute_blackout(p, "a", T("2027-01-01T00:00:00Z"),
                        T("2027-01-02T00:00:00Z"));
  add_absolute_blackout(p, "b", T("2027-04-01T00:00:00Z"),
                        T("2027-04-01T00:00:01Z"));
  add_absolute_blackout(p, "c", T("2027-06-01T00:00:00Z"),
                        T("2027-06-02T00:00:00Z"));
  /* A 89-day slot, found whole from anywhere inside. */
  assert_next_slot(p, "2027-02-15T12:34:56Z", "2027-01-02T00:00:00Z",
                   "2027-04-01T00:00:00Z");
  assert_next_slot(p, "2027-01-01T12:00:00Z", "2027-01-02T00:00:00Z",
                   "2027-04-01T00:00:00Z");
  assert_next_slot(p, "2027-04-01T00:00:00Z", "2027-04-01T00:00:01Z",
                   "2027-06-01T00:00:00Z");
  /* Consecutive slots across the one-second blackout. */
  struct vg_slot s[3];
  size_t n = 0;
  assert_int_equal(vg_plan_slots(p, T("2027-03-01T00:00:00Z"), s, 3, &n), 0);
  assert_int_equal(n, 3);
  assert_time(s[0].start, "2027-01-02T00:00:00Z");
  assert_time(s[0].end, "2027-04-01T00:00:00Z");
  assert_time(s[1].start, "2027-04-01T00:00:01Z");
  assert_time(s[2].start, "2027-06-02T00:00:00Z");
  vg_policy_free(p);
}

static void test_slots_match_chained_next_slot(void **state) {
  (void)state;
  struct vg_zone z;
  tz_setup("America/New_York", rules_new_york, T("2027-09-01T00:00:00Z"),
           T("2028-12-01T00:00:00Z"), &z);
  vg_policy *p = policy_in(&z);
  add_window(p, VG_DAY(SUN), 2 * H, 3 * H);
  add_window(p, VG_DAY(WED) | VG_DAY(THU), 23 * H + 30 * M, 2 * H);
  add_window(p, VG_DAY(SAT), 22 * H, 5 * H);
  add_monthly_blackout(p, "close", -3, -1);
  add_weekly_blackout(p, "backup", VG_DAY(SUN), 1 * H, 90 * M);
  enum { N = 3000 };
  static struct vg_slot s[N];
  size_t n = 0;
  vg_wall_t from = T("2027-09-01T00:00:00Z");
  assert_int_equal(vg_plan_slots(p, from, s, N, &n), 0);
  /* Far more than the horizon holds: each slot is sought after the last. */
  assert_int_equal(n, N);
  struct vg_slot c;
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(vg_plan_next_slot(p, from, &c), 0);
    assert_int_equal(c.start, s[i].start);
    assert_int_equal(c.end, s[i].end);
    assert_true(c.start < c.end);
    from = c.end;
  }
  vg_policy_free(p);
}

static void test_projection(void **state) {
  (void)state;
  vg_policy *p = policy_in(NULL);
  assert_int_equal(vg_policy_set_threshold(p, 56), 0);
  add_window(p, VG_DAY(SUN), 2 * H, 3 * H);
  vg_wall_t now = T("2026-11-25T12:00:00Z"); /* a Wednesday */
  struct vg_projection pr;
  assert_int_equal(vg_plan_project(p, 50, 1.0, now, &pr), 0);
  assert_false(pr.threshold_reached);
  assert_time(pr.threshold_at, "2026-12-01T12:00:00Z");
  assert_time(pr.limit_at, "2026-12-09T12:00:00Z");
  assert_true(pr.have_reboot);
  assert_time(pr.reboot_at, "2026-12-06T02:00:00Z");
  assert_false(pr.too_sparse);

  /* Three runs a day: six more take two days, fourteen 4 2/3 days. */
  assert_int_equal(vg_plan_project(p, 50, 3.0, now, &pr), 0);
  assert_time(pr.threshold_at, "2026-11-27T12:00:00Z");
  assert_time(pr.limit_at, "2026-11-30T04:00:00Z");
  assert_time(pr.reboot_at, "2026-11-29T02:00:00Z");
  assert_false(pr.too_sparse);

  /* Four a day: the limit (2026-11-29T00:00) comes before Sunday's window. */
  assert_int_equal(vg_plan_project(p, 50, 4.0, now, &pr), 0);
  assert_time(pr.limit_at, "2026-11-29T00:00:00Z");
  assert_true(pr.too_sparse);

  /* Reached already: the next reboot moment from now. */
  assert_int_equal(vg_plan_project(p, 57, 1.0, now, &pr), 0);
  assert_true(pr.threshold_reached);
  assert_int_equal(pr.threshold_at, now);
  assert_time(pr.reboot_at, "2026-11-29T02:00:00Z");

  assert_int_equal(vg_plan_project(p, 50, 0.0, now, &pr), VG_EINVAL);
  assert_int_equal(vg_plan_project(p, -1, 1.0, now, &pr), VG_EINVAL);
  vg_policy_free(p);

  /* No window at all: too sparse. */
  p = policy_in(NULL);
  assert_int_equal(vg_plan_project(p, 0, 1.0, now, &pr), 0);
  assert_false(pr.have_reboot);
  assert_true(pr.too_sparse);
  vg_policy_free(p);
}

static void test_cadence(void **state) {
  (void)state;
  vg_wall_t now = T("2026-11-25T12:00:00Z");
  vg_wall_t runs[40];
  /* Nightly at 21:00 for 40 nights; the older ones are not recent. */
  for (int i = 0; i < 40; i++)
    runs[i] = T("2026-10-16T21:00:00Z") + (vg_wall_t)i * 86400;
  double rpd = vg_plan_cadence(runs, 40, now);
  assert_true(rpd > 0.999 && rpd < 1.001);
  /* Twice a day. */
  for (int i = 0; i < 40; i++)
    runs[i] = now - 20 * 86400 + (vg_wall_t)i * 43200;
  rpd = vg_plan_cadence(runs, 40, now);
  assert_true(rpd > 1.999 && rpd < 2.001);
  assert_true(vg_plan_cadence(runs, 1, now) == 0.0);
  assert_true(vg_plan_cadence(NULL, 0, now) == 0.0);
  /* Only runs long ago: no recent cadence. */
  runs[0] = now - 100 * 86400;
  runs[1] = now - 99 * 86400;
  assert_true(vg_plan_cadence(runs, 2, now) == 0.0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_window_across_midnight_and_week),
      cmocka_unit_test(test_overlapping_and_adjacent_windows_merge),
      cmocka_unit_test(test_blackout_splits_window),
      cmocka_unit_test(test_monthly_blackout_month_end),
      cmocka_unit_test(test_year_end_freeze_and_skips),
      cmocka_unit_test(test_min_time_left),
      cmocka_unit_test(test_skip_reasons),
      cmocka_unit_test(test_no_window_no_slot),
      cmocka_unit_test(test_out_of_range_instants),
      cmocka_unit_test(test_splay_bounds_and_seed),
      cmocka_unit_test(test_fixed_offset),
      cmocka_unit_test(test_dst_new_york),
      cmocka_unit_test(test_long_slot_across_chunks),
      cmocka_unit_test(test_slots_match_chained_next_slot),
      cmocka_unit_test(test_projection),
      cmocka_unit_test(test_cadence),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
