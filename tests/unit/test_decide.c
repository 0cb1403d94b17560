/*
 * Unit tests of vg_decide, the pure decision: the threshold, the schedule
 * and its validity under a changed policy, the checks at the slot (policy,
 * backup in progress, minimum uptime, reboots per week, one attempt per
 * slot), the loop guard, and wall-clock jumps in both directions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decide_fixture.h"

static int decide(const vg_policy *p, const vg_state *s, vg_wall_t now,
                  vg_wall_t boot, struct vg_decision *d) {
  return decide_at(p, s, now, boot, NULL, d);
}

/* Stores the decision's schedule, as the agent does. */
static void apply(vg_state *s, const struct vg_decision *d) {
  if (d->reschedule)
    vg_state_set_scheduled(s, &d->sched);
}

static void test_below_threshold_is_idle(void **unused) {
  (void)unused;
  vg_policy *p = policy(NULL);
  vg_state *s = state(49, base() - 10 * DAY, NULL);
  struct vg_decision d;
  assert_int_equal(decide(p, s, base(), base() - 10 * DAY, &d), 0);
  assert_int_equal(d.action, VG_ACT_IDLE);
  assert_false(d.reschedule);
  assert_false(d.sched.set);
  vg_state_free(s);
  vg_policy_free(p);
}

static void test_schedule_dropped_below_threshold(void **unused) {
  (void)unused;
  vg_policy *p = policy(NULL);
  char extra[128];
  snprintf(extra, sizeof(extra), "scheduled %lld %lld %lld\n",
           (long long)(base() + 2 * H), (long long)(base() + 2 * H),
           (long long)(base() + 5 * H));
  vg_state *s = state(3, base() - 10 * DAY, extra);
  struct vg_decision d;
  assert_int_equal(decide(p, s, base(), base() - 10 * DAY, &d), 0);
  assert_int_equal(d.action, VG_ACT_IDLE);
  assert_true(d.reschedule);
  assert_false(d.sched.set);
  vg_state_free(s);
  vg_policy_free(p);
}

static void test_threshold_schedules_next_slot(void **unused) {
  (void)unused;
  vg_policy *p = policy(NULL);
  vg_wall_t boot = base() - 10 * DAY;
  vg_state *s = state(50, boot, NULL);
  struct vg_decision d;
  assert_int_equal(decide(p, s, base(), boot, &d), 0);
  assert_int_equal(d.action, VG_ACT_WAIT);
  assert_true(d.reschedule);
  assert_true(d.sched.set);
  assert_false(d.postponed);
  assert_int_equal(d.sched.at, base() + 2 * H);
  assert_int_equal(d.sched.slot_start, base() + 2 * H);
  assert_int_equal(d.sched.slot_end, base() + 5 * H);
  assert_int_equal(d.next, base() + 2 * H);

  /* Stored, the same schedule stands without a change. */
  apply(s, &d);
  assert_int_equal(decide(p, s, base() + H, boot, &d), 0);
  assert_int_equal(d.action, VG_ACT_WAIT);
  assert_false(d.reschedule);
  assert_int_equal(d.next, base() + 2 * H);

  /* At the slot every check passes. */
  assert_int_equal(decide(p, s, base() + 2 * H, boot, &d), 0);
  assert_int_equal(d.action, VG_ACT_REBOOT);
  assert_non_null(strstr(d.why, "threshold 50"));
  /* A timer that fires late inside the usable slot still reboots. */
  assert_int_equal(decide(p, s, base() + 4 * H, boot, &d), 0);
  assert_int_equal(d.action, VG_ACT_REBOOT);
  vg_state_free(s);
  vg_policy_free(p);
}

static void test_locked(void **unused) {
  (void)unused;
  vg_policy *p = policy(NULL);
  vg_state *s = state(55, base() - 10 * DAY, NULL);
  /* Fill the guard: three attempts without a boot. */
  for (int i = 0; i < VG_STATE_MAX_ATTEMPTS; i++)
    assert_int_equal(vg_state_record_attempt(s, base() - (20 - i) * DAY), 0);
  assert_int_equal(vg_state_record_attempt(s, base() - DAY), VG_ELOCKED);
  struct vg_decision d;
  assert_int_equal(decide(p, s, base() + 3 * H, base() - 10 * DAY, &d), 0);
  assert_int_equal(d.action, VG_ACT_LOCKED);
  assert_non_null(strstr(d.why, "vssguard reset"));
  vg_state_free(s);
  vg_policy_free(p);
}

