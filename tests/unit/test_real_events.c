/*
 * Real Windows events (tests/data/real, sources in SOURCES.md) through the
 * parser and the session tracker: the fields the tracker reads, and the
 * boots of real System logs in the order Windows logged them and in time
 * order. A Windows Server 2022 log has three boots, two of them 106 s apart,
 * and the clock stepped back three hours between the 6005 and the
 * Kernel-General 12 of one boot; the tracker must count three boots either
 * way. Also the rules for boot events built by hand (record ids, times).
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

#define REAL VG_TEST_DATA "/real/"
#define MAX_EVENTS 1024

/* A copy of an event and its fields, kept beyond the parser's callback. */
struct copy {
  struct vg_event ev;
  char *vals[VG_EVENT_MAX_FIELDS];
};

struct sink {
  struct copy *ev;
  size_t n;
};

static char *dup_str(const char *s) {
  char *d = malloc(strlen(s) + 1);
  assert_non_null(d);
  strcpy(d, s);
  return d;
}

static void collect(const struct vg_event *ev, void *ud) {
  struct sink *k = ud;
  assert_true(k->n < MAX_EVENTS);
  struct copy *c = &k->ev[k->n++];
  c->ev = *ev;
  for (size_t i = 0; i < ev->nfields; i++)
    c->ev.fields[i].value = c->vals[i] = dup_str(ev->fields[i].value);
  c->ev.text = dup_str(ev->text);
}

static void load(struct sink *k, const char *path) {
  k->ev = calloc(MAX_EVENTS, sizeof(*k->ev));
  assert_non_null(k->ev);
  k->n = 0;
  vg_evparser *p = vg_evparser_new(collect, k);
  assert_non_null(p);
  assert_int_equal(vg_evparser_parse_file(p, path), 0);
  assert_int_equal(vg_evparser_skipped(p), 0);
  vg_evparser_free(p);
}

static void sink_free(struct sink *k) {
  for (size_t i = 0; i < k->n; i++) {
    for (size_t j = 0; j < k->ev[i].ev.nfields; j++)
      free(k->ev[i].vals[j]);
    free(k->ev[i].ev.text);
  }
  free(k->ev);
}

static const struct copy *by_record(const struct sink *k, uint64_t rec) {
  for (size_t i = 0; i < k->n; i++)
    if (k->ev[i].ev.record_id == rec)
      return &k->ev[i];
  fail_msg("no record %llu", (unsigned long long)rec);
  return NULL;
}

/* Time order, then record order (what replay does with such a file). */
static int by_time(const void *a, const void *b) {
  const struct vg_event *x = &((const struct copy *)a)->ev;
  const struct vg_event *y = &((const struct copy *)b)->ev;
  if (x->time != y->time)
    return x->time < y->time ? -1 : 1;
  if (x->time_100ns != y->time_100ns)
    return x->time_100ns < y->time_100ns ? -1 : 1;
  return x->record_id < y->record_id ? -1 : x->record_id > y->record_id;
}

/* Boots the tracker counts when it gets the events of k in their order. */
static int count_boots(const struct sink *k) {
  vg_state *st = vg_state_new();
  assert_non_null(st);
  int boots = 0;
  for (size_t i = 0; i < k->n; i++) {
    struct vg_track_result r;
    assert_int_equal(vg_tracker_apply(st, &k->ev[i].ev, true, &r), 0);
    boots += r.kind == VG_TRACK_BOOT;
  }
  vg_state_free(st);
  return boots;
}

static void check_boots(const char *path, int want) {
  struct sink k;
  load(&k, path);
  /* As Windows logged them (record order). */
  assert_int_equal(count_boots(&k), want);
  /* In time order. */
  qsort(k.ev, k.n, sizeof(*k.ev), by_time);
  assert_int_equal(count_boots(&k), want);
  sink_free(&k);
}

