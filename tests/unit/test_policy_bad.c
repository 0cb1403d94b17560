/*
 * The bad-input table: malformed policies, each with the message and the
 * line:col the loader must report, and the return code. Every case must be
 * rejected without a crash and without a policy. Some cases are files under
 * tests/data/policy/bad/, and a 10 MB file is generated at test time.
 * docs/policy.md lists the same messages.
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

#include "vssguard/policy.h"

#define BAD VG_TEST_DATA "/policy/bad/"
#define W "maintenance_windows: [\"sun 02:00 3h\"]\n"

struct bad_case {
  const char *label;
  const char *yaml;
  int line, col;   /* position of the expected diagnostic (0:0 = file) */
  const char *msg; /* a substring of its message */
};

/* Policies that are wrong in one way each. Line 1 is W where it is used. */
static const struct bad_case cases[] = {
    {"empty", "", 0, 0, "policy is empty"},
    {"only comments", "# nothing here\n\n", 0, 0, "policy is empty"},
    {"null document", "~\n", 0, 0, "policy is empty"},
    {"scalar root", "hello\n", 1, 1,
     "the policy must be a mapping of keys (like 'threshold: 56'), not a "
     "string"},
    {"list root", "- threshold: 5\n", 1, 1,
     "the policy must be a mapping of keys (like 'threshold: 56'), not a "
     "list"},
    {"no windows", "threshold: 5\n", 1, 1,
     "missing required key 'maintenance_windows'"},
    {"empty windows", "maintenance_windows: []\n", 1, 22,
     "maintenance_windows is empty; add at least one window"},
    {"windows not a list", "maintenance_windows: sun 02:00 3h\n", 1, 22,
     "'maintenance_windows' must be a list of windows, not a string"},
    {"threshold 0", W "threshold: 0\n", 2, 12,
     "threshold 0 is out of range (1 to 63)"},
    {"threshold 64", W "threshold: 64\n", 2, 12,
     "threshold 64 is out of range (1 to 63)"},
    {"threshold 999", W "threshold: 999\n", 2, 12,
     "threshold 999 is out of range (1 to 63)"},
    {"threshold -1", W "threshold: -1\n", 2, 12,
     "threshold -1 is out of range (1 to 63)"},
    {"threshold huge", W "threshold: 99999999999999999999999\n", 2, 12,
     "is out of range (1 to 63)"},
    {"threshold word", W "threshold: abc\n", 2, 12,
     "threshold must be a whole number from 1 to 63, not 'abc'"},
    {"threshold fraction", W "threshold: 5.5\n", 2, 12,
     "threshold must be a whole number from 1 to 63, not '5.5'"},
    {"threshold list", W "threshold: [56]\n", 2, 12,
     "'threshold' must be a number from 1 to 63, not a list"},
    {"threshold mapping", W "threshold: {a: 1}\n", 2, 12,
     "'threshold' must be a number from 1 to 63, not a mapping"},
    {"threshold empty", W "threshold:\n", 2, 11,
     "'threshold' must be a number from 1 to 63, not empty"},
    {"unknown key typo", W "treshold: 5\n", 2, 1,
     "unknown key 'treshold' in the policy (did you mean 'threshold'?)"},
    {"unknown key", W "colour: red\n", 2, 1,
     "unknown key 'colour' in the policy"},
    {"duplicate key", W "threshold: 5\nthreshold: 6\n", 3, 1,
     "duplicate key 'threshold' in the policy (first at line 2)"},
    {"complex key", W "[a]: 1\n", 2, 1,
     "keys in the policy must be plain words, not a list"},
    {"zone name", W "timezone: Europe/Berlin\n", 2, 11,
     "unknown timezone 'Europe/Berlin': zone names are not supported"},
    {"zone offset", W "timezone: \"+15:00\"\n", 2, 11,
     "unknown timezone '+15:00' (use local, UTC, +HH:MM or -HH:MM"},
    {"bool word", W "count_failed_backups: maybe\n", 2, 23,
     "count_failed_backups must be true or false, not 'maybe'"},
    {"bool digit", W "dry_run: 1\n", 2, 10,
     "dry_run must be true or false, not '1'"},
    {"window sun 2h", "maintenance_windows: [\"sun 2h\"]\n", 1, 23,
     "maintenance window \"sun 2h\": '2h' is not a start time (HH:MM)"},
    {"window 25:00", "maintenance_windows:\n  - daily 25:00 1h\n", 2, 5,
     "time '25:00' is out of range (00:00 to 23:59:59)"},
    {"window 24:00", "maintenance_windows:\n  - daily 24:00 1h\n", 2, 5,
     "time '24:00' is out of range (00:00 to 23:59:59)"},
    {"window negative", "maintenance_windows:\n  - sun 02:00 -1h\n", 2, 5,
     "duration '-1h' must be more than 0 and at most 7d"},
    {"window zero", "maintenance_windows:\n  - sun 02:00 0m\n", 2, 5,
     "duration '0m' must be more than 0 and at most 7d"},
    {"window 8d", "maintenance_windows:\n  - sun 02:00 8d\n", 2, 5,
     "duration '8d' must be more than 0 and at most 7d"},
    {"window huge", "maintenance_windows:\n  - sun 02:00 99999999999999h\n", 2,
     5, "must be more than 0 and at most 7d"},
    {"window junk", "maintenance_windows:\n  - sun 02:00 3 hours\n", 2, 5,
     "unexpected 'hours' after the duration"},
    {"window day", "maintenance_windows:\n  - funday 02:00 1h\n", 2, 5,
     "'funday' is not a day"},
    {"window missing start",
     "maintenance_windows:\n  - {days: [sun], duration: 3h}\n", 2, 5,
     "maintenance window is missing 'start'"},
    {"window empty days",
     "maintenance_windows:\n  - {days: [], start: \"02:00\", duration: 3h}\n",
     2, 12, "the day list is empty"},
    {"window unknown key",
     "maintenance_windows:\n"
     "  - {days: [sun], start: \"02:00\", duration: 3h, stop: \"05:00\"}\n",
     2, 49, "unknown key 'stop' in a maintenance window"},
    {"window weekly with end",
     "maintenance_windows:\n"
     "  - {days: [sun], start: \"02:00\", duration: 3h, end: \"05:00\"}\n",
     2, 54, "'end' belongs to a one-off window"},
    /* Monthly and one-off windows (issue 13). */
    {"monthly nth 6",
     "maintenance_windows:\n"
     "  - {monthly: {weekday: tue, nth: 6}, start: \"02:00\", duration: 3h}\n",
     2, 35, "monthly.nth must be 1 to 5, or -1 to -5"},
    {"monthly nth 0",
     "maintenance_windows:\n"
     "  - {monthly: {weekday: tue, nth: 0}, start: \"02:00\", duration: 3h}\n",
     2, 35, "monthly.nth must be 1 to 5"},
    {"monthly bad weekday",
     "maintenance_windows:\n"
     "  - {monthly: {weekday: tuz, nth: 2}, start: \"02:00\", duration: 3h}\n",
     2, 25, "monthly.weekday 'tuz' is not a day of the week"},
    {"monthly offset 8",
     "maintenance_windows:\n"
     "  - {monthly: {weekday: tue, nth: 2, offset_days: 8}, start: \"02:00\", "
     "duration: 3h}\n",
     2, 51, "monthly.offset_days must be a whole number from -7 to 7"},
    {"monthly offset word",
     "maintenance_windows:\n"
     "  - {monthly: {weekday: tue, nth: 2, offset_days: +5d}, start: "
     "\"02:00\", duration: 3h}\n",
     2, 51,
     "monthly.offset_days must be a whole number from -7 to 7, not "
     "'+5d'"},
    {"monthly nth without weekday",
     "maintenance_windows:\n"
     "  - {monthly: {nth: 2}, start: \"02:00\", duration: 3h}\n",
     2, 21, "monthly needs weekday with nth"},
    {"monthly empty",
     "maintenance_windows:\n"
     "  - {monthly: {}, start: \"02:00\", duration: 3h}\n",
     2, 15, "monthly needs weekday and nth"},
    {"monthly day 0",
     "maintenance_windows:\n"
     "  - {monthly: {day: 0}, start: \"23:00\", duration: 2h}\n",
     2, 21, "monthly.day must be 1..31, or -31..-1"},
    {"monthly day 32",
     "maintenance_windows:\n"
     "  - {monthly: {day: 32}, start: \"23:00\", duration: 2h}\n",
     2, 21, "monthly.day must be 1..31"},
    {"monthly day and weekday",
     "maintenance_windows:\n"
     "  - {monthly: {day: 1, weekday: sat, nth: 1}, start: \"23:00\", "
     "duration: 2h}\n",
     2, 21, "monthly takes either day, or weekday with nth"},
    {"monthly day with offset",
     "maintenance_windows:\n"
     "  - {monthly: {day: 1, offset_days: 2}, start: \"23:00\", "
     "duration: 2h}\n",
     2, 37, "monthly.offset_days goes with weekday and nth"},
    {"monthly window from_day",
     "maintenance_windows:\n"
     "  - {monthly: {from_day: 1}, start: \"23:00\", duration: 2h}\n",
     2, 26, "from_day and to_day belong to blackouts"},
    {"monthly unknown key",
     "maintenance_windows:\n"
     "  - {monthly: {weekday: tue, nht: 2}, start: \"02:00\", duration: 3h}\n",
     2, 30, "unknown key 'nht' in monthly (did you mean 'nth'?)"},
    {"monthly without duration",
     "maintenance_windows:\n"
     "  - {monthly: {weekday: tue, nth: 2}, start: \"02:00\"}\n",
     2, 5, "maintenance window is missing 'duration'"},
    {"monthly with days",
     "maintenance_windows:\n"
     "  - {monthly: {day: 1}, days: [sun], start: \"02:00\", duration: 1h}\n",
     2, 31, "'monthly' cannot be combined with 'days'"},
    {"monthly duration 8d",
     "maintenance_windows:\n"
     "  - {monthly: {day: 1}, start: \"02:00\", duration: 8d}\n",
     2, 51, "duration '8d' must be more than 0 and at most 7d"},
    {"monthly start 25:00",
     "maintenance_windows:\n"
     "  - {monthly: {day: 1}, start: \"25:00\", duration: 1h}\n",
     2, 32, "start time '25:00' is out of range"},
    {"monthly shorthand 6th",
     "maintenance_windows:\n  - monthly 6th tue 02:00 3h\n", 2, 5,
     "'6th' is not an ordinal (1st .. 5th, last, 2nd-last .. 5th-last)"},
    {"monthly shorthand offset 9",
     "maintenance_windows:\n  - monthly 2nd tue +9d 02:00 3h\n", 2, 5,
     "'+9d' is not a day offset from -7d to +7d"},
    {"monthly shorthand no weekday",
     "maintenance_windows:\n  - monthly 2nd 02:00 3h\n", 2, 5,
     "'02:00' is not a day of the week"},
    {"monthly shorthand day 0",
     "maintenance_windows:\n  - monthly day 0 23:00 2h\n", 2, 5,
     "'0' is not a day of the month"},
    {"monthly shorthand no duration",
     "maintenance_windows:\n  - monthly last sat 22:00\n", 2, 5,
     "missing duration after the start time"},
    {"monthly shorthand trailing",
     "maintenance_windows:\n  - monthly last sat 22:00 6h extra\n", 2, 5,
     "unexpected 'extra' after the duration"},
    {"one-off bad date",
     "maintenance_windows:\n  - {start: 2027-02-30T22:00, duration: 6h}\n", 2,
     13, "one-off maintenance window: start '2027-02-30T22:00' is not a date"},
    {"one-off end before start",
     "maintenance_windows:\n"
     "  - {start: 2027-01-09T22:00, end: 2027-01-09T21:00}\n",
     2, 36, "one-off maintenance window ends before it starts"},
    {"one-off too long",
     "maintenance_windows:\n"
     "  - {start: 2027-01-09T22:00, end: 2027-01-19T21:00}\n",
     2, 36, "is longer than 7d"},
    {"one-off duration and end",
     "maintenance_windows:\n"
     "  - {start: 2027-01-09T22:00, duration: 1h, end: 2027-01-09T23:00}\n",
     2, 50, "needs either duration or end"},
    {"one-off neither", "maintenance_windows:\n  - {start: 2027-01-09T22:00}\n",
     2, 5, "needs either duration or end"},
    {"one-off shorthand bad", "maintenance_windows:\n  - 2027-13-09T22:00 6h\n",
     2, 5, "'2027-13-09T22:00' is not a date and time"},
    {"one-off shorthand no duration",
     "maintenance_windows:\n  - 2027-01-09T22:00\n", 2, 5,
     "missing duration after the start"},
    {"one-off shorthand reversed",
     "maintenance_windows:\n  - 2027-01-09T22:00/2027-01-09T20:00\n", 2, 5,
     "the end 2027-01-09T20:00 is not after the start"},
    {"nth blackout day",
     W "blackouts:\n  - {name: p, monthly: {weekday: tue, nth: 2, day: 3}}\n",
     3, 52, "monthly.day belongs to windows"},
    {"nth blackout from_day",
     W "blackouts:\n  - {name: p, monthly: {weekday: tue, nth: 2, from_day: "
       "3}}\n",
     3, 57, "monthly takes either from_day and to_day, or weekday and nth"},
    {"nth blackout start only",
     W "blackouts:\n"
       "  - {name: p, monthly: {weekday: tue, nth: 2}, start: \"08:00\"}\n",
     3, 55, "blackout 'p' needs both start and duration, or neither"},
    {"nth blackout nth -6",
     W "blackouts:\n  - {name: p, monthly: {weekday: tue, nth: -6}}\n", 3, 44,
     "monthly.nth must be 1 to 5, or -1 to -5"},
    {"nth blackout shorthand", W "blackouts:\n  - monthly 2nd tue +9d patch\n",
     3, 5, "'+9d' is not a day offset from -7d to +7d"},
    {"window list", "maintenance_windows:\n  - [sun, \"02:00\", 3h]\n", 2, 5,
     "a maintenance window must be a string like \"sun 02:00 3h\" or a "
     "mapping"},
    {"window 2am",
     "maintenance_windows:\n  - {days: sun, start: 2am, duration: 3h}\n", 2, 24,
     "'2am' is not a time of day (use HH:MM"},
    {"window day number",
     "maintenance_windows:\n"
     "  - {days: [sun, 7], start: \"02:00\", duration: 3h}\n",
     2, 18, "'7' is not a day"},
    {"window duration negative map",
     "maintenance_windows:\n"
     "  - {days: [sun], start: \"02:00\", duration: -30m}\n",
     2, 45, "duration '-30m' must be more than 0 and at most 7d"},
    {"blackout end before start",
     W "blackouts:\n"
       "  - {name: x, start: 2027-01-04T00:00, end: 2026-12-20T00:00}\n",
     3, 45, "blackout 'x' ends before it starts"},
    {"blackout end equals start",
     W "blackouts:\n"
       "  - {name: x, start: 2027-01-04T00:00, end: 2027-01-04T00:00}\n",
     3, 45, "blackout 'x' ends before it starts"},
    {"blackout shorthand reversed",
     W "blackouts:\n  - 2027-01-04T00:00/2026-12-20T00:00 freeze\n", 3, 5,
     "the end 2026-12-20T00:00 is not after the start 2027-01-04T00:00"},
    {"blackout bad date",
     W "blackouts:\n"
       "  - {name: x, start: 2026-02-30T00:00, end: 2026-03-02T00:00}\n",
     3, 22, "blackout start '2026-02-30T00:00' is not a date and time"},
    {"blackout start only", W "blackouts:\n  - {name: x, start: 2026-02-01}\n",
     3, 5, "blackout 'x' needs start and end"},
    {"blackout monthly zero",
     W "blackouts:\n  - {name: m, monthly: {from_day: 0, to_day: 3}}\n", 3, 35,
     "monthly.from_day must be 1..31, or -31..-1"},
    {"blackout monthly reversed",
     W "blackouts:\n  - {name: m, monthly: {from_day: -1, to_day: -3}}\n", 3,
     47,
     "blackout 'm': from_day -1 is after to_day -3 (both count from the "
     "end of the month)"},
    {"blackout monthly and start",
     W "blackouts:\n"
       "  - {name: m, monthly: {from_day: 1}, start: 2026-01-01T00:00}\n",
     3, 46, "'monthly' cannot be combined with start, end, days or duration"},
    {"blackout weekly with end",
     W "blackouts:\n"
       "  - {name: p, days: fri, start: \"18:00\", duration: 6h, end: x}\n",
     3, 61, "'end' belongs to a blackout with absolute start and end"},
    {"blackout long name",
     W "blackouts:\n  - {name: "
       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, "
       "start: 2026-01-01, end: 2026-01-02}\n",
     3, 12, "blackout name is longer than 63 characters"},
    {"blackouts mapping", W "blackouts: {a: 1}\n", 2, 12,
     "'blackouts' must be a list of blackouts, not a mapping"},
    {"reboot scalar", W "reboot: yes\n", 2, 9,
     "'reboot' must be a mapping of reboot settings, not a string"},
    {"warning negative", W "reboot:\n  warning: -1\n", 3, 12,
     "reboot.warning: -1 is out of range (0s to 3650d)"},
    {"warning huge", W "reboot:\n  warning: 3651d\n", 3, 12,
     "reboot.warning: 3651d is out of range (0s to 3650d)"},
    {"warning word", W "reboot:\n  warning: soon\n", 3, 12,
     "reboot.warning: 'soon' is not a duration"},
    {"message empty", W "reboot:\n  message: \"\"\n", 3, 12,
     "reboot.message must not be empty"},
    {"reason zero", W "reboot:\n  reason: 0\n", 3, 11,
     "reboot.reason 0 is out of range"},
    {"reason word", W "reboot:\n  reason: reboot-now\n", 3, 11,
     "reboot.reason must be planned-maintenance, planned-other or a number"},
    {"max_per_week 0", W "reboot:\n  max_per_week: 0\n", 3, 17,
     "reboot.max_per_week 0 is out of range (1 to 50)"},
    {"max_per_week 51", W "reboot:\n  max_per_week: 51\n", 3, 17,
     "reboot.max_per_week 51 is out of range (1 to 50)"},
    {"splay 8d", W "reboot:\n  splay: 8d\n", 3, 10,
     "reboot.splay: 8d is out of range (0s to 7d)"},
    {"min_uptime 31d", W "reboot:\n  min_uptime: 31d\n", 3, 15,
     "reboot.min_uptime: 31d is out of range (0s to 30d)"},
    {"reboot typo", W "reboot:\n  forse_close_apps: true\n", 3, 3,
     "unknown key 'forse_close_apps' in reboot (did you mean "
     "'force_close_apps'?)"},
    {"force words", W "reboot:\n  force_close_apps: yes please\n", 3, 21,
     "reboot.force_close_apps must be true or false, not 'yes please'"},
    {"metrics dotdot", W "metrics_file: ../../etc/cron.d/x\n", 2, 15,
     "metrics_file must not contain '..' components"},
    {"metrics empty", W "metrics_file: \"\"\n", 2, 15,
     "metrics_file must not be empty"},
    {"anchor", W "threshold: &t 50\n", 2, 12, "anchors are not allowed ('&t')"},
    {"alias", W "threshold: &t 50\ndry_run: *t\n", 3, 10,
     "aliases are not allowed ('*t')"},
    {"tab indent", W "reboot:\n\twarning: 5m\n", 3, 1,
     "tab character in indentation; YAML needs spaces"},
    {"tab after spaces", W "reboot:\n  \twarning: 5m\n", 3, 3,
     "tab character in indentation; YAML needs spaces"},
    {"invalid utf-8 value", W "reboot:\n  message: \"caf\xe9\"\n", 3, 17,
     "invalid UTF-8"},
    {"invalid utf-8 comment", W "# \xc3\x28\n", 2, 4,
     "invalid UTF-8 (invalid trailing UTF-8 octet)"},
    {"overlong utf-8", W "# \xc0\xaf\n", 2, 3, "invalid UTF-8"},
    {"two documents", W "---\nthreshold: 5\n", 2, 1,
     "only one YAML document is allowed"},
    {"unclosed quote", W "threshold: \"56\n", 3, 1,
     "invalid YAML: found unexpected end of stream while scanning a quoted "
     "scalar (started at line 2, column 12)"},
    {"bad indentation", "maintenance_windows:\n  - sun 02:00 3h\n - x\n", 3, 2,
     "check the indentation"},
    {"missing colon", W "threshold 5\ndry_run: true\n", 3, 1,
     "could not find expected ':'"},
    {"unclosed flow", "maintenance_windows: [\"sun 02:00 3h\"\n", 2, 1,
     "invalid YAML: did not find expected ',' or ']'"},
};