static void test_late_timer_after_slot_replans(void **unused) {
  (void)unused;
  vg_policy *p = policy(NULL);
  vg_wall_t boot = base() - 10 * DAY;
  char extra[128];
  snprintf(extra, sizeof(extra), "scheduled %lld %lld %lld\n",
           (long long)(base() + 2 * H), (long long)(base() + 2 * H),
           (long long)(base() + 5 * H));
  vg_state *s = state(52, boot, extra);
  struct vg_decision d;
  /* The clock jumped forward past the slot: the next day's slot. */
  assert_int_equal(decide(p, s, base() + 7 * H, boot, &d), 0);
  assert_int_equal(d.action, VG_ACT_WAIT);
  assert_true(d.reschedule);
  assert_int_equal(d.sched.at, base() + DAY + 2 * H);
  /* In the last 15 minutes of the slot: not there either. */
  assert_int_equal(decide(p, s, base() + 4 * H + 50 * 60, boot, &d), 0);
  assert_int_equal(d.action, VG_ACT_WAIT);
  assert_int_equal(d.sched.at, base() + DAY + 2 * H);
  vg_state_free(s);
  vg_policy_free(p);
}

static void test_clock_jump_back_waits(void **unused) {
  (void)unused;
  vg_policy *p = policy(NULL);
  vg_wall_t boot = base() - 10 * DAY;
  char extra[128];
  snprintf(extra, sizeof(extra), "scheduled %lld %lld %lld\n",
           (long long)(base() + 2 * H), (long long)(base() + 2 * H),
           (long long)(base() + 5 * H));
  vg_state *s = state(52, boot, extra);
  struct vg_decision d;
  /* The clock moved back by 5 hours from inside the slot. */
  assert_int_equal(decide(p, s, base() + 3 * H - 5 * H, boot, &d), 0);
  assert_int_equal(d.action, VG_ACT_WAIT);
  assert_false(d.reschedule);
  assert_int_equal(d.next, base() + 2 * H);
  vg_state_free(s);
  vg_policy_free(p);
}

static void test_policy_change_replans(void **unused) {
  (void)unused;
  vg_wall_t boot = base() - 10 * DAY;
  char extra[128];
  snprintf(extra, sizeof(extra), "scheduled %lld %lld %lld\n",
           (long long)(base() + 2 * H), (long long)(base() + 2 * H),
           (long long)(base() + 5 * H));
  vg_state *s = state(52, boot, extra);
  /* A blackout now covers the whole Monday. */
  vg_policy *p = policy("blackouts:\n"
                        "  - { name: freeze, start: 2026-11-30T00:00, end: "
                        "2026-12-01T00:00 }\n");
  struct vg_decision d;
  assert_int_equal(decide(p, s, base() + H, boot, &d), 0);
  assert_int_equal(d.action, VG_ACT_WAIT);
  assert_true(d.reschedule);
  assert_int_equal(d.sched.at, base() + DAY + 2 * H);
  assert_true(d.plan.nskips >= 1);
  assert_non_null(strstr(d.plan.skips[0].reason, "freeze"));
  /* Due but now inside the blackout: no reboot, the next slot instead. */
  assert_int_equal(decide(p, s, base() + 3 * H, boot, &d), 0);
  assert_int_equal(d.action, VG_ACT_WAIT);
  assert_int_equal(d.sched.at, base() + DAY + 2 * H);
  vg_state_free(s);
  vg_policy_free(p);
}

static void test_backup_in_progress_postpones(void **unused) {
  (void)unused;
  vg_policy *p = policy(NULL);
  vg_wall_t boot = base() - 10 * DAY;
  char extra[256];
  snprintf(extra, sizeof(extra), "scheduled %lld %lld %lld\nrun %lld s\n",
           (long long)(base() + 2 * H), (long long)(base() + 2 * H),
           (long long)(base() + 5 * H), (long long)(base() + 2 * H - 600));
  vg_state *s = state(52, boot, extra);
  struct vg_decision d;
  assert_int_equal(decide(p, s, base() + 2 * H, boot, &d), 0);
  assert_int_equal(d.action, VG_ACT_WAIT);
  assert_true(d.postponed);
  assert_non_null(strstr(d.why, "backup run in progress"));
  assert_int_equal(d.next, base() + 5 * H - 15 * 60);
  /* With wait_for_backup off it reboots. */
  vg_policy *q = policy(NULL);
  vg_policy_reboot_mut(q)->wait_for_backup = false;
  assert_int_equal(decide(q, s, base() + 2 * H, boot, &d), 0);
  assert_int_equal(d.action, VG_ACT_REBOOT);
  vg_policy_free(q);
  vg_state_free(s);
  vg_policy_free(p);
}

