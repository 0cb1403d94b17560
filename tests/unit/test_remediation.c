/*
 * Unit tests of verified remediation and foreign sessions in the tracker:
 * after a boot that confirms our reboot, the first backup run that ends
 * without a VSS 12289 verifies the remediation (once, saved in the state);
 * a run with a 12289 does not; a boot we did not cause awaits nothing. A
 * 12289 soon after a boot whose Active sessions is well above the runs
 * since the boot flags another VSS requestor, and the count still follows
 * the observed value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vssguard/event.h"
#include "vssguard/state.h"
#include "vssguard/tracker.h"

#define WSB "Microsoft-Windows-Backup"
#define T0 ((vg_wall_t)1780347600) /* 2026-06-01T21:00:00Z */
#define DAY 86400

struct evb {
  struct vg_event ev;
  char text[512];
};

static uint64_t rec;

static struct vg_event *mk(struct evb *b, const char *channel,
                           const char *provider, uint32_t id, vg_wall_t t) {
  memset(b, 0, sizeof(*b));
  snprintf(b->ev.channel, sizeof(b->ev.channel), "%s", channel);
  snprintf(b->ev.provider, sizeof(b->ev.provider), "%s", provider);
  b->ev.event_id = id;
  b->ev.level = 4;
  b->ev.time = t;
  b->ev.record_id = ++rec;
  b->ev.text = b->text;
  return &b->ev;
}

static struct vg_track_result apply(vg_state *s, struct vg_event *ev) {
  struct vg_track_result r;
  assert_int_equal(vg_tracker_apply(s, ev, true, &r), 0);
  return r;
}

/* A run at t without BackupTime: 1 then 14; returns the 14's result. */
static struct vg_track_result run(vg_state *s, vg_wall_t t) {
  struct evb b;
  apply(s, mk(&b, WSB, WSB, 1, t));
  return apply(s, mk(&b, WSB, WSB, 14, t + 1800));
}

static struct vg_track_result vss(vg_state *s, vg_wall_t t, int n) {
  struct evb b;
  mk(&b, "Application", "VSS", 12289, t);
  b.ev.level = 2;
  snprintf(b.text, sizeof(b.text),
           "0x80042409 Operation: PostSnapshot Event Context: Maximum "
           "supported sessions: 64 Completed sessions: 8 Active sessions: %d "
           "Aborted sessions: 0",
           n);
  return apply(s, &b.ev);
}

static struct vg_track_result boot(vg_state *s, vg_wall_t t) {
  struct evb b;
  return apply(s, mk(&b, "System", "EventLog", 6005, t));
}

/* A state at count 56 with one reboot attempt pending, booted at T0. */
static vg_state *before_reboot(void) {
  vg_state *s = vg_state_new();
  struct vg_track_result r;
  assert_non_null(s);
  rec = 0;
  vg_tracker_boot_time(s, T0, &r);
  vss(s, T0 + 3600, 56);
  assert_int_equal(vg_state_record_attempt(s, T0 + 2 * DAY), 0);
  return s;
}

static void test_verified_by_first_clean_run(void **unused) {
  (void)unused;
  vg_state *s = before_reboot();
  assert_false(vg_state_remediation_pending(s));
  struct vg_track_result r = boot(s, T0 + 2 * DAY + 120);
  assert_true(r.remediated);
  assert_true(vg_state_remediation_pending(s));
  assert_int_equal(vg_state_remediation_verified(s), 0);
  r = run(s, T0 + 3 * DAY);
  assert_true(r.verified);
  assert_false(vg_state_remediation_pending(s));
  assert_int_equal(vg_state_remediation_verified(s), T0 + 3 * DAY + 1800);
  /* Saved and loaded back. */
  char *text = vg_state_serialize(s);
  assert_non_null(strstr(text, "\nremediation 0 1780608600\n"));
  vg_state *again = NULL;
  assert_int_equal(
      vg_state_load_string("st", text, strlen(text), &again, NULL, 0), 0);
  assert_int_equal(vg_state_remediation_verified(again), T0 + 3 * DAY + 1800);
  free(text);
  vg_state_free(again);
  /* Once: the next run says nothing. */
  r = run(s, T0 + 4 * DAY);
  assert_false(r.verified);
  /* Any later boot clears it. */
  boot(s, T0 + 5 * DAY);
  assert_int_equal(vg_state_remediation_verified(s), 0);
  assert_false(vg_state_remediation_pending(s));
  vg_state_free(s);
}

static void test_pending_across_another_boot(void **unused) {
  (void)unused;
  vg_state *s = before_reboot();
  boot(s, T0 + 2 * DAY + 120);
  boot(s, T0 + 2 * DAY + 7200); /* rebooted again before any backup */
  assert_true(vg_state_remediation_pending(s));
  assert_true(run(s, T0 + 3 * DAY).verified);
  vg_state_free(s);
}

static void test_run_with_12289_does_not_verify(void **unused) {
  (void)unused;
  vg_state *s = before_reboot();
  boot(s, T0 + 2 * DAY + 120);
  struct evb b;
  apply(s, mk(&b, WSB, WSB, 1, T0 + 3 * DAY));
  vss(s, T0 + 3 * DAY + 600, 1);
  struct vg_track_result r = apply(s, mk(&b, WSB, WSB, 14, T0 + 3 * DAY + 900));
  assert_false(r.verified);
  assert_true(vg_state_remediation_pending(s));
  r = run(s, T0 + 4 * DAY);
  assert_true(r.verified);
  vg_state_free(s);
}

static void test_boot_we_did_not_cause(void **unused) {
  (void)unused;
  vg_state *s = vg_state_new();
  struct vg_track_result r;
  vg_tracker_boot_time(s, T0, &r);
  boot(s, T0 + DAY);
  r = run(s, T0 + 2 * DAY);
  assert_false(r.verified);
  assert_false(vg_state_remediation_pending(s));
  vg_state_free(s);
}

static void test_foreign_sessions(void **unused) {
  (void)unused;
  vg_state *s = vg_state_new();
  struct vg_track_result r;
  rec = 0;
  vg_tracker_boot_time(s, T0, &r);
  run(s, T0 + 3600);
  run(s, T0 + DAY);
  /* Two runs since the boot, 6 sessions: within the margin. */
  r = vss(s, T0 + DAY + 2000, 6);
  assert_int_equal(r.kind, VG_TRACK_CALIBRATED);
  assert_false(r.foreign);
  /* 12 sessions: another requestor; the count follows the observed value. */
  r = vss(s, T0 + 2 * DAY, 12);
  assert_true(r.foreign);
  assert_int_equal(r.runs_since_boot, 2);
  assert_int_equal(vg_state_count(s), 12);
  /* Long after the boot, a high count is nothing unusual. */
  r = vss(s, T0 + 8 * DAY, 40);
  assert_false(r.foreign);
  assert_int_equal(vg_state_count(s), 40);
  vg_state_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_verified_by_first_clean_run),
      cmocka_unit_test(test_pending_across_another_boot),
      cmocka_unit_test(test_run_with_12289_does_not_verify),
      cmocka_unit_test(test_boot_we_did_not_cause),
      cmocka_unit_test(test_foreign_sessions),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