static void test_server2022_boots(void **st) {
  (void)st;
  struct sink k;
  load(&k, REAL "server2022-system.xml");
  assert_int_equal(k.n, 681);
  /* The second boot: its 6005 three hours before its Kernel-General 12,
   * ten records later. */
  const struct copy *e6005 = by_record(&k, 186), *e12 = by_record(&k, 196);
  assert_string_equal(e6005->ev.provider, "EventLog");
  assert_int_equal(e6005->ev.event_id, 6005);
  assert_string_equal(e6005->ev.channel, "System");
  assert_string_equal(e12->ev.provider, "Microsoft-Windows-Kernel-General");
  assert_int_equal(e12->ev.event_id, 12);
  assert_int_equal(e12->ev.time - e6005->ev.time, 3 * 3600 - 15);
  assert_string_equal(vg_event_field(&e12->ev, "StartTime"),
                      "2023-10-18T05:44:25.500000000Z");
  sink_free(&k);
  check_boots(REAL "server2022-system.xml", 3);
}

static void test_win10_boots(void **st) {
  (void)st;
  check_boots(REAL "system-records-1-330.xml", 3);
}

/* Real VSS errors that are not 12289, in the Application log: parsed with
 * their unnamed Data items joined, and no calibration. */
static void test_win11_vss_errors(void **st) {
  (void)st;
  struct sink k;
  load(&k, REAL "application-win11-records-451-470.xml");
  assert_int_equal(k.n, 20);
  const struct copy *v = by_record(&k, 460);
  assert_string_equal(v->ev.channel, "Application");
  assert_string_equal(v->ev.provider, "VSS");
  assert_int_equal(v->ev.event_id, 8193);
  assert_int_equal(v->ev.level, 2);
  assert_int_equal(v->ev.nfields, 0);
  /* The routine, the HRESULT with its message and a line break, an empty
   * context; the Binary item is not text. */
  assert_string_equal(
      v->ev.text,
      "CoCreateInstance\n0x8007045b, A system shutdown is in progress.\n\n");
  v = by_record(&k, 458);
  assert_int_equal(v->ev.event_id, 13);
  assert_non_null(strstr(v->ev.text, "{4e14fba2-2e22-11d1-9964-00c04fbbb345}"
                                     "\nCEventSystem\n0x8007045b, "));
  vg_state *s = vg_state_new();
  assert_non_null(s);
  for (size_t i = 0; i < k.n; i++) {
    struct vg_track_result r;
    assert_int_equal(vg_tracker_apply(s, &k.ev[i].ev, true, &r), 0);
    assert_int_equal(r.kind, VG_TRACK_IGNORED);
  }
  assert_int_equal(vg_state_count(s), 0);
  vg_state_free(s);
  sink_free(&k);
}

/* The pre-scan reads the real rendering (double quotes, line breaks,
 * Qualifiers): VSS 8193 passed over, 6005 and 12 kept. */
static void test_prescan_real(void **st) {
  (void)st;
  static const struct {
    const char *file, *marker;
    bool skips;
  } cases[] = {
      {"application-win11-records-451-470.xml",
       "<EventRecordID>460</EventRecordID>", true},
      {"server2022-system.xml", "<EventRecordID>186</EventRecordID>", false},
      {"server2022-system.xml", "<EventRecordID>196</EventRecordID>", false},
      {"server2022-system.xml", "<EventRecordID>185</EventRecordID>", true},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char path[512];
    snprintf(path, sizeof(path), REAL "%s", cases[i].file);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *m = strstr(buf, cases[i].marker);
    assert_non_null(m);
    const char *b = m;
    while (b > buf && strncmp(b, "<Event ", 7) != 0)
      b--;
    const char *e = strstr(m, "</Event>");
    assert_non_null(e);
    e += 8;
    assert_int_equal(vg_event_prescan_skips(b, (size_t)(e - b)),
                     cases[i].skips);
  }
}

/* Boot events built by hand. */
static int boot_ev(vg_state *s, uint32_t id, vg_wall_t t, uint64_t rec) {
  struct vg_event ev;
  memset(&ev, 0, sizeof(ev));
  snprintf(ev.channel, sizeof(ev.channel), "System");
  snprintf(ev.provider, sizeof(ev.provider), "%s",
           id == 6005 ? "EventLog" : "Microsoft-Windows-Kernel-General");
  ev.event_id = id;
  ev.level = 4;
  ev.time = t;
  ev.record_id = rec;
  static char empty[1];
  ev.text = empty;
  struct vg_track_result r;
  assert_int_equal(vg_tracker_apply(s, &ev, true, &r), 0);
  return r.kind;
}

