/*
 * vssguard status: the agent's state file in words, as JSON, or in the
 * Prometheus text format: count, boot, runs, schedule, reboot history and
 * the reboot-loop guard.
 */
#include <stdlib.h>

#include "cli_int.h"
#include "vssguard/metrics.h"

/* What the three forms print, read once from the state. */
struct status {
  const char *spath;
  const vg_policy *p; /* or NULL */
  const vg_state *s;
  const struct vg_zone *z;
  vg_wall_t now;
  int count;
  struct vg_sched sched;
  struct vg_reboot_rec hist[VG_STATE_MAX_HISTORY];
  size_t nh;
  vg_wall_t runs[VG_STATE_MAX_RUNS];
  size_t nruns;
};

static int status_prometheus(const struct status *t) {
  struct vg_metrics m = {.active_sessions = t->count,
                         .threshold = t->p ? vg_policy_threshold(t->p) : 0,
                         .runs_since_boot = (int)t->nruns,
                         .last_run = t->nruns ? t->runs[t->nruns - 1] : 0,
                         .next_reboot = t->sched.set ? t->sched.at : 0,
                         .reboots_initiated = t->nh,
                         .policy_errors = 0,
                         .locked = vg_state_locked(t->s),
                         .paused = vg_state_paused(t->s, t->now),
                         .remediation_verified =
                             vg_state_remediation_verified(t->s)};
  char *text = vg_metrics_format(&m);
  if (text == NULL)
    return VG_EXIT_FAIL;
  fputs(text, stdout);
  free(text);
  return fflush(stdout) == 0 ? VG_EXIT_OK : VG_EXIT_FAIL;
}

static void json_history(struct vg_json *j, const struct status *t) {
  vg_json_key(j, "history");
  vg_json_begin_array(j);
  for (size_t i = 0; i < t->nh; i++) {
    vg_json_begin_object(j);
    vg_json_key(j, "at");
    vg_json_time(j, t->hist[i].at);
    vg_json_key(j, "count");
    vg_json_int(j, t->hist[i].count);
    vg_json_key(j, "confirmed");
    vg_json_bool(j, t->hist[i].confirmed);
    vg_json_end_object(j);
  }
  vg_json_end_array(j);
}

/* The administrators' requests: "pause" and "reboot_request", or null. */
static void json_admin(struct vg_json *j, const struct status *t) {
  struct vg_admin ad;
  vg_state_admin(t->s, &ad);
  vg_json_key(j, "pause");
  if (vg_state_paused(t->s, t->now)) {
    vg_json_begin_object(j);
    vg_json_key(j, "until");
    vg_json_time(j, ad.paused_until);
    vg_json_key(j, "since");
    vg_json_time(j, ad.paused_at);
    vg_json_key(j, "reason");
    vg_json_string(j, ad.pause_reason);
    vg_json_end_object(j);
  } else {
    vg_json_null(j);
  }
  vg_json_key(j, "remediation_verified");
  vg_cli_json_time_or_null(j, vg_state_remediation_verified(t->s));
  vg_json_key(j, "remediation_pending");
  vg_json_bool(j, vg_state_remediation_pending(t->s));
  vg_json_key(j, "reboot_request");
  if (vg_state_reboot_requested(t->s)) {
    vg_json_begin_object(j);
    vg_json_key(j, "at");
    vg_json_time(j, ad.requested_at);
    vg_json_key(j, "reason");
    vg_json_string(j, ad.request_reason);
    vg_json_end_object(j);
  } else {
    vg_json_null(j);
  }
}

/* The lines of the text form for a pause and a reboot request. */
static void human_admin(const struct status *t) {
  struct vg_admin ad;
  char a[64];
  vg_state_admin(t->s, &ad);
  if (vg_state_paused(t->s, t->now)) {
    vg_cli_fmt_human(ad.paused_until, t->z, a, sizeof(a));
    printf("PAUSED:       no reboot until %s%s%s ('vssguard resume' ends "
           "it)\n",
           a, ad.pause_reason[0] ? ": " : "", ad.pause_reason);
  }
  if (vg_state_remediation_verified(t->s) != 0) {
    vg_cli_fmt_human(vg_state_remediation_verified(t->s), t->z, a, sizeof(a));
    printf("Verified:     remediation verified %s (a backup run after the "
           "reboot ended without VSS 12289)\n",
           a);
  } else if (vg_state_remediation_pending(t->s)) {
    printf("Verified:     not yet (waiting for a backup run after the "
           "reboot)\n");
  }
  if (vg_state_reboot_requested(t->s)) {
    vg_cli_fmt_human(ad.requested_at, t->z, a, sizeof(a));
    printf("Requested:    reboot at the next allowed slot (asked %s%s%s)\n", a,
           ad.request_reason[0] ? ": " : "", ad.request_reason);
  }
}