static void print_diags(const vg_diags *d) {
  for (size_t i = 0; i < d->n; i++) {
    char buf[600];
    vg_diag_format(&d->items[i], buf, sizeof(buf));
    fprintf(stderr, "    %s\n", buf);
  }
}

/* True when some diagnostic has the position and contains msg. */
static bool has_diag(const vg_diags *d, int line, int col, const char *msg) {
  for (size_t i = 0; i < d->n; i++)
    if (d->items[i].line == line && d->items[i].col == col &&
        strstr(d->items[i].msg, msg) != NULL)
      return true;
  return false;
}

static void check_rejected(const char *label, int rc, int want_rc, vg_policy *p,
                           const vg_diags *d, int line, int col,
                           const char *msg) {
  if (rc != want_rc || p != NULL || !has_diag(d, line, col, msg)) {
    fprintf(stderr, "case '%s': rc %d (want %d), want %d:%d '%s', got:\n",
            label, rc, want_rc, line, col, msg);
    print_diags(d);
    vg_policy_free(p);
    fail_msg("case '%s' failed", label);
  }
}

/* Runs every case, reports each mismatch, then fails if there was one. */
static void test_table(void **state) {
  (void)state;
  size_t n = sizeof(cases) / sizeof(cases[0]), failed = 0;
  assert_true(n >= 40);
  for (size_t i = 0; i < n; i++) {
    vg_diags d = {0};
    vg_policy *p = (vg_policy *)&d; /* must be reset to NULL */
    int rc = vg_policy_load_string("bad.yaml", cases[i].yaml,
                                   strlen(cases[i].yaml), &p, &d);
    if (rc != VG_EINVAL || p != NULL ||
        !has_diag(&d, cases[i].line, cases[i].col, cases[i].msg)) {
      fprintf(stderr, "case '%s': rc %d, want %d:%d '%s', got:\n",
              cases[i].label, rc, cases[i].line, cases[i].col, cases[i].msg);
      print_diags(&d);
      if (p != (vg_policy *)&d)
        vg_policy_free(p);
      failed++;
    }
    for (size_t j = 0; j < d.n; j++)
      assert_string_equal(d.items[j].file, "bad.yaml");
    vg_diags_free(&d);
  }
  fprintf(stderr, "%zu bad-input cases, %zu failed\n", n, failed);
  assert_int_equal(failed, 0);
}

