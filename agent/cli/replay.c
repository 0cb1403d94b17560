/*
 * vssguard replay: plays a recorded event history (a wevtutil /f:xml
 * export) through the agent's counting and decisions in simulated time and
 * prints the timeline and a summary, as text or JSON.
 */
#include <string.h>

#include "cli_int.h"
#include "picture.h"
#include "vssguard/event.h"
#include "vssguard/replay.h"

/* The command's inputs, from its options. */
struct replay_args {
  const char *ppath, *epath;
  uint64_t seed;
  const char *until;  /* --until, or NULL */
  const char *save;   /* --save-state, or NULL */
  const char *svg;    /* --svg, or NULL */
  const char *server; /* --server, or NULL */
  bool json, summary_only, verbose, sort;
};

/* The timeline printer's state, passed to the replay's callback. */
struct replay_out {
  bool json;
  bool print;      /* the timeline is printed (not --summary) */
  bool verbose;    /* every run on its own line */
  replay_pic *pic; /* --svg: the picture's data, or NULL */
  int pic_err;     /* VG_ENOMEM when the picture lost an entry */
  struct vg_json *j;
  const struct vg_zone *z;
  /* Consecutive counted runs, folded into one line when not verbose. */
  uint64_t fold_n;
  vg_wall_t fold_first, fold_last;
  int fold_from, fold_to, threshold;
};

static void flush_fold(struct replay_out *o) {
  char a[32], b[32];
  if (o->fold_n == 0)
    return;
  vg_cli_fmt_short(o->fold_first, o->z, a, sizeof(a));
  if (o->fold_n == 1) {
    printf("%s  %-20s %d -> %d/%d\n", a, "run counted", o->fold_from,
           o->fold_to, o->threshold);
  } else {
    vg_cli_fmt_short(o->fold_last, o->z, b, sizeof(b));
    printf("%s  %-20s %d -> %d/%d  (%llu runs up to %s)\n", a, "runs counted",
           o->fold_from, o->fold_to, o->threshold,
           (unsigned long long)o->fold_n, b);
  }
  o->fold_n = 0;
}

/* Adds a counted run to the folded line. Returns true when it was folded. */
static bool fold_run(const struct vg_replay_entry *e, struct replay_out *o) {
  if (e->kind != VG_REPLAY_RUN_COUNTED || o->verbose)
    return false;
  if (o->fold_n == 0) {
    o->fold_first = e->at;
    o->fold_from = e->count_before;
  }
  o->fold_n++;
  o->fold_last = e->at;
  o->fold_to = e->count_after;
  o->threshold = e->threshold;
  return true;
}

/* The "scheduled" line and the windows skipped on the way. */
static void human_scheduled(const char *a, const char *name,
                            const struct vg_replay_entry *e,
                            const struct replay_out *o) {
  char b[64], c[64];
  vg_cli_fmt_human(e->sched.at, o->z, b, sizeof(b));
  vg_cli_fmt_short(e->sched.slot_end, o->z, c, sizeof(c));
  printf("%s  %-20s for %s (slot until %s)\n", a, name, b, c + 11);
  if (e->plan != NULL)
    for (size_t i = 0; i < e->plan->nskips; i++) {
      vg_cli_fmt_short(e->plan->skips[i].window.start, o->z, b, sizeof(b));
      printf("%18s  skipped window %s: %s\n", "", b, e->plan->skips[i].reason);
    }
}

