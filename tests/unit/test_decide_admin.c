/*
 * Unit tests of the causes of a reboot other than the threshold, through
 * vg_decide: the Windows Update piggyback (a pending restart and the count
 * at least piggyback.min_count plans the next allowed slot, through every
 * guard, and the reasons say so) and the policy keys behind it; an
 * administrator's reboot request (whatever the count, until a boot) and
 * pause (holds every cause), and their state lines.
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
                  const char *pending, struct vg_decision *d) {
  return decide_at(p, s, now, base() - 10 * DAY, pending, d);
}

static const char *WU = "Windows Update needs a restart (RebootRequired)";

static void test_piggyback_keys(void **unused) {
  (void)unused;
  vg_policy *p = policy(NULL);
  assert_false(vg_policy_piggyback(p)->windows_update);
  assert_int_equal(vg_policy_piggyback(p)->min_count, 32);
  assert_int_equal(vg_policy_origin(p, "piggyback.min_count"),
                   VG_ORIGIN_DEFAULT);
  vg_policy_free(p);
  p = policy("piggyback: { windows_update: true, min_count: 20 }\n");
  assert_true(vg_policy_piggyback(p)->windows_update);
  assert_int_equal(vg_policy_piggyback(p)->min_count, 20);
  assert_int_equal(vg_policy_origin(p, "piggyback.min_count"), VG_ORIGIN_FILE);
  vg_policy_free(p);

  static const char *const bad[] = {
      "piggyback: { min_count: 64 }\n",
      "piggyback: { min_count: -1 }\n",
      "piggyback: { windows_update: maybe }\n",
      "piggyback: { windows_updates: true }\n",
      "piggyback: [true]\n",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char yaml[512];
    snprintf(yaml, sizeof(yaml), "maintenance_windows: [\"sun 02:00 3h\"]\n%s",
             bad[i]);
    vg_policy *q = NULL;
    vg_diags d = {0};
    assert_int_equal(
        vg_policy_load_string("t.yaml", yaml, strlen(yaml), &q, &d), VG_EINVAL);
    assert_true(d.n > 0);
    assert_int_equal(d.items[0].line, 2);
    vg_diags_free(&d);
  }
}

static void test_piggyback_plans_next_slot(void **unused) {
  (void)unused;
  vg_policy *p = policy("piggyback: { windows_update: true, min_count: 30 }\n");
  vg_state *s = state(30, base() - 10 * DAY, NULL);
  struct vg_decision d;
  /* No restart pending: below the threshold, nothing. */
  assert_int_equal(decide(p, s, base(), NULL, &d), 0);
  assert_int_equal(d.action, VG_ACT_IDLE);
  assert_int_equal(d.cause, VG_CAUSE_NONE);
  /* Pending: the next slot (02:00 today), and the reason says why. */
  assert_int_equal(decide(p, s, base(), WU, &d), 0);
  assert_int_equal(d.action, VG_ACT_WAIT);
  assert_int_equal(d.cause, VG_CAUSE_PIGGYBACK);
  assert_true(d.reschedule);
  assert_int_equal(d.sched.at, base() + 2 * H);
  assert_non_null(strstr(d.why, "RebootRequired"));
  assert_non_null(strstr(d.why, "piggyback.min_count 30"));
  vg_state_set_scheduled(s, &d.sched);
  /* At the slot: reboot, with the same reason. */
  assert_int_equal(decide(p, s, base() + 2 * H, WU, &d), 0);
  assert_int_equal(d.action, VG_ACT_REBOOT);
  assert_non_null(strstr(d.why, "Windows Update needs a restart"));
  /* The restart is no longer pending (someone rebooted it away, or the
   * update was withdrawn): the schedule is dropped. */
  assert_int_equal(decide(p, s, base() + 2 * H, NULL, &d), 0);
  assert_int_equal(d.action, VG_ACT_IDLE);
  assert_true(d.reschedule);
  assert_false(d.sched.set);
  vg_state_free(s);
  vg_policy_free(p);
}

