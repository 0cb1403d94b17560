/*
 * Unit tests of the policy module: defaults, the bundled examples, every
 * key of the YAML schema, the shorthand grammar, origins, the summary and
 * the Group Policy overrides.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "policy_int.h"
#include "vssguard/policy.h"

#include "oracle.h"
#include "tzrules.h"

#define EXAMPLES VG_TEST_DATA "/../../policy/examples/"
#define GOOD VG_TEST_DATA "/policy/good/"

/* True when the system's local zone is the one set_tz named. */
static bool tz_named;

/*
 * Sets the system's zone by name. Where the system does not know the name
 * (Windows), local times are checked against the system's own zone instead
 * of the expected UTC literals.
 */
static void set_tz(const char *name, vg_offset_fn rules) {
  struct vg_zone z;
  tz_named = tz_setup(name, rules, 1767225600, 1830297600, &z);
}

static vg_wall_t utc(const char *s) {
  vg_wall_t t = 0;
  assert_int_equal(vg_time_parse(s, NULL, &t), VG_OK);
  return t;
}

static vg_wall_t utc(const char *s);

/* Checks an instant resolved from local civil time y-mo-d h:mi. */
static void assert_local(vg_wall_t got, const char *want_utc, int y, int mo,
                         int d, int h, int mi) {
  if (tz_named) {
    assert_int_equal(got, utc(want_utc));
  } else {
    const struct vg_zone z = {VG_ZONE_LOCAL, 0, NULL};
    struct vg_civil c = {y, mo, d, h, mi, 0, 0};
    vg_wall_t t;
    assert_int_equal(vg_zone_from_civil(&z, &c, &t), VG_OK);
    assert_int_equal(got, t);
  }
}

static void print_diags(const vg_diags *d) {
  for (size_t i = 0; i < d->n; i++) {
    char buf[600];
    vg_diag_format(&d->items[i], buf, sizeof(buf));
    fprintf(stderr, "  %s\n", buf);
  }
}

/* Loads a policy from a string, failing the test on any error. */
static vg_policy *load_ok(const char *yaml) {
  vg_diags d = {0};
  vg_policy *p = NULL;
  int rc = vg_policy_load_string("t.yaml", yaml, strlen(yaml), &p, &d);
  if (rc != VG_OK) {
    print_diags(&d);
    fail_msg("policy did not load: %s", vg_strerror(rc));
  }
  assert_int_equal(d.n, 0);
  assert_non_null(p);
  vg_diags_free(&d);
  return p;
}

static vg_policy *load_file_ok(const char *path) {
  vg_diags d = {0};
  vg_policy *p = NULL;
  int rc = vg_policy_load_file(path, &p, &d);
  if (rc != VG_OK) {
    print_diags(&d);
    fail_msg("%s did not load: %s", path, vg_strerror(rc));
  }
  vg_diags_free(&d);
  return p;
}

static void test_defaults(void **state) {
  (void)state;
  vg_policy *p = vg_policy_new();
  assert_non_null(p);
  assert_int_equal(vg_policy_threshold(p), 56);
  assert_int_equal(vg_policy_zone(p)->kind, VG_ZONE_LOCAL);
  assert_true(vg_policy_count_failed(p));
  assert_false(vg_policy_dry_run(p));
  assert_int_equal(vg_policy_window_count(p), 0);
  assert_int_equal(vg_policy_blackout_count(p), 0);
  assert_null(vg_policy_window(p, 0));
  assert_null(vg_policy_blackout(p, 0));
  assert_null(vg_policy_metrics_file(p));
  const struct vg_reboot_cfg *r = vg_policy_reboot(p);
  assert_int_equal(r->warning_s, 600);
  assert_string_equal(
      r->message,
      "Scheduled maintenance reboot to clear VSS writer sessions (VSS 12289).");
  assert_true(r->force_close_apps);
  assert_int_equal(r->reason, 0x80040001u);
  assert_int_equal(r->splay_s, 1800);
  assert_int_equal(r->min_time_left_s, 900);
  assert_int_equal(r->min_uptime_s, 3600);
  assert_int_equal(r->max_per_week, 2);
  assert_true(r->wait_for_backup);
  static const char *const keys[] = {
      "threshold",           "timezone",       "count_failed_backups",
      "maintenance_windows", "blackouts",      "dry_run",
      "metrics_file",        "reboot.warning", "reboot.message",
      "reboot.max_per_week", "reboot.splay",   "no.such.key",
  };
  for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
    assert_int_equal(vg_policy_origin(p, keys[i]), VG_ORIGIN_DEFAULT);
  /* No window: not a valid policy on its own. */
  vg_diags d = {0};
  assert_int_equal(vg_policy_validate(p, "p", &d), VG_EINVAL);
  assert_int_equal(d.n, 1);
  assert_non_null(strstr(d.items[0].msg, "no maintenance window"));
  vg_diags_free(&d);
  vg_policy_free(p);
  vg_policy_free(NULL);
}

static void test_origin_names(void **state) {
  (void)state;
  assert_string_equal(vg_origin_name(VG_ORIGIN_DEFAULT), "default");
  assert_string_equal(vg_origin_name(VG_ORIGIN_FILE), "file");
  assert_string_equal(vg_origin_name(VG_ORIGIN_GPO), "gpo");
}