static void replay_human(const struct vg_replay_entry *e,
                         struct replay_out *o) {
  char a[32], b[64], c[64];
  /* A calibration that confirms the count adds nothing to the story. */
  if (e->kind == VG_REPLAY_CALIBRATED && !o->verbose &&
      e->count_before == e->count_after)
    return;
  if (fold_run(e, o))
    return;
  flush_fold(o);
  vg_cli_fmt_short(e->at, o->z, a, sizeof(a));
  const char *name = vg_replay_kind_name(e->kind);
  switch (e->kind) {
  case VG_REPLAY_RUN_COUNTED:
    printf("%s  %-20s %d -> %d/%d\n", a, name, e->count_before, e->count_after,
           e->threshold);
    break;
  case VG_REPLAY_RUN_FAILED:
    printf("%s  %-20s count stays %d/%d\n", a, name, e->count_after,
           e->threshold);
    break;
  case VG_REPLAY_CALIBRATED:
    printf("%s  %-20s %d -> %d/%d (VSS 12289 Active sessions)\n", a, name,
           e->count_before, e->count_after, e->threshold);
    break;
  case VG_REPLAY_BOOT:
  case VG_REPLAY_REBOOT_BOOT:
    if (e->count_before > 0)
      printf("%s  %-20s count %d -> 0\n", a, name, e->count_before);
    else
      printf("%s  %-20s count 0\n", a, name);
    break;
  case VG_REPLAY_SCHEDULED: human_scheduled(a, name, e, o); break;
  case VG_REPLAY_REBOOT:
    vg_cli_fmt_short(e->sched.slot_start, o->z, b, sizeof(b));
    vg_cli_fmt_short(e->sched.slot_end, o->z, c, sizeof(c));
    printf("%s  %-20s count %d/%d (slot %s-%s)\n", a, name, e->count_after,
           e->threshold, b + 11, c + 11);
    break;
  case VG_REPLAY_POSTPONED:
  case VG_REPLAY_LOCKED:
  case VG_REPLAY_NO_SLOT:
  case VG_REPLAY_CALIBRATION_IGNORED:
  case VG_REPLAY_VERIFIED:
  case VG_REPLAY_FOREIGN:
    printf("%s  %-20s %s\n", a, name, e->why ? e->why : "");
    break;
  }
}

static void json_skips(struct vg_json *j, const struct vg_plan *plan) {
  vg_json_key(j, "skips");
  vg_json_begin_array(j);
  for (size_t i = 0; i < plan->nskips; i++) {
    vg_json_begin_object(j);
    vg_json_key(j, "start");
    vg_json_time(j, plan->skips[i].window.start);
    vg_json_key(j, "end");
    vg_json_time(j, plan->skips[i].window.end);
    vg_json_key(j, "reason");
    vg_json_string(j, plan->skips[i].reason);
    vg_json_end_object(j);
  }
  vg_json_end_array(j);
}

static void replay_json(const struct vg_replay_entry *e, struct replay_out *o) {
  struct vg_json *j = o->j;
  vg_json_begin_object(j);
  vg_json_key(j, "at");
  vg_json_time(j, e->at);
  vg_json_key(j, "event");
  vg_json_string(j, vg_replay_kind_name(e->kind));
  vg_json_key(j, "count_before");
  vg_json_int(j, e->count_before);
  vg_json_key(j, "count");
  vg_json_int(j, e->count_after);
  if (e->kind == VG_REPLAY_RUN_COUNTED || e->kind == VG_REPLAY_RUN_FAILED) {
    vg_json_key(j, "run_start");
    vg_cli_json_time_or_null(j, e->run_start);
  }
  if (e->kind == VG_REPLAY_SCHEDULED || e->kind == VG_REPLAY_REBOOT) {
    vg_json_key(j, "reboot_at");
    vg_cli_json_time_or_null(j, e->sched.at);
    vg_json_key(j, "slot_start");
    vg_cli_json_time_or_null(j, e->sched.slot_start);
    vg_json_key(j, "slot_end");
    vg_cli_json_time_or_null(j, e->sched.slot_end);
  }
  if (e->plan != NULL)
    json_skips(j, e->plan);
  if (e->why != NULL && *e->why != '\0') {
    vg_json_key(j, "why");
    vg_json_string(j, e->why);
  }
  vg_json_end_object(j);
}

static void on_replay(const struct vg_replay_entry *e, void *ud) {
  struct replay_out *o = ud;
  if (o->pic != NULL && replay_pic_add(o->pic, e) != 0)
    o->pic_err = VG_ENOMEM;
  if (!o->print)
    return;
  if (o->json)
    replay_json(e, o);
  else
    replay_human(e, o);
}

