/*
 * vssguard plan: the next reboot, the projection of the count at the
 * backup cadence up to the threshold and to 64, the skipped windows and
 * where every setting came from.
 */
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "picture.h"
#include "vssguard/decide.h"
#include "vssguard/planner.h"
#include "vssguard/platform.h"

/* The command's inputs, from its options. */
struct plan_args {
  const char *ppath;
  const char *spath; /* --state, or NULL */
  bool have_count;   /* --count given */
  int count_opt;
  bool have_rpd; /* --runs-per-day given */
  double rpd;
  uint64_t seed;
  const char *from;   /* --from, or NULL */
  const char *svg;    /* --svg, or NULL */
  const char *server; /* --server, or NULL */
  bool json;
  char defp[1024];
};

/* Everything the reports print. */
struct plan_view {
  const char *ppath;
  const vg_policy *p;
  const vg_state *st; /* or NULL */
  const struct vg_zone *z;
  vg_wall_t now;
  int count, threshold;
  const char *count_source, *count_label;
  double rpd;
  const char *cadence_source;
  struct vg_projection proj;
  int prc; /* vg_plan_project's result */
  bool reached, have, locked;
  struct vg_plan plan;
  const char *next_source;
  vg_wall_t at, slot_start, slot_end;
  /* What makes a reboot wanted now (vg_decide_cause), and a pending
   * restart of Windows when the piggyback asks for it. */
  enum vg_cause cause;
  char trigger[192];
  bool have_pending;
  char pending[160];
  /* An administrator's pause in force at `now` (vssguard pause). */
  bool paused;
  struct vg_admin admin;
  bool pause_past_limit; /* the first reboot after it is past the limit */
};

/* Reads the options into a. Returns 0 to go on, -1 when --help was printed,
 * or the usage error's exit code. */
static int plan_args(const struct cmd *c, int argc, char **argv,
                     struct plan_args *a) {
  struct opt o[] = {
      {"policy", true, NULL, false},       {"state", true, NULL, false},
      {"count", true, NULL, false},        {"from", true, NULL, false},
      {"runs-per-day", true, NULL, false}, {"seed", true, NULL, false},
      {"json", false, NULL, false},        {"svg", true, NULL, false},
      {"server", true, NULL, false}};
  size_t no = sizeof(o) / sizeof(o[0]);
  char *pos[1] = {NULL};
  int npos, rc;
  if (vg_cli_parse_cmd(c, argc, argv, o, no, pos, 0, &npos, &rc))
    return rc != 0 ? rc : -1;
  a->svg = vg_cli_opt(o, no, "svg")->arg;
  a->server = vg_cli_opt(o, no, "server")->arg;
  struct opt *ostate = vg_cli_opt(o, no, "state"),
             *ocount = vg_cli_opt(o, no, "count"),
             *oseed = vg_cli_opt(o, no, "seed"),
             *orpd = vg_cli_opt(o, no, "runs-per-day");
  if (ostate->seen && ocount->seen)
    return vg_cli_usage_error(c->name, "%s: --state and --count are exclusive",
                              c->name);
  uint64_t count = 0;
  a->seed = 1;
  if (ocount->seen &&
      (vg_cli_parse_u64(ocount->arg, &count) != 0 || count > VG_HARD_LIMIT))
    return vg_cli_usage_error(
        c->name, "--count '%s' must be a number from 0 to 64", ocount->arg);
  if (oseed->seen && vg_cli_parse_u64(oseed->arg, &a->seed) != 0)
    return vg_cli_usage_error(c->name, "--seed '%s' must be a number",
                              oseed->arg);
  a->rpd = 0;
  if (orpd->seen) {
    char *end;
    a->rpd = strtod(orpd->arg, &end);
    if (*end != '\0' || !(a->rpd > 0) || a->rpd > 1440)
      return vg_cli_usage_error(
          c->name, "--runs-per-day '%s' must be a number above 0", orpd->arg);
  }
  a->have_rpd = orpd->seen;
  a->have_count = ocount->seen;
  a->count_opt = (int)count;
  a->spath = ostate->arg;
  a->from = vg_cli_opt(o, no, "from")->arg;
  a->json = vg_cli_opt(o, no, "json")->seen;
  a->ppath = vg_cli_opt(o, no, "policy")->arg;
  if (a->ppath == NULL)
    a->ppath = vg_policy_default_path(a->defp, sizeof(a->defp));
  return 0;
}

