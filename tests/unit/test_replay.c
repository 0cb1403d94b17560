/*
 * Unit tests of replay on small in-memory histories: the count over time,
 * the reboot the agent would initiate and the simulated boot after it,
 * blackouts, calibration, recorded boots, duplicates, postponement while a
 * backup runs, advancing past the last event, and determinism of the splay.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vssguard/replay.h"
#include "vssguard/zone.h"

#define DAY 86400
#define HOUR 3600

/* 2026-03-01T00:00:00Z, a Sunday. */
static vg_wall_t base(void) {
  return vg_days_from_civil(2026, 3, 1) * DAY;
}

struct rec {
  enum vg_replay_kind kind;
  vg_wall_t at;
  int count;
  size_t nskips;
  char skip0[128];
};

struct sink {
  struct rec r[256];
  size_t n;
};

static void on_entry(const struct vg_replay_entry *e, void *ud) {
  struct sink *s = ud;
  if (s->n >= 256)
    return;
  struct rec *r = &s->r[s->n++];
  memset(r, 0, sizeof(*r));
  r->kind = e->kind;
  r->at = e->at;
  r->count = e->count_after;
  if (e->plan != NULL) {
    r->nskips = e->plan->nskips;
    if (e->plan->nskips > 0)
      snprintf(r->skip0, sizeof(r->skip0), "%s", e->plan->skips[0].reason);
  }
}

static size_t count_kind(const struct sink *s, enum vg_replay_kind k) {
  size_t n = 0;
  for (size_t i = 0; i < s->n; i++)
    n += s->r[i].kind == k;
  return n;
}

static const struct rec *first_kind(const struct sink *s,
                                    enum vg_replay_kind k) {
  for (size_t i = 0; i < s->n; i++)
    if (s->r[i].kind == k)
      return &s->r[i];
  return NULL;
}

static vg_policy *policy(const char *extra) {
  char buf[2048];
  snprintf(buf, sizeof(buf),
           "threshold: 3\n"
           "timezone: UTC\n"
           "maintenance_windows:\n"
           "  - \"daily 02:00 3h\"\n"
           "%s",
           extra);
  vg_policy *p = NULL;
  vg_diags d = {0};
  int rc = vg_policy_load_string("test.yaml", buf, strlen(buf), &p, &d);
  for (size_t i = 0; i < d.n; i++)
    fprintf(stderr, "%s:%d:%d: %s\n", d.items[i].file, d.items[i].line,
            d.items[i].col, d.items[i].msg);
  vg_diags_free(&d);
  assert_int_equal(rc, 0);
  return p;
}

static const char *const no_splay = "reboot:\n  splay: 0s\n  min_uptime: 0s\n";

/* Builds and replays one event. */
struct evspec {
  const char *channel;
  const char *provider;
  uint32_t id;
  uint64_t record;
  vg_wall_t time;
  vg_wall_t backup_time; /* 0 = no BackupTime field */
  const char *text;
};

static void feed(vg_replay *r, const struct evspec *s) {
  struct vg_event ev;
  char bt[64];
  memset(&ev, 0, sizeof(ev));
  snprintf(ev.channel, sizeof(ev.channel), "%s", s->channel);
  snprintf(ev.provider, sizeof(ev.provider), "%s", s->provider);
  ev.event_id = s->id;
  ev.level = 4;
  ev.record_id = s->record;
  ev.time = s->time;
  if (s->backup_time != 0) {
    vg_time_format(s->backup_time, NULL, bt, sizeof(bt));
    snprintf(ev.fields[0].name, sizeof(ev.fields[0].name), "BackupTime");
    ev.fields[0].value = bt;
    ev.nfields = 1;
  }
  ev.text = (char *)(s->text ? s->text : "");
  assert_int_equal(vg_replay_event(r, &ev), 0);
}

static uint64_t backup_rec = 1;