/* Every problem in one file is reported, in order, not just the first. */
static void test_all_errors_reported(void **state) {
  (void)state;
  static const char yaml[] = "treshold: 5\n"
                             "threshold: 64\n"
                             "maintenance_windows:\n"
                             "  - \"sun 2h\"\n"
                             "  - {days: [], start: \"25:00\", duration: 0}\n"
                             "blackouts:\n"
                             "  - {name: x, start: 2027-01-04T00:00, end: "
                             "2026-12-20T00:00}\n"
                             "reboot: {reason: 0, max_per_week: 0}\n"
                             "dry_run: maybe\n";
  static const struct {
    int line, col;
    const char *msg;
  } want[] = {
      {1, 1, "unknown key 'treshold'"},
      {2, 12, "threshold 64 is out of range"},
      {4, 5, "'2h' is not a start time"},
      {5, 12, "the day list is empty"},
      {5, 23, "'25:00' is out of range"},
      {5, 42, "duration '0' must be more than 0"},
      {7, 45, "ends before it starts"},
      {8, 18, "reboot.reason 0 is out of range"},
      {8, 35, "reboot.max_per_week 0 is out of range"},
      {9, 10, "dry_run must be true or false"},
  };
  vg_diags d = {0};
  vg_policy *p = NULL;
  assert_int_equal(
      vg_policy_load_string("all.yaml", yaml, strlen(yaml), &p, &d), VG_EINVAL);
  assert_null(p);
  if (d.n != sizeof(want) / sizeof(want[0])) {
    print_diags(&d);
    fail_msg("%zu diagnostics, want %zu", d.n, sizeof(want) / sizeof(want[0]));
  }
  for (size_t i = 0; i < d.n; i++) {
    if (d.items[i].line != want[i].line || d.items[i].col != want[i].col ||
        strstr(d.items[i].msg, want[i].msg) == NULL) {
      print_diags(&d);
      fail_msg("diagnostic %zu: want %d:%d '%s'", i, want[i].line, want[i].col,
               want[i].msg);
    }
  }
  char buf[600];
  vg_diag_format(&d.items[1], buf, sizeof(buf));
  assert_string_equal(buf,
                      "all.yaml:2:12: threshold 64 is out of range (1 to 63)");
  vg_diags_free(&d);
}