/* Keeps the first Computer name of the events. */
static void on_computer(const struct vg_event *ev, void *ud) {
  char *name = ud;
  if (name[0] == '\0' && ev->computer[0] != '\0')
    snprintf(name, sizeof(ev->computer), "%s", ev->computer);
}

/* Reads the events at path up to the first with a Computer name, into
 * name (sizeof(ev->computer) bytes); leaves it empty when there is none. */
static void first_computer(const char *path, char *name) {
  FILE *f = fopen(path, "rb");
  vg_evparser *ep = vg_evparser_new(on_computer, name);
  char buf[16384];
  size_t n;
  while (f != NULL && ep != NULL && name[0] == '\0' &&
         (n = fread(buf, 1, sizeof(buf), f)) > 0)
    if (vg_evparser_feed(ep, buf, n) != 0)
      break;
  vg_evparser_free(ep);
  if (f != NULL)
    fclose(f);
}

/* Writes the picture of --svg; the server name is --server, else the first
 * Computer of the events. Returns an exit code. */
static int replay_svg(const struct replay_args *a, const vg_policy *p,
                      vg_replay *r, const struct replay_out *out) {
  char server[sizeof(((struct vg_event *)0)->computer)] = "";
  if (a->server != NULL)
    snprintf(server, sizeof(server), "%s", a->server);
  else
    first_computer(a->epath, server);
  if (out->pic_err != 0) {
    fprintf(stderr, "vssguard: %s: %s\n", a->svg, vg_strerror(out->pic_err));
    return VG_EXIT_FAIL;
  }
  struct replay_pic_info in = {.events_path = a->epath,
                               .policy_path = a->ppath,
                               .server = server,
                               .p = p,
                               .s = vg_replay_stats(r)};
  return replay_pic_write(out->pic, a->svg, &in);
}

/* The counters of the JSON summary. */
static void json_counters(struct vg_json *j, const struct vg_replay_stats *s,
                          const vg_policy *p, const vg_state *rs) {
  vg_json_key(j, "events");
  vg_json_uint(j, s->events);
  vg_json_key(j, "runs_counted");
  vg_json_uint(j, s->runs_counted);
  vg_json_key(j, "failed_runs_not_counted");
  vg_json_uint(j, s->runs_failed_ignored);
  vg_json_key(j, "calibrations");
  vg_json_uint(j, s->calibrations);
  vg_json_key(j, "calibrations_ignored");
  vg_json_uint(j, s->calibrations_ignored);
  vg_json_key(j, "boots");
  vg_json_uint(j, s->boots);
  vg_json_key(j, "duplicates");
  vg_json_uint(j, s->duplicates);
  vg_json_key(j, "malformed");
  vg_json_uint(j, s->malformed);
  vg_json_key(j, "passed_over");
  vg_json_uint(j, s->passed_over);
  vg_json_key(j, "out_of_order");
  vg_json_uint(j, s->out_of_order);
  vg_json_key(j, "input_order");
  vg_json_string(j, vg_replay_order_name(s->order));
  vg_json_key(j, "sorted");
  vg_json_bool(j, s->out_of_order > 0);
  vg_json_key(j, "replay_order");
  vg_json_string(j, s->out_of_order == 0 ? "file"
                    : s->by_record       ? "record"
                                         : "time");
  vg_json_key(j, "threshold");
  vg_json_int(j, vg_policy_threshold(p));
  vg_json_key(j, "max_count");
  vg_json_int(j, s->max_count);
  vg_json_key(j, "final_count");
  vg_json_int(j, vg_state_count(rs));
  vg_json_key(j, "first_event");
  vg_cli_json_time_or_null(j, s->first_event);
  vg_json_key(j, "last_event");
  vg_cli_json_time_or_null(j, s->last_event);
  vg_json_key(j, "simulated_until");
  vg_cli_json_time_or_null(j, s->now);
}