static void test_example_policy(void **state) {
  (void)state;
  set_tz("Europe/Berlin", rules_berlin);
  vg_policy *p = load_file_ok(EXAMPLES "policy.yaml");
  assert_int_equal(vg_policy_threshold(p), 56);
  assert_int_equal(vg_policy_zone(p)->kind, VG_ZONE_LOCAL);
  assert_true(vg_policy_count_failed(p));
  assert_false(vg_policy_dry_run(p));
  assert_null(vg_policy_metrics_file(p));

  assert_int_equal(vg_policy_window_count(p), 2);
  const struct vg_window *w = vg_policy_window(p, 0);
  assert_int_equal(w->w.days, VG_DAY(0));
  assert_int_equal(w->w.start_s, 2 * 3600);
  assert_int_equal(w->w.duration_s, 3 * 3600);
  w = vg_policy_window(p, 1);
  assert_int_equal(w->w.days, VG_DAY(3));
  assert_int_equal(w->w.start_s, 23 * 3600 + 30 * 60);
  assert_int_equal(w->w.duration_s, 2 * 3600);

  assert_int_equal(vg_policy_blackout_count(p), 3);
  const struct vg_blackout *b = vg_policy_blackout(p, 0);
  assert_string_equal(b->name, "year-end freeze");
  assert_int_equal(b->kind, VG_BLACKOUT_ABSOLUTE);
  assert_local(b->start, "2026-12-19T23:00Z", 2026, 12, 20, 0, 0); /* CET */
  assert_local(b->end, "2027-01-03T23:00Z", 2027, 1, 4, 0, 0);
  b = vg_policy_blackout(p, 1);
  assert_string_equal(b->name, "month-end close");
  assert_int_equal(b->kind, VG_BLACKOUT_MONTHLY);
  assert_int_equal(b->from_day, -3);
  assert_int_equal(b->to_day, -1);
  b = vg_policy_blackout(p, 2);
  assert_string_equal(b->name, "payroll");
  assert_int_equal(b->kind, VG_BLACKOUT_WEEKLY);
  assert_int_equal(b->w.days, VG_DAY(5));
  assert_int_equal(b->w.start_s, 18 * 3600);
  assert_int_equal(b->w.duration_s, 6 * 3600);

  const struct vg_reboot_cfg *r = vg_policy_reboot(p);
  assert_int_equal(r->warning_s, 600);
  assert_string_equal(
      r->message,
      "Scheduled maintenance reboot to clear VSS writer sessions (VSS 12289).");
  assert_true(r->force_close_apps);
  assert_int_equal(r->reason, 0x80040001u);
  assert_int_equal(r->splay_s, 1800);
  assert_int_equal(r->min_time_left_s, 900);
  assert_int_equal(r->min_uptime_s, 3600);
  assert_int_equal(r->max_per_week, 2);
  assert_true(r->wait_for_backup);

  /* Every key is in the file, so every origin is "file". */
  static const char *const keys[] = {
      "threshold",
      "timezone",
      "count_failed_backups",
      "maintenance_windows",
      "blackouts",
      "dry_run",
      "reboot.warning",
      "reboot.message",
      "reboot.force_close_apps",
      "reboot.reason",
      "reboot.splay",
      "reboot.min_time_left",
      "reboot.min_uptime",
      "reboot.max_per_week",
      "reboot.wait_for_backup",
  };
  for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
    assert_int_equal(vg_policy_origin(p, keys[i]), VG_ORIGIN_FILE);
  assert_int_equal(vg_policy_origin(p, "metrics_file"), VG_ORIGIN_DEFAULT);

  char buf[128];
  vg_policy_summary(p, buf, sizeof(buf));
  assert_string_equal(
      buf, "threshold 56, 2 windows, 3 blackouts, zone local, dry run off");
  vg_policy_free(p);
}

static void test_other_examples(void **state) {
  (void)state;
  set_tz("America/New_York", rules_new_york);
  vg_policy *p = load_file_ok(EXAMPLES "weeknights.yaml");
  assert_int_equal(vg_policy_threshold(p), 50);
  assert_int_equal(vg_policy_window_count(p), 2);
  assert_int_equal(vg_policy_window(p, 0)->w.days, 0x1e);
  assert_int_equal(vg_policy_window(p, 1)->w.days, VG_DAY(5));
  assert_int_equal(vg_policy_window(p, 1)->w.duration_s, 8 * 3600);
  assert_int_equal(vg_policy_blackout_count(p), 2);
  assert_int_equal(vg_policy_blackout(p, 0)->kind, VG_BLACKOUT_MONTHLY);
  assert_string_equal(vg_policy_blackout(p, 0)->name, "month start reporting");
  assert_local(vg_policy_blackout(p, 1)->start, "2026-12-24T05:00Z", 2026, 12,
               24, 0, 0);
  assert_int_equal(vg_policy_reboot(p)->max_per_week, 1);
  assert_int_equal(vg_policy_reboot(p)->splay_s, 3600);
  vg_policy_free(p);

  p = load_file_ok(EXAMPLES "minimal.yaml");
  char buf[128];
  vg_policy_summary(p, buf, sizeof(buf));
  assert_string_equal(
      buf, "threshold 56, 1 window, 0 blackouts, zone local, dry run off");
  vg_policy_free(p);

  p = load_file_ok(EXAMPLES "utc-dry-run.yaml");
  assert_true(vg_policy_dry_run(p));
  assert_int_equal(vg_policy_zone(p)->kind, VG_ZONE_UTC);
  assert_int_equal(vg_policy_window(p, 0)->w.days, VG_DAY(0) | VG_DAY(6));
  assert_int_equal(vg_policy_window(p, 1)->w.days, VG_ALL_DAYS);
  assert_int_equal(vg_policy_reboot(p)->warning_s, 0);
  vg_policy_summary(p, buf, sizeof(buf));
  assert_string_equal(
      buf, "threshold 40, 2 windows, 1 blackout, zone UTC, dry run on");
  vg_policy_free(p);
}