/* Diagnostics are appended after those already in the list. */
static void test_appends_to_diags(void **state) {
  (void)state;
  vg_diags d = {0};
  vg_policy *p = NULL;
  vg_diags_add(&d, "earlier", 9, 9, "an earlier problem");
  assert_int_equal(
      vg_policy_load_string("x.yaml", "threshold: 0\n", 13, &p, &d), VG_EINVAL);
  assert_true(d.n >= 3);
  assert_string_equal(d.items[0].file, "earlier");
  vg_diags_free(&d);
}

static void test_too_many_errors(void **state) {
  (void)state;
  size_t cap = 200 * 16 + 64;
  char *yaml = malloc(cap);
  assert_non_null(yaml);
  size_t len = (size_t)snprintf(yaml, cap, "%s", W);
  for (int i = 0; i < 200; i++)
    len += (size_t)snprintf(yaml + len, cap - len, "bogus%d: 1\n", i);
  vg_diags d = {0};
  vg_policy *p = NULL;
  assert_int_equal(vg_policy_load_string("many.yaml", yaml, len, &p, &d),
                   VG_EINVAL);
  assert_null(p);
  assert_int_equal(d.n, 51);
  assert_non_null(strstr(d.items[50].msg, "too many errors"));
  vg_diags_free(&d);
  free(yaml);
}