/* A backup run from start to end (events 1 and 4). */
static void backup(vg_replay *r, vg_wall_t start, vg_wall_t end) {
  struct evspec a = {"Microsoft-Windows-Backup",
                     "Microsoft-Windows-Backup",
                     1,
                     backup_rec++,
                     start,
                     0,
                     NULL};
  struct evspec b = {"Microsoft-Windows-Backup",
                     "Microsoft-Windows-Backup",
                     4,
                     backup_rec++,
                     end,
                     start,
                     NULL};
  feed(r, &a);
  feed(r, &b);
}

/* Nightly runs at 22:00-23:00 on days from..to (inclusive) after base. */
static void nightly(vg_replay *r, int from, int to) {
  for (int d = from; d <= to; d++)
    backup(r, base() + d * DAY + 22 * HOUR, base() + d * DAY + 23 * HOUR);
}

static void test_reboot_then_boot(void **st) {
  (void)st;
  vg_policy *p = policy(no_splay);
  struct sink s = {0};
  vg_replay *r;
  assert_int_equal(vg_replay_new(p, 1, on_entry, &s, &r), 0);
  nightly(r, 0, 4);
  const struct vg_replay_stats *x = vg_replay_stats(r);
  assert_int_equal(x->runs_counted, 5);
  assert_int_equal(x->nreboots, 1);
  /* Threshold 3 reached on day 2 at 23:00; the slot opens day 3 02:00. */
  assert_int_equal(x->reboots[0].at, base() + 3 * DAY + 2 * HOUR);
  assert_int_equal(x->reboots[0].count, 3);
  /* The simulated boot reset the count; days 3 and 4 counted again. */
  assert_int_equal(x->final_count, 2);
  assert_int_equal(vg_state_count(vg_replay_state(r)), 2);
  assert_int_equal(x->max_count, 3);
  assert_int_equal(x->boots, 0);
  assert_int_equal(count_kind(&s, VG_REPLAY_SCHEDULED), 1);
  assert_int_equal(count_kind(&s, VG_REPLAY_REBOOT), 1);
  const struct rec *b = first_kind(&s, VG_REPLAY_REBOOT_BOOT);
  assert_non_null(b);
  assert_int_equal(b->at, base() + 3 * DAY + 2 * HOUR + VG_REPLAY_BOOT_DELAY_S);
  assert_int_equal(b->count, 0);
  assert_int_equal(count_kind(&s, VG_REPLAY_RUN_COUNTED), 5);
  vg_replay_free(r);
  vg_policy_free(p);
}

static void test_blackout_prevents_reboot(void **st) {
  (void)st;
  vg_policy *p = policy("reboot:\n  splay: 0s\n  min_uptime: 0s\n"
                        "blackouts:\n"
                        "  - { name: freeze, start: 2026-03-03T00:00, end: "
                        "2026-03-10T00:00 }\n");
  struct sink s = {0};
  vg_replay *r;
  assert_int_equal(vg_replay_new(p, 1, on_entry, &s, &r), 0);
  nightly(r, 0, 5);
  const struct vg_replay_stats *x = vg_replay_stats(r);
  assert_int_equal(x->nreboots, 0);
  assert_int_equal(x->final_count, 6);
  /* The schedule waits for the first slot after the freeze, and says why
   * the earlier windows were skipped. */
  const struct rec *sc = first_kind(&s, VG_REPLAY_SCHEDULED);
  assert_non_null(sc);
  assert_true(sc->nskips > 0);
  assert_non_null(strstr(sc->skip0, "freeze"));
  struct vg_sched sched;
  vg_state_scheduled(vg_replay_state(r), &sched);
  assert_true(sched.set);
  assert_int_equal(sched.at, base() + 9 * DAY + 2 * HOUR);
  /* Advancing past the freeze lets the agent reboot at that slot. */
  assert_int_equal(vg_replay_advance(r, base() + 12 * DAY), 0);
  assert_int_equal(x->nreboots, 1);
  assert_int_equal(x->reboots[0].at, base() + 9 * DAY + 2 * HOUR);
  assert_int_equal(x->reboots[0].count, 6);
  assert_int_equal(x->now, base() + 12 * DAY);
  vg_replay_free(r);
  vg_policy_free(p);
}