/* The cadence: given, observed in the state, or one run a day. */
static void plan_cadence(const struct plan_args *a, struct plan_view *v) {
  v->rpd = a->rpd;
  v->cadence_source = "option";
  if (a->have_rpd)
    return;
  v->rpd = 0;
  v->cadence_source = "default";
  if (v->st != NULL) {
    vg_wall_t runs[VG_STATE_MAX_RUNS];
    size_t n = vg_state_runs(v->st, runs, VG_STATE_MAX_RUNS);
    double obs = vg_plan_cadence(runs, n, v->now);
    if (obs > 0) {
      v->rpd = obs;
      v->cadence_source = "observed";
    }
  }
  if (v->rpd <= 0)
    v->rpd = 1.0;
}

/* Why a reboot is wanted now, as the agent would see it. */
static void plan_cause(struct plan_view *v) {
  struct vg_decide_input in;
  memset(&in, 0, sizeof(in));
  in.policy = v->p;
  in.now = v->now;
  if (vg_policy_piggyback(v->p)->windows_update &&
      vg_plat_restart_pending(v->pending, sizeof(v->pending)) > 0) {
    v->have_pending = true;
    in.restart_pending = v->pending;
  }
  vg_state *tmp = NULL;
  if (v->st == NULL) {
    /* vg_decide_cause reads the count from a state: give it one. */
    char text[160];
    snprintf(text, sizeof(text),
             "vssguard-state 1\nboot_time 0\ncount %d\nlast_event_time 0\n"
             "attempts 0\nlocked 0\nend\n",
             v->count);
    if (vg_state_load_string("plan", text, strlen(text), &tmp, NULL, 0) != 0)
      return;
  }
  in.state = v->st != NULL ? v->st : tmp;
  v->cause = vg_decide_cause(&in, v->trigger, sizeof(v->trigger));
  vg_state_free(tmp);
}

/* Projects the count and finds the next reboot. */
static void plan_compute(const struct plan_args *a, struct plan_view *v) {
  plan_cadence(a, v);
  v->threshold = vg_policy_threshold(v->p);
  memset(&v->proj, 0, sizeof(v->proj));
  v->prc = vg_plan_project(v->p, v->count, v->rpd, v->now, &v->proj);
  plan_cause(v);
  /* "Reached": a reboot is wanted now, by the threshold or another cause. */
  v->reached = v->cause != VG_CAUSE_NONE;
  /* The next reboot: the state's schedule when it holds one, else planned. */
  struct vg_sched sched = {0};
  if (v->st != NULL)
    vg_state_scheduled(v->st, &sched);
  memset(&v->plan, 0, sizeof(v->plan));
  vg_wall_t base = v->reached ? v->now : v->proj.threshold_at;
  if (v->st != NULL && vg_state_paused(v->st, v->now)) {
    v->paused = true;
    vg_state_admin(v->st, &v->admin);
    if (base < v->admin.paused_until)
      base = v->admin.paused_until;
  }
  int nrc =
      v->prc == 0 ? vg_plan_next_reboot(v->p, base, a->seed, &v->plan) : v->prc;
  v->have = nrc == 0;
  v->next_source = "plan";
  v->at = v->plan.at;
  v->slot_start = v->plan.slot.start;
  v->slot_end = v->plan.slot.end;
  if (v->reached && sched.set && sched.slot_end > v->now) {
    v->have = true;
    v->next_source = "state";
    v->at = sched.at;
    v->slot_start = sched.slot_start;
    v->slot_end = sched.slot_end;
  }
  v->locked = v->st != NULL && vg_state_locked(v->st);
  v->pause_past_limit =
      v->paused && v->prc == 0 && (!v->have || v->at >= v->proj.limit_at);
}

/* "until Sat 2026-12-05 08:00 +01:00 (change freeze)" for the pause. */
static void fmt_pause(const struct plan_view *v, char *buf, size_t len) {
  char a[64];
  vg_cli_fmt_human(v->admin.paused_until, v->z, a, sizeof(a));
  snprintf(buf, len, "until %s%s%s%s", a, v->admin.pause_reason[0] ? " (" : "",
           v->admin.pause_reason, v->admin.pause_reason[0] ? ")" : "");
}