static void test_deep_nesting(void **state) {
  (void)state;
  char yaml[512];
  size_t len = (size_t)snprintf(yaml, sizeof(yaml), "%sx: ", W);
  for (int i = 0; i < 100; i++)
    yaml[len++] = '[';
  for (int i = 0; i < 100; i++)
    yaml[len++] = ']';
  yaml[len++] = '\n';
  vg_diags d = {0};
  vg_policy *p = NULL;
  assert_int_equal(vg_policy_load_string("deep.yaml", yaml, len, &p, &d),
                   VG_EINVAL);
  assert_null(p);
  assert_true(has_diag(&d, 2, 35, "nesting is too deep (more than 32 levels)"));
  vg_diags_free(&d);
}

static void test_nul_byte(void **state) {
  (void)state;
  static const char yaml[] = W "threshold: 5\0\n";
  vg_diags d = {0};
  vg_policy *p = NULL;
  assert_int_equal(
      vg_policy_load_string("nul.yaml", yaml, sizeof(yaml) - 1, &p, &d),
      VG_EINVAL);
  assert_null(p);
  assert_true(has_diag(&d, 2, 13, "invalid character (byte 0x00)"));
  vg_diags_free(&d);
}

static void test_string_too_large(void **state) {
  (void)state;
  size_t len = 1024 * 1024 + 1;
  char *buf = malloc(len);
  assert_non_null(buf);
  memset(buf, '#', len);
  vg_diags d = {0};
  vg_policy *p = NULL;
  assert_int_equal(vg_policy_load_string("big.yaml", buf, len, &p, &d),
                   VG_EINVAL);
  assert_null(p);
  assert_true(
      has_diag(&d, 0, 0, "policy is larger than 1 MiB (1048577 bytes)"));
  /* Exactly 1 MiB of comments is read, and is empty. */
  vg_diags_free(&d);
  assert_int_equal(vg_policy_load_string("big.yaml", buf, len - 1, &p, &d),
                   VG_EINVAL);
  assert_true(has_diag(&d, 0, 0, "policy is empty"));
  vg_diags_free(&d);
  free(buf);
}