static void test_piggyback_needs_min_count_and_switch(void **unused) {
  (void)unused;
  struct vg_decision d;
  vg_policy *p = policy("piggyback: { windows_update: true, min_count: 30 }\n");
  vg_state *s = state(29, base() - 10 * DAY, NULL);
  assert_int_equal(decide(p, s, base(), WU, &d), 0);
  assert_int_equal(d.action, VG_ACT_IDLE);
  vg_state_free(s);
  vg_policy_free(p);
  /* Off (the default): a pending restart changes nothing. */
  p = policy(NULL);
  s = state(45, base() - 10 * DAY, NULL);
  assert_int_equal(decide(p, s, base(), WU, &d), 0);
  assert_int_equal(d.action, VG_ACT_IDLE);
  vg_state_free(s);
  vg_policy_free(p);
  /* min_count 0: even right after a boot. */
  p = policy("piggyback: { windows_update: true, min_count: 0 }\n");
  s = state(0, base() - 10 * DAY, NULL);
  assert_int_equal(decide(p, s, base(), WU, &d), 0);
  assert_int_equal(d.action, VG_ACT_WAIT);
  vg_state_free(s);
  vg_policy_free(p);
}

static void test_piggyback_keeps_guards(void **unused) {
  (void)unused;
  struct vg_decision d;
  vg_policy *p = policy("piggyback: { windows_update: true, min_count: 10 }\n"
                        "blackouts: [\"mon 00:00 24h no mondays\"]\n");
  vg_state *s = state(12, base() - 10 * DAY, NULL);
  /* Monday is blacked out: Tuesday 02:00. */
  assert_int_equal(decide(p, s, base(), WU, &d), 0);
  assert_int_equal(d.action, VG_ACT_WAIT);
  assert_int_equal(d.sched.at, base() + DAY + 2 * H);
  assert_int_equal(d.plan.nskips, 1);
  vg_state_set_scheduled(s, &d.sched);
  /* A backup running at the slot holds it, as for the threshold. */
  char extra[128];
  snprintf(extra, sizeof(extra), "run %lld s\n", (long long)(base() + DAY + H));
  vg_state *s2 = state(12, base() - 10 * DAY, extra);
  vg_state_set_scheduled(s2, &d.sched);
  struct vg_decision d2;
  assert_int_equal(decide(p, s2, base() + DAY + 2 * H, WU, &d2), 0);
  assert_int_equal(d2.action, VG_ACT_WAIT);
  assert_non_null(strstr(d2.why, "backup run in progress"));
  vg_state_free(s2);
  /* Minimum uptime holds it too. */
  struct vg_decide_input in;
  memset(&in, 0, sizeof(in));
  in.policy = p;
  in.state = s;
  in.now = base() + DAY + 2 * H;
  in.boot_time = in.now - 60;
  in.restart_pending = WU;
  assert_int_equal(vg_decide(&in, &d), 0);
  assert_int_equal(d.action, VG_ACT_WAIT);
  assert_non_null(strstr(d.why, "min_uptime"));
  vg_state_free(s);
  vg_policy_free(p);
}

static void test_admin_lines_round_trip(void **unused) {
  (void)unused;
  vg_state *s = state(3, base() - DAY,
                      "request 1796000000 driver\\supdate  now\n"
                      "pause 1797000000 1796000000\n");
  struct vg_admin ad;
  vg_state_admin(s, &ad);
  assert_true(ad.requested);
  assert_int_equal(ad.requested_at, 1796000000);
  assert_string_equal(ad.request_reason, "driver update  now");
  assert_true(ad.paused);
  assert_int_equal(ad.paused_until, 1797000000);
  assert_string_equal(ad.pause_reason, "");
  char *text = vg_state_serialize(s);
  assert_non_null(text);
  assert_non_null(strstr(text, "\nrequest 1796000000 driver update  now\n"));
  assert_non_null(strstr(text, "\npause 1797000000 1796000000\nend\n"));
  vg_state *again = NULL;
  assert_int_equal(
      vg_state_load_string("again", text, strlen(text), &again, NULL, 0), 0);
  struct vg_admin ad2;
  vg_state_admin(again, &ad2);
  assert_string_equal(ad2.request_reason, ad.request_reason);
  free(text);
  vg_state_free(again);
  vg_state_free(s);
  /* Bad lines are corrupt, with the line. */
  static const char *const bad[] = {
      "request x\n", "pause 5\n", "request 1 a\\q\n", "request 1\nrequest 2\n"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char text2[512], err[256] = "";
    snprintf(text2, sizeof(text2),
             "vssguard-state 1\nboot_time 0\ncount 0\nlast_event_time 0\n"
             "attempts 0\nlocked 0\n%send\n",
             bad[i]);
    vg_state *b = NULL;
    assert_int_equal(
        vg_state_load_string("st", text2, strlen(text2), &b, err, sizeof(err)),
        VG_ECORRUPT);
    assert_true(strstr(err, "st:7: ") != NULL ||
                strstr(err, "st:8: request given twice") != NULL);
  }
}