static void test_good_fixtures(void **state) {
  (void)state;
  static const char *const files[] = {"flow.yaml", "bom.yaml",
                                      "comments-only-windows.yaml",
                                      "fixed-offset.yaml", "crlf.yaml"};
  for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
    char path[512];
    snprintf(path, sizeof(path), GOOD "%s", files[i]);
    vg_policy *p = load_file_ok(path);
    assert_true(vg_policy_window_count(p) >= 1);
    vg_policy_free(p);
  }
  vg_policy *p = load_file_ok(GOOD "fixed-offset.yaml");
  assert_int_equal(vg_policy_zone(p)->kind, VG_ZONE_FIXED);
  assert_int_equal(vg_policy_zone(p)->offset_s, 5 * 3600 + 30 * 60);
  assert_int_equal(vg_policy_blackout(p, 0)->start, utc("2026-12-19T18:30Z"));
  assert_int_equal(vg_policy_blackout(p, 0)->end, utc("2027-01-01T00:00Z"));
  vg_policy_free(p);
}

static void test_all_keys(void **state) {
  (void)state;
  vg_policy *p = load_ok("threshold: 7\n"
                         "timezone: -03:30\n"
                         "count_failed_backups: no\n"
                         "dry_run: YES\n"
                         "metrics_file: /var/lib/node/vssguard.prom\n"
                         "maintenance_windows:\n"
                         "  - days: [mon-fri, sun]\n"
                         "    start: '23:59:30'\n"
                         "    duration: 7d\n"
                         "  - {days: weekends, start: 0:00, duration: 45}\n"
                         "  - 'Tuesday,THU 01:02:03 1d2h3m4s'\n"
                         "blackouts:\n"
                         "reboot:\n"
                         "  warning: 0\n"
                         "  message: 'hello: \"world\"'\n"
                         "  force_close_apps: off\n"
                         "  reason: 2147745793\n"
                         "  splay: 0\n"
                         "  min_time_left: 1d\n"
                         "  min_uptime: 30d\n"
                         "  max_per_week: 50\n"
                         "  wait_for_backup: false\n");
  assert_int_equal(vg_policy_threshold(p), 7);
  assert_int_equal(vg_policy_zone(p)->kind, VG_ZONE_FIXED);
  assert_int_equal(vg_policy_zone(p)->offset_s, -(3 * 3600 + 1800));
  assert_false(vg_policy_count_failed(p));
  assert_true(vg_policy_dry_run(p));
  assert_string_equal(vg_policy_metrics_file(p), "/var/lib/node/vssguard.prom");
  assert_int_equal(vg_policy_origin(p, "metrics_file"), VG_ORIGIN_FILE);
  assert_int_equal(vg_policy_window_count(p), 3);
  assert_int_equal(vg_policy_window(p, 0)->w.days, 0x3f);
  assert_int_equal(vg_policy_window(p, 0)->w.start_s, 86370);
  assert_int_equal(vg_policy_window(p, 0)->w.duration_s, 7 * 86400);
  assert_int_equal(vg_policy_window(p, 1)->w.days, 0x41);
  assert_int_equal(vg_policy_window(p, 1)->w.start_s, 0);
  assert_int_equal(vg_policy_window(p, 1)->w.duration_s, 45);
  assert_int_equal(vg_policy_window(p, 2)->w.days, VG_DAY(2) | VG_DAY(4));
  assert_int_equal(vg_policy_window(p, 2)->w.start_s, 3723);
  assert_int_equal(vg_policy_window(p, 2)->w.duration_s, 93784);
  assert_int_equal(vg_policy_blackout_count(p), 0);
  assert_int_equal(vg_policy_origin(p, "blackouts"), VG_ORIGIN_FILE);
  const struct vg_reboot_cfg *r = vg_policy_reboot(p);
  assert_int_equal(r->warning_s, 0);
  assert_string_equal(r->message, "hello: \"world\"");
  assert_false(r->force_close_apps);
  assert_int_equal(r->reason, 0x80040001u);
  assert_int_equal(r->splay_s, 0);
  assert_int_equal(r->min_time_left_s, 86400);
  assert_int_equal(r->min_uptime_s, 30 * 86400);
  assert_int_equal(r->max_per_week, 50);
  assert_false(r->wait_for_backup);
  vg_policy_free(p);

  p = load_ok("maintenance_windows: [\"sun 02:00 3h\"]\nreboot:\n"
              "metrics_file: ~\n");
  assert_null(vg_policy_metrics_file(p));
  assert_int_equal(vg_policy_reboot(p)->warning_s, 600);
  vg_policy_free(p);
}