/* A file case: path, expected code, position and message. */
static void check_file(const char *path, int want_rc, int line, int col,
                       const char *msg) {
  vg_diags d = {0};
  vg_policy *p = NULL;
  int rc = vg_policy_load_file(path, &p, &d);
  check_rejected(path, rc, want_rc, p, &d, line, col, msg);
  for (size_t j = 0; j < d.n; j++)
    assert_string_equal(d.items[j].file, path);
  vg_diags_free(&d);
}

static void test_fixture_files(void **state) {
  (void)state;
  check_file(BAD "alias-bomb.yaml", VG_EINVAL, 3, 8,
             "aliases are not allowed ('*a'); write each value out in full "
             "(72 more aliases)");
  check_file(BAD "latin1.yaml", VG_EINVAL, 6, 23, "invalid UTF-8");
  check_file(BAD "tabs.yaml", VG_EINVAL, 5, 1,
             "tab character in indentation; YAML needs spaces");
  check_file(BAD "tabs.yaml", VG_EINVAL, 6, 1,
             "tab character in indentation; YAML needs spaces");
  check_file(BAD "empty.yaml", VG_EINVAL, 0, 0, "policy is empty");
  check_file(BAD "end-before-start.yaml", VG_EINVAL, 6, 60,
             "blackout 'year-end freeze' ends before it starts");
  check_file(BAD "windows-missing.yaml", VG_EINVAL, 2, 1,
             "missing required key 'maintenance_windows'");
  check_file(BAD "does-not-exist.yaml", VG_ENOENT, 0, 0,
             "cannot read the policy: ");
  check_file(VG_TEST_DATA "/policy", VG_EIO, 0, 0,
             "is a directory, not a policy file");
  check_file(BAD "empty.yaml/x", VG_ENOENT, 0, 0, "cannot read the policy");
}