static void json_next(struct vg_json *j, const struct plan_view *v) {
  vg_json_key(j, "next_reboot");
  if (!v->have) {
    vg_json_null(j);
    return;
  }
  vg_json_begin_object(j);
  vg_json_key(j, "at");
  vg_json_time(j, v->at);
  vg_json_key(j, "local_at");
  vg_cli_json_local(j, v->at, v->z);
  vg_json_key(j, "slot_start");
  vg_json_time(j, v->slot_start);
  vg_json_key(j, "slot_end");
  vg_json_time(j, v->slot_end);
  vg_json_key(j, "source");
  vg_json_string(j, v->next_source);
  vg_json_end_object(j);
}

static void json_projection(struct vg_json *j, const struct plan_view *v) {
  vg_json_key(j, "projection");
  if (v->prc != 0) {
    vg_json_null(j);
    return;
  }
  vg_json_begin_object(j);
  vg_json_key(j, "runs_per_day");
  vg_json_double(j, v->proj.runs_per_day);
  vg_json_key(j, "cadence_source");
  vg_json_string(j, v->cadence_source);
  vg_json_key(j, "threshold_at");
  vg_json_time(j, v->proj.threshold_at);
  vg_json_key(j, "limit_at");
  vg_json_time(j, v->proj.limit_at);
  vg_json_key(j, "reboot_at");
  if (v->proj.have_reboot)
    vg_json_time(j, v->proj.reboot_at);
  else
    vg_json_null(j);
  vg_json_key(j, "too_sparse");
  vg_json_bool(j, v->proj.too_sparse);
  vg_json_end_object(j);
}

/* The skips, warnings and settings of the JSON form. */
static void json_tail(struct vg_json *j, const struct plan_view *v) {
  vg_json_key(j, "skips");
  vg_json_begin_array(j);
  for (size_t i = 0; v->have && i < v->plan.nskips; i++) {
    vg_json_begin_object(j);
    vg_json_key(j, "start");
    vg_json_time(j, v->plan.skips[i].window.start);
    vg_json_key(j, "end");
    vg_json_time(j, v->plan.skips[i].window.end);
    vg_json_key(j, "reason");
    vg_json_string(j, v->plan.skips[i].reason);
    vg_json_end_object(j);
  }
  vg_json_end_array(j);
  vg_json_key(j, "warnings");
  vg_json_begin_array(j);
  if (v->proj.too_sparse)
    vg_json_string(j, "the first usable slot after the threshold comes "
                      "after the projected hard limit of 64");
  if (v->pause_past_limit)
    vg_json_string(j, "the pause pushes the first reboot past the projected "
                      "hard limit of 64");
  if (!v->have)
    vg_json_string(j, "no allowed slot within the planning horizon");
  if (v->locked)
    vg_json_string(j, "reboots are locked; run 'vssguard reset'");
  vg_json_end_array(j);
}

static void json_settings(struct vg_json *j, const struct plan_view *v) {
  struct setting set[32];
  size_t nset = vg_cli_collect_settings(v->p, set, 32);
  vg_json_key(j, "settings");
  vg_json_begin_object(j);
  for (size_t i = 0; i < nset; i++) {
    vg_json_key(j, set[i].key);
    vg_json_begin_object(j);
    vg_json_key(j, "value");
    if (set[i].is_num)
      vg_json_int(j, set[i].num);
    else
      vg_json_string(j, set[i].value);
    vg_json_key(j, "origin");
    vg_json_string(j, vg_origin_name(vg_policy_origin(v->p, set[i].key)));
    vg_json_end_object(j);
  }
  vg_json_end_object(j);
}

static int plan_json(const struct plan_view *v) {
  struct vg_json j;
  vg_cli_json_start(&j);
  vg_json_key(&j, "now");
  vg_json_time(&j, v->now);
  vg_json_key(&j, "policy");
  vg_json_string(&j, v->ppath);
  vg_json_key(&j, "count");
  vg_json_int(&j, v->count);
  vg_json_key(&j, "count_source");
  vg_json_string(&j, v->count_source);
  vg_json_key(&j, "threshold");
  vg_json_int(&j, v->threshold);
  vg_json_key(&j, "hard_limit");
  vg_json_int(&j, VG_HARD_LIMIT);
  vg_json_key(&j, "threshold_reached");
  vg_json_bool(&j, v->count >= v->threshold);
  vg_json_key(&j, "cause");
  if (v->cause == VG_CAUSE_NONE)
    vg_json_null(&j);
  else
    vg_json_string(&j,
                   v->cause == VG_CAUSE_PIGGYBACK ? "piggyback" : "threshold");
  vg_json_key(&j, "paused_until");
  if (v->paused)
    vg_json_time(&j, v->admin.paused_until);
  else
    vg_json_null(&j);
  vg_json_key(&j, "restart_pending");
  if (v->have_pending)
    vg_json_string(&j, v->pending);
  else
    vg_json_null(&j);
  vg_json_key(&j, "dry_run");
  vg_json_bool(&j, vg_policy_dry_run(v->p));
  vg_json_key(&j, "locked");
  vg_json_bool(&j, v->locked);
  json_next(&j, v);
  json_projection(&j, v);
  json_tail(&j, v);
  json_settings(&j, v);
  vg_cli_json_fleet(&j, v->p, v->st);
  vg_json_end_object(&j);
  return vg_cli_json_finish(&j);
}