/* The reboots, the pending schedule and the lock of the JSON summary. */
static void json_reboots(struct vg_json *j, const struct vg_replay_stats *s,
                         const struct vg_sched *pending,
                         const struct vg_zone *z) {
  vg_json_key(j, "reboots");
  vg_json_begin_array(j);
  for (size_t i = 0; i < s->nreboots; i++) {
    vg_json_begin_object(j);
    vg_json_key(j, "at");
    vg_json_time(j, s->reboots[i].at);
    vg_json_key(j, "local_at");
    vg_cli_json_local(j, s->reboots[i].at, z);
    vg_json_key(j, "count");
    vg_json_int(j, s->reboots[i].count);
    vg_json_end_object(j);
  }
  vg_json_end_array(j);
  vg_json_key(j, "scheduled");
  if (pending->set) {
    vg_json_begin_object(j);
    vg_json_key(j, "at");
    vg_json_time(j, pending->at);
    vg_json_key(j, "slot_start");
    vg_json_time(j, pending->slot_start);
    vg_json_key(j, "slot_end");
    vg_json_time(j, pending->slot_end);
    vg_json_end_object(j);
  } else {
    vg_json_null(j);
  }
  vg_json_key(j, "locked");
  vg_json_bool(j, s->locked);
}

/* The event counters of the text summary. */
static void human_counters(const struct vg_replay_stats *s,
                           const struct vg_zone *z) {
  char a[64], b[64];
  printf("\nSummary\n");
  if (s->first_event != 0) {
    vg_cli_fmt_human(s->first_event, z, a, sizeof(a));
    vg_cli_fmt_human(s->last_event, z, b, sizeof(b));
    printf("  history:       %s .. %s\n", a, b);
  }
  printf("  events:        %llu read, %llu malformed skipped, %llu "
         "duplicates, %llu of other ids passed over\n",
         (unsigned long long)s->events, (unsigned long long)s->malformed,
         (unsigned long long)s->duplicates, (unsigned long long)s->passed_over);
  printf("  runs counted:  %llu", (unsigned long long)s->runs_counted);
  if (s->runs_failed_ignored > 0)
    printf(" (%llu failed runs not counted)",
           (unsigned long long)s->runs_failed_ignored);
  printf("\n  calibrations:  %llu", (unsigned long long)s->calibrations);
  if (s->calibrations_ignored > 0)
    printf(" (%llu more ignored: recorded after a simulated reboot)",
           (unsigned long long)s->calibrations_ignored);
  printf("\n  boots:         %llu recorded\n", (unsigned long long)s->boots);
}

static int human_summary(const struct vg_replay_stats *s, const vg_policy *p,
                         const vg_state *rs, const struct vg_sched *pending) {
  const struct vg_zone *z = vg_policy_zone(p);
  char a[64];
  human_counters(s, z);
  printf("  count:         %d at the end (threshold %d, highest %d, hard "
         "limit %d)\n",
         vg_state_count(rs), vg_policy_threshold(p), s->max_count,
         VG_HARD_LIMIT);
  printf("  reboots:       %zu%s\n", s->nreboots,
         s->nreboots ? " the agent would have initiated:" : "");
  for (size_t i = 0; i < s->nreboots; i++) {
    vg_cli_fmt_human(s->reboots[i].at, z, a, sizeof(a));
    printf("    %s at count %d\n", a, s->reboots[i].count);
  }
  if (pending->set) {
    vg_cli_fmt_human(pending->at, z, a, sizeof(a));
    printf("  scheduled:     a reboot for %s (after the history ends)\n", a);
  }
  if (s->locked)
    printf("  LOCKED:        the reboot-loop guard held\n");
  if (s->out_of_order > 0)
    printf("  order:         %s in the file (%llu events older than the one "
           "before them); replayed %s\n",
           vg_replay_order_name(s->order), (unsigned long long)s->out_of_order,
           s->by_record ? "each channel in record order, merged by time"
                        : "in time order");
  else if (s->order != VG_REPLAY_ORDER_NONE)
    printf("  order:         oldest first in the file\n");
  return fflush(stdout) == 0 ? VG_EXIT_OK : VG_EXIT_FAIL;
}

