/*
 * Unit tests of the session tracker: each counting rule, exactly-once
 * counting under duplicates and replays, failed runs with and without
 * count_failed, calibration from VSS 12289, boots from events and from the
 * platform, stale events, confirmation of a pending reboot attempt, and a
 * replay of the bundled example export against the numbers its generator
 * wrote into it.
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
#include "vssguard/log.h"
#include "vssguard/state.h"
#include "vssguard/tracker.h"

#define WSB "Microsoft-Windows-Backup"
/* 2026-06-01T21:00:00Z */
#define T0 ((vg_wall_t)1780347600)
#define DAY 86400

static vg_state *st;
static uint64_t next_rec[3];

static int setup(void **state) {
  (void)state;
  st = vg_state_new();
  memset(next_rec, 0, sizeof(next_rec));
  return st ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  vg_state_free(st);
  return 0;
}

static void fmt_time(vg_wall_t t, char *buf, size_t len) {
  int64_t days = t / DAY, secs = t % DAY;
  /* Civil from days (Howard Hinnant's algorithm). */
  int64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.437Z", (int)y, (int)m,
           (int)d, (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
}

/* Builds an event; rec 0 takes the channel's next record id. */
struct evb {
  struct vg_event ev;
  char bt[40];
  char text[512];
};

static int chan_index(const char *channel) {
  return strcmp(channel, WSB) == 0 ? 0 : strcmp(channel, "System") == 0 ? 1 : 2;
}

static struct vg_event *mk(struct evb *b, const char *channel,
                           const char *provider, uint32_t id, int level,
                           vg_wall_t t) {
  memset(b, 0, sizeof(*b));
  snprintf(b->ev.channel, sizeof(b->ev.channel), "%s", channel);
  snprintf(b->ev.provider, sizeof(b->ev.provider), "%s", provider);
  b->ev.event_id = id;
  b->ev.level = level;
  b->ev.time = t;
  b->ev.record_id = ++next_rec[chan_index(channel)];
  b->ev.text = b->text;
  return &b->ev;
}

static struct vg_event *wsb(struct evb *b, uint32_t id, vg_wall_t t,
                            vg_wall_t backup_time) {
  int level = id == 5 ? 2 : 4;
  mk(b, WSB, WSB, id, level, t);
  if (backup_time != 0) {
    fmt_time(backup_time, b->bt, sizeof(b->bt));
    b->ev.nfields = 1;
    snprintf(b->ev.fields[0].name, sizeof(b->ev.fields[0].name), "BackupTime");
    b->ev.fields[0].value = b->bt;
  }
  return &b->ev;
}

static enum vg_track_kind apply(struct vg_event *ev, bool count_failed) {
  struct vg_track_result r;
  assert_int_equal(vg_tracker_apply(st, ev, count_failed, &r), 0);
  assert_int_equal(r.count_after, vg_state_count(st));
  return r.kind;
}

/* One complete successful nightly run at t: 1, 4 (BackupTime), 14. */
static void good_run(vg_wall_t t) {
  struct evb b;
  assert_int_equal(apply(wsb(&b, 1, t + 4, 0), true), VG_TRACK_RUN_STARTED);
  assert_int_equal(apply(wsb(&b, 4, t + 2880, t + 4), true),
                   VG_TRACK_RUN_COUNTED);
  assert_int_equal(apply(wsb(&b, 14, t + 2881, 0), true), VG_TRACK_RUN_ENDED);
}

static void test_run_counted_once(void **state) {
  (void)state;
  good_run(T0);
  assert_int_equal(vg_state_count(st), 1);
  good_run(T0 + DAY);
  assert_int_equal(vg_state_count(st), 2);
  vg_wall_t starts[4];
  assert_int_equal(vg_state_runs(st, starts, 4), 2);
  assert_int_equal(starts[0], T0 + 4);
  assert_int_equal(starts[1], T0 + DAY + 4);
  assert_int_equal(vg_state_last_record(st, WSB), 6);
  assert_int_equal(vg_state_last_event_time(st), T0 + DAY + 2881);
}

static void test_end_events_in_any_order(void **state) {
  (void)state;
  struct evb b;
  struct vg_track_result r;
  /* 14 without BackupTime or HRESULT first: outcome unknown, counted
   * conservatively; the 4 after it is the same run (its start event is
   * near its BackupTime) and adds nothing. */
  apply(wsb(&b, 1, T0, 0), true);
  assert_int_equal(apply(wsb(&b, 14, T0 + 3000, 0), false),
                   VG_TRACK_RUN_COUNTED);
  assert_int_equal(apply(wsb(&b, 4, T0 + 3001, T0), false), VG_TRACK_RUN_ENDED);
  assert_int_equal(vg_state_count(st), 1);
  /* No start event: 4 makes the run from BackupTime; 14 without BackupTime
   * joins the run that just ended. */
  assert_int_equal(apply(wsb(&b, 4, T0 + DAY + 2000, T0 + DAY), true),
                   VG_TRACK_RUN_COUNTED);
  assert_int_equal(
      vg_tracker_apply(st, wsb(&b, 14, T0 + DAY + 2001, 0), true, &r), 0);
  assert_int_equal(r.kind, VG_TRACK_RUN_ENDED);
  assert_int_equal(r.run_start, T0 + DAY);
  /* Only 14, nothing else: a run, counted. */
  assert_int_equal(apply(wsb(&b, 14, T0 + 2 * DAY + 2000, 0), true),
                   VG_TRACK_RUN_COUNTED);
  assert_int_equal(vg_state_count(st), 3);
  /* Two different BackupTimes are two runs, however close. */
  apply(wsb(&b, 1, T0 + 3 * DAY + 30, 0), true);
  assert_int_equal(
      apply(wsb(&b, 4, T0 + 3 * DAY + 3000, T0 + 3 * DAY + 500), true),
      VG_TRACK_RUN_COUNTED);
  assert_int_equal(
      apply(wsb(&b, 4, T0 + 3 * DAY + 3001, T0 + 3 * DAY + 500), true),
      VG_TRACK_RUN_ENDED);
  assert_int_equal(
      apply(wsb(&b, 4, T0 + 3 * DAY + 3002, T0 + 3 * DAY + 31), true),
      VG_TRACK_RUN_COUNTED);
  assert_int_equal(vg_state_count(st), 5);
}

/*
 * Run identity by BackupTime, exhaustively: one run made of a start event
 * (1, logged at a gap from its BackupTime), an outcome (4 or 5) and a 14,
 * each present or missing, applied in every order, with the 14 in the real
 * layout (BackupTime and HRESULT) or with BackupTime only, the 14 in the
 * same second as the outcome or hours later, failed runs counted or not,
 * and a restart (state saved and loaded) before any event. The count is
 * the run's: 1 for a success, 1 for a failure only when failures count (a
 * 14 alone, saying nothing, counts conservatively).
 */
enum { V14_REAL, V14_BT_ONLY, V14_N };

struct ev_spec {
  uint32_t id;
  vg_wall_t t, bt;
  const char *hresult; /* NULL: none */
};

static struct vg_event *spec_event(struct evb *b, const struct ev_spec *e) {
  wsb(b, e->id, e->t, e->bt);
  if (e->hresult != NULL) {
    size_t n = b->ev.nfields++;
    snprintf(b->ev.fields[n].name, sizeof(b->ev.fields[n].name), "HRESULT");
    b->ev.fields[n].value = (char *)e->hresult;
  }
  if (e->id == 5)
    b->ev.level = 2;
  return &b->ev;
}

static void restart(void) {
  char *text = vg_state_serialize(st);
  assert_non_null(text);
  vg_state_free(st);
  char err[256];
  assert_int_equal(
      vg_state_load_string("s", text, strlen(text), &st, err, sizeof(err)), 0);
  free(text);
}

/* Builds the events of one run with BackupTime bt; returns how many. */
static size_t run_events(struct ev_spec *out, vg_wall_t bt, bool has1,
                         vg_wall_t gap1, int outcome /* 0 none, 4, 5 */,
                         bool has14, int v14, vg_wall_t gap14) {
  size_t n = 0;
  vg_wall_t end = bt + 45 * 60;
  const char *hr = outcome == 5 ? "0x8078011e" : "0";
  if (has1)
    out[n++] = (struct ev_spec){1, bt + gap1, 0, NULL};
  if (outcome != 0)
    out[n++] = (struct ev_spec){(uint32_t)outcome, end, bt, hr};
  if (has14)
    out[n++] = (struct ev_spec){
        14, end + gap14, bt,
        v14 == V14_REAL ? (outcome == 5 ? "2155348254" : "0") : NULL};
  return n;
}

static const int perms3[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                 {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
static const int perms2[2][3] = {{0, 1, 0}, {1, 0, 0}};

static int expected_count(int outcome, bool has14, int v14, bool cf) {
  if (outcome == 4)
    return 1;
  if (outcome == 5)
    return cf ? 1 : 0;
  /* Only a 14: it tells the outcome of a success (HRESULT 0) in the real
   * layout; without HRESULT it counts conservatively. */
  (void)has14;
  (void)v14;
  return 1;
}

static void test_run_identity_every_order(void **state) {
  (void)state;
  const vg_wall_t gaps1[] = {-6 * 3600, -20 * 60, -1, 0, 20 * 60};
  const vg_wall_t gaps14[] = {0, 1, 3 * 3600};
  int cases = 0;
  for (int outcome = 0; outcome <= 5; outcome += outcome == 0 ? 4 : 1)
    for (int has14 = 0; has14 < 2; has14++)
      for (int has1 = 0; has1 < 2; has1++)
        for (int v14 = 0; v14 < V14_N; v14++)
          for (size_t g1 = 0; g1 < sizeof(gaps1) / sizeof(gaps1[0]); g1++)
            for (size_t g14 = 0; g14 < sizeof(gaps14) / sizeof(gaps14[0]);
                 g14++)
              for (int cf = 0; cf < 2; cf++) {
                if (outcome == 0 && !has14)
                  continue; /* no end event: nothing to count */
                struct ev_spec ev[3];
                size_t n = run_events(ev, T0, has1, gaps1[g1], outcome, has14,
                                      v14, gaps14[g14]);
                size_t nperm = n == 3 ? 6 : n == 2 ? 2 : 1;
                for (size_t p = 0; p < nperm; p++)
                  for (size_t cut = 0; cut <= n; cut++) {
                    vg_state_free(st);
                    st = vg_state_new();
                    struct evb b;
                    for (size_t i = 0; i < n; i++) {
                      if (i == cut)
                        restart();
                      int k = n == 3 ? perms3[p][i] : n == 2 ? perms2[p][i] : 0;
                      apply(spec_event(&b, &ev[k]), cf == 1);
                    }
                    int want = expected_count(outcome, has14, v14, cf == 1);
                    if (vg_state_count(st) != want)
                      fail_msg("outcome %d has1 %d has14 %d v14 %d gap1 %lld "
                               "gap14 %lld cf %d perm %zu cut %zu: count %d, "
                               "want %d",
                               outcome, has1, has14, v14, (long long)gaps1[g1],
                               (long long)gaps14[g14], cf, p, cut,
                               vg_state_count(st), want);
                    vg_wall_t starts[4];
                    assert_int_equal(vg_state_runs(st, starts, 4), 1);
                    assert_false(
                        vg_state_backup_in_progress(st, T0 + 4 * 3600));
                    cases++;
                  }
              }
  assert_true(cases > 1000);
}

/* The history of the issue: 70 nightly runs whose start event is logged
 * far (20 minutes to 3 hours) from their BackupTime, with the 4 and the 14
 * apart: 70 runs, not 140. The same with every run's events reversed, and
 * runs two hours apart. */
static void test_start_far_from_backup_time(void **state) {
  (void)state;
  const vg_wall_t far[] = {-20 * 60, -3 * 3600, 25 * 60, -11 * 60};
  for (int reversed = 0; reversed < 2; reversed++)
    for (int spacing = 0; spacing < 2; spacing++) {
      vg_state_free(st);
      st = vg_state_new();
      vg_wall_t every = spacing ? 2 * 3600 : DAY;
      for (int i = 0; i < 70; i++) {
        struct ev_spec ev[3];
        vg_wall_t gap = far[i % 4];
        if (spacing && gap < -3600)
          gap = -15 * 60;
        size_t n = run_events(ev, T0 + (vg_wall_t)i * every, true, gap, 4, true,
                              V14_REAL, 600);
        struct evb b;
        for (size_t j = 0; j < n; j++)
          apply(spec_event(&b, &ev[reversed ? n - 1 - j : j]), false);
      }
      assert_int_equal(vg_state_count(st), 70);
    }
}

/* A failed run is never counted as a success through its 14, whichever of
 * the two comes first, and the 14 that says nothing is taken back when the
 * 5 follows it. */
static void test_failed_run_not_success_through_14(void **state) {
  (void)state;
  struct evb b;
  struct vg_track_result r;
  struct ev_spec e5 = {5, T0 + 900, T0, "0x8078011e"};
  struct ev_spec e14 = {14, T0 + 901, T0, NULL};
  apply(wsb(&b, 1, T0 - 1200, 0), false);
  assert_int_equal(apply(spec_event(&b, &e14), false), VG_TRACK_RUN_COUNTED);
  assert_int_equal(vg_state_count(st), 1);
  assert_int_equal(vg_tracker_apply(st, spec_event(&b, &e5), false, &r), 0);
  assert_int_equal(r.kind, VG_TRACK_RUN_ENDED);
  assert_true(r.uncounted);
  assert_true(r.failed);
  assert_int_equal(vg_state_count(st), 0);
  /* Counted when failures count: stays counted. */
  vg_state_free(st);
  st = vg_state_new();
  apply(spec_event(&b, &e14), true);
  assert_int_equal(vg_tracker_apply(st, spec_event(&b, &e5), true, &r), 0);
  assert_false(r.uncounted);
  assert_int_equal(vg_state_count(st), 1);
  /* A 14 whose HRESULT is an error is a failure by itself. */
  vg_state_free(st);
  st = vg_state_new();
  e14.hresult = "2155348254";
  assert_int_equal(vg_tracker_apply(st, spec_event(&b, &e14), false, &r), 0);
  assert_int_equal(r.kind, VG_TRACK_RUN_ENDED);
  assert_true(r.failed);
  assert_int_equal(vg_state_count(st), 0);
  /* A run that VSS 12289 included stays counted whatever follows. */
  vg_state_free(st);
  st = vg_state_new();
  e14.hresult = NULL;
  apply(wsb(&b, 1, T0 - 60, 0), false);
  mk(&b, "Application", "VSS", 12289, 2, T0 + 600);
  snprintf(b.text, sizeof(b.text), "Active sessions: 64");
  assert_int_equal(apply(&b.ev, false), VG_TRACK_CALIBRATED);
  apply(spec_event(&b, &e14), false);
  apply(spec_event(&b, &e5), false);
  assert_int_equal(vg_state_count(st), 64);
}

/* A failure event without BackupTime (50, out of space) before the run's 5
 * and 14, the start event 25 minutes before the BackupTime: one run, in
 * order and reversed. */
static void test_failure_without_backup_time(void **state) {
  (void)state;
  struct ev_spec ev[4] = {{1, T0 - 1500, 0, NULL},
                          {50, T0 + 900, 0, NULL},
                          {5, T0 + 901, T0, "0x80780119"},
                          {14, T0 + 902, T0, "0x80780119"}};
  for (int reversed = 0; reversed < 2; reversed++)
    for (int cf = 0; cf < 2; cf++) {
      vg_state_free(st);
      st = vg_state_new();
      struct evb b;
      for (int i = 0; i < 4; i++) {
        spec_event(&b, &ev[reversed ? 3 - i : i]);
        if (b.ev.event_id == 50)
          b.ev.level = 2;
        apply(&b.ev, cf == 1);
      }
      assert_int_equal(vg_state_count(st), cf);
      vg_wall_t starts[4];
      assert_int_equal(vg_state_runs(st, starts, 4), 1);
    }
}

/* A state file written before runs were keyed by BackupTime (a run at its
 * start event's time, ended by its 4): the 14 read after the upgrade is
 * the same run. */
static void test_old_state_run_records(void **state) {
  (void)state;
  const char *old = "vssguard-state 1\nboot_time 0\ncount 1\n"
                    "last_event_time 1780350480\nattempts 0\nlocked 0\n"
                    "channel Microsoft-Windows-Backup 2\n"
                    "run 1780347604 seco\nend\n";
  vg_state_free(st);
  char err[256];
  assert_int_equal(
      vg_state_load_string("s", old, strlen(old), &st, err, sizeof(err)), 0);
  struct evb b;
  struct ev_spec e14 = {14, T0 + 2881, T0 + 2, "0"};
  next_rec[0] = 2;
  assert_int_equal(apply(spec_event(&b, &e14), false), VG_TRACK_RUN_ENDED);
  assert_int_equal(vg_state_count(st), 1);
  /* And the runs written now carry the 'b' (keyed) flag through a save. */
  char *text = vg_state_serialize(st);
  assert_non_null(strstr(text, "run 1780347602 secotb\n"));
  free(text);
}

static void test_failed_runs(void **state) {
  (void)state;
  struct evb b;
  struct vg_track_result r;
  /* count_failed off: 5 ends the run uncounted, 14 keeps it so. */
  apply(wsb(&b, 1, T0, 0), false);
  assert_int_equal(vg_tracker_apply(st, wsb(&b, 5, T0 + 600, T0), false, &r),
                   0);
  assert_int_equal(r.kind, VG_TRACK_RUN_ENDED);
  assert_true(r.failed);
  assert_int_equal(apply(wsb(&b, 14, T0 + 601, 0), false), VG_TRACK_RUN_ENDED);
  assert_int_equal(vg_state_count(st), 0);
  /* count_failed on: counted once. */
  apply(wsb(&b, 1, T0 + DAY, 0), true);
  assert_int_equal(
      vg_tracker_apply(st, wsb(&b, 5, T0 + DAY + 600, T0 + DAY), true, &r), 0);
  assert_int_equal(r.kind, VG_TRACK_RUN_COUNTED);
  assert_true(r.failed);
  assert_int_equal(apply(wsb(&b, 14, T0 + DAY + 601, 0), true),
                   VG_TRACK_RUN_ENDED);
  assert_int_equal(vg_state_count(st), 1);
  /* Another Level<=3 event (50, out of space) ends the open run as failed;
   * the 5 that follows is the same run. */
  apply(wsb(&b, 1, T0 + 2 * DAY, 0), false);
  mk(&b, WSB, WSB, 50, 2, T0 + 2 * DAY + 900);
  assert_int_equal(apply(&b.ev, false), VG_TRACK_RUN_ENDED);
  assert_int_equal(apply(wsb(&b, 5, T0 + 2 * DAY + 901, T0 + 2 * DAY), true),
                   VG_TRACK_RUN_COUNTED);
  assert_int_equal(apply(wsb(&b, 14, T0 + 2 * DAY + 902, 0), true),
                   VG_TRACK_RUN_ENDED);
  assert_int_equal(vg_state_count(st), 2);
  /* A Level 4 event of another id is no failure. */
  mk(&b, WSB, WSB, 8, 4, T0 + 3 * DAY);
  assert_int_equal(apply(&b.ev, true), VG_TRACK_IGNORED);
  /* A failure with no run at all makes a failed run. */
  mk(&b, WSB, WSB, 517, 2, T0 + 4 * DAY);
  assert_int_equal(apply(&b.ev, false), VG_TRACK_RUN_ENDED);
  mk(&b, WSB, WSB, 49, 3, T0 + 5 * DAY);
  assert_int_equal(apply(&b.ev, true), VG_TRACK_RUN_COUNTED);
  assert_int_equal(vg_state_count(st), 3);
}

static void test_duplicates(void **state) {
  (void)state;
  struct evb b1, b4, b14;
  wsb(&b1, 1, T0, 0);
  wsb(&b4, 4, T0 + 2000, T0);
  wsb(&b14, 14, T0 + 2001, 0);
  for (int i = 0; i < 3; i++) {
    enum vg_track_kind k1 = apply(&b1.ev, true);
    enum vg_track_kind k4 = apply(&b4.ev, true);
    enum vg_track_kind k14 = apply(&b14.ev, true);
    if (i > 0) {
      assert_int_equal(k1, VG_TRACK_DUPLICATE);
      assert_int_equal(k4, VG_TRACK_DUPLICATE);
      assert_int_equal(k14, VG_TRACK_DUPLICATE);
    }
  }
  assert_int_equal(vg_state_count(st), 1);
  /* Record ids are per channel: the same id on another channel is new. */
  struct evb b;
  mk(&b, "System", "EventLog", 6005, 4, T0 + 3000);
  b.ev.record_id = 1;
  assert_int_equal(apply(&b.ev, true), VG_TRACK_BOOT);
  /* Replaying the older run after the boot: duplicates, not stale. */
  assert_int_equal(apply(&b4.ev, true), VG_TRACK_DUPLICATE);
  /* A cleared log restarts numbering: a lower record id on an event newer
   * than everything applied is new. */
  wsb(&b, 1, T0 + DAY, 0);
  b.ev.record_id = 1;
  assert_int_equal(apply(&b.ev, true), VG_TRACK_RUN_STARTED);
  wsb(&b, 4, T0 + DAY + 100, T0 + DAY);
  b.ev.record_id = 2;
  assert_int_equal(apply(&b.ev, true), VG_TRACK_RUN_COUNTED);
  assert_int_equal(apply(&b.ev, true), VG_TRACK_DUPLICATE);
  assert_int_equal(vg_state_count(st), 1);
}

static void test_calibration(void **state) {
  (void)state;
  struct evb b;
  good_run(T0);
  good_run(T0 + DAY);
  /* A 12289 during a run: the count becomes N and that run is in it. */
  apply(wsb(&b, 1, T0 + 2 * DAY, 0), true);
  mk(&b, "Application", "VSS", 12289, 2, T0 + 2 * DAY + 1400);
  snprintf(b.text, sizeof(b.text),
           "0x80042409\n...\n\nOperation:\n   PostSnapshot Event\n\nContext:\n"
           "   Writer Name: NTDS\n   Maximum supported sessions: 64\n"
           "   Completed sessions: 8\n   Active sessions: 64\n"
           "   Aborted sessions: 0\n");
  assert_int_equal(apply(&b.ev, true), VG_TRACK_CALIBRATED);
  assert_int_equal(vg_state_count(st), 64);
  /* Several writers report during one run. */
  mk(&b, "Application", "VSS", 12289, 2, T0 + 2 * DAY + 1401);
  snprintf(b.text, sizeof(b.text), "Active sessions:\t\n64");
  assert_int_equal(apply(&b.ev, true), VG_TRACK_CALIBRATED);
  assert_int_equal(apply(wsb(&b, 4, T0 + 2 * DAY + 2000, T0 + 2 * DAY), true),
                   VG_TRACK_RUN_ENDED);
  assert_int_equal(vg_state_count(st), 64);
  /* The next run counts on from the observed value. */
  good_run(T0 + 3 * DAY);
  assert_int_equal(vg_state_count(st), 65);
  /* Outside a run, a smaller observed count also wins. */
  mk(&b, "Application", "VSS", 12289, 2, T0 + 4 * DAY);
  snprintf(b.text, sizeof(b.text), "Active sessions: 12");
  assert_int_equal(apply(&b.ev, true), VG_TRACK_CALIBRATED);
  assert_int_equal(vg_state_count(st), 12);
  /* Without the counter line, or from another provider or id: ignored. */
  mk(&b, "Application", "VSS", 12289, 2, T0 + 4 * DAY + 1);
  snprintf(b.text, sizeof(b.text), "Active sessions: none");
  assert_int_equal(apply(&b.ev, true), VG_TRACK_IGNORED);
  mk(&b, "Application", "VSS", 8193, 2, T0 + 4 * DAY + 2);
  snprintf(b.text, sizeof(b.text), "Active sessions: 3");
  assert_int_equal(apply(&b.ev, true), VG_TRACK_IGNORED);
  mk(&b, "Application", "Other", 12289, 2, T0 + 4 * DAY + 3);
  snprintf(b.text, sizeof(b.text), "Active sessions: 3");
  assert_int_equal(apply(&b.ev, true), VG_TRACK_IGNORED);
  assert_int_equal(vg_state_count(st), 12);
}

static void test_boot_events(void **state) {
  (void)state;
  struct evb b;
  struct vg_track_result r;
  good_run(T0);
  good_run(T0 + DAY);
  mk(&b, "System", "Microsoft-Windows-Kernel-General", 12, 4, T0 + 2 * DAY);
  assert_int_equal(vg_tracker_apply(st, &b.ev, true, &r), 0);
  assert_int_equal(r.kind, VG_TRACK_BOOT);
  assert_int_equal(r.count_before, 2);
  assert_int_equal(r.count_after, 0);
  assert_false(r.remediated);
  assert_int_equal(vg_state_boot_time(st), T0 + 2 * DAY);
  vg_wall_t starts[4];
  assert_int_equal(vg_state_runs(st, starts, 4), 0);
  /* EventLog 6005 of the same boot, 40 s later: not a second boot. */
  mk(&b, "System", "EventLog", 6005, 4, T0 + 2 * DAY + 40);
  assert_int_equal(apply(&b.ev, true), VG_TRACK_IGNORED);
  good_run(T0 + 2 * DAY + 3600);
  assert_int_equal(vg_state_count(st), 1);
  /* 6005 from another provider, or 12 from EventLog: no boot. */
  mk(&b, "System", "Service Control Manager", 6005, 4, T0 + 3 * DAY);
  assert_int_equal(apply(&b.ev, true), VG_TRACK_IGNORED);
  mk(&b, "System", "EventLog", 12, 4, T0 + 3 * DAY);
  assert_int_equal(apply(&b.ev, true), VG_TRACK_IGNORED);
  /* A later 6005 alone is a boot. */
  mk(&b, "System", "EventLog", 6005, 4, T0 + 4 * DAY);
  assert_int_equal(apply(&b.ev, true), VG_TRACK_BOOT);
  assert_int_equal(vg_state_count(st), 0);
}

static void test_platform_boot_time(void **state) {
  (void)state;
  struct vg_track_result r;
  /* Fresh state: the boot time becomes known, nothing to reset. */
  assert_int_equal(vg_tracker_boot_time(st, T0, &r), 0);
  assert_int_equal(r.kind, VG_TRACK_IGNORED);
  assert_int_equal(vg_state_boot_time(st), T0);
  good_run(T0 + 3600);
  /* Jitter of the computed boot time is no boot. */
  assert_int_equal(vg_tracker_boot_time(st, T0 + 90, &r), 0);
  assert_int_equal(r.kind, VG_TRACK_IGNORED);
  assert_int_equal(vg_tracker_boot_time(st, T0 - 300, &r), 0);
  assert_int_equal(r.kind, VG_TRACK_IGNORED);
  assert_int_equal(vg_state_count(st), 1);
  assert_int_equal(vg_state_boot_time(st), T0);
  /* More than two minutes later: a boot. */
  assert_int_equal(vg_tracker_boot_time(st, T0 + DAY, &r), 0);
  assert_int_equal(r.kind, VG_TRACK_BOOT);
  assert_int_equal(r.count_before, 1);
  assert_int_equal(vg_state_count(st), 0);
  assert_int_equal(vg_state_boot_time(st), T0 + DAY);

  /* A state that counted runs without a boot time, all before the platform's
   * boot: they belong to an earlier boot. */
  vg_state *s2 = vg_state_new();
  vg_state *keep = st;
  st = s2;
  good_run(T0);
  assert_int_equal(vg_tracker_boot_time(st, T0 + DAY, &r), 0);
  assert_int_equal(r.kind, VG_TRACK_BOOT);
  assert_int_equal(vg_state_count(st), 0);
  st = keep;
  vg_state_free(s2);
}

/*
 * Boot identity by uptime (no id on either side) and boot id (Linux, and
 * Windows since its volatile-key id): steps of the wall clock of hours,
 * forward and backward, between two starts keep the count;
 * a smaller uptime, an uptime below the time since the record (booted while
 * the agent was stopped), or another boot id resets it. Each start goes
 * through a save and a load of the state.
 */
static void start_at(vg_wall_t now, uint64_t uptime, const char *id,
                     struct vg_track_result *r) {
  struct vg_boot_ident bi;
  memset(&bi, 0, sizeof(bi));
  bi.uptime_s = uptime;
  snprintf(bi.id, sizeof(bi.id), "%s", id);
  restart();
  assert_int_equal(
      vg_tracker_boot_ident(st, now, now - (vg_wall_t)uptime, &bi, r), 0);
}

static void test_boot_ident(void **state) {
  (void)state;
  struct vg_track_result r;
  const uint64_t up0 = 10 * DAY;
  const char *ids[2] = {"", "0e5ad9d2-8d36-4c1f-9a52-4bb1c4bc2d0c"};
  for (int k = 0; k < 2; k++) {
    const char *id = ids[k];
    vg_state_free(st);
    st = vg_state_new();
    /* First start: nothing recorded, nothing counted. */
    start_at(T0 - 3600, up0, id, &r);
    assert_int_equal(r.kind, VG_TRACK_IGNORED);
    good_run(T0);
    good_run(T0 + 3 * 3600);
    assert_int_equal(vg_state_count(st), 2);
    /* An hour later, the clock 5 hours ahead (w32time, VM resume): the
     * wall-clock boot estimate moved by 5 hours, the uptime by one. */
    start_at(T0 + 6 * 3600 + 5 * 3600, up0 + 7 * 3600, id, &r);
    assert_int_equal(r.kind, VG_TRACK_IGNORED);
    assert_int_equal(vg_state_count(st), 2);
    assert_int_equal(vg_state_boot_time(st), T0 - 3600 - (vg_wall_t)up0);
    /* Then 8 hours behind where it was. */
    start_at(T0 + 8 * 3600 - 3 * 3600, up0 + 9 * 3600, id, &r);
    assert_int_equal(r.kind, VG_TRACK_IGNORED);
    assert_int_equal(vg_state_count(st), 2);
    /* The state says the same after a save and a load. */
    restart();
    vg_wall_t at;
    struct vg_boot_ident bi;
    assert_true(vg_state_boot_ident(st, &at, &bi));
    assert_int_equal(at, T0 + 5 * 3600);
    assert_int_equal(bi.uptime_s, up0 + 9 * 3600);
    assert_string_equal(bi.id, id);
    /* A real boot: a small uptime (and a new id on Linux). */
    start_at(T0 + DAY, 180, k ? "6f1c2a44-0c0e-4b8e-a1d2-7f3e9d7b1a55" : "",
             &r);
    assert_int_equal(r.kind, VG_TRACK_BOOT);
    assert_int_equal(r.count_before, 2);
    assert_int_equal(vg_state_count(st), 0);
    good_run(T0 + DAY + 3600);
    /* A boot while the agent was stopped, found when the machine had been
     * up longer than at the record: the uptime is below the time since. */
    start_at(T0 + 5 * DAY, 2 * DAY,
             k ? "9d1c2a44-0c0e-4b8e-a1d2-7f3e9d7b1a55" : "", &r);
    assert_int_equal(r.kind, VG_TRACK_BOOT);
    assert_int_equal(vg_state_count(st), 0);
  }
  /* Linux: the same boot id is the same boot, whatever uptime and clock
   * say; a state without a record falls back to the wall-clock estimate. */
  vg_state_free(st);
  st = vg_state_new();
  start_at(T0, up0, ids[1], &r);
  good_run(T0 + 3600);
  start_at(T0 + 20 * DAY, 5, ids[1], &r);
  assert_int_equal(r.kind, VG_TRACK_IGNORED);
  assert_int_equal(vg_state_count(st), 1);
  vg_state_free(st);
  st = vg_state_new();
  assert_int_equal(vg_tracker_boot_time(st, T0 - (vg_wall_t)up0, &r), 0);
  good_run(T0 + 3600);
  start_at(T0 + 2 * 3600 + 5 * 3600, up0 + 2 * 3600, "", &r);
  assert_int_equal(r.kind, VG_TRACK_BOOT); /* no record: as before */
}

/*
 * The Windows boot id (a random id in a volatile registry key): the same id
 * is the same boot even after a forward step of the clock larger than the
 * uptime at the record, which the uptime rule alone takes for a boot; a
 * different id is a boot whatever the uptime; an id missing on either side
 * (a state of an agent without ids, a key that cannot be trusted) leaves
 * the decision to the uptime rule, and the id is recorded for the next
 * start.
 */
static void test_boot_id_windows(void **state) {
  (void)state;
  struct vg_track_result r;
  const uint64_t up0 = 2 * 3600;
  const char *id1 = "3f9a0c4e5b6d7e8f90a1b2c3d4e5f607";
  const char *id2 = "c0ffee00112233445566778899aabbcc";
  vg_wall_t at;
  struct vg_boot_ident bi;

  /* A state of the agent before the id: the uptime rule decides once. */
  start_at(T0, up0, "", &r);
  good_run(T0 + 600);
  start_at(T0 + 3600, up0 + 3600, id1, &r);
  assert_int_equal(r.kind, VG_TRACK_IGNORED);
  assert_int_equal(vg_state_count(st), 1);
  assert_true(vg_state_boot_ident(st, &at, &bi));
  assert_string_equal(bi.id, id1);

  /* A VM resumed after a weekend: the clock jumped 3 days, the uptime grew
   * by 10 minutes (2 h at the record). The same id: the same boot. */
  start_at(T0 + 3600 + 3 * DAY, up0 + 3600 + 600, id1, &r);
  assert_int_equal(r.kind, VG_TRACK_IGNORED);
  assert_int_equal(vg_state_count(st), 1);
  /* The same start without ids is taken for a boot (the rule the id
   * replaces), checked on a copy. */
  vg_state *keep = st;
  char *text = vg_state_serialize(keep);
  char err[256];
  assert_non_null(text);
  assert_int_equal(
      vg_state_load_string("s", text, strlen(text), &st, err, sizeof(err)), 0);
  free(text);
  start_at(T0 + 3600 + 6 * DAY, up0 + 3600 + 1200, "", &r);
  assert_int_equal(r.kind, VG_TRACK_BOOT);
  vg_state_free(st);
  st = keep;

  /* Another id is a boot, even with an uptime that grew as expected. */
  start_at(T0 + 3600 + 3 * DAY + 600, up0 + 3600 + 1200, id2, &r);
  assert_int_equal(r.kind, VG_TRACK_BOOT);
  assert_int_equal(r.count_before, 1);
  assert_int_equal(vg_state_count(st), 0);
  good_run(T0 + 4 * DAY);

  /* The id is missing now (the key was not trusted): the uptime rule. A
   * consistent uptime is the same boot; a smaller one is a boot. */
  start_at(T0 + 4 * DAY + 7200, up0 + 3600 + 1200 + 4 * DAY, "", &r);
  assert_int_equal(r.kind, VG_TRACK_IGNORED);
  assert_int_equal(vg_state_count(st), 1);
  start_at(T0 + 4 * DAY + 9000, 300, "", &r);
  assert_int_equal(r.kind, VG_TRACK_BOOT);
  /* The record has no id (the last start had none): a new id after a
   * real boot is judged by the uptime as well. */
  good_run(T0 + 4 * DAY + 9600);
  start_at(T0 + 6 * DAY, 120, id1, &r);
  assert_int_equal(r.kind, VG_TRACK_BOOT);
  assert_true(vg_state_boot_ident(st, &at, &bi));
  assert_string_equal(bi.id, id1);
}

static void test_stale_events(void **state) {
  (void)state;
  struct evb b;
  struct vg_track_result r;
  assert_int_equal(vg_tracker_boot_time(st, T0 + DAY, &r), 0);
  /* Yesterday's run, replayed from a backfill: stale, but the position
   * moves on. */
  assert_int_equal(apply(wsb(&b, 1, T0, 0), true), VG_TRACK_STALE);
  assert_int_equal(apply(wsb(&b, 4, T0 + 2000, T0), true), VG_TRACK_STALE);
  assert_int_equal(vg_state_last_record(st, WSB), 2);
  mk(&b, "Application", "VSS", 12289, 2, T0 + 1000);
  snprintf(b.text, sizeof(b.text), "Active sessions: 64");
  assert_int_equal(apply(&b.ev, true), VG_TRACK_STALE);
  mk(&b, "System", "EventLog", 6005, 4, T0);
  assert_int_equal(apply(&b.ev, true), VG_TRACK_STALE);
  assert_int_equal(vg_state_count(st), 0);
  /* Up to a minute before the boot time is still this boot. */
  assert_int_equal(apply(wsb(&b, 14, T0 + DAY - 50, 0), true),
                   VG_TRACK_RUN_COUNTED);
  assert_int_equal(vg_state_count(st), 1);
}

static enum vg_track_kind apply_live(struct vg_event *ev, vg_wall_t now,
                                     vg_wall_t boot_est) {
  struct vg_track_result r;
  struct vg_live live = {now, boot_est};
  assert_int_equal(vg_tracker_apply_live(st, ev, true, &live, &r), 0);
  assert_int_equal(r.count_after, vg_state_count(st));
  return r.kind;
}

/*
 * Live, the boot at T0 by the corrected clock, its 6005 and 12 logged
 * before the clock was set back 3 h: the backups by the corrected clock
 * count, whether the boot events come before or after them, and no boot
 * event logged ahead of now resets the count. A replay of the same events
 * in time order, without a clock to tell, takes the 6005 as a boot.
 */
static void test_live_boot_event_ahead(void **state) {
  (void)state;
  struct evb b;
  struct vg_track_result r;
  const vg_wall_t ahead = 3 * 3600;
  assert_int_equal(vg_tracker_boot_time(st, T0, &r), 0);
  /* A backup first (a backfill in time order), then the boot events. */
  assert_int_equal(apply_live(wsb(&b, 1, T0 + 600, 0), T0 + 7200, T0),
                   VG_TRACK_RUN_STARTED);
  assert_int_equal(apply_live(wsb(&b, 4, T0 + 2400, T0 + 600), T0 + 7200, T0),
                   VG_TRACK_RUN_COUNTED);
  mk(&b, "System", "Microsoft-Windows-Kernel-General", 12, 4, T0 + ahead);
  assert_int_equal(apply_live(&b.ev, T0 + 7200, T0), VG_TRACK_IGNORED);
  mk(&b, "System", "EventLog", 6005, 4, T0 + ahead + 40);
  assert_int_equal(apply_live(&b.ev, T0 + 7200, T0), VG_TRACK_IGNORED);
  assert_int_equal(vg_state_count(st), 1);
  assert_int_equal(vg_state_boot_time(st), T0);
  /* Backups after the boot events, still before the boot's logged time. */
  assert_int_equal(apply_live(wsb(&b, 1, T0 + 3600, 0), T0 + 7200, T0),
                   VG_TRACK_RUN_STARTED);
  assert_int_equal(apply_live(wsb(&b, 4, T0 + 5400, T0 + 3600), T0 + 7200, T0),
                   VG_TRACK_RUN_COUNTED);
  mk(&b, "Application", "VSS", 12289, 2, T0 + 6000);
  snprintf(b.text, sizeof(b.text), "Active sessions: 5");
  assert_int_equal(apply_live(&b.ev, T0 + 7200, T0), VG_TRACK_CALIBRATED);
  assert_int_equal(vg_state_count(st), 5);
  /* An earlier boot's 6005, logged as far ahead: stale, not a boot. */
  mk(&b, "System", "EventLog", 6005, 4, T0 + ahead + 600);
  b.ev.record_id = 1;
  assert_int_equal(apply_live(&b.ev, T0 + 7200, T0), VG_TRACK_STALE);
  assert_int_equal(vg_state_count(st), 5);
  /* A real boot later on still resets the count. */
  mk(&b, "System", "EventLog", 6005, 4, T0 + 9 * 3600);
  assert_int_equal(apply_live(&b.ev, T0 + 9 * 3600 + 60, T0 + 9 * 3600 - 30),
                   VG_TRACK_BOOT);
  assert_int_equal(vg_state_count(st), 0);
  assert_int_equal(apply_live(wsb(&b, 14, T0 + 9 * 3600 + 900, 0),
                              T0 + 9 * 3600 + 960, T0 + 9 * 3600 - 30),
                   VG_TRACK_RUN_COUNTED);
  assert_int_equal(vg_state_count(st), 1);
}

/* Live, the boot's 6005 applied by the clock 3 h ahead, the boot time
 * taken from it; after the clock is set back, the platform's boot time
 * by the corrected clock decides what is stale. */
static void test_live_clock_set_back(void **state) {
  (void)state;
  struct evb b;
  struct vg_track_result r;
  const vg_wall_t ahead = 3 * 3600;
  assert_int_equal(vg_tracker_boot_time(st, T0 + ahead, &r), 0);
  mk(&b, "System", "EventLog", 6005, 4, T0 + ahead + 40);
  assert_int_equal(apply_live(&b.ev, T0 + ahead + 60, T0 + ahead),
                   VG_TRACK_IGNORED);
  /* Set back: the same event time is now 3 h ahead of the platform's boot
   * time. Without the live view it would be stale. */
  assert_int_equal(apply_live(wsb(&b, 1, T0 + 600, 0), T0 + 900, T0),
                   VG_TRACK_RUN_STARTED);
  assert_int_equal(vg_state_boot_time(st), T0);
  assert_int_equal(apply_live(wsb(&b, 4, T0 + 2400, T0 + 600), T0 + 2500, T0),
                   VG_TRACK_RUN_COUNTED);
  /* Yesterday's run is still stale. */
  assert_int_equal(
      apply_live(wsb(&b, 4, T0 - DAY + 2400, T0 - DAY + 600), T0 + 2500, T0),
      VG_TRACK_STALE);
  assert_int_equal(vg_state_count(st), 1);
}

/* The replay view of test_live_clock_set_back: no clock, no correction. */
static void test_replay_future_boot_time(void **state) {
  (void)state;
  struct evb b;
  mk(&b, "System", "EventLog", 6005, 4, T0 + 3 * 3600);
  assert_int_equal(apply(&b.ev, true), VG_TRACK_BOOT);
  assert_int_equal(apply(wsb(&b, 4, T0 + 2400, T0 + 600), true),
                   VG_TRACK_STALE);
}

static void test_pending_attempt_confirmed(void **state) {
  (void)state;
  struct evb b;
  struct vg_track_result r;
  assert_int_equal(vg_tracker_boot_time(st, T0 - DAY, &r), 0);
  good_run(T0);
  assert_int_equal(vg_state_record_attempt(st, T0 + 7200), 0);
  assert_int_equal(vg_state_pending_attempts(st), 1);
  struct vg_sched sc = {true, T0 + 7200, T0 + 7000, T0 + 9000};
  vg_state_set_scheduled(st, &sc);
  mk(&b, "System", "Microsoft-Windows-Kernel-General", 12, 4, T0 + 7500);
  assert_int_equal(vg_tracker_apply(st, &b.ev, true, &r), 0);
  assert_int_equal(r.kind, VG_TRACK_BOOT);
  assert_true(r.remediated);
  assert_int_equal(vg_state_pending_attempts(st), 0);
  struct vg_reboot_rec h[4];
  assert_int_equal(vg_state_history(st, h, 4), 1);
  assert_true(h[0].confirmed);
  assert_int_equal(h[0].count, 1);
  vg_state_scheduled(st, &sc);
  assert_false(sc.set);
  /* The same through the platform's boot time. */
  assert_int_equal(vg_state_record_attempt(st, T0 + DAY), 0);
  assert_int_equal(vg_tracker_boot_time(st, T0 + DAY + 300, &r), 0);
  assert_int_equal(r.kind, VG_TRACK_BOOT);
  assert_true(r.remediated);
  assert_int_equal(vg_state_history(st, h, 4), 2);
  assert_true(h[1].confirmed);
  /* A boot without a pending attempt is no remediation. */
  assert_int_equal(vg_tracker_boot_time(st, T0 + 2 * DAY, &r), 0);
  assert_false(r.remediated);
}

static void test_backup_in_progress(void **state) {
  (void)state;
  struct evb b;
  assert_false(vg_state_backup_in_progress(st, T0));
  apply(wsb(&b, 1, T0, 0), true);
  assert_true(vg_state_backup_in_progress(st, T0 + 60));
  assert_true(vg_state_backup_in_progress(st, T0 + DAY - 1));
  assert_false(vg_state_backup_in_progress(st, T0 + DAY + 1));
  apply(wsb(&b, 4, T0 + 2000, T0), true);
  assert_false(vg_state_backup_in_progress(st, T0 + 2001));
  /* A run that never ended is closed by the next start; its late end event
   * still counts it. */
  apply(wsb(&b, 1, T0 + DAY, 0), true);
  apply(wsb(&b, 1, T0 + 2 * DAY, 0), true);
  apply(wsb(&b, 4, T0 + 2 * DAY + 2000, T0 + 2 * DAY), true);
  assert_false(vg_state_backup_in_progress(st, T0 + 2 * DAY + 2001));
  assert_int_equal(vg_state_count(st), 2);
  assert_int_equal(apply(wsb(&b, 4, T0 + 2 * DAY + 2002, T0 + DAY), true),
                   VG_TRACK_RUN_COUNTED);
  assert_int_equal(vg_state_count(st), 3);
}

static void test_ignored_and_invalid(void **state) {
  (void)state;
  struct evb b;
  struct vg_track_result r;
  mk(&b, "", "X", 1, 4, T0);
  assert_int_equal(vg_tracker_apply(st, &b.ev, true, &r), VG_EINVAL);
  mk(&b, "Security", "Microsoft-Windows-Security-Auditing", 4624, 0, T0);
  assert_int_equal(apply(&b.ev, true), VG_TRACK_IGNORED);
  assert_int_equal(vg_state_last_record(st, "Security"), 0);
  /* Another provider logging into the backup channel does not count. */
  mk(&b, WSB, "SomethingElse", 4, 4, T0);
  assert_int_equal(apply(&b.ev, true), VG_TRACK_IGNORED);
  assert_int_equal(vg_state_count(st), 0);
  assert_string_equal(vg_track_kind_name(VG_TRACK_RUN_COUNTED), "run counted");
  assert_string_equal(vg_track_kind_name(VG_TRACK_CALIBRATED), "calibrated");
  assert_string_equal(vg_track_kind_name(VG_TRACK_BOOT), "boot");
}

static void test_runs_bounded(void **state) {
  (void)state;
  for (int i = 0; i < VG_STATE_MAX_RUNS + 44; i++)
    good_run(T0 + (vg_wall_t)i * DAY);
  assert_int_equal(vg_state_count(st), VG_STATE_MAX_RUNS + 44);
  vg_wall_t starts[VG_STATE_MAX_RUNS + 1];
  assert_int_equal(vg_state_runs(st, starts, VG_STATE_MAX_RUNS + 1),
                   VG_STATE_MAX_RUNS);
  assert_int_equal(starts[0], T0 + 44 * DAY + 4);
  /* The serialized state loads back. */
  char *text = vg_state_serialize(st);
  vg_state *back = NULL;
  char err[256];
  assert_int_equal(
      vg_state_load_string("s", text, strlen(text), &back, err, sizeof(err)),
      0);
  assert_int_equal(vg_state_count(back), VG_STATE_MAX_RUNS + 44);
  vg_state_free(back);
  free(text);
}

/* Replays: the parser feeds the tracker. */
struct replay {
  vg_state *s;
  bool count_failed;
  int counted, calibrations, boots, duplicates, stale;
};

static void on_event(const struct vg_event *ev, void *ud) {
  struct replay *rp = ud;
  struct vg_track_result r;
  assert_int_equal(vg_tracker_apply(rp->s, ev, rp->count_failed, &r), 0);
  rp->counted += r.kind == VG_TRACK_RUN_COUNTED;
  rp->calibrations += r.kind == VG_TRACK_CALIBRATED;
  rp->boots += r.kind == VG_TRACK_BOOT;
  rp->duplicates += r.kind == VG_TRACK_DUPLICATE;
  rp->stale += r.kind == VG_TRACK_STALE;
}

static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  assert_non_null(buf);
  assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
  buf[n] = '\0';
  fclose(f);
  *len = (size_t)n;
  return buf;
}

/* Reads "key=N" from the generator's comment. */
static long expected(const char *buf, const char *key) {
  char pat[64];
  snprintf(pat, sizeof(pat), " %s=", key);
  const char *p = strstr(buf, pat);
  if (p == NULL)
    fail_msg("the example has no %s", key);
  return strtol(p + strlen(pat), NULL, 10);
}

static void test_example_replay(void **state) {
  (void)state;
  size_t len;
  char *buf = read_all(VG_TEST_DATA "/example-2008r2.xml", &len);
  for (int cf = 0; cf < 2; cf++) {
    vg_state *s = vg_state_new();
    struct replay rp = {s, cf == 1, 0, 0, 0, 0, 0};
    vg_evparser *p = vg_evparser_new(on_event, &rp);
    assert_int_equal(vg_evparser_feed(p, buf, len), 0);
    vg_evparser_finish(p);
    assert_int_equal(vg_evparser_skipped(p), 0);
    long want = expected(buf, cf ? "final_count_failed_counted"
                                 : "final_count_failed_not_counted");
    assert_int_equal(vg_state_count(s), want);
    assert_int_equal(rp.boots, expected(buf, "boots"));
    assert_int_equal(rp.calibrations, expected(buf, "vss_12289"));
    assert_int_equal(rp.duplicates, expected(buf, "duplicates"));
    assert_int_equal(rp.stale, 0);
    /* Replaying the whole file again, in odd chunks, changes nothing. */
    struct replay again = {s, cf == 1, 0, 0, 0, 0, 0};
    vg_evparser *p2 = vg_evparser_new(on_event, &again);
    for (size_t off = 0; off < len; off += 4093)
      assert_int_equal(
          vg_evparser_feed(p2, buf + off, len - off < 4093 ? len - off : 4093),
          0);
    vg_evparser_finish(p2);
    assert_int_equal(vg_state_count(s), want);
    assert_int_equal(again.counted, 0);
    assert_int_equal(again.boots, 0);
    vg_evparser_free(p2);
    vg_evparser_free(p);
    vg_state_free(s);
  }
  free(buf);
}

/* The same events through different chunkings and with a restart (save and
 * load) in the middle give the same count. */
static void test_replay_chunked_with_restart(void **state) {
  (void)state;
  size_t len;
  char *buf = read_all(VG_TEST_DATA "/example-2008r2.xml", &len);
  long want = expected(buf, "final_count_failed_counted");
  size_t cuts[] = {len / 3, len / 2, len - 100};
  for (size_t c = 0; c < 3; c++) {
    vg_state *s = vg_state_new();
    struct replay rp = {s, true, 0, 0, 0, 0, 0};
    vg_evparser *p = vg_evparser_new(on_event, &rp);
    assert_int_equal(vg_evparser_feed(p, buf, cuts[c]), 0);
    vg_evparser_free(p);
    /* Restart: state saved and loaded, the file read again from the top. */
    char *text = vg_state_serialize(s);
    vg_state_free(s);
    char err[256];
    assert_int_equal(
        vg_state_load_string("s", text, strlen(text), &s, err, sizeof(err)), 0);
    free(text);
    rp.s = s;
    p = vg_evparser_new(on_event, &rp);
    for (size_t off = 0; off < len; off += 997 + c)
      assert_int_equal(
          vg_evparser_feed(p, buf + off,
                           len - off < 997 + c ? len - off : 997 + c),
          0);
    vg_evparser_finish(p);
    assert_int_equal(vg_state_count(s), want);
    vg_evparser_free(p);
    vg_state_free(s);
  }
  free(buf);
}

static void quiet(enum vg_log_level level, int event_id, const char *msg,
                  void *ud) {
  (void)level;
  (void)event_id;
  (void)msg;
  (void)ud;
}

int main(void) {
  vg_log_set_sink(quiet, NULL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_run_counted_once, setup, teardown),
      cmocka_unit_test_setup_teardown(test_end_events_in_any_order, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_run_identity_every_order, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_start_far_from_backup_time, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_failed_run_not_success_through_14,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_failure_without_backup_time, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_old_state_run_records, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_failed_runs, setup, teardown),
      cmocka_unit_test_setup_teardown(test_duplicates, setup, teardown),
      cmocka_unit_test_setup_teardown(test_calibration, setup, teardown),
      cmocka_unit_test_setup_teardown(test_boot_events, setup, teardown),
      cmocka_unit_test_setup_teardown(test_platform_boot_time, setup, teardown),
      cmocka_unit_test_setup_teardown(test_boot_ident, setup, teardown),
      cmocka_unit_test_setup_teardown(test_boot_id_windows, setup, teardown),
      cmocka_unit_test_setup_teardown(test_stale_events, setup, teardown),
      cmocka_unit_test_setup_teardown(test_live_boot_event_ahead, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_live_clock_set_back, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_replay_future_boot_time, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_pending_attempt_confirmed, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_backup_in_progress, setup, teardown),
      cmocka_unit_test_setup_teardown(test_ignored_and_invalid, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_runs_bounded, setup, teardown),
      cmocka_unit_test(test_example_replay),
      cmocka_unit_test(test_replay_chunked_with_restart),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