/* The alias bomb is rejected at once: few diagnostics, no expansion. */
static void test_alias_bomb_bounded(void **state) {
  (void)state;
  vg_diags d = {0};
  vg_policy *p = NULL;
  assert_int_equal(vg_policy_load_file(BAD "alias-bomb.yaml", &p, &d),
                   VG_EINVAL);
  assert_true(d.n <= 20);
  assert_true(has_diag(&d, 2, 4, "anchors are not allowed ('&a')"));
  assert_true(has_diag(&d, 2, 4, "(8 more anchors)"));
  vg_diags_free(&d);
}

/* Writes a valid policy padded with spaces to size bytes. */
static void write_padded(const char *path, size_t size) {
  static char block[65536];
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  memset(block, ' ', sizeof(block));
  assert_int_equal(fwrite(W, 1, strlen(W), f), strlen(W));
  for (size_t left = size - strlen(W); left > 0;) {
    size_t n = left < sizeof(block) ? left : sizeof(block);
    assert_int_equal(fwrite(block, 1, n, f), n);
    left -= n;
  }
  assert_int_equal(fclose(f), 0);
}

static void test_huge_file(void **state) {
  (void)state;
  /* In the working directory: the test's build directory under CTest. */
  char path[64];
  snprintf(path, sizeof(path), "test_policy_bad-%ld.yaml", (long)time(NULL));
  write_padded(path, 10 * 1024 * 1024);
  check_file(path, VG_EINVAL, 0, 0,
             "policy is larger than 1 MiB (10485760 bytes)");
  /* Just over the limit also fails; just under is read. */
  write_padded(path, 1024 * 1024 + 1);
  check_file(path, VG_EINVAL, 0, 0,
             "policy is larger than 1 MiB (1048577 bytes)");
  write_padded(path, 1024 * 1024);
  vg_diags d = {0};
  vg_policy *p = NULL;
  assert_int_equal(vg_policy_load_file(path, &p, &d), VG_OK);
  assert_int_equal(vg_policy_window_count(p), 1);
  vg_policy_free(p);
  vg_diags_free(&d);
  assert_int_equal(remove(path), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_table),
      cmocka_unit_test(test_all_errors_reported),
      cmocka_unit_test(test_appends_to_diags),
      cmocka_unit_test(test_too_many_errors),
      cmocka_unit_test(test_deep_nesting),
      cmocka_unit_test(test_nul_byte),
      cmocka_unit_test(test_string_too_large),
      cmocka_unit_test(test_fixture_files),
      cmocka_unit_test(test_alias_bomb_bounded),
      cmocka_unit_test(test_huge_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