static void test_min_uptime(void **unused) {
  (void)unused;
  vg_policy *p = policy(NULL);
  char extra[128];
  snprintf(extra, sizeof(extra), "scheduled %lld %lld %lld\n",
           (long long)(base() + 2 * H), (long long)(base() + 2 * H),
           (long long)(base() + 5 * H));
  /* Booted 10 minutes before the slot: wait until an hour of uptime. */
  vg_wall_t boot = base() + 2 * H - 600;
  vg_state *s = state(52, boot, extra);
  struct vg_decision d;
  assert_int_equal(decide(p, s, base() + 2 * H, boot, &d), 0);
  assert_int_equal(d.action, VG_ACT_WAIT);
  assert_true(d.postponed);
  assert_int_equal(d.next, boot + H);
  assert_non_null(strstr(d.why, "min_uptime"));
  assert_int_equal(decide(p, s, boot + H, boot, &d), 0);
  assert_int_equal(d.action, VG_ACT_REBOOT);

  /* Booted late in the slot: the hour ends after its usable part. */
  boot = base() + 4 * H;
  assert_int_equal(decide(p, s, base() + 4 * H + 60, boot, &d), 0);
  assert_int_equal(d.action, VG_ACT_WAIT);
  assert_true(d.reschedule);
  assert_int_equal(d.sched.at, base() + DAY + 2 * H);
  vg_state_free(s);
  vg_policy_free(p);
}

static void test_max_per_week(void **unused) {
  (void)unused;
  vg_policy *p = policy(NULL);
  vg_wall_t boot = base() - 2 * H;
  char extra[256];
  /* Two confirmed reboots, 6 and 3 days ago. */
  snprintf(extra, sizeof(extra),
           "scheduled %lld %lld %lld\nreboot %lld 50 1\nreboot %lld 50 1\n",
           (long long)(base() + 2 * H), (long long)(base() + 2 * H),
           (long long)(base() + 5 * H), (long long)(base() - 6 * DAY + 3 * H),
           (long long)(base() - 3 * DAY + 3 * H));
  vg_state *s = state(52, boot, extra);
  struct vg_decision d;
  assert_int_equal(decide(p, s, base() + 2 * H, boot, &d), 0);
  assert_int_equal(d.action, VG_ACT_WAIT);
  assert_true(d.postponed);
  assert_true(d.reschedule);
  assert_non_null(strstr(d.why, "max_per_week"));
  /* The oldest expires at day +1 03:00, inside that day's slot. */
  assert_int_equal(d.sched.at, base() + DAY + 3 * H);
  apply(s, &d);
  assert_int_equal(decide(p, s, base() + DAY + 3 * H, boot, &d), 0);
  assert_int_equal(d.action, VG_ACT_REBOOT);
  vg_state_free(s);
  vg_policy_free(p);
}

static void test_one_attempt_per_slot(void **unused) {
  (void)unused;
  vg_policy *p = policy(NULL);
  vg_wall_t boot = base() - 10 * DAY;
  char extra[128];
  snprintf(extra, sizeof(extra), "scheduled %lld %lld %lld\n",
           (long long)(base() + 2 * H), (long long)(base() + 2 * H),
           (long long)(base() + 5 * H));
  vg_state *s = state(52, boot, extra);
  struct vg_decision d;
  assert_int_equal(decide(p, s, base() + 2 * H, boot, &d), 0);
  assert_int_equal(d.action, VG_ACT_REBOOT);
  /* The attempt is recorded, the reboot did not happen: never twice in
   * the same slot, the next one is the following day's. */
  assert_int_equal(vg_state_record_attempt(s, base() + 2 * H), 0);
  assert_int_equal(decide(p, s, base() + 2 * H + 30, boot, &d), 0);
  assert_int_equal(d.action, VG_ACT_WAIT);
  assert_true(d.reschedule);
  assert_int_equal(d.sched.at, base() + DAY + 2 * H);
  assert_non_null(strstr(d.why, "already initiated"));
  vg_state_free(s);
  vg_policy_free(p);
}