static void test_calibration_boot_duplicates(void **st) {
  (void)st;
  vg_policy *p = policy(no_splay);
  struct sink s = {0};
  vg_replay *r;
  assert_int_equal(vg_replay_new(p, 1, on_entry, &s, &r), 0);
  nightly(r, 0, 0);
  /* A recorded boot on day 1 at 08:00 resets the count. */
  struct evspec boot = {"System", "EventLog", 6005, 10, base() + DAY + 8 * HOUR,
                        0,        NULL};
  feed(r, &boot);
  assert_int_equal(vg_replay_stats(r)->boots, 1);
  assert_int_equal(vg_replay_stats(r)->final_count, 0);
  /* VSS 12289 says 1 active session. */
  struct evspec vss = {"Application",
                       "VSS",
                       12289,
                       20,
                       base() + DAY + 9 * HOUR,
                       0,
                       "Operation:\nPostSnapshot Event\n\nContext:\n"
                       "Maximum supported sessions: 64\nCompleted sessions: "
                       "8\nActive sessions: 1\nAborted sessions: 0"};
  feed(r, &vss);
  assert_int_equal(vg_replay_stats(r)->calibrations, 1);
  assert_int_equal(vg_replay_stats(r)->final_count, 1);
  /* The same event again (same channel and record id) is ignored. */
  feed(r, &vss);
  assert_int_equal(vg_replay_stats(r)->duplicates, 1);
  assert_int_equal(vg_replay_stats(r)->calibrations, 1);
  nightly(r, 1, 2); /* count 3 on day 2 at 23:00 */
  assert_int_equal(vg_replay_stats(r)->final_count, 3);
  assert_int_equal(vg_replay_advance(r, base() + 4 * DAY), 0);
  const struct vg_replay_stats *x = vg_replay_stats(r);
  assert_int_equal(x->nreboots, 1);
  assert_int_equal(x->reboots[0].at, base() + 3 * DAY + 2 * HOUR);
  assert_int_equal(x->final_count, 0);
  const struct rec *c = first_kind(&s, VG_REPLAY_CALIBRATED);
  assert_non_null(c);
  assert_int_equal(c->count, 1);
  vg_replay_free(r);
  vg_policy_free(p);
}

static void test_postponed_while_backup_runs(void **st) {
  (void)st;
  vg_policy *p = policy(no_splay);
  struct sink s = {0};
  vg_replay *r;
  assert_int_equal(vg_replay_new(p, 1, on_entry, &s, &r), 0);
  nightly(r, 0, 2);
  /* A run from 01:30 to 03:00 on day 3 covers the slot's start. */
  backup(r, base() + 3 * DAY + 1 * HOUR + 1800, base() + 3 * DAY + 3 * HOUR);
  assert_int_equal(vg_replay_advance(r, base() + 4 * DAY), 0);
  const struct vg_replay_stats *x = vg_replay_stats(r);
  assert_int_equal(x->nreboots, 1);
  /* The reboot waits for the run to end and then happens at once. */
  assert_int_equal(x->reboots[0].at, base() + 3 * DAY + 3 * HOUR);
  assert_int_equal(x->reboots[0].count, 4);
  assert_true(x->postponements >= 1);
  const struct rec *pp = first_kind(&s, VG_REPLAY_POSTPONED);
  assert_non_null(pp);
  assert_int_equal(pp->at, base() + 3 * DAY + 2 * HOUR);
  vg_replay_free(r);
  vg_policy_free(p);
}

static vg_wall_t splayed_reboot(uint64_t seed) {
  vg_policy *p = policy("reboot:\n  splay: 30m\n  min_uptime: 0s\n");
  vg_replay *r;
  assert_int_equal(vg_replay_new(p, seed, NULL, NULL, &r), 0);
  nightly(r, 0, 2);
  assert_int_equal(vg_replay_advance(r, base() + 4 * DAY), 0);
  assert_int_equal(vg_replay_stats(r)->nreboots, 1);
  vg_wall_t at = vg_replay_stats(r)->reboots[0].at;
  vg_replay_free(r);
  vg_policy_free(p);
  return at;
}

