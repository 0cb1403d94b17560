/*
 * The fixture shared by the vg_decide tests (test_decide.c and
 * test_decide_admin.c): a fixed Monday, a small UTC policy, a state with a
 * count and a boot time, and one call of vg_decide. Included once by each
 * test program, after cmocka.h; everything here is static.
 */
#ifndef VG_TEST_DECIDE_FIXTURE_H
#define VG_TEST_DECIDE_FIXTURE_H

#include "vssguard/decide.h"
#include "vssguard/planner.h"
#include "vssguard/policy.h"
#include "vssguard/state.h"
#include "vssguard/zone.h"

#define H 3600
#define DAY 86400

/* Monday 2026-11-30 00:00:00 UTC. */
static vg_wall_t base(void) {
  return vg_days_from_civil(2026, 11, 30) * DAY;
}

/* A UTC policy: a daily window 02:00-05:00, no splay, min_time_left 15m,
 * min_uptime 1h, max_per_week 2, waiting for a running backup, threshold
 * 50, plus extra YAML lines (top-level keys). Its errors are printed. */
static vg_policy *policy(const char *extra) {
  char yaml[2048];
  snprintf(yaml, sizeof(yaml),
           "threshold: 50\n"
           "timezone: UTC\n"
           "maintenance_windows:\n"
           "  - \"daily 02:00 3h\"\n"
           "reboot:\n"
           "  splay: 0s\n"
           "  min_time_left: 15m\n"
           "  min_uptime: 1h\n"
           "  max_per_week: 2\n"
           "  wait_for_backup: true\n"
           "%s",
           extra ? extra : "");
  vg_policy *p = NULL;
  vg_diags d = {0};
  int rc = vg_policy_load_string("test.yaml", yaml, strlen(yaml), &p, &d);
  for (size_t i = 0; i < d.n; i++) {
    char line[600];
    vg_diag_format(&d.items[i], line, sizeof(line));
    fprintf(stderr, "%s\n", line);
  }
  vg_diags_free(&d);
  assert_int_equal(rc, 0);
  assert_non_null(p);
  return p;
}

/* A state with count and boot time, plus extra state-file lines. */
static vg_state *state(int count, vg_wall_t boot, const char *extra) {
  char text[4096];
  snprintf(text, sizeof(text),
           "vssguard-state 1\n"
           "boot_time %lld\n"
           "count %d\n"
           "last_event_time 0\n"
           "attempts 0\n"
           "locked 0\n"
           "%s"
           "end\n",
           (long long)boot, count, extra ? extra : "");
  vg_state *s = NULL;
  char err[256] = "";
  int rc =
      vg_state_load_string("state", text, strlen(text), &s, err, sizeof(err));
  if (rc != 0)
    fprintf(stderr, "%s\n", err);
  assert_int_equal(rc, 0);
  return s;
}

/* vg_decide at now, with the boot time, a pending Windows restart (or
 * NULL) and seed 42. */
static int decide_at(const vg_policy *p, const vg_state *s, vg_wall_t now,
                     vg_wall_t boot, const char *pending,
                     struct vg_decision *d) {
  struct vg_decide_input in;
  memset(&in, 0, sizeof(in));
  in.policy = p;
  in.state = s;
  in.now = now;
  in.boot_time = boot;
  in.seed = 42;
  in.restart_pending = pending;
  return vg_decide(&in, d);
}

#endif