static void test_no_slot(void **unused) {
  (void)unused;
  vg_policy *p = policy("blackouts:\n"
                        "  - { name: forever, start: 2026-01-01T00:00, end: "
                        "2030-01-01T00:00 }\n");
  vg_state *s = state(60, base() - 10 * DAY, NULL);
  struct vg_decision d;
  assert_int_equal(decide(p, s, base(), base() - 10 * DAY, &d), VG_ENOSLOT);
  assert_int_equal(d.action, VG_ACT_IDLE);
  assert_false(d.sched.set);
  assert_non_null(strstr(d.why, "no allowed slot"));
  vg_state_free(s);
  vg_policy_free(p);
}

static void test_splay_inside_usable_part(void **unused) {
  (void)unused;
  vg_policy *p = policy(NULL);
  vg_policy_reboot_mut(p)->splay_s = 2 * H;
  vg_wall_t boot = base() - 10 * DAY;
  vg_state *s = state(50, boot, NULL);
  for (uint64_t seed = 1; seed < 200; seed++) {
    struct vg_decide_input in = {.policy = p,
                                 .state = s,
                                 .now = base(),
                                 .boot_time = boot,
                                 .seed = seed};
    struct vg_decision d;
    assert_int_equal(vg_decide(&in, &d), 0);
    assert_int_equal(d.action, VG_ACT_WAIT);
    assert_true(d.sched.at >= base() + 2 * H);
    assert_true(d.sched.at < base() + 4 * H);
  }
  vg_state_free(s);
  vg_policy_free(p);
}

/*
 * Random walks of the wall clock, jumping hours forward and back, with the
 * decisions applied as the agent applies them: a reboot only ever happens
 * where the policy allows one (inside a slot, outside the blackout, not in
 * its last 15 minutes), and a slot that is open is never missed.
 */
static void test_clock_jumps_random(void **unused) {
  (void)unused;
  vg_policy *p = policy("blackouts:\n"
                        "  - { name: wed, days: [wed], start: \"00:00\", "
                        "duration: 24h }\n");
  uint64_t x = 88172645463325252ull;
  int reboots = 0, waits_in_open_slot = 0;
  for (int walk = 0; walk < 200; walk++) {
    vg_wall_t boot = base() - 30 * DAY;
    vg_state *s = state(60, boot, NULL);
    vg_wall_t now = base() + (vg_wall_t)(x % (7 * DAY));
    for (int step = 0; step < 50; step++) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      struct vg_decision d;
      int rc = decide(p, s, now, boot, &d);
      assert_int_equal(rc, 0);
      apply(s, &d);
      if (d.action == VG_ACT_REBOOT) {
        assert_true(vg_plan_reboot_allowed_at(p, now));
        reboots++;
      } else {
        assert_int_equal(d.action, VG_ACT_WAIT);
        assert_true(d.next > now);
        /* An open slot is never passed over: a wait that is not a
         * postponement stays inside the slot that is open now. */
        if (vg_plan_reboot_allowed_at(p, now) && !d.postponed &&
            now < d.sched.slot_start)
          waits_in_open_slot++;
      }
      /* Jump: -12 h .. +12 h, or follow the timer. */
      if (x % 3 == 0)
        now = d.action == VG_ACT_WAIT ? d.next : now + 60;
      else
        now += (vg_wall_t)(x % (24 * H)) - 12 * H;
    }
    vg_state_free(s);
  }
  assert_true(reboots > 0);
  assert_int_equal(waits_in_open_slot, 0);
  vg_policy_free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_below_threshold_is_idle),
      cmocka_unit_test(test_schedule_dropped_below_threshold),
      cmocka_unit_test(test_threshold_schedules_next_slot),
      cmocka_unit_test(test_locked),
      cmocka_unit_test(test_late_timer_after_slot_replans),
      cmocka_unit_test(test_clock_jump_back_waits),
      cmocka_unit_test(test_policy_change_replans),
      cmocka_unit_test(test_backup_in_progress_postpones),
      cmocka_unit_test(test_min_uptime),
      cmocka_unit_test(test_max_per_week),
      cmocka_unit_test(test_one_attempt_per_slot),
      cmocka_unit_test(test_no_slot),
      cmocka_unit_test(test_splay_inside_usable_part),
      cmocka_unit_test(test_clock_jumps_random),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