/* Ends the report after a successful replay. Returns an exit code. */
static int replay_summary(const struct replay_args *a, vg_replay *r,
                          const vg_policy *p, struct vg_json *j) {
  const struct vg_replay_stats *s = vg_replay_stats(r);
  const vg_state *rs = vg_replay_state(r);
  struct vg_sched pending;
  vg_state_scheduled(rs, &pending);
  if (!a->json)
    return human_summary(s, p, rs, &pending);
  if (!a->summary_only)
    vg_json_end_array(j);
  json_counters(j, s, p, rs);
  json_reboots(j, s, &pending, vg_policy_zone(p));
  vg_json_end_object(j);
  return vg_cli_json_finish(j);
}

/* Prints what comes before the timeline. */
static void replay_head(const struct replay_args *a, const vg_policy *p,
                        struct vg_json *j) {
  char sum[512], zb[32];
  vg_policy_summary(p, sum, sizeof(sum));
  vg_zone_format(vg_policy_zone(p), zb, sizeof(zb));
  if (a->json) {
    vg_json_begin_object(j);
    if (!a->summary_only) {
      vg_json_key(j, "timeline");
      vg_json_begin_array(j);
    }
    return;
  }
  printf("Replaying %s\n  with policy %s (%s)\n  times in zone %s\n", a->epath,
         a->ppath, sum, zb);
  if (vg_policy_dry_run(p))
    printf("  the policy is a dry run: the agent would only log the reboots "
           "below\n");
  printf("\n");
}

/* Replays the events with policy p. Returns an exit code. */
static int replay_with(const struct replay_args *a, const vg_policy *p,
                       vg_wall_t until) {
  struct vg_json j;
  vg_json_init(&j, stdout);
  struct replay_out out = {.json = a->json,
                           .print = !a->summary_only,
                           .verbose = a->verbose,
                           .j = &j,
                           .z = vg_policy_zone(p),
                           .threshold = vg_policy_threshold(p)};
  if (a->svg != NULL && (out.pic = replay_pic_new()) == NULL) {
    fprintf(stderr, "vssguard: replay: %s\n", vg_strerror(VG_ENOMEM));
    return VG_EXIT_FAIL;
  }
  vg_replay *r;
  bool cb = out.print || out.pic != NULL;
  int rc = vg_replay_new(p, a->seed, cb ? on_replay : NULL, &out, &r);
  if (rc != 0) {
    replay_pic_free(out.pic);
    fprintf(stderr, "vssguard: replay: %s\n", vg_strerror(rc));
    return VG_EXIT_FAIL;
  }
  replay_head(a, p, &j);
  /* --sort is kept for older scripts: the replay always sorts. */
  rc = vg_replay_file(r, a->epath);
  if (rc == 0 && until != 0)
    rc = vg_replay_advance(r, until);
  if (!a->json)
    flush_fold(&out);
  if (rc != 0) {
    if (a->json && !a->summary_only)
      vg_json_end_array(&j);
    fflush(stdout);
    fprintf(stderr, "vssguard: %s: %s\n", a->epath, vg_strerror(rc));
    vg_replay_free(r);
    replay_pic_free(out.pic);
    return rc == VG_ENOMEM ? VG_EXIT_FAIL : VG_EXIT_INPUT;
  }
  rc = replay_summary(a, r, p, &j);
  if (rc == VG_EXIT_OK && a->svg != NULL)
    rc = replay_svg(a, p, r, &out);
  replay_pic_free(out.pic);
  if (rc == VG_EXIT_OK && a->save != NULL &&
      vg_state_save(vg_replay_state(r), a->save) != 0) {
    fprintf(stderr, "vssguard: %s: cannot write the state\n", a->save);
    rc = VG_EXIT_FAIL;
  }
  vg_replay_free(r);
  return rc;
}

/* Reads the options into a. Returns 0 to go on, -1 when --help was printed,
 * or the usage error's exit code. */