static int status_json(const struct status *t) {
  struct vg_json j;
  vg_cli_json_start(&j);
  vg_json_key(&j, "state");
  vg_json_string(&j, t->spath);
  vg_json_key(&j, "count");
  vg_json_int(&j, t->count);
  if (t->p != NULL) {
    vg_json_key(&j, "threshold");
    vg_json_int(&j, vg_policy_threshold(t->p));
  }
  vg_json_key(&j, "hard_limit");
  vg_json_int(&j, VG_HARD_LIMIT);
  vg_json_key(&j, "boot_time");
  vg_cli_json_time_or_null(&j, vg_state_boot_time(t->s));
  vg_json_key(&j, "last_event");
  vg_cli_json_time_or_null(&j, vg_state_last_event_time(t->s));
  vg_json_key(&j, "runs_since_boot");
  vg_json_uint(&j, t->nruns);
  vg_json_key(&j, "last_run");
  vg_cli_json_time_or_null(&j, t->nruns ? t->runs[t->nruns - 1] : 0);
  vg_json_key(&j, "backup_in_progress");
  vg_json_bool(&j, vg_state_backup_in_progress(t->s, t->now));
  vg_json_key(&j, "scheduled");
  if (t->sched.set) {
    vg_json_begin_object(&j);
    vg_json_key(&j, "at");
    vg_json_time(&j, t->sched.at);
    vg_json_key(&j, "slot_start");
    vg_json_time(&j, t->sched.slot_start);
    vg_json_key(&j, "slot_end");
    vg_json_time(&j, t->sched.slot_end);
    vg_json_end_object(&j);
  } else {
    vg_json_null(&j);
  }
  json_history(&j, t);
  vg_json_key(&j, "reboots_in_week");
  vg_json_int(&j, vg_state_reboots_in_week(t->s, t->now));
  vg_json_key(&j, "pending_attempts");
  vg_json_int(&j, vg_state_pending_attempts(t->s));
  vg_json_key(&j, "locked");
  vg_json_bool(&j, vg_state_locked(t->s));
  json_admin(&j, t);
  vg_cli_json_fleet(&j, t->p, t->s);
  vg_json_end_object(&j);
  return vg_cli_json_finish(&j);
}

/* The count, boot, last event and runs lines of the text form. */
static void human_counting(const struct status *t) {
  char a[64];
  printf("State:        %s\n", t->spath);
  if (t->p != NULL)
    printf("Count:        %d of threshold %d (hard limit %d)\n", t->count,
           vg_policy_threshold(t->p), VG_HARD_LIMIT);
  else
    printf("Count:        %d (hard limit %d)\n", t->count, VG_HARD_LIMIT);
  if (vg_state_boot_time(t->s) != 0) {
    vg_cli_fmt_human(vg_state_boot_time(t->s), t->z, a, sizeof(a));
    printf("Boot time:    %s\n", a);
  } else {
    printf("Boot time:    unknown\n");
  }
  if (vg_state_last_event_time(t->s) != 0) {
    vg_cli_fmt_human(vg_state_last_event_time(t->s), t->z, a, sizeof(a));
    printf("Last event:   %s\n", a);
  } else {
    printf("Last event:   none\n");
  }
  printf("Runs counted: %zu since boot", t->nruns);
  if (t->nruns > 0) {
    vg_cli_fmt_human(t->runs[t->nruns - 1], t->z, a, sizeof(a));
    printf(", last started %s", a);
  }
  printf("%s\n", vg_state_backup_in_progress(t->s, t->now)
                     ? " (a backup is running)"
                     : "");
}