static void test_blackout_forms(void **state) {
  (void)state;
  set_tz("America/New_York", rules_new_york);
  vg_policy *p =
      load_ok("maintenance_windows: [\"sun 02:00 3h\"]\n"
              "blackouts:\n"
              "  - {name: a, start: 2026-03-08T02:30, end: 2026-03-08T04:00}\n"
              "  - {name: b, start: 2026-11-01T01:30, end: 2026-11-01T01:45}\n"
              "  - {name: c, start: 2026-12-20, end: 2026-12-21T00:00Z}\n"
              "  - {monthly: {from_day: 15}}\n"
              "  - {name: e, monthly: {from_day: 25, to_day: -1}}\n"
              "  - {name: f, days: daily, start: '12:00', duration: 1h}\n"
              "  - 2026-12-20T00:00/2027-01-04T00:00 year-end freeze\n"
              "  - '2026-12-20T00:00Z/2026-12-21T00:00+01:00'\n"
              "  - monthly -3..-1 month-end close\n"
              "  - fri 18:00 6h payroll\n");
  assert_int_equal(vg_policy_blackout_count(p), 10);
  const struct vg_blackout *b = vg_policy_blackout(p, 0);
  /* 02:30 does not exist that day: the gap ends at 07:00Z. */
  assert_local(b->start, "2026-03-08T07:00Z", 2026, 3, 8, 2, 30);
  assert_local(b->end, "2026-03-08T08:00Z", 2026, 3, 8, 4, 0);
  b = vg_policy_blackout(p, 1);
  /* 01:30 happens twice: the first, in EDT. */
  assert_local(b->start, "2026-11-01T05:30Z", 2026, 11, 1, 1, 30);
  assert_local(b->end, "2026-11-01T05:45Z", 2026, 11, 1, 1, 45);
  b = vg_policy_blackout(p, 2);
  assert_local(b->start, "2026-12-20T05:00Z", 2026, 12, 20, 0, 0);
  assert_int_equal(b->end, utc("2026-12-21T00:00Z"));
  b = vg_policy_blackout(p, 3);
  assert_string_equal(b->name, "blackout 4");
  assert_int_equal(b->from_day, 15);
  assert_int_equal(b->to_day, 15);
  b = vg_policy_blackout(p, 4);
  assert_int_equal(b->from_day, 25);
  assert_int_equal(b->to_day, -1);
  b = vg_policy_blackout(p, 5);
  assert_int_equal(b->kind, VG_BLACKOUT_WEEKLY);
  assert_int_equal(b->w.days, VG_ALL_DAYS);
  b = vg_policy_blackout(p, 6);
  assert_string_equal(b->name, "year-end freeze");
  assert_local(b->start, "2026-12-20T05:00Z", 2026, 12, 20, 0, 0);
  b = vg_policy_blackout(p, 7);
  assert_string_equal(b->name, "2026-12-20T00:00Z/2026-12-21T00:00+01:00");
  assert_int_equal(b->end, utc("2026-12-20T23:00Z"));
  b = vg_policy_blackout(p, 8);
  assert_int_equal(b->kind, VG_BLACKOUT_MONTHLY);
  assert_string_equal(b->name, "month-end close");
  b = vg_policy_blackout(p, 9);
  assert_int_equal(b->kind, VG_BLACKOUT_WEEKLY);
  assert_string_equal(b->name, "payroll");
  vg_policy_free(p);
}

static void test_timezone_before_blackouts(void **state) {
  (void)state;
  /* The zone applies to blackouts even when it comes after them. */
  set_tz("Asia/Tokyo", rules_tokyo);
  vg_policy *p = load_ok("blackouts: ['2026-12-20T00:00/2026-12-21T00:00 x']\n"
                         "maintenance_windows: ['sun 02:00 3h']\n"
                         "timezone: UTC\n");
  assert_int_equal(vg_policy_blackout(p, 0)->start, utc("2026-12-20T00:00Z"));
  vg_policy_free(p);
}

static void test_parse_duration(void **state) {
  (void)state;
  static const struct {
    const char *s;
    int rc;
    int64_t v;
  } cases[] = {
      {"0", VG_OK, 0},
      {"45", VG_OK, 45},
      {"45s", VG_OK, 45},
      {"90m", VG_OK, 5400},
      {"3h", VG_OK, 10800},
      {"1h30m", VG_OK, 5400},
      {"2d", VG_OK, 172800},
      {"1d2h3m4s", VG_OK, 93784},
      {"1H30M", VG_OK, 5400},
      {"0h", VG_OK, 0},
      {"", VG_EINVAL, 0},
      {"h", VG_EINVAL, 0},
      {"-1h", VG_EINVAL, 0},
      {"+1h", VG_EINVAL, 0},
      {"1.5h", VG_EINVAL, 0},
      {"1h1h", VG_EINVAL, 0},
      {"30m1h", VG_EINVAL, 0},
      {"1h30", VG_EINVAL, 0},
      {"1w", VG_EINVAL, 0},
      {"1 h", VG_EINVAL, 0},
      {"3h ", VG_EINVAL, 0},
      {"99999999999999999999", VG_ERANGE, 0},
      {"99999999999d", VG_ERANGE, 0},
      {"36500d", VG_OK, 36500LL * 86400},
      {"36501d", VG_ERANGE, 0},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    int64_t v = -7;
    int rc = vg_parse_duration(cases[i].s, &v);
    if (rc != cases[i].rc)
      fail_msg("'%s': rc %d, want %d", cases[i].s, rc, cases[i].rc);
    if (rc == VG_OK && v != cases[i].v)
      fail_msg("'%s': %lld, want %lld", cases[i].s, (long long)v,
               (long long)cases[i].v);
  }
  char buf[32];
  vg_format_duration(5400, buf, sizeof(buf));
  assert_string_equal(buf, "1h30m");
  vg_format_duration(93784, buf, sizeof(buf));
  assert_string_equal(buf, "1d2h3m4s");
  vg_format_duration(0, buf, sizeof(buf));
  assert_string_equal(buf, "0s");
}