static int replay_args(const struct cmd *c, int argc, char **argv,
                       struct replay_args *a) {
  struct opt o[] = {
      {"policy", true, NULL, false},   {"events", true, NULL, false},
      {"json", false, NULL, false},    {"seed", true, NULL, false},
      {"until", true, NULL, false},    {"summary", false, NULL, false},
      {"verbose", false, NULL, false}, {"save-state", true, NULL, false},
      {"sort", false, NULL, false},    {"svg", true, NULL, false},
      {"server", true, NULL, false}};
  size_t no = sizeof(o) / sizeof(o[0]);
  char *pos[1] = {NULL};
  int npos, rc;
  if (vg_cli_parse_cmd(c, argc, argv, o, no, pos, 0, &npos, &rc))
    return rc != 0 ? rc : -1;
  a->ppath = vg_cli_opt(o, no, "policy")->arg;
  a->epath = vg_cli_opt(o, no, "events")->arg;
  if (a->ppath == NULL)
    return vg_cli_usage_error(c->name, "%s needs --policy FILE", c->name);
  if (a->epath == NULL)
    return vg_cli_usage_error(c->name, "%s needs --events FILE.xml", c->name);
  struct opt *oseed = vg_cli_opt(o, no, "seed");
  a->seed = 1;
  if (oseed->seen && vg_cli_parse_u64(oseed->arg, &a->seed) != 0)
    return vg_cli_usage_error(c->name, "--seed '%s' must be a number",
                              oseed->arg);
  a->until = vg_cli_opt(o, no, "until")->arg;
  a->save = vg_cli_opt(o, no, "save-state")->arg;
  a->svg = vg_cli_opt(o, no, "svg")->arg;
  a->server = vg_cli_opt(o, no, "server")->arg;
  a->json = vg_cli_opt(o, no, "json")->seen;
  a->summary_only = vg_cli_opt(o, no, "summary")->seen;
  a->verbose = vg_cli_opt(o, no, "verbose")->seen;
  a->sort = vg_cli_opt(o, no, "sort")->seen;
  return 0;
}

static int cmd_replay(const struct cmd *c, int argc, char **argv) {
  struct replay_args a;
  memset(&a, 0, sizeof(a));
  int rc = replay_args(c, argc, argv, &a);
  if (rc != 0)
    return rc < 0 ? VG_EXIT_OK : rc;
  vg_policy *p;
  rc = vg_cli_load_policy(a.ppath, &p);
  if (rc != 0)
    return rc;
  vg_wall_t until = 0;
  if (a.until != NULL)
    rc = vg_cli_parse_when(c->name, "--until", a.until, vg_policy_zone(p),
                           &until);
  if (rc == 0)
    rc = replay_with(&a, p, until);
  vg_policy_free(p);
  return rc;
}

const struct cmd vg_cli_cmd_replay = {
    "replay", cmd_replay,
    "--policy FILE --events FILE.xml [--json] [--seed S] [--until TIME]\n"
    "        [--summary] [--verbose] [--sort] [--save-state FILE]\n"
    "        [--svg FILE [--server NAME]]",
    "replay a recorded event history in simulated time",
    "Replays a wevtutil /f:xml export through the agent's counting and\n"
    "decisions in simulated time: runs counted, calibrations, boots, the\n"
    "count over time and when the agent would have rebooted (each reboot is\n"
    "followed by a simulated boot). --until continues the simulated clock\n"
    "past the last event; --verbose shows every run; --summary prints no\n"
    "timeline; --save-state writes the final state. --seed fixes the splay\n"
    "(default 1). Events are replayed in time order, whatever the file's\n"
    "order: oldest first (wevtutil qe), newest first (Get-WinEvent, /rd:true)\n"
    "or several exports concatenated; the summary says which order the file\n"
    "had. A record seen twice (channel, record id) counts once. --sort is\n"
    "accepted and changes nothing. --svg writes the count over time\n"
    "as a picture (SVG, opens in any browser) with boots, calibrations,\n"
    "reboots, blackouts and windows; its title names the server (--server,\n"
    "else the events' Computer).\n"};