static int status_human(const struct status *t) {
  char a[64], b[64];
  human_counting(t);
  if (t->sched.set) {
    vg_cli_fmt_human(t->sched.at, t->z, a, sizeof(a));
    vg_cli_fmt_human(t->sched.slot_end, t->z, b, sizeof(b));
    printf("Scheduled:    reboot at %s (slot until %s)\n", a, b);
  } else {
    printf("Scheduled:    no reboot scheduled\n");
  }
  human_admin(t);
  vg_cli_human_fleet("Fleet lock:   ", t->p, t->s);
  printf("Reboots:      %zu recorded, %d in the last 7 days\n", t->nh,
         vg_state_reboots_in_week(t->s, t->now));
  for (size_t i = 0; i < t->nh; i++) {
    vg_cli_fmt_human(t->hist[i].at, t->z, a, sizeof(a));
    printf("  %s at count %d, %s\n", a, t->hist[i].count,
           t->hist[i].confirmed ? "boot confirmed" : "no boot seen yet");
  }
  if (vg_state_locked(t->s))
    printf("LOCKED:       %d reboot attempts without a boot; reboots stay "
           "off until 'vssguard reset'\n",
           vg_state_pending_attempts(t->s));
  else
    printf("Guard:        %d unconfirmed attempts of %d allowed\n",
           vg_state_pending_attempts(t->s), VG_STATE_MAX_ATTEMPTS);
  return fflush(stdout) == 0 ? VG_EXIT_OK : VG_EXIT_FAIL;
}

/* Reads the state s (and policy p, or NULL) into t. */
static void status_read(struct status *t, const char *spath, const vg_policy *p,
                        const vg_state *s) {
  static const struct vg_zone local = {VG_ZONE_LOCAL, 0, NULL};
  t->spath = spath;
  t->p = p;
  t->s = s;
  t->z = p ? vg_policy_zone(p) : &local;
  vg_state_scheduled(s, &t->sched);
  t->nh = vg_state_history(s, t->hist, VG_STATE_MAX_HISTORY);
  t->nruns = vg_state_runs(s, t->runs, VG_STATE_MAX_RUNS);
  t->now = vg_plat_now();
  t->count = vg_state_count(s);
}

static int cmd_status(const struct cmd *c, int argc, char **argv) {
  struct opt o[] = {{"state", true, NULL, false},
                    {"policy", true, NULL, false},
                    {"json", false, NULL, false},
                    {"prometheus", false, NULL, false}};
  size_t no = sizeof(o) / sizeof(o[0]);
  char *pos[1] = {NULL};
  int npos;
  char defs[1024];
  int rc;
  if (vg_cli_parse_cmd(c, argc, argv, o, no, pos, 0, &npos, &rc))
    return rc;
  bool json = vg_cli_opt(o, no, "json")->seen;
  bool prom = vg_cli_opt(o, no, "prometheus")->seen;
  if (json && prom)
    return vg_cli_usage_error(
        c->name, "%s: --json and --prometheus are exclusive", c->name);
  const char *spath = vg_cli_opt(o, no, "state")->arg;
  if (spath == NULL)
    spath = vg_cli_default_path("state", defs, sizeof(defs));
  vg_policy *p = NULL;
  if (vg_cli_opt(o, no, "policy")->seen) {
    rc = vg_cli_load_policy(vg_cli_opt(o, no, "policy")->arg, &p);
    if (rc != 0)
      return rc;
  }
  vg_state *s;
  rc = vg_cli_load_state(spath, &s);
  if (rc != 0) {
    vg_policy_free(p);
    return rc;
  }
  struct status t;
  status_read(&t, spath, p, s);
  rc = prom ? status_prometheus(&t) : json ? status_json(&t) : status_human(&t);
  vg_state_free(s);
  vg_policy_free(p);
  return rc;
}

const struct cmd vg_cli_cmd_status = {
    "status", cmd_status,
    "[--state FILE] [--policy FILE] [--json | --prometheus]",
    "show the agent's state: count, schedule, reboot history",
    "Shows the state file: count, boot time, last event, runs since boot, the\n"
    "scheduled reboot, the reboot history and the reboot-loop guard. --json\n"
    "is for scripts (PowerShell ConvertFrom-Json); --prometheus prints the\n"
    "metrics text file format.\n"};