static void test_parse_time_and_days(void **state) {
  (void)state;
  int32_t t;
  assert_int_equal(vg_parse_time_of_day("00:00", &t), VG_OK);
  assert_int_equal(t, 0);
  assert_int_equal(vg_parse_time_of_day("2:05", &t), VG_OK);
  assert_int_equal(t, 7500);
  assert_int_equal(vg_parse_time_of_day("23:59:59", &t), VG_OK);
  assert_int_equal(t, 86399);
  assert_int_equal(vg_parse_time_of_day("24:00", &t), VG_ERANGE);
  assert_int_equal(vg_parse_time_of_day("25:00", &t), VG_ERANGE);
  assert_int_equal(vg_parse_time_of_day("12:60", &t), VG_ERANGE);
  assert_int_equal(vg_parse_time_of_day("12:00:60", &t), VG_ERANGE);
  assert_int_equal(vg_parse_time_of_day("12", &t), VG_EINVAL);
  assert_int_equal(vg_parse_time_of_day("12:0", &t), VG_EINVAL);
  assert_int_equal(vg_parse_time_of_day("123:00", &t), VG_EINVAL);
  assert_int_equal(vg_parse_time_of_day("12:00pm", &t), VG_EINVAL);
  assert_int_equal(vg_parse_time_of_day("", &t), VG_EINVAL);
  assert_int_equal(vg_parse_time_of_day("-1:00", &t), VG_EINVAL);

  static const struct {
    const char *s;
    int days; /* -1: error */
  } cases[] = {
      {"sun", 0x01},
      {"SAT", 0x40},
      {"Sunday", 0x01},
      {"wednesday", 0x08},
      {"wed", 0x08},
      {"wedn", 0x08},
      {"mon-fri", 0x3e},
      {"fri-mon", 0x63},
      {"sun-sat", 0x7f},
      {"daily", 0x7f},
      {"weekdays", 0x3e},
      {"weekends", 0x41},
      {"mon,wed,fri", 0x2a},
      {"mon, wed", 0x0a},
      {"sat-sat", 0x40},
      {"", -1},
      {"su", -1},
      {"funday", -1},
      {"mon-", -1},
      {"-fri", -1},
      {"mon,,fri", -1},
      {"mon,", -1},
      {"mon-xyz", -1},
      {"sundays", -1},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    uint8_t days = 0;
    char err[200] = "";
    int rc = vg_parse_days(cases[i].s, &days, err, sizeof(err));
    if (cases[i].days < 0) {
      if (rc != VG_EINVAL || err[0] == '\0')
        fail_msg("'%s' accepted", cases[i].s);
    } else if (rc != VG_OK || days != cases[i].days) {
      fail_msg("'%s': rc %d days %#x (%s)", cases[i].s, rc, days, err);
    }
  }
}