#define T0 1780000000

static void test_boot_rules(void **st) {
  (void)st;
  vg_state *s = vg_state_new();
  assert_non_null(s);
  /* A boot: its 12 logged after its 6005 with an earlier time. */
  assert_int_equal(boot_ev(s, 6005, T0, 100), VG_TRACK_BOOT);
  assert_int_equal(boot_ev(s, 12, T0 - 20, 103), VG_TRACK_IGNORED);
  /* The next boot 93 s later: its own 12, then its 6005. */
  assert_int_equal(boot_ev(s, 12, T0 + 93, 160), VG_TRACK_BOOT);
  assert_int_equal(boot_ev(s, 6005, T0 + 106, 165), VG_TRACK_IGNORED);
  /* A slow start: the 6005 four minutes after its 12, 27 records on. */
  assert_int_equal(boot_ev(s, 12, T0 + 1000, 300), VG_TRACK_BOOT);
  assert_int_equal(boot_ev(s, 6005, T0 + 1244, 327), VG_TRACK_IGNORED);
  /* The clock three hours back: a 6005 older than the boot before by the
   * clock, newer by record, is a boot; its 12, logged once the clock was
   * set forward again, belongs to it. */
  assert_int_equal(boot_ev(s, 6005, T0 - 10800, 400), VG_TRACK_BOOT);
  assert_int_equal(vg_state_boot_time(s), T0 - 10800);
  assert_int_equal(boot_ev(s, 12, T0 + 1300, 410), VG_TRACK_IGNORED);
  /* Older by the clock and by record: seen before. Without a record id,
   * older than the boot: stale. */
  assert_int_equal(boot_ev(s, 6005, T0 - 20000, 20), VG_TRACK_DUPLICATE);
  assert_int_equal(boot_ev(s, 6005, T0 - 20000, 0), VG_TRACK_STALE);
  /* Without record ids (events built by hand), time alone decides. */
  assert_int_equal(boot_ev(s, 6005, T0 + 7200, 0), VG_TRACK_BOOT);
  assert_int_equal(boot_ev(s, 6005, T0 + 7260, 0), VG_TRACK_IGNORED);
  vg_state_free(s);

  /* Time order of the Server 2022 case: the 6005 of boot 2, the 12 and the
   * 6005 of boot 3, the 12 and 6005 of boot 1, the 12 of boot 2. */
  s = vg_state_new();
  assert_int_equal(boot_ev(s, 6005, T0, 186), VG_TRACK_BOOT);
  assert_int_equal(boot_ev(s, 12, T0 + 93, 452), VG_TRACK_BOOT);
  assert_int_equal(boot_ev(s, 6005, T0 + 106, 437), VG_TRACK_IGNORED);
  assert_int_equal(boot_ev(s, 12, T0 + 10728, 3), VG_TRACK_BOOT);
  assert_int_equal(boot_ev(s, 6005, T0 + 10748, 2), VG_TRACK_IGNORED);
  assert_int_equal(boot_ev(s, 12, T0 + 10785, 196), VG_TRACK_IGNORED);
  vg_state_free(s);

  /* A platform boot, then its events. */
  s = vg_state_new();
  struct vg_track_result r;
  assert_int_equal(vg_tracker_boot_time(s, T0, &r), 0);
  assert_int_equal(boot_ev(s, 12, T0 + 2, 900), VG_TRACK_IGNORED);
  assert_int_equal(boot_ev(s, 6005, T0 + 40, 905), VG_TRACK_IGNORED);
  vg_state_free(s);
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
      cmocka_unit_test(test_server2022_boots),
      cmocka_unit_test(test_win10_boots),
      cmocka_unit_test(test_win11_vss_errors),
      cmocka_unit_test(test_prescan_real),
      cmocka_unit_test(test_boot_rules),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