static void test_splay_is_deterministic(void **st) {
  (void)st;
  vg_wall_t slot = base() + 3 * DAY + 2 * HOUR;
  vg_wall_t a = splayed_reboot(7), b = splayed_reboot(7);
  assert_int_equal(a, b);
  assert_true(a >= slot && a < slot + 1800);
  /* Different seeds spread over the splay. */
  bool differs = false;
  for (uint64_t seed = 1; seed <= 8 && !differs; seed++)
    differs = splayed_reboot(seed) != a;
  assert_true(differs);
}

static void test_min_uptime_after_recorded_boot(void **st) {
  (void)st;
  vg_policy *p = policy("reboot:\n  splay: 0s\n  min_uptime: 2h\n");
  vg_replay *r;
  assert_int_equal(vg_replay_new(p, 1, NULL, NULL, &r), 0);
  /* The server booted on day 3 at 01:30; a calibration says 5 sessions. */
  struct evspec boot = {
      "System", "EventLog", 6005, 1, base() + 3 * DAY + HOUR + 1800, 0, NULL};
  feed(r, &boot);
  struct evspec vss = {
      "Application",       "VSS", 12289, 2, base() + 3 * DAY + HOUR + 1900, 0,
      "Active sessions: 5"};
  feed(r, &vss);
  assert_int_equal(vg_replay_advance(r, base() + 4 * DAY), 0);
  const struct vg_replay_stats *x = vg_replay_stats(r);
  assert_int_equal(x->nreboots, 1);
  /* Uptime reaches 2 h at 03:30, inside the 02:00-05:00 slot. */
  assert_int_equal(x->reboots[0].at, base() + 3 * DAY + 3 * HOUR + 1800);
  vg_replay_free(r);
  vg_policy_free(p);
}

static void test_calibration_after_simulated_reboot(void **st) {
  (void)st;
  vg_policy *p = policy(no_splay);
  struct sink s = {0};
  vg_replay *r;
  assert_int_equal(vg_replay_new(p, 1, on_entry, &s, &r), 0);
  nightly(r, 0, 2);
  assert_int_equal(vg_replay_advance(r, base() + 4 * DAY), 0);
  assert_int_equal(vg_replay_stats(r)->nreboots, 1);
  /* Recorded on the server that did not reboot: not applied. */
  struct evspec high = {
      "Application",        "VSS", 12289, 30, base() + 4 * DAY + HOUR, 0,
      "Active sessions: 50"};
  feed(r, &high);
  assert_int_equal(vg_replay_stats(r)->final_count, 0);
  assert_int_equal(vg_replay_stats(r)->calibrations, 0);
  assert_int_equal(vg_replay_stats(r)->calibrations_ignored, 1);
  assert_int_equal(count_kind(&s, VG_REPLAY_CALIBRATION_IGNORED), 1);
  /* After a recorded boot the histories agree again. */
  struct evspec boot = {"System", "EventLog", 6005, 31, base() + 5 * DAY + HOUR,
                        0,        NULL};
  feed(r, &boot);
  struct evspec two = {
      "Application",       "VSS", 12289, 32, base() + 5 * DAY + 2 * HOUR, 0,
      "Active sessions: 2"};
  feed(r, &two);
  assert_int_equal(vg_replay_stats(r)->calibrations, 1);
  assert_int_equal(vg_replay_stats(r)->final_count, 2);
  assert_int_equal(vg_replay_stats(r)->boots, 1);
  vg_replay_free(r);
  vg_policy_free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reboot_then_boot),
      cmocka_unit_test(test_blackout_prevents_reboot),
      cmocka_unit_test(test_calibration_boot_duplicates),
      cmocka_unit_test(test_postponed_while_backup_runs),
      cmocka_unit_test(test_splay_is_deterministic),
      cmocka_unit_test(test_min_uptime_after_recorded_boot),
      cmocka_unit_test(test_calibration_after_simulated_reboot),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