static void test_parse_weekly(void **state) {
  (void)state;
  static const struct {
    const char *s;
    int days; /* -1: error */
    int32_t start;
    int64_t dur;
    const char *err;
  } cases[] = {
      {"sun 02:00 3h", 0x01, 7200, 10800, NULL},
      {"mon,wed 23:30 2h", 0x0a, 84600, 7200, NULL},
      {"daily 01:00 90m", 0x7f, 3600, 5400, NULL},
      {"mon-fri 22:00 4h", 0x3e, 79200, 14400, NULL},
      {"  sat   23:00:30   7d  ", 0x40, 82830, 604800, NULL},
      {"sun 2h", -1, 0, 0, "'2h' is not a start time"},
      {"sun", -1, 0, 0, "missing start time"},
      {"sun 02:00", -1, 0, 0, "missing duration"},
      {"", -1, 0, 0, "empty"},
      {"sun 25:00 1h", -1, 0, 0, "'25:00' is out of range"},
      {"sun 24:00 1h", -1, 0, 0, "'24:00' is out of range"},
      {"sun 02:00 0m", -1, 0, 0, "more than 0 and at most 7d"},
      {"sun 02:00 -1h", -1, 0, 0, "more than 0 and at most 7d"},
      {"sun 02:00 7d1s", -1, 0, 0, "more than 0 and at most 7d"},
      {"sun 02:00 3x", -1, 0, 0, "is not a duration"},
      {"sun 02:00 3h extra", -1, 0, 0, "unexpected 'extra'"},
      {"someday 02:00 3h", -1, 0, 0, "is not a day"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct vg_weekly w = {0};
    char err[200] = "";
    int rc = vg_parse_weekly(cases[i].s, &w, err, sizeof(err));
    if (cases[i].days < 0) {
      assert_int_equal(rc, VG_EINVAL);
      if (strstr(err, cases[i].err) == NULL)
        fail_msg("'%s': error '%s' lacks '%s'", cases[i].s, err, cases[i].err);
    } else {
      if (rc != VG_OK)
        fail_msg("'%s': %s", cases[i].s, err);
      assert_int_equal(w.days, cases[i].days);
      assert_int_equal(w.start_s, cases[i].start);
      assert_int_equal(w.duration_s, cases[i].dur);
    }
  }
  struct vg_weekly w;
  assert_int_equal(vg_parse_weekly(NULL, &w, NULL, 0), VG_EINVAL);
}

static void test_parse_blackout(void **state) {
  (void)state;
  const struct vg_zone z = {VG_ZONE_FIXED, 3600, NULL};
  struct vg_blackout b;
  char err[200];
  assert_int_equal(vg_parse_blackout("2026-12-20T00:00/2027-01-04T00:00 "
                                     "year-end freeze",
                                     &z, &b, err, sizeof(err)),
                   VG_OK);
  assert_int_equal(b.kind, VG_BLACKOUT_ABSOLUTE);
  assert_string_equal(b.name, "year-end freeze");
  assert_int_equal(b.start, utc("2026-12-19T23:00Z"));
  assert_int_equal(b.end, utc("2027-01-03T23:00Z"));
  assert_int_equal(
      vg_parse_blackout("2026-12-20/2026-12-21", &z, &b, err, sizeof(err)),
      VG_OK);
  assert_string_equal(b.name, "2026-12-20/2026-12-21");
  assert_int_equal(b.end - b.start, 86400);
  assert_int_equal(
      vg_parse_blackout("monthly 1..5 close", &z, &b, err, sizeof(err)), VG_OK);
  assert_int_equal(b.kind, VG_BLACKOUT_MONTHLY);
  assert_int_equal(b.from_day, 1);
  assert_int_equal(b.to_day, 5);
  assert_int_equal(vg_parse_blackout("monthly -1", &z, &b, err, sizeof(err)),
                   VG_OK);
  assert_int_equal(b.from_day, -1);
  assert_int_equal(b.to_day, -1);
  assert_string_equal(b.name, "monthly -1");
  /* Ranges may run on into the next month. */
  assert_int_equal(
      vg_parse_blackout("monthly 28..3 close", &z, &b, err, sizeof(err)),
      VG_OK);
  assert_int_equal(b.from_day, 28);
  assert_int_equal(b.to_day, 3);
  assert_int_equal(
      vg_parse_blackout("monthly -3..2 close", &z, &b, err, sizeof(err)),
      VG_OK);
  assert_int_equal(b.from_day, -3);
  assert_int_equal(b.to_day, 2);
  assert_int_equal(
      vg_parse_blackout("mon-fri 12:00 1h lunch", &z, &b, err, sizeof(err)),
      VG_OK);
  assert_int_equal(b.kind, VG_BLACKOUT_WEEKLY);
  assert_int_equal(b.w.days, 0x3e);
  assert_string_equal(b.name, "lunch");

  static const struct {
    const char *s;
    const char *err;
  } bad[] = {
      {"", "empty"},
      {"2027-01-04T00:00/2026-12-20T00:00 x", "is not after the start"},
      {"2026-12-20T00:00/2026-12-20T00:00", "is not after the start"},
      {"2026-12-20T00:00/ x", "is not a date and time"},
      {"2026-13-20T00:00/2027-01-04T00:00", "is not a date and time"},
      {"monthly", "missing days"},
      {"monthly 0..3", "days of the month are 1..31"},
      {"monthly -1..-3", "from_day -1 is after to_day -3 (both count"},
      {"monthly 32", "days of the month are 1..31"},
      {"monthly x..y", "is not a day range"},
      {"fri 18:00", "missing duration"},
      {"2026-12-20T00:00/2027-01-04T00:00 "
       "a name that is far too long to fit in sixty-four bytes of storage",
       "longer than 63"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    err[0] = '\0';
    assert_int_equal(vg_parse_blackout(bad[i].s, &z, &b, err, sizeof(err)),
                     VG_EINVAL);
    if (strstr(err, bad[i].err) == NULL)
      fail_msg("'%s': error '%s' lacks '%s'", bad[i].s, err, bad[i].err);
  }
}

static void test_parse_scalars(void **state) {
  (void)state;
  bool b;
  assert_int_equal(vg_parse_bool("True", false, &b), VG_OK);
  assert_true(b);
  assert_int_equal(vg_parse_bool("off", false, &b), VG_OK);
  assert_false(b);
  assert_int_equal(vg_parse_bool("1", false, &b), VG_EINVAL);
  assert_int_equal(vg_parse_bool("1", true, &b), VG_OK);
  assert_true(b);
  assert_int_equal(vg_parse_bool("0", true, &b), VG_OK);
  assert_false(b);
  assert_int_equal(vg_parse_bool("2", true, &b), VG_EINVAL);
  assert_int_equal(vg_parse_bool("", true, &b), VG_EINVAL);
  uint32_t r;
  assert_int_equal(vg_parse_reason("planned-maintenance", &r), VG_OK);
  assert_int_equal(r, 0x80040001u);
  assert_int_equal(vg_parse_reason("0x80040001", &r), VG_OK);
  assert_int_equal(r, 0x80040001u);
  assert_int_equal(vg_parse_reason("2147745793", &r), VG_OK);
  assert_int_equal(r, 0x80040001u);
  assert_int_equal(vg_parse_reason("0", &r), VG_ERANGE);
  assert_int_equal(vg_parse_reason("0x0", &r), VG_ERANGE);
  assert_int_equal(vg_parse_reason("0x100000000", &r), VG_ERANGE);
  assert_int_equal(vg_parse_reason("4294967296", &r), VG_ERANGE);
  assert_int_equal(vg_parse_reason("maintenance", &r), VG_EINVAL);
  assert_int_equal(vg_parse_reason("-1", &r), VG_EINVAL);
  assert_int_equal(vg_parse_reason("0x", &r), VG_EINVAL);
  int64_t v;
  assert_int_equal(vg_parse_int("-42", &v), VG_OK);
  assert_int_equal(v, -42);
  assert_int_equal(vg_parse_int("4x", &v), VG_EINVAL);
  assert_int_equal(vg_parse_int("", &v), VG_EINVAL);
  assert_int_equal(vg_parse_int("99999999999999999999", &v), VG_ERANGE);
}

static void test_setters(void **state) {
  (void)state;
  vg_policy *p = vg_policy_new();
  assert_int_equal(vg_policy_set_threshold(p, 0), VG_ERANGE);
  assert_int_equal(vg_policy_set_threshold(p, 64), VG_ERANGE);
  assert_int_equal(vg_policy_origin(p, "threshold"), VG_ORIGIN_DEFAULT);
  assert_int_equal(vg_policy_set_threshold(p, 63), VG_OK);
  assert_int_equal(vg_policy_threshold(p), 63);
  assert_int_equal(vg_policy_origin(p, "threshold"), VG_ORIGIN_FILE);
  struct vg_zone z = {VG_ZONE_UTC, 0, NULL};
  vg_policy_set_zone(p, &z);
  assert_int_equal(vg_policy_zone(p)->kind, VG_ZONE_UTC);
  vg_policy_set_dry_run(p, true);
  assert_true(vg_policy_dry_run(p));
  vg_policy_set_count_failed(p, false);
  assert_false(vg_policy_count_failed(p));

  struct vg_window w = {.w = {VG_DAY(0), 7200, 3600}};
  assert_int_equal(vg_policy_add_window(p, &w), VG_OK);
  struct vg_window bad = w;
  bad.w.days = 0;
  assert_int_equal(vg_policy_add_window(p, &bad), VG_EINVAL);
  bad = w;
  bad.w.duration_s = 0;
  assert_int_equal(vg_policy_add_window(p, &bad), VG_EINVAL);
  bad = w;
  bad.w.start_s = 86400;
  assert_int_equal(vg_policy_add_window(p, &bad), VG_EINVAL);
  for (int i = 1; i < 256; i++)
    assert_int_equal(vg_policy_add_window(p, &w), VG_OK);
  assert_int_equal(vg_policy_add_window(p, &w), VG_ERANGE);
  assert_int_equal(vg_policy_window_count(p), 256);

  struct vg_blackout b;
  memset(&b, 0, sizeof(b));
  b.kind = VG_BLACKOUT_ABSOLUTE;
  b.start = 100;
  b.end = 100;
  assert_int_equal(vg_policy_add_blackout(p, &b), VG_EINVAL);
  b.end = 200;
  memset(b.name, 'x', sizeof(b.name));
  assert_int_equal(vg_policy_add_blackout(p, &b), VG_OK);
  assert_int_equal(strlen(vg_policy_blackout(p, 0)->name), 63);
  b.kind = VG_BLACKOUT_MONTHLY;
  b.from_day = 0;
  b.to_day = 3;
  assert_int_equal(vg_policy_add_blackout(p, &b), VG_EINVAL);
  b.kind = VG_BLACKOUT_WEEKLY;
  b.w = w.w;
  assert_int_equal(vg_policy_add_blackout(p, &b), VG_OK);

  struct vg_reboot_cfg *r = vg_policy_reboot_mut(p);
  r->max_per_week = 0;
  r->reason = 0;
  vg_diags d = {0};
  assert_int_equal(vg_policy_validate(p, "p", &d), VG_EINVAL);
  assert_int_equal(d.n, 2);
  vg_diags_free(&d);
  r->max_per_week = 3;
  r->reason = 1;
  assert_int_equal(vg_policy_validate(p, "p", &d), VG_OK);
  assert_int_equal(d.n, 0);
  vg_policy_free(p);
}

static void test_override_names(void **state) {
  (void)state;
  static const char *const want[] = {
      "Threshold",         "DryRun",
      "WarningSeconds",    "RebootMessage",
      "MaxRebootsPerWeek", "MaintenanceWindows",
      "Blackouts",         "FleetLockUrl",
      "FleetLockGroup",    "AlertmanagerUrl",
  };
  size_t n = 0;
  while (vg_policy_override_names[n] != NULL)
    n++;
  assert_int_equal(n, sizeof(want) / sizeof(want[0]));
  for (size_t i = 0; i < n; i++)
    assert_string_equal(vg_policy_override_names[i], want[i]);
}

static void test_overrides(void **state) {
  (void)state;
  set_tz("Europe/Berlin", rules_berlin);
  vg_policy *p = load_file_ok(EXAMPLES "policy.yaml");
  vg_diags d = {0};
  const char *one[1];

  one[0] = "40";
  assert_int_equal(vg_policy_override(p, "Threshold", one, 1, &d), VG_OK);
  assert_int_equal(vg_policy_threshold(p), 40);
  assert_int_equal(vg_policy_origin(p, "threshold"), VG_ORIGIN_GPO);

  one[0] = "1";
  assert_int_equal(vg_policy_override(p, "DryRun", one, 1, &d), VG_OK);
  assert_true(vg_policy_dry_run(p));
  one[0] = "false";
  assert_int_equal(vg_policy_override(p, "DryRun", one, 1, &d), VG_OK);
  assert_false(vg_policy_dry_run(p));
  assert_int_equal(vg_policy_origin(p, "dry_run"), VG_ORIGIN_GPO);

  one[0] = "300";
  assert_int_equal(vg_policy_override(p, "WarningSeconds", one, 1, &d), VG_OK);
  assert_int_equal(vg_policy_reboot(p)->warning_s, 300);
  assert_int_equal(vg_policy_origin(p, "reboot.warning"), VG_ORIGIN_GPO);

  one[0] = "Rebooting in 5 minutes.";
  assert_int_equal(vg_policy_override(p, "RebootMessage", one, 1, &d), VG_OK);
  assert_string_equal(vg_policy_reboot(p)->message, "Rebooting in 5 minutes.");
  assert_int_equal(vg_policy_origin(p, "reboot.message"), VG_ORIGIN_GPO);

  one[0] = "5";
  assert_int_equal(vg_policy_override(p, "MaxRebootsPerWeek", one, 1, &d),
                   VG_OK);
  assert_int_equal(vg_policy_reboot(p)->max_per_week, 5);
  assert_int_equal(vg_policy_origin(p, "reboot.max_per_week"), VG_ORIGIN_GPO);

  const char *wins[] = {"sat 01:00 2h", "mon-fri 22:00 4h", "daily 12:00 1h"};
  assert_int_equal(vg_policy_override(p, "MaintenanceWindows", wins, 3, &d),
                   VG_OK);
  assert_int_equal(vg_policy_window_count(p), 3);
  assert_int_equal(vg_policy_window(p, 0)->w.days, VG_DAY(6));
  assert_int_equal(vg_policy_window(p, 2)->w.days, VG_ALL_DAYS);
  assert_int_equal(vg_policy_origin(p, "maintenance_windows"), VG_ORIGIN_GPO);

  const char *bos[] = {"2026-12-20T00:00/2027-01-04T00:00 year-end freeze"};
  assert_int_equal(vg_policy_override(p, "Blackouts", bos, 1, &d), VG_OK);
  assert_int_equal(vg_policy_blackout_count(p), 1);
  assert_local(vg_policy_blackout(p, 0)->start, "2026-12-19T23:00Z", 2026, 12,
               20, 0, 0);
  assert_int_equal(vg_policy_origin(p, "blackouts"), VG_ORIGIN_GPO);
  /* An empty Blackouts list clears the file's blackouts. */
  assert_int_equal(vg_policy_override(p, "Blackouts", NULL, 0, &d), VG_OK);
  assert_int_equal(vg_policy_blackout_count(p), 0);
  assert_int_equal(d.n, 0);

  /* Untouched settings keep their origin. */
  assert_int_equal(vg_policy_origin(p, "timezone"), VG_ORIGIN_FILE);
  assert_int_equal(vg_policy_origin(p, "reboot.splay"), VG_ORIGIN_FILE);
  assert_int_equal(vg_policy_validate(p, "policy.yaml", &d), VG_OK);
  vg_policy_free(p);
  vg_diags_free(&d);
}

static void test_override_errors(void **state) {
  (void)state;
  static const struct {
    const char *name;
    const char *items[3];
    size_t n;
    const char *msg;
  } cases[] = {
      {"Threshold", {"0"}, 1, "0 is out of range (1..63)"},
      {"Threshold", {"64"}, 1, "64 is out of range (1..63)"},
      {"Threshold", {"999"}, 1, "999 is out of range (1..63)"},
      {"Threshold", {"abc"}, 1, "'abc' is not a whole number"},
      {"Threshold", {"1", "2"}, 2, "expected one value, got 2"},
      {"Threshold", {NULL}, 0, "expected one value, got 0"},
      {"DryRun", {"maybe"}, 1, "'maybe' is not 0, 1, true or false"},
      {"WarningSeconds", {"-5"}, 1, "is not a number of seconds"},
      {"WarningSeconds", {"315360001"}, 1, "out of range (0..315360000)"},
      {"RebootMessage", {""}, 1, "1 to 511 bytes"},
      {"MaxRebootsPerWeek", {"0"}, 1, "0 is out of range (1..50)"},
      {"MaintenanceWindows", {NULL}, 0, "the list is empty"},
      {"MaintenanceWindows",
       {"sun 02:00 3h", "sun 2h"},
       2,
       "item 2 \"sun 2h\": '2h' is not a start time"},
      {"MaintenanceWindows", {"daily 25:00 1h"}, 1, "'25:00' is out of range"},
      {"Blackouts",
       {"2027-01-04T00:00/2026-12-20T00:00 x"},
       1,
       "item 1 \"2027-01-04T00:00/2026-12-20T00:00 x\": the end"},
      {"Enabled", {"1"}, 1, "not a policy value this agent reads"},
      {"Bogus", {"1"}, 1, "not a policy value this agent reads"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    vg_policy *p = load_file_ok(EXAMPLES "minimal.yaml");
    vg_diags d = {0};
    int rc =
        vg_policy_override(p, cases[i].name, cases[i].items, cases[i].n, &d);
    assert_int_equal(rc, VG_EINVAL);
    assert_int_equal(d.n, 1);
    char want_file[128];
    snprintf(want_file, sizeof(want_file),
             "HKLM\\SOFTWARE\\Policies\\VssGuard\\%s", cases[i].name);
    assert_string_equal(d.items[0].file, want_file);
    assert_int_equal(d.items[0].line, 0);
    if (strstr(d.items[0].msg, cases[i].msg) == NULL)
      fail_msg("%s: '%s' lacks '%s'", cases[i].name, d.items[0].msg,
               cases[i].msg);
    /* A rejected override changes nothing. */
    assert_int_equal(vg_policy_threshold(p), 56);
    assert_int_equal(vg_policy_window_count(p), 1);
    assert_int_equal(vg_policy_origin(p, "threshold"), VG_ORIGIN_DEFAULT);
    char buf[600];
    vg_diag_format(&d.items[0], buf, sizeof(buf));
    assert_true(strncmp(buf, "HKLM\\SOFTWARE\\Policies\\VssGuard\\", 32) == 0);
    vg_diags_free(&d);
    vg_policy_free(p);
  }
}

static void test_reload_independent(void **state) {
  (void)state;
  /* Two loads give independent policies; freeing one leaves the other. */
  vg_policy *a = load_file_ok(EXAMPLES "policy.yaml");
  vg_policy *b = load_file_ok(EXAMPLES "weeknights.yaml");
  vg_policy_free(a);
  assert_int_equal(vg_policy_threshold(b), 50);
  vg_policy_free(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_origin_names),
      cmocka_unit_test(test_example_policy),
      cmocka_unit_test(test_other_examples),
      cmocka_unit_test(test_good_fixtures),
      cmocka_unit_test(test_all_keys),
      cmocka_unit_test(test_blackout_forms),
      cmocka_unit_test(test_timezone_before_blackouts),
      cmocka_unit_test(test_parse_duration),
      cmocka_unit_test(test_parse_time_and_days),
      cmocka_unit_test(test_parse_weekly),
      cmocka_unit_test(test_parse_blackout),
      cmocka_unit_test(test_parse_scalars),
      cmocka_unit_test(test_setters),
      cmocka_unit_test(test_override_names),
      cmocka_unit_test(test_overrides),
      cmocka_unit_test(test_override_errors),
      cmocka_unit_test(test_reload_independent),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