/* Policy, from, count, cadence and projection lines of the text form. */
static void human_head(const struct plan_view *v) {
  char a[64], sum[512];
  vg_policy_summary(v->p, sum, sizeof(sum));
  printf("Policy:     %s (%s)\n", v->ppath, sum);
  vg_cli_fmt_human(v->now, v->z, a, sizeof(a));
  printf("From:       %s\n", a);
  printf("Count:      %d of threshold %d (hard limit %d; %s)\n", v->count,
         v->threshold, VG_HARD_LIMIT, v->count_label);
  printf("Cadence:    %.2f backup runs a day (%s)\n", v->rpd,
         strcmp(v->cadence_source, "observed") == 0 ? "observed in the state"
         : strcmp(v->cadence_source, "option") == 0 ? "--runs-per-day"
                                                    : "default");
  if (v->prc == 0) {
    vg_cli_fmt_human(v->proj.threshold_at, v->z, a, sizeof(a));
    printf("Threshold:  %s %s\n",
           v->count >= v->threshold ? "reached" : "projected for", a);
    vg_cli_fmt_human(v->proj.limit_at, v->z, a, sizeof(a));
    printf("Limit 64:   projected for %s\n", a);
  }
}

/* The next reboot, its slot and the skipped windows. */
static void human_next(const struct plan_view *v) {
  char a[64], b[64], d[64];
  if (!v->have) {
    printf("Next reboot: none: no allowed slot within %lld days\n",
           VG_PLAN_HORIZON_S / 86400);
    return;
  }
  vg_cli_fmt_human(v->at, v->z, a, sizeof(a));
  printf("Next reboot: %s%s\n", a,
         strcmp(v->next_source, "state") == 0 ? " (scheduled in the state)"
         : v->reached                         ? ""
                      : " (once the threshold is reached)");
  vg_cli_fmt_human(v->slot_start, v->z, a, sizeof(a));
  vg_cli_fmt_human(v->slot_end, v->z, b, sizeof(b));
  vg_cli_fmt_dur(v->slot_end - v->slot_start, d, sizeof(d));
  printf("  in slot    %s -> %s (%s)\n", a, b, d);
  if (v->cause == VG_CAUSE_PIGGYBACK || v->cause == VG_CAUSE_REQUEST)
    printf("  because    %s\n", v->trigger);
  if (v->plan.nskips > 0) {
    printf("Skipped windows:\n");
    for (size_t i = 0; i < v->plan.nskips; i++) {
      vg_cli_fmt_human(v->plan.skips[i].window.start, v->z, a, sizeof(a));
      vg_cli_fmt_human(v->plan.skips[i].window.end, v->z, b, sizeof(b));
      printf("  %s -> %s: %s\n", a, b, v->plan.skips[i].reason);
    }
  }
}

/* The pause, and the warning when it pushes the reboot past 64. */
static void human_pause(const struct plan_view *v) {
  char p[320], l[64];
  if (!v->paused)
    return;
  fmt_pause(v, p, sizeof(p));
  printf("Paused:     %s: no reboot before then\n", p);
  if (v->pause_past_limit) {
    vg_cli_fmt_human(v->proj.limit_at, v->z, l, sizeof(l));
    printf("WARNING: the pause pushes the first reboot past the projected "
           "hard limit of %d (%s): VSS 12289 errors are likely before it; "
           "'vssguard resume' ends the pause.\n",
           VG_HARD_LIMIT, l);
  }
}