static void test_request_whatever_the_count(void **unused) {
  (void)unused;
  vg_policy *p = policy(NULL);
  char extra[128];
  snprintf(extra, sizeof(extra), "request %lld\n", (long long)(base() - H));
  vg_state *s = state(0, base() - DAY, extra);
  struct vg_decision d;
  assert_int_equal(decide(p, s, base(), NULL, &d), 0);
  assert_int_equal(d.cause, VG_CAUSE_REQUEST);
  assert_int_equal(d.action, VG_ACT_WAIT);
  assert_int_equal(d.sched.at, base() + 2 * H);
  vg_state_set_scheduled(s, &d.sched);
  assert_int_equal(decide(p, s, base() + 2 * H, NULL, &d), 0);
  assert_int_equal(d.action, VG_ACT_REBOOT);
  assert_non_null(strstr(d.why, "an administrator asked"));
  vg_state_free(s);
  /* A boot after the request satisfies it. */
  s = state(0, base() - 10, extra);
  assert_int_equal(decide(p, s, base(), NULL, &d), 0);
  assert_int_equal(d.action, VG_ACT_IDLE);
  vg_state_free(s);
  vg_policy_free(p);
}

static void test_pause_holds_every_cause(void **unused) {
  (void)unused;
  vg_policy *p = policy(NULL);
  char extra[160];
  /* Paused until Wednesday 12:00, count at the threshold, a schedule. */
  snprintf(extra, sizeof(extra),
           "scheduled %lld %lld %lld\npause %lld %lld freeze\n",
           (long long)(base() + 2 * H), (long long)(base() + 2 * H),
           (long long)(base() + 5 * H), (long long)(base() + 2 * DAY + 12 * H),
           (long long)(base() - H));
  vg_state *s = state(55, base() - 10 * DAY, extra);
  struct vg_decision d;
  assert_int_equal(decide(p, s, base() + 2 * H, NULL, &d), 0);
  assert_int_equal(d.action, VG_ACT_WAIT);
  assert_true(d.postponed);
  assert_true(d.reschedule);
  assert_false(d.sched.set);
  assert_int_equal(d.next, base() + 2 * DAY + 12 * H);
  assert_non_null(strstr(d.why, "paused by an administrator"));
  assert_non_null(strstr(d.why, "(freeze)"));
  vg_state_set_scheduled(s, &d.sched);
  /* When it ends: the next slot after it (Thursday 02:00). */
  assert_int_equal(decide(p, s, base() + 2 * DAY + 12 * H, NULL, &d), 0);
  assert_int_equal(d.action, VG_ACT_WAIT);
  assert_int_equal(d.sched.at, base() + 3 * DAY + 2 * H);
  vg_state_free(s);
  vg_policy_free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_piggyback_keys),
      cmocka_unit_test(test_piggyback_plans_next_slot),
      cmocka_unit_test(test_piggyback_needs_min_count_and_switch),
      cmocka_unit_test(test_piggyback_keeps_guards),
      cmocka_unit_test(test_admin_lines_round_trip),
      cmocka_unit_test(test_request_whatever_the_count),
      cmocka_unit_test(test_pause_holds_every_cause),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