static int plan_human(const struct plan_view *v) {
  human_head(v);
  human_next(v);
  human_pause(v);
  if (v->proj.too_sparse)
    printf("WARNING: the first usable slot after the threshold comes after "
           "the projected hard limit of %d: add maintenance windows or "
           "lower the threshold.\n",
           VG_HARD_LIMIT);
  if (vg_policy_dry_run(v->p))
    printf("Dry run:    on (the agent logs the reboot instead of doing it)\n");
  vg_cli_human_fleet("Fleet lock: ", v->p, v->st);
  if (v->locked)
    printf("LOCKED:     reboots are locked after %d attempts without a "
           "boot; run 'vssguard reset'\n",
           vg_state_pending_attempts(v->st));
  struct setting set[32];
  size_t nset = vg_cli_collect_settings(v->p, set, 32);
  printf("Settings (key, origin, value):\n");
  for (size_t i = 0; i < nset; i++)
    printf("  %-24s %-8s %s\n", set[i].key,
           vg_origin_name(vg_policy_origin(v->p, set[i].key)), set[i].value);
  return VG_EXIT_OK;
}

/* Writes the picture of --svg. Returns an exit code. */
static int plan_svg(const struct plan_args *a, const struct plan_view *v) {
  struct plan_pic_info in = {
      .p = v->p,
      .policy_path = v->ppath,
      .server = a->server ? a->server : "",
      .count_label = v->count_label,
      .cadence_label =
          strcmp(v->cadence_source, "observed") == 0 ? "observed in the state"
          : strcmp(v->cadence_source, "option") == 0 ? "--runs-per-day"
                                                     : "default",
      .now = v->now,
      .count = v->count,
      .rpd = v->rpd,
      .proj = v->prc == 0 ? &v->proj : NULL,
      .have = v->have,
      .at = v->at,
      .slot_start = v->slot_start,
      .slot_end = v->slot_end,
      .locked = v->locked};
  return plan_pic_write(a->svg, &in);
}

/* Loads the policy and state of a into v. Returns an exit code. */
static int plan_load(const struct cmd *c, const struct plan_args *a,
                     vg_policy **p, vg_state **st, struct plan_view *v) {
  int rc = vg_cli_load_policy(a->ppath, p);
  if (rc != 0)
    return rc;
  memset(v, 0, sizeof(*v));
  v->p = *p;
  v->ppath = a->ppath;
  v->z = vg_policy_zone(*p);
  v->now = vg_plat_now();
  if (a->from != NULL) {
    rc = vg_cli_parse_when(c->name, "--from", a->from, v->z, &v->now);
    if (rc != 0)
      return rc;
  }
  v->count_source = "default";
  v->count_label = "no state given";
  if (a->spath != NULL) {
    rc = vg_cli_load_state(a->spath, st);
    if (rc != 0)
      return rc;
    v->st = *st;
    v->count = vg_state_count(*st);
    v->count_source = "state";
    v->count_label = a->spath;
  } else if (a->have_count) {
    v->count = a->count_opt;
    v->count_source = "option";
    v->count_label = "--count";
  }
  return VG_EXIT_OK;
}

static int cmd_plan(const struct cmd *c, int argc, char **argv) {
  struct plan_args a;
  memset(&a, 0, sizeof(a));
  int rc = plan_args(c, argc, argv, &a);
  if (rc != 0)
    return rc < 0 ? VG_EXIT_OK : rc;
  vg_policy *p = NULL;
  vg_state *st = NULL;
  struct plan_view v;
  rc = plan_load(c, &a, &p, &st, &v);
  if (rc == 0) {
    plan_compute(&a, &v);
    rc = a.json ? plan_json(&v) : plan_human(&v);
  }
  if (rc == 0 && a.svg != NULL)
    rc = plan_svg(&a, &v);
  vg_state_free(st);
  vg_policy_free(p);
  return rc;
}

const struct cmd vg_cli_cmd_plan = {
    "plan", cmd_plan,
    "[--policy FILE] [--state FILE | --count N] [--from TIME]\n"
    "        [--runs-per-day R] [--seed S] [--json] [--svg FILE [--server "
    "NAME]]",
    "show the next reboot, the projection and the skipped windows",
    "Shows the next reboot (now if the count is at the threshold, else once\n"
    "the threshold is projected), when the threshold and the hard limit of "
    "64\n"
    "are projected from the backup cadence (observed in --state, or\n"
    "--runs-per-day, else one run a day), which windows were skipped and "
    "why,\n"
    "a warning when the windows are too sparse, and where every setting came\n"
    "from (default, file or gpo). --svg writes the projection as a picture\n"
    "(SVG, opens in any browser): allowed slots, blackouts, the planned\n"
    "reboot and the warning; --server NAME names the server in its title.\n"};
