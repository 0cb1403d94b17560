/*
 * The command line of vssguard: a table of subcommands, a small portable
 * option parser, and the human and JSON forms of every report. Exit codes:
 * 0 success, 2 bad input (policy, state or event file), 64 usage error,
 * 1 anything else.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_load.h"
#include "vssguard/cli.h"
#include "vssguard/common.h"
#include "vssguard/decide.h"
#include "vssguard/json.h"
#include "vssguard/log.h"
#include "vssguard/metrics.h"
#include "vssguard/planner.h"
#include "vssguard/platform.h"
#include "vssguard/policy.h"
#include "vssguard/replay.h"
#include "vssguard/run.h"
#include "vssguard/state.h"
#include "vssguard/tracker.h"
#include "vssguard/zone.h"

/* ---- Option parsing ---------------------------------------------------- */

struct opt {
  const char *name; /* long name without the dashes */
  bool has_arg;
  const char *arg; /* its value, or NULL */
  bool seen;
};

struct cmd;
typedef int (*cmd_fn)(const struct cmd *c, int argc, char **argv);

struct cmd {
  const char *name;
  cmd_fn fn;
  const char *args;    /* synopsis after the name */
  const char *summary; /* one line for --help */
  const char *help;    /* details for "help CMD" */
};

static int usage_error(const char *cmd, const char *fmt, ...) VG_PRINTF(2, 3);

/* Prints "vssguard: message (try ...)" on one line; returns VG_EXIT_USAGE. */
static int usage_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "vssguard: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  if (cmd != NULL)
    fprintf(stderr, " (try 'vssguard help %s')\n", cmd);
  else
    fprintf(stderr, " (try 'vssguard --help')\n");
  return VG_EXIT_USAGE;
}

static struct opt *find_opt(struct opt *opts, size_t n, const char *name,
                            size_t len) {
  for (size_t i = 0; i < n; i++)
    if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
      return &opts[i];
  return NULL;
}

/*
 * Parses argv[2..] (argv[1] is the subcommand) into opts and positional
 * arguments. Accepts "--name value", "--name=value" and "--" to end the
 * options. Returns 0, VG_EXIT_USAGE after printing a hint, or -1 when
 * --help was asked for.
 */
static int parse_opts(const char *cmd, int argc, char **argv, struct opt *opts,
                      size_t nopts, char **pos, int maxpos, int *npos) {
  bool only_pos = false;
  *npos = 0;
  for (int i = 2; i < argc; i++) {
    char *a = argv[i];
    if (!only_pos && strcmp(a, "--") == 0) {
      only_pos = true;
      continue;
    }
    if (!only_pos && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0))
      return -1;
    if (!only_pos && a[0] == '-' && a[1] == '-') {
      const char *name = a + 2;
      const char *eq = strchr(name, '=');
      size_t len = eq ? (size_t)(eq - name) : strlen(name);
      struct opt *o = find_opt(opts, nopts, name, len);
      if (o == NULL)
        return usage_error(cmd, "unknown option '%s'", a);
      if (o->seen)
        return usage_error(cmd, "option '%s' given twice", a);
      o->seen = true;
      if (o->has_arg) {
        if (eq != NULL) {
          o->arg = eq + 1;
        } else if (i + 1 < argc) {
          o->arg = argv[++i];
        } else {
          return usage_error(cmd, "option '%s' needs a value", a);
        }
      } else if (eq != NULL) {
        return usage_error(cmd, "option '%s' takes no value", a);
      }
      continue;
    }
    if (!only_pos && a[0] == '-' && a[1] != '\0')
      return usage_error(cmd, "unknown option '%s'", a);
    if (*npos >= maxpos)
      return usage_error(cmd, "unexpected argument '%s'", a);
    pos[(*npos)++] = a;
  }
  return 0;
}

static struct opt *opt_get(struct opt *opts, size_t n, const char *name) {
  return find_opt(opts, n, name, strlen(name));
}

static int parse_u64(const char *s, uint64_t *out) {
  char *end;
  if (s == NULL || *s == '\0' || *s == '-')
    return VG_EINVAL;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || *end != '\0')
    return VG_EINVAL;
  *out = v;
  return 0;
}

/* ---- Paths, loading ---------------------------------------------------- */

/* The default file name in vg_plat_default_dir, with its separator. */
static const char *default_path(const char *name, char *buf, size_t len) {
  const char *dir = vg_plat_default_dir();
  char sep = strchr(dir, '\\') ? '\\' : '/';
  snprintf(buf, len, "%s%c%s", dir, sep, name);
  return buf;
}

/* Loads a policy and prints every error. Returns an exit code. */
static int load_policy(const char *path, vg_policy **out) {
  vg_diags d = {0};
  int rc = vg_policy_load_effective(path, out, &d);
  if (rc != 0) {
    char line[1024];
    for (size_t i = 0; i < d.n; i++) {
      vg_diag_format(&d.items[i], line, sizeof(line));
      fprintf(stderr, "%s\n", line);
    }
    if (d.n == 0)
      fprintf(stderr, "%s: %s\n", path, vg_strerror(rc));
    vg_diags_free(&d);
    *out = NULL;
    return rc == VG_ENOMEM ? VG_EXIT_FAIL : VG_EXIT_INPUT;
  }
  vg_diags_free(&d);
  return VG_EXIT_OK;
}

/* Loads a state file and explains a failure. Returns an exit code. */
static int load_state(const char *path, vg_state **out) {
  char err[512] = "";
  int rc = vg_state_load(path, out, err, sizeof(err));
  if (rc == 0)
    return VG_EXIT_OK;
  *out = NULL;
  if (rc == VG_ENOENT)
    fprintf(stderr, "%s: no such state file (the agent has not run yet?)\n",
            path);
  else if (err[0] != '\0')
    fprintf(stderr, "%s\n", err);
  else
    fprintf(stderr, "%s: %s\n", path, vg_strerror(rc));
  return rc == VG_ENOMEM ? VG_EXIT_FAIL : VG_EXIT_INPUT;
}

/* Parses a --from or --until value: "now" or an RFC 3339-like time. */
static int parse_when(const char *cmd, const char *opt, const char *s,
                      const struct vg_zone *z, vg_wall_t *t) {
  if (strcmp(s, "now") == 0) {
    *t = vg_plat_now();
    return 0;
  }
  if (vg_time_parse(s, z, t) != 0) {
    fprintf(stderr,
            "vssguard: %s: bad time '%s' (use YYYY-MM-DDTHH:MM[:SS] with an "
            "optional Z or +HH:MM; try 'vssguard help %s')\n",
            opt, s, cmd);
    return VG_EXIT_USAGE;
  }
  return 0;
}

/* ---- Formatting --------------------------------------------------------- */

static const char *const wday_names[7] = {"Sun", "Mon", "Tue", "Wed",
                                          "Thu", "Fri", "Sat"};

/* "Sun 2026-11-29 02:00 +01:00" (seconds shown only when not zero). */
static void fmt_human(vg_wall_t t, const struct vg_zone *z, char *buf,
                      size_t len) {
  struct vg_civil c;
  int32_t off;
  if (vg_zone_to_civil(z, t, &c) != 0 || vg_zone_offset(z, t, &off) != 0) {
    vg_time_format(t, NULL, buf, len);
    return;
  }
  char sec[8] = "";
  if (c.sec != 0)
    snprintf(sec, sizeof(sec), ":%02d", c.sec);
  int a = off < 0 ? -off : off;
  snprintf(buf, len, "%s %04d-%02d-%02d %02d:%02d%s %c%02d:%02d",
           wday_names[c.wday % 7], c.year, c.mon, c.mday, c.hour, c.min, sec,
           off < 0 ? '-' : '+', a / 3600, (a / 60) % 60);
}

/* "2026-11-29 02:00" in zone z, for timeline columns. */
static void fmt_short(vg_wall_t t, const struct vg_zone *z, char *buf,
                      size_t len) {
  struct vg_civil c;
  if (vg_zone_to_civil(z, t, &c) != 0) {
    vg_time_format(t, NULL, buf, len);
    return;
  }
  snprintf(buf, len, "%04d-%02d-%02d %02d:%02d", c.year, c.mon, c.mday, c.hour,
           c.min);
}

/* "3h", "1h30m", "2d4h", "45s", "0s". */
static void fmt_dur(int64_t s, char *buf, size_t len) {
  size_t used = 0;
  bool neg = s < 0;
  if (neg)
    s = -s;
  buf[0] = '\0';
  if (s == 0) {
    snprintf(buf, len, "0s");
    return;
  }
  static const struct {
    int64_t unit;
    char c;
  } parts[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
  if (neg)
    used += (size_t)snprintf(buf, len, "-");
  for (size_t i = 0; i < 4 && used < len; i++) {
    if (s >= parts[i].unit) {
      used += (size_t)snprintf(buf + used, len - used, "%lld%c",
                               (long long)(s / parts[i].unit), parts[i].c);
      s %= parts[i].unit;
    }
  }
}

/* A time in JSON as RFC 3339 UTC, or null for 0. */
static void json_time_or_null(struct vg_json *j, vg_wall_t t) {
  if (t == 0)
    vg_json_null(j);
  else
    vg_json_time(j, t);
}

static void json_local(struct vg_json *j, vg_wall_t t,
                       const struct vg_zone *z) {
  char b[64];
  vg_time_format(t, z, b, sizeof(b));
  vg_json_string(j, b);
}

/* Ends a JSON document on stdout. Returns an exit code. */
static int json_finish(struct vg_json *j) {
  fputc('\n', stdout);
  if (fflush(stdout) != 0 || vg_json_error(j) != 0) {
    fprintf(stderr, "vssguard: writing the output failed\n");
    return VG_EXIT_FAIL;
  }
  return VG_EXIT_OK;
}

static void print_cmd_help(const struct cmd *c, FILE *f);

/*
 * Parses a command's options with parse_opts. Returns true when the command
 * is done: *code is then VG_EXIT_OK after --help, or the usage error's code.
 */
static bool parse_cmd(const struct cmd *c, int argc, char **argv,
                      struct opt *opts, size_t nopts, char **pos, int maxpos,
                      int *npos, int *code) {
  int rc = parse_opts(c->name, argc, argv, opts, nopts, pos, maxpos, npos);
  *code = VG_EXIT_OK;
  if (rc < 0) {
    print_cmd_help(c, stdout);
    return true;
  }
  *code = rc;
  return rc != 0;
}

/* ---- check-policy ------------------------------------------------------- */

static int cmd_check_policy(const struct cmd *c, int argc, char **argv) {
  char *pos[1] = {NULL};
  int npos;
  int rc;
  if (parse_cmd(c, argc, argv, NULL, 0, pos, 1, &npos, &rc))
    return rc;
  if (npos != 1)
    return usage_error(c->name, "%s needs a policy FILE", c->name);
  vg_policy *p;
  rc = load_policy(pos[0], &p);
  if (rc != 0)
    return rc;
  char sum[512], why[512];
  vg_policy_summary(p, sum, sizeof(sum));
  printf("%s: ok: %s\n", pos[0], sum);
  if (vg_plat_check_file_secure(pos[0], why, sizeof(why)) != 0)
    fprintf(stderr,
            "vssguard: warning: %s; the agent will not schedule reboots from "
            "this file\n",
            why);
  vg_policy_free(p);
  return VG_EXIT_OK;
}

/* ---- windows ------------------------------------------------------------ */

static int cmd_windows(const struct cmd *c, int argc, char **argv) {
  struct opt o[] = {{"policy", true, NULL, false},
                    {"from", true, NULL, false},
                    {"count", true, NULL, false},
                    {"json", false, NULL, false}};
  size_t no = sizeof(o) / sizeof(o[0]);
  char *pos[1] = {NULL};
  int npos;
  char defp[1024];
  int rc;
  if (parse_cmd(c, argc, argv, o, no, pos, 0, &npos, &rc))
    return rc;
  uint64_t count = 5;
  if (opt_get(o, no, "count")->seen &&
      (parse_u64(opt_get(o, no, "count")->arg, &count) != 0 || count < 1 ||
       count > 10000))
    return usage_error(c->name, "--count '%s' must be a number from 1 to 10000",
                       opt_get(o, no, "count")->arg);
  const char *ppath = opt_get(o, no, "policy")->arg;
  if (ppath == NULL)
    ppath = vg_policy_default_path(defp, sizeof(defp));
  vg_policy *p;
  rc = load_policy(ppath, &p);
  if (rc != 0)
    return rc;
  const struct vg_zone *z = vg_policy_zone(p);
  vg_wall_t from = vg_plat_now();
  if (opt_get(o, no, "from")->seen) {
    rc = parse_when(c->name, "--from", opt_get(o, no, "from")->arg, z, &from);
    if (rc != 0) {
      vg_policy_free(p);
      return rc;
    }
  }
  bool json = opt_get(o, no, "json")->seen;
  struct vg_json j;
  vg_json_init(&j, stdout);
  if (json) {
    vg_json_begin_object(&j);
    vg_json_key(&j, "slots");
    vg_json_begin_array(&j);
  } else {
    char zb[32];
    vg_zone_format(z, zb, sizeof(zb));
    printf("Next %llu allowed slots (policy zone %s):\n",
           (unsigned long long)count, zb);
  }
  /* Consecutive slots in one pass: no overlap, even where a window is
   * always open and a slot runs to the search horizon. */
  struct vg_slot *slots = malloc((size_t)count * sizeof(*slots));
  size_t found = 0;
  if (slots == NULL) {
    vg_policy_free(p);
    return VG_EXIT_FAIL;
  }
  if (vg_plan_slots(p, from, slots, (size_t)count, &found) != 0)
    found = 0;
  for (size_t i = 0; i < found; i++) {
    struct vg_slot s = slots[i];
    if (json) {
      vg_json_begin_object(&j);
      vg_json_key(&j, "start");
      vg_json_time(&j, s.start);
      vg_json_key(&j, "end");
      vg_json_time(&j, s.end);
      vg_json_key(&j, "local_start");
      json_local(&j, s.start, z);
      vg_json_key(&j, "local_end");
      json_local(&j, s.end, z);
      vg_json_end_object(&j);
    } else {
      char a[64], b[64], d[32];
      fmt_human(s.start, z, a, sizeof(a));
      fmt_human(s.end, z, b, sizeof(b));
      fmt_dur(s.end - s.start, d, sizeof(d));
      printf("  %s  ->  %s  (%s)\n", a, b, d);
    }
  }
  free(slots);
  if (json) {
    vg_json_end_array(&j);
    vg_json_end_object(&j);
    rc = json_finish(&j);
  } else {
    if (found == 0)
      printf("  none within %lld days\n", VG_PLAN_HORIZON_S / 86400);
    rc = VG_EXIT_OK;
  }
  vg_policy_free(p);
  return rc;
}

/* ---- plan --------------------------------------------------------------- */

/* One row of "which setting came from where". */
struct setting {
  const char *key;
  char value[600];
  bool is_num;
  long long num;
};

static size_t collect_settings(const vg_policy *p, struct setting *s,
                               size_t max) {
  const struct vg_reboot_cfg *rb = vg_policy_reboot(p);
  size_t n = 0;
#define NUM(k, v)                                                              \
  do {                                                                         \
    if (n < max) {                                                             \
      s[n].key = (k);                                                          \
      s[n].is_num = true;                                                      \
      s[n].num = (long long)(v);                                               \
      snprintf(s[n].value, sizeof(s[n].value), "%lld", s[n].num);              \
      n++;                                                                     \
    }                                                                          \
  } while (0)
#define STR(k, ...)                                                            \
  do {                                                                         \
    if (n < max) {                                                             \
      s[n].key = (k);                                                          \
      s[n].is_num = false;                                                     \
      snprintf(s[n].value, sizeof(s[n].value), __VA_ARGS__);                   \
      n++;                                                                     \
    }                                                                          \
  } while (0)
  char b[64];
  NUM("threshold", vg_policy_threshold(p));
  vg_zone_format(vg_policy_zone(p), b, sizeof(b));
  STR("timezone", "%s", b);
  STR("count_failed_backups", "%s",
      vg_policy_count_failed(p) ? "true" : "false");
  STR("maintenance_windows", "%zu windows", vg_policy_window_count(p));
  STR("blackouts", "%zu blackouts", vg_policy_blackout_count(p));
  STR("dry_run", "%s", vg_policy_dry_run(p) ? "true" : "false");
  STR("metrics_file", "%s",
      vg_policy_metrics_file(p) ? vg_policy_metrics_file(p) : "off");
  fmt_dur(rb->warning_s, b, sizeof(b));
  STR("reboot.warning", "%s", b);
  STR("reboot.message", "%s", rb->message);
  STR("reboot.force_close_apps", "%s", rb->force_close_apps ? "true" : "false");
  STR("reboot.reason", "0x%08lx", (unsigned long)rb->reason);
  fmt_dur(rb->splay_s, b, sizeof(b));
  STR("reboot.splay", "%s", b);
  fmt_dur(rb->min_time_left_s, b, sizeof(b));
  STR("reboot.min_time_left", "%s", b);
  fmt_dur(rb->min_uptime_s, b, sizeof(b));
  STR("reboot.min_uptime", "%s", b);
  NUM("reboot.max_per_week", rb->max_per_week);
  STR("reboot.wait_for_backup", "%s", rb->wait_for_backup ? "true" : "false");
#undef NUM
#undef STR
  return n;
}

static int cmd_plan(const struct cmd *c, int argc, char **argv) {
  struct opt o[] = {
      {"policy", true, NULL, false},       {"state", true, NULL, false},
      {"count", true, NULL, false},        {"from", true, NULL, false},
      {"runs-per-day", true, NULL, false}, {"seed", true, NULL, false},
      {"json", false, NULL, false}};
  size_t no = sizeof(o) / sizeof(o[0]);
  char *pos[1] = {NULL};
  int npos;
  char defp[1024];
  int rc;
  if (parse_cmd(c, argc, argv, o, no, pos, 0, &npos, &rc))
    return rc;
  struct opt *ostate = opt_get(o, no, "state"),
             *ocount = opt_get(o, no, "count");
  if (ostate->seen && ocount->seen)
    return usage_error(c->name, "%s: --state and --count are exclusive",
                       c->name);
  uint64_t count_opt = 0, seed = 1;
  if (ocount->seen &&
      (parse_u64(ocount->arg, &count_opt) != 0 || count_opt > VG_HARD_LIMIT))
    return usage_error(c->name, "--count '%s' must be a number from 0 to 64",
                       ocount->arg);
  if (opt_get(o, no, "seed")->seen &&
      parse_u64(opt_get(o, no, "seed")->arg, &seed) != 0)
    return usage_error(c->name, "--seed '%s' must be a number",
                       opt_get(o, no, "seed")->arg);
  double rpd = 0;
  struct opt *orpd = opt_get(o, no, "runs-per-day");
  if (orpd->seen) {
    char *end;
    rpd = strtod(orpd->arg, &end);
    if (*end != '\0' || !(rpd > 0) || rpd > 1440)
      return usage_error(
          c->name, "--runs-per-day '%s' must be a number above 0", orpd->arg);
  }
  const char *ppath = opt_get(o, no, "policy")->arg;
  if (ppath == NULL)
    ppath = vg_policy_default_path(defp, sizeof(defp));
  vg_policy *p;
  rc = load_policy(ppath, &p);
  if (rc != 0)
    return rc;
  const struct vg_zone *z = vg_policy_zone(p);
  vg_wall_t now = vg_plat_now();
  if (opt_get(o, no, "from")->seen) {
    rc = parse_when(c->name, "--from", opt_get(o, no, "from")->arg, z, &now);
    if (rc != 0) {
      vg_policy_free(p);
      return rc;
    }
  }
  vg_state *st = NULL;
  const char *count_source = "default";
  int count = 0;
  if (ostate->seen) {
    rc = load_state(ostate->arg, &st);
    if (rc != 0) {
      vg_policy_free(p);
      return rc;
    }
    count = vg_state_count(st);
    count_source = "state";
  } else if (ocount->seen) {
    count = (int)count_opt;
    count_source = "option";
  }

  /* The cadence: given, observed in the state, or one run a day. */
  const char *cadence_source = "option";
  if (!orpd->seen) {
    rpd = 0;
    cadence_source = "default";
    if (st != NULL) {
      vg_wall_t runs[VG_STATE_MAX_RUNS];
      size_t n = vg_state_runs(st, runs, VG_STATE_MAX_RUNS);
      double obs = vg_plan_cadence(runs, n, now);
      if (obs > 0) {
        rpd = obs;
        cadence_source = "observed";
      }
    }
    if (rpd <= 0)
      rpd = 1.0;
  }

  int threshold = vg_policy_threshold(p);
  struct vg_projection proj;
  memset(&proj, 0, sizeof(proj));
  int prc = vg_plan_project(p, count, rpd, now, &proj);
  bool reached = count >= threshold;

  /* The next reboot: the state's schedule when it holds one, else planned. */
  struct vg_sched sched = {0};
  if (st != NULL)
    vg_state_scheduled(st, &sched);
  struct vg_plan plan;
  memset(&plan, 0, sizeof(plan));
  vg_wall_t base = reached ? now : proj.threshold_at;
  int nrc = prc == 0 ? vg_plan_next_reboot(p, base, seed, &plan) : prc;
  bool have = nrc == 0;
  const char *next_source = "plan";
  vg_wall_t at = plan.at, slot_start = plan.slot.start,
            slot_end = plan.slot.end;
  if (reached && sched.set && sched.slot_end > now) {
    have = true;
    next_source = "state";
    at = sched.at;
    slot_start = sched.slot_start;
    slot_end = sched.slot_end;
  }
  bool locked = st != NULL && vg_state_locked(st);

  struct setting set[32];
  size_t nset = collect_settings(p, set, 32);
  bool json = opt_get(o, no, "json")->seen;
  if (json) {
    struct vg_json j;
    vg_json_init(&j, stdout);
    vg_json_begin_object(&j);
    vg_json_key(&j, "now");
    vg_json_time(&j, now);
    vg_json_key(&j, "policy");
    vg_json_string(&j, ppath);
    vg_json_key(&j, "count");
    vg_json_int(&j, count);
    vg_json_key(&j, "count_source");
    vg_json_string(&j, count_source);
    vg_json_key(&j, "threshold");
    vg_json_int(&j, threshold);
    vg_json_key(&j, "hard_limit");
    vg_json_int(&j, VG_HARD_LIMIT);
    vg_json_key(&j, "threshold_reached");
    vg_json_bool(&j, reached);
    vg_json_key(&j, "dry_run");
    vg_json_bool(&j, vg_policy_dry_run(p));
    vg_json_key(&j, "locked");
    vg_json_bool(&j, locked);
    vg_json_key(&j, "next_reboot");
    if (have) {
      vg_json_begin_object(&j);
      vg_json_key(&j, "at");
      vg_json_time(&j, at);
      vg_json_key(&j, "local_at");
      json_local(&j, at, z);
      vg_json_key(&j, "slot_start");
      vg_json_time(&j, slot_start);
      vg_json_key(&j, "slot_end");
      vg_json_time(&j, slot_end);
      vg_json_key(&j, "source");
      vg_json_string(&j, next_source);
      vg_json_end_object(&j);
    } else {
      vg_json_null(&j);
    }
    vg_json_key(&j, "projection");
    if (prc == 0) {
      vg_json_begin_object(&j);
      vg_json_key(&j, "runs_per_day");
      vg_json_double(&j, proj.runs_per_day);
      vg_json_key(&j, "cadence_source");
      vg_json_string(&j, cadence_source);
      vg_json_key(&j, "threshold_at");
      vg_json_time(&j, proj.threshold_at);
      vg_json_key(&j, "limit_at");
      vg_json_time(&j, proj.limit_at);
      vg_json_key(&j, "reboot_at");
      if (proj.have_reboot)
        vg_json_time(&j, proj.reboot_at);
      else
        vg_json_null(&j);
      vg_json_key(&j, "too_sparse");
      vg_json_bool(&j, proj.too_sparse);
      vg_json_end_object(&j);
    } else {
      vg_json_null(&j);
    }
    vg_json_key(&j, "skips");
    vg_json_begin_array(&j);
    for (size_t i = 0; have && i < plan.nskips; i++) {
      vg_json_begin_object(&j);
      vg_json_key(&j, "start");
      vg_json_time(&j, plan.skips[i].window.start);
      vg_json_key(&j, "end");
      vg_json_time(&j, plan.skips[i].window.end);
      vg_json_key(&j, "reason");
      vg_json_string(&j, plan.skips[i].reason);
      vg_json_end_object(&j);
    }
    vg_json_end_array(&j);
    vg_json_key(&j, "warnings");
    vg_json_begin_array(&j);
    if (proj.too_sparse)
      vg_json_string(&j, "the first usable slot after the threshold comes "
                         "after the projected hard limit of 64");
    if (!have)
      vg_json_string(&j, "no allowed slot within the planning horizon");
    if (locked)
      vg_json_string(&j, "reboots are locked; run 'vssguard reset'");
    vg_json_end_array(&j);
    vg_json_key(&j, "settings");
    vg_json_begin_object(&j);
    for (size_t i = 0; i < nset; i++) {
      vg_json_key(&j, set[i].key);
      vg_json_begin_object(&j);
      vg_json_key(&j, "value");
      if (set[i].is_num)
        vg_json_int(&j, set[i].num);
      else
        vg_json_string(&j, set[i].value);
      vg_json_key(&j, "origin");
      vg_json_string(&j, vg_origin_name(vg_policy_origin(p, set[i].key)));
      vg_json_end_object(&j);
    }
    vg_json_end_object(&j);
    vg_json_end_object(&j);
    rc = json_finish(&j);
  } else {
    char a[64], b[64], d[64], sum[512];
    vg_policy_summary(p, sum, sizeof(sum));
    printf("Policy:     %s (%s)\n", ppath, sum);
    fmt_human(now, z, a, sizeof(a));
    printf("From:       %s\n", a);
    printf("Count:      %d of threshold %d (hard limit %d; %s)\n", count,
           threshold, VG_HARD_LIMIT,
           st != NULL ? ostate->arg
                      : (ocount->seen ? "--count" : "no state given"));
    printf("Cadence:    %.2f backup runs a day (%s)\n", rpd,
           strcmp(cadence_source, "observed") == 0 ? "observed in the state"
           : strcmp(cadence_source, "option") == 0 ? "--runs-per-day"
                                                   : "default");
    if (prc == 0) {
      fmt_human(proj.threshold_at, z, a, sizeof(a));
      printf("Threshold:  %s %s\n", reached ? "reached" : "projected for", a);
      fmt_human(proj.limit_at, z, a, sizeof(a));
      printf("Limit 64:   projected for %s\n", a);
    }
    if (have) {
      fmt_human(at, z, a, sizeof(a));
      printf("Next reboot: %s%s\n", a,
             strcmp(next_source, "state") == 0 ? " (scheduled in the state)"
             : reached                         ? ""
                       : " (once the threshold is reached)");
      fmt_human(slot_start, z, a, sizeof(a));
      fmt_human(slot_end, z, b, sizeof(b));
      fmt_dur(slot_end - slot_start, d, sizeof(d));
      printf("  in slot    %s -> %s (%s)\n", a, b, d);
    } else {
      printf("Next reboot: none: no allowed slot within %lld days\n",
             VG_PLAN_HORIZON_S / 86400);
    }
    if (have && plan.nskips > 0) {
      printf("Skipped windows:\n");
      for (size_t i = 0; i < plan.nskips; i++) {
        fmt_human(plan.skips[i].window.start, z, a, sizeof(a));
        fmt_human(plan.skips[i].window.end, z, b, sizeof(b));
        printf("  %s -> %s: %s\n", a, b, plan.skips[i].reason);
      }
    }
    if (proj.too_sparse)
      printf("WARNING: the first usable slot after the threshold comes after "
             "the projected hard limit of %d: add maintenance windows or "
             "lower the threshold.\n",
             VG_HARD_LIMIT);
    if (vg_policy_dry_run(p))
      printf(
          "Dry run:    on (the agent logs the reboot instead of doing it)\n");
    if (locked)
      printf("LOCKED:     reboots are locked after %d attempts without a "
             "boot; run 'vssguard reset'\n",
             vg_state_pending_attempts(st));
    printf("Settings (key, origin, value):\n");
    for (size_t i = 0; i < nset; i++)
      printf("  %-24s %-8s %s\n", set[i].key,
             vg_origin_name(vg_policy_origin(p, set[i].key)), set[i].value);
    rc = VG_EXIT_OK;
  }
  vg_state_free(st);
  vg_policy_free(p);
  return rc;
}

/* ---- replay ------------------------------------------------------------- */

struct replay_out {
  bool json;
  bool verbose; /* every run on its own line */
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
  fmt_short(o->fold_first, o->z, a, sizeof(a));
  if (o->fold_n == 1) {
    printf("%s  %-20s %d -> %d/%d\n", a, "run counted", o->fold_from,
           o->fold_to, o->threshold);
  } else {
    fmt_short(o->fold_last, o->z, b, sizeof(b));
    printf("%s  %-20s %d -> %d/%d  (%llu runs up to %s)\n", a, "runs counted",
           o->fold_from, o->fold_to, o->threshold,
           (unsigned long long)o->fold_n, b);
  }
  o->fold_n = 0;
}

static void replay_human(const struct vg_replay_entry *e,
                         struct replay_out *o) {
  char a[32], b[64], c[64];
  /* A calibration that confirms the count adds nothing to the story. */
  if (e->kind == VG_REPLAY_CALIBRATED && !o->verbose &&
      e->count_before == e->count_after)
    return;
  if (e->kind == VG_REPLAY_RUN_COUNTED && !o->verbose) {
    if (o->fold_n == 0) {
      o->fold_first = e->at;
      o->fold_from = e->count_before;
    }
    o->fold_n++;
    o->fold_last = e->at;
    o->fold_to = e->count_after;
    o->threshold = e->threshold;
    return;
  }
  flush_fold(o);
  fmt_short(e->at, o->z, a, sizeof(a));
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
  case VG_REPLAY_SCHEDULED:
    fmt_human(e->sched.at, o->z, b, sizeof(b));
    fmt_short(e->sched.slot_end, o->z, c, sizeof(c));
    printf("%s  %-20s for %s (slot until %s)\n", a, name, b, c + 11);
    if (e->plan != NULL)
      for (size_t i = 0; i < e->plan->nskips; i++) {
        fmt_short(e->plan->skips[i].window.start, o->z, b, sizeof(b));
        printf("%18s  skipped window %s: %s\n", "", b,
               e->plan->skips[i].reason);
      }
    break;
  case VG_REPLAY_REBOOT:
    fmt_short(e->sched.slot_start, o->z, b, sizeof(b));
    fmt_short(e->sched.slot_end, o->z, c, sizeof(c));
    printf("%s  %-20s count %d/%d (slot %s-%s)\n", a, name, e->count_after,
           e->threshold, b + 11, c + 11);
    break;
  case VG_REPLAY_POSTPONED:
  case VG_REPLAY_LOCKED:
  case VG_REPLAY_NO_SLOT:
  case VG_REPLAY_CALIBRATION_IGNORED:
    printf("%s  %-20s %s\n", a, name, e->why ? e->why : "");
    break;
  }
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
    json_time_or_null(j, e->run_start);
  }
  if (e->kind == VG_REPLAY_SCHEDULED || e->kind == VG_REPLAY_REBOOT) {
    vg_json_key(j, "reboot_at");
    json_time_or_null(j, e->sched.at);
    vg_json_key(j, "slot_start");
    json_time_or_null(j, e->sched.slot_start);
    vg_json_key(j, "slot_end");
    json_time_or_null(j, e->sched.slot_end);
  }
  if (e->plan != NULL) {
    vg_json_key(j, "skips");
    vg_json_begin_array(j);
    for (size_t i = 0; i < e->plan->nskips; i++) {
      vg_json_begin_object(j);
      vg_json_key(j, "start");
      vg_json_time(j, e->plan->skips[i].window.start);
      vg_json_key(j, "end");
      vg_json_time(j, e->plan->skips[i].window.end);
      vg_json_key(j, "reason");
      vg_json_string(j, e->plan->skips[i].reason);
      vg_json_end_object(j);
    }
    vg_json_end_array(j);
  }
  if (e->why != NULL && *e->why != '\0') {
    vg_json_key(j, "why");
    vg_json_string(j, e->why);
  }
  vg_json_end_object(j);
}

static void on_replay(const struct vg_replay_entry *e, void *ud) {
  struct replay_out *o = ud;
  if (o->json)
    replay_json(e, o);
  else
    replay_human(e, o);
}

static int cmd_replay(const struct cmd *c, int argc, char **argv) {
  struct opt o[] = {
      {"policy", true, NULL, false},   {"events", true, NULL, false},
      {"json", false, NULL, false},    {"seed", true, NULL, false},
      {"until", true, NULL, false},    {"summary", false, NULL, false},
      {"verbose", false, NULL, false}, {"save-state", true, NULL, false},
      {"sort", false, NULL, false}};
  size_t no = sizeof(o) / sizeof(o[0]);
  char *pos[1] = {NULL};
  int npos;
  int rc;
  if (parse_cmd(c, argc, argv, o, no, pos, 0, &npos, &rc))
    return rc;
  const char *ppath = opt_get(o, no, "policy")->arg;
  const char *epath = opt_get(o, no, "events")->arg;
  if (ppath == NULL)
    return usage_error(c->name, "%s needs --policy FILE", c->name);
  if (epath == NULL)
    return usage_error(c->name, "%s needs --events FILE.xml", c->name);
  uint64_t seed = 1;
  if (opt_get(o, no, "seed")->seen &&
      parse_u64(opt_get(o, no, "seed")->arg, &seed) != 0)
    return usage_error(c->name, "--seed '%s' must be a number",
                       opt_get(o, no, "seed")->arg);
  vg_policy *p;
  rc = load_policy(ppath, &p);
  if (rc != 0)
    return rc;
  const struct vg_zone *z = vg_policy_zone(p);
  vg_wall_t until = 0;
  if (opt_get(o, no, "until")->seen) {
    rc =
        parse_when(c->name, "--until", opt_get(o, no, "until")->arg, z, &until);
    if (rc != 0) {
      vg_policy_free(p);
      return rc;
    }
  }
  bool json = opt_get(o, no, "json")->seen;
  bool summary_only = opt_get(o, no, "summary")->seen;
  struct vg_json j;
  vg_json_init(&j, stdout);
  struct replay_out out = {.json = json,
                           .verbose = opt_get(o, no, "verbose")->seen,
                           .j = &j,
                           .z = z,
                           .threshold = vg_policy_threshold(p)};
  vg_replay *r;
  rc = vg_replay_new(p, seed, summary_only ? NULL : on_replay, &out, &r);
  if (rc != 0) {
    vg_policy_free(p);
    fprintf(stderr, "vssguard: replay: %s\n", vg_strerror(rc));
    return VG_EXIT_FAIL;
  }
  char sum[512], zb[32];
  vg_policy_summary(p, sum, sizeof(sum));
  vg_zone_format(z, zb, sizeof(zb));
  if (json) {
    vg_json_begin_object(&j);
    if (!summary_only) {
      vg_json_key(&j, "timeline");
      vg_json_begin_array(&j);
    }
  } else {
    printf("Replaying %s\n  with policy %s (%s)\n  times in zone %s\n", epath,
           ppath, sum, zb);
    if (vg_policy_dry_run(p))
      printf("  the policy is a dry run: the agent would only log the reboots "
             "below\n");
    printf("\n");
  }
  if (opt_get(o, no, "sort")->seen)
    rc = vg_replay_file_sorted(r, epath);
  else
    rc = vg_replay_file(r, epath);
  if (rc == 0 && until != 0)
    rc = vg_replay_advance(r, until);
  if (!json)
    flush_fold(&out);
  if (rc != 0) {
    if (json && !summary_only)
      vg_json_end_array(&j);
    fflush(stdout);
    fprintf(stderr, "vssguard: %s: %s\n", epath, vg_strerror(rc));
    vg_replay_free(r);
    vg_policy_free(p);
    return rc == VG_ENOMEM ? VG_EXIT_FAIL : VG_EXIT_INPUT;
  }
  const struct vg_replay_stats *s = vg_replay_stats(r);
  const vg_state *rs = vg_replay_state(r);
  struct vg_sched pending;
  vg_state_scheduled(rs, &pending);
  if (json) {
    if (!summary_only)
      vg_json_end_array(&j);
    vg_json_key(&j, "events");
    vg_json_uint(&j, s->events);
    vg_json_key(&j, "runs_counted");
    vg_json_uint(&j, s->runs_counted);
    vg_json_key(&j, "failed_runs_not_counted");
    vg_json_uint(&j, s->runs_failed_ignored);
    vg_json_key(&j, "calibrations");
    vg_json_uint(&j, s->calibrations);
    vg_json_key(&j, "calibrations_ignored");
    vg_json_uint(&j, s->calibrations_ignored);
    vg_json_key(&j, "boots");
    vg_json_uint(&j, s->boots);
    vg_json_key(&j, "duplicates");
    vg_json_uint(&j, s->duplicates);
    vg_json_key(&j, "malformed");
    vg_json_uint(&j, s->malformed);
    vg_json_key(&j, "out_of_order");
    vg_json_uint(&j, s->out_of_order);
    vg_json_key(&j, "threshold");
    vg_json_int(&j, vg_policy_threshold(p));
    vg_json_key(&j, "max_count");
    vg_json_int(&j, s->max_count);
    vg_json_key(&j, "final_count");
    vg_json_int(&j, vg_state_count(rs));
    vg_json_key(&j, "first_event");
    json_time_or_null(&j, s->first_event);
    vg_json_key(&j, "last_event");
    json_time_or_null(&j, s->last_event);
    vg_json_key(&j, "simulated_until");
    json_time_or_null(&j, s->now);
    vg_json_key(&j, "reboots");
    vg_json_begin_array(&j);
    for (size_t i = 0; i < s->nreboots; i++) {
      vg_json_begin_object(&j);
      vg_json_key(&j, "at");
      vg_json_time(&j, s->reboots[i].at);
      vg_json_key(&j, "local_at");
      json_local(&j, s->reboots[i].at, z);
      vg_json_key(&j, "count");
      vg_json_int(&j, s->reboots[i].count);
      vg_json_end_object(&j);
    }
    vg_json_end_array(&j);
    vg_json_key(&j, "scheduled");
    if (pending.set) {
      vg_json_begin_object(&j);
      vg_json_key(&j, "at");
      vg_json_time(&j, pending.at);
      vg_json_key(&j, "slot_start");
      vg_json_time(&j, pending.slot_start);
      vg_json_key(&j, "slot_end");
      vg_json_time(&j, pending.slot_end);
      vg_json_end_object(&j);
    } else {
      vg_json_null(&j);
    }
    vg_json_key(&j, "locked");
    vg_json_bool(&j, s->locked);
    vg_json_end_object(&j);
    rc = json_finish(&j);
  } else {
    char a[64], b[64];
    printf("\nSummary\n");
    if (s->first_event != 0) {
      fmt_human(s->first_event, z, a, sizeof(a));
      fmt_human(s->last_event, z, b, sizeof(b));
      printf("  history:       %s .. %s\n", a, b);
    }
    printf("  events:        %llu read, %llu malformed skipped, %llu "
           "duplicates\n",
           (unsigned long long)s->events, (unsigned long long)s->malformed,
           (unsigned long long)s->duplicates);
    printf("  runs counted:  %llu", (unsigned long long)s->runs_counted);
    if (s->runs_failed_ignored > 0)
      printf(" (%llu failed runs not counted)",
             (unsigned long long)s->runs_failed_ignored);
    printf("\n  calibrations:  %llu", (unsigned long long)s->calibrations);
    if (s->calibrations_ignored > 0)
      printf(" (%llu more ignored: recorded after a simulated reboot)",
             (unsigned long long)s->calibrations_ignored);
    printf("\n  boots:         %llu recorded\n", (unsigned long long)s->boots);
    printf("  count:         %d at the end (threshold %d, highest %d, hard "
           "limit %d)\n",
           vg_state_count(rs), vg_policy_threshold(p), s->max_count,
           VG_HARD_LIMIT);
    printf("  reboots:       %zu%s\n", s->nreboots,
           s->nreboots ? " the agent would have initiated:" : "");
    for (size_t i = 0; i < s->nreboots; i++) {
      fmt_human(s->reboots[i].at, z, a, sizeof(a));
      printf("    %s at count %d\n", a, s->reboots[i].count);
    }
    if (pending.set) {
      fmt_human(pending.at, z, a, sizeof(a));
      printf("  scheduled:     a reboot for %s (after the history ends)\n", a);
    }
    if (s->locked)
      printf("  LOCKED:        the reboot-loop guard held\n");
    if (s->out_of_order > 0)
      printf("  note:          %llu events were older than the one before "
             "them; replay with --sort for an exact result\n",
             (unsigned long long)s->out_of_order);
    rc = fflush(stdout) == 0 ? VG_EXIT_OK : VG_EXIT_FAIL;
  }
  const char *save = opt_get(o, no, "save-state")->arg;
  if (rc == VG_EXIT_OK && save != NULL && vg_state_save(rs, save) != 0) {
    fprintf(stderr, "vssguard: %s: cannot write the state\n", save);
    rc = VG_EXIT_FAIL;
  }
  vg_replay_free(r);
  vg_policy_free(p);
  return rc;
}

/* ---- status ------------------------------------------------------------- */

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
  if (parse_cmd(c, argc, argv, o, no, pos, 0, &npos, &rc))
    return rc;
  if (opt_get(o, no, "json")->seen && opt_get(o, no, "prometheus")->seen)
    return usage_error(c->name, "%s: --json and --prometheus are exclusive",
                       c->name);
  const char *spath = opt_get(o, no, "state")->arg;
  if (spath == NULL)
    spath = default_path("state", defs, sizeof(defs));
  vg_policy *p = NULL;
  if (opt_get(o, no, "policy")->seen) {
    rc = load_policy(opt_get(o, no, "policy")->arg, &p);
    if (rc != 0)
      return rc;
  }
  vg_state *s;
  rc = load_state(spath, &s);
  if (rc != 0) {
    vg_policy_free(p);
    return rc;
  }
  struct vg_zone local = {VG_ZONE_LOCAL, 0, NULL};
  const struct vg_zone *z = p ? vg_policy_zone(p) : &local;
  struct vg_sched sched;
  vg_state_scheduled(s, &sched);
  struct vg_reboot_rec hist[VG_STATE_MAX_HISTORY];
  size_t nh = vg_state_history(s, hist, VG_STATE_MAX_HISTORY);
  vg_wall_t runs[VG_STATE_MAX_RUNS];
  size_t nruns = vg_state_runs(s, runs, VG_STATE_MAX_RUNS);
  vg_wall_t now = vg_plat_now();
  int count = vg_state_count(s);
  if (opt_get(o, no, "prometheus")->seen) {
    struct vg_metrics m = {.active_sessions = count,
                           .threshold = p ? vg_policy_threshold(p) : 0,
                           .runs_since_boot = (int)nruns,
                           .last_run = nruns ? runs[nruns - 1] : 0,
                           .next_reboot = sched.set ? sched.at : 0,
                           .reboots_initiated = nh,
                           .policy_errors = 0,
                           .locked = vg_state_locked(s)};
    char *text = vg_metrics_format(&m);
    rc = VG_EXIT_FAIL;
    if (text != NULL) {
      fputs(text, stdout);
      free(text);
      rc = fflush(stdout) == 0 ? VG_EXIT_OK : VG_EXIT_FAIL;
    }
  } else if (opt_get(o, no, "json")->seen) {
    struct vg_json j;
    vg_json_init(&j, stdout);
    vg_json_begin_object(&j);
    vg_json_key(&j, "state");
    vg_json_string(&j, spath);
    vg_json_key(&j, "count");
    vg_json_int(&j, count);
    if (p != NULL) {
      vg_json_key(&j, "threshold");
      vg_json_int(&j, vg_policy_threshold(p));
    }
    vg_json_key(&j, "hard_limit");
    vg_json_int(&j, VG_HARD_LIMIT);
    vg_json_key(&j, "boot_time");
    json_time_or_null(&j, vg_state_boot_time(s));
    vg_json_key(&j, "last_event");
    json_time_or_null(&j, vg_state_last_event_time(s));
    vg_json_key(&j, "runs_since_boot");
    vg_json_uint(&j, nruns);
    vg_json_key(&j, "last_run");
    json_time_or_null(&j, nruns ? runs[nruns - 1] : 0);
    vg_json_key(&j, "backup_in_progress");
    vg_json_bool(&j, vg_state_backup_in_progress(s, now));
    vg_json_key(&j, "scheduled");
    if (sched.set) {
      vg_json_begin_object(&j);
      vg_json_key(&j, "at");
      vg_json_time(&j, sched.at);
      vg_json_key(&j, "slot_start");
      vg_json_time(&j, sched.slot_start);
      vg_json_key(&j, "slot_end");
      vg_json_time(&j, sched.slot_end);
      vg_json_end_object(&j);
    } else {
      vg_json_null(&j);
    }
    vg_json_key(&j, "history");
    vg_json_begin_array(&j);
    for (size_t i = 0; i < nh; i++) {
      vg_json_begin_object(&j);
      vg_json_key(&j, "at");
      vg_json_time(&j, hist[i].at);
      vg_json_key(&j, "count");
      vg_json_int(&j, hist[i].count);
      vg_json_key(&j, "confirmed");
      vg_json_bool(&j, hist[i].confirmed);
      vg_json_end_object(&j);
    }
    vg_json_end_array(&j);
    vg_json_key(&j, "reboots_in_week");
    vg_json_int(&j, vg_state_reboots_in_week(s, now));
    vg_json_key(&j, "pending_attempts");
    vg_json_int(&j, vg_state_pending_attempts(s));
    vg_json_key(&j, "locked");
    vg_json_bool(&j, vg_state_locked(s));
    vg_json_end_object(&j);
    rc = json_finish(&j);
  } else {
    char a[64], b[64];
    printf("State:        %s\n", spath);
    if (p != NULL)
      printf("Count:        %d of threshold %d (hard limit %d)\n", count,
             vg_policy_threshold(p), VG_HARD_LIMIT);
    else
      printf("Count:        %d (hard limit %d)\n", count, VG_HARD_LIMIT);
    if (vg_state_boot_time(s) != 0) {
      fmt_human(vg_state_boot_time(s), z, a, sizeof(a));
      printf("Boot time:    %s\n", a);
    } else {
      printf("Boot time:    unknown\n");
    }
    if (vg_state_last_event_time(s) != 0) {
      fmt_human(vg_state_last_event_time(s), z, a, sizeof(a));
      printf("Last event:   %s\n", a);
    } else {
      printf("Last event:   none\n");
    }
    printf("Runs counted: %zu since boot", nruns);
    if (nruns > 0) {
      fmt_human(runs[nruns - 1], z, a, sizeof(a));
      printf(", last started %s", a);
    }
    printf("%s\n",
           vg_state_backup_in_progress(s, now) ? " (a backup is running)" : "");
    if (sched.set) {
      fmt_human(sched.at, z, a, sizeof(a));
      fmt_human(sched.slot_end, z, b, sizeof(b));
      printf("Scheduled:    reboot at %s (slot until %s)\n", a, b);
    } else {
      printf("Scheduled:    no reboot scheduled\n");
    }
    printf("Reboots:      %zu recorded, %d in the last 7 days\n", nh,
           vg_state_reboots_in_week(s, now));
    for (size_t i = 0; i < nh; i++) {
      fmt_human(hist[i].at, z, a, sizeof(a));
      printf("  %s at count %d, %s\n", a, hist[i].count,
             hist[i].confirmed ? "boot confirmed" : "no boot seen yet");
    }
    if (vg_state_locked(s))
      printf("LOCKED:       %d reboot attempts without a boot; reboots stay "
             "off until 'vssguard reset'\n",
             vg_state_pending_attempts(s));
    else
      printf("Guard:        %d unconfirmed attempts of %d allowed\n",
             vg_state_pending_attempts(s), VG_STATE_MAX_ATTEMPTS);
    rc = fflush(stdout) == 0 ? VG_EXIT_OK : VG_EXIT_FAIL;
  }
  vg_state_free(s);
  vg_policy_free(p);
  return rc;
}

/* ---- reset -------------------------------------------------------------- */

static int cmd_reset(const struct cmd *c, int argc, char **argv) {
  struct opt o[] = {{"state", true, NULL, false}};
  size_t no = sizeof(o) / sizeof(o[0]);
  char *pos[1] = {NULL};
  int npos;
  char defs[1024];
  int rc;
  if (parse_cmd(c, argc, argv, o, no, pos, 0, &npos, &rc))
    return rc;
  const char *spath = opt_get(o, no, "state")->arg;
  if (spath == NULL)
    spath = default_path("state", defs, sizeof(defs));
  vg_state *s;
  rc = load_state(spath, &s);
  if (rc != 0)
    return rc;
  bool was = vg_state_locked(s);
  int attempts = vg_state_pending_attempts(s);
  vg_state_reset_guard(s);
  if (vg_state_save(s, spath) != 0) {
    fprintf(stderr, "vssguard: %s: cannot write the state\n", spath);
    vg_state_free(s);
    return VG_EXIT_FAIL;
  }
  vg_log_info(VG_EV_RESET,
              "reboot guard reset by an administrator (%s, %d unconfirmed "
              "attempts cleared)",
              was ? "was locked" : "was not locked", attempts);
  printf("%s: reboot guard reset (%s)\n", spath,
         was ? "it was locked" : "it was not locked");
  if (was)
    printf("A running agent takes the reset over when it reloads: send it "
           "SIGHUP, or on Windows run 'sc control VssGuard paramchange'.\n");
  vg_state_free(s);
  return VG_EXIT_OK;
}

/* ---- run ---------------------------------------------------------------- */

static int cmd_run(const struct cmd *c, int argc, char **argv) {
  struct opt o[] = {
      {"policy", true, NULL, false},         {"state", true, NULL, false},
      {"events-follow", true, NULL, false},  {"dry-run", false, NULL, false},
      {"reboot-command", true, NULL, false}, {"seed", true, NULL, false}};
  size_t no = sizeof(o) / sizeof(o[0]);
  char *pos[1] = {NULL};
  int npos;
  char defp[1024], defs[1024];
  int rc;
  if (parse_cmd(c, argc, argv, o, no, pos, 0, &npos, &rc))
    return rc;
  if (opt_get(o, no, "dry-run")->seen && opt_get(o, no, "reboot-command")->seen)
    return usage_error(c->name,
                       "%s: --dry-run and --reboot-command are "
                       "exclusive",
                       c->name);
  uint64_t seed = 0;
  if (opt_get(o, no, "seed")->seen &&
      parse_u64(opt_get(o, no, "seed")->arg, &seed) != 0)
    return usage_error(c->name, "--seed '%s' must be a number",
                       opt_get(o, no, "seed")->arg);
  const char *rcmd = opt_get(o, no, "reboot-command")->arg;
  if (rcmd != NULL && *rcmd == '\0')
    return usage_error(c->name, "%s: --reboot-command needs a program",
                       c->name);
  struct vg_agent_config cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.policy_path = opt_get(o, no, "policy")->arg;
  if (cfg.policy_path == NULL)
    cfg.policy_path = vg_policy_default_path(defp, sizeof(defp));
  cfg.state_path = opt_get(o, no, "state")->arg;
  if (cfg.state_path == NULL)
    cfg.state_path = default_path("state", defs, sizeof(defs));
  cfg.events_follow = opt_get(o, no, "events-follow")->arg;
  cfg.reboot_command = rcmd;
  cfg.dry_run = opt_get(o, no, "dry-run")->seen;
  cfg.seed = seed;
  cfg.ops = NULL;
  rc = vg_run(&cfg);
  if (rc == VG_OK)
    return VG_EXIT_OK;
  /* The agent already logged why; bad input files are exit 2. */
  return (rc == VG_EINVAL || rc == VG_ENOENT || rc == VG_ECORRUPT ||
          rc == VG_EPERM)
             ? VG_EXIT_INPUT
             : VG_EXIT_FAIL;
}

/* ---- the table, help and main ------------------------------------------- */

static int cmd_help(const struct cmd *c, int argc, char **argv);

static const struct cmd commands[] = {
    {"check-policy", cmd_check_policy, "FILE",
     "check a policy file and print a one-line summary",
     "Loads the YAML policy FILE and checks it. Prints a one-line summary and\n"
     "exits 0, or prints every error as file:line:col: message and exits 2.\n"},
    {"windows", cmd_windows,
     "[--policy FILE] [--from TIME] [--count K] [--json]",
     "list the next allowed reboot slots",
     "Lists the next K (default 5) allowed slots: inside a maintenance window\n"
     "and outside every blackout, from TIME (default now; civil times are in\n"
     "the policy's zone). --json prints\n"
     "{\"slots\":[{\"start\",\"end\",\"local_start\",\"local_end\"}]}.\n"},
    {"plan", cmd_plan,
     "[--policy FILE] [--state FILE | --count N] [--from TIME]\n"
     "        [--runs-per-day R] [--seed S] [--json]",
     "show the next reboot, the projection and the skipped windows",
     "Shows the next reboot (now if the count is at the threshold, else once\n"
     "the threshold is projected), when the threshold and the hard limit of "
     "64\n"
     "are projected from the backup cadence (observed in --state, or\n"
     "--runs-per-day, else one run a day), which windows were skipped and "
     "why,\n"
     "a warning when the windows are too sparse, and where every setting came\n"
     "from (default, file or gpo).\n"},
    {"replay", cmd_replay,
     "--policy FILE --events FILE.xml [--json] [--seed S] [--until TIME]\n"
     "        [--summary] [--verbose] [--sort] [--save-state FILE]",
     "replay a recorded event history in simulated time",
     "Replays a wevtutil /f:xml export through the agent's counting and\n"
     "decisions in simulated time: runs counted, calibrations, boots, the\n"
     "count over time and when the agent would have rebooted (each reboot is\n"
     "followed by a simulated boot). --until continues the simulated clock\n"
     "past the last event; --verbose shows every run; --summary prints no\n"
     "timeline; --save-state writes the final state. --seed fixes the splay\n"
     "(default 1). Events are replayed in the file's order (wevtutil gives\n"
     "one query oldest first); --sort orders them by time first, for several\n"
     "exports concatenated, one per channel.\n"},
    {"status", cmd_status,
     "[--state FILE] [--policy FILE] [--json | --prometheus]",
     "show the agent's state: count, schedule, reboot history",
     "Shows the state file: count, boot time, last event, runs since boot, "
     "the\n"
     "scheduled reboot, the reboot history and the reboot-loop guard. --json\n"
     "is for scripts (PowerShell ConvertFrom-Json); --prometheus prints the\n"
     "metrics text file format.\n"},
    {"run", cmd_run,
     "[--policy FILE] [--state FILE] [--events-follow FILE]\n"
     "        [--dry-run | --reboot-command CMD] [--seed N]",
     "run the agent in the foreground",
     "Runs the agent: follows events, counts backup runs, schedules and\n"
     "performs the reboot. --dry-run never reboots; --reboot-command runs CMD\n"
     "(no shell) instead of the system call. SIGHUP reloads the policy,\n"
     "SIGTERM saves the state and exits.\n"},
    {"reset", cmd_reset, "[--state FILE]",
     "clear the reboot-loop guard after failed reboot attempts",
     "Clears the reboot-loop guard (set after repeated reboot attempts that\n"
     "did not lead to a boot) and saves the state.\n"},
    {"help", cmd_help, "[COMMAND]", "show help for a command", ""},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void print_usage(FILE *f) {
  char defp[1024], defs[1024];
  fprintf(f,
          "vssguard %s - VSS Session Guard: reboots Windows Server 2008/R2\n"
          "inside maintenance windows before VSS writer sessions reach 64.\n\n"
          "Usage: vssguard COMMAND [OPTIONS]\n\nCommands:\n",
          VG_VERSION);
  for (size_t i = 0; i < NCOMMANDS; i++)
    fprintf(f, "  %-14s %s\n", commands[i].name, commands[i].summary);
  fputs(vg_cli_platform_help(), f);
  fprintf(f,
          "\nOptions:\n  --version      print the version\n"
          "  --help         print this help; 'vssguard help COMMAND' for one\n"
          "\nDefaults: --policy %s, --state %s\n"
          "Exit codes: 0 ok, 1 failure, 2 bad input, 64 usage error.\n",
          vg_policy_default_path(defp, sizeof(defp)),
          default_path("state", defs, sizeof(defs)));
}

static void print_cmd_help(const struct cmd *c, FILE *f) {
  fprintf(f, "Usage: vssguard %s %s\n\n%s%s", c->name, c->args, c->summary,
          c->help[0] ? ".\n\n" : ".\n");
  fputs(c->help, f);
}

static const struct cmd *find_cmd(const char *name) {
  for (size_t i = 0; i < NCOMMANDS; i++)
    if (strcmp(commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

static int cmd_help(const struct cmd *c, int argc, char **argv) {
  char *pos[1] = {NULL};
  int npos;
  int rc = parse_opts(c->name, argc, argv, NULL, 0, pos, 1, &npos);
  if (rc < 0 || (rc == 0 && npos == 0)) {
    print_usage(stdout);
    return VG_EXIT_OK;
  }
  if (rc != 0)
    return rc;
  const struct cmd *t = find_cmd(pos[0]);
  if (t == NULL) {
    /* A platform command prints its own help. */
    char *pargv[3] = {argv[0], pos[0], "--help"};
    int handled = 0;
    rc = vg_cli_platform(3, pargv, &handled);
    if (handled)
      return rc;
    return usage_error(NULL, "unknown command '%s'", pos[0]);
  }
  print_cmd_help(t, stdout);
  return VG_EXIT_OK;
}

int vg_cli_main(int argc, char **argv) {
  if (argc < 2)
    return usage_error(NULL, "%s", "a command is needed");
  const char *a = argv[1];
  if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
    printf("vssguard %s\n", VG_VERSION);
    return VG_EXIT_OK;
  }
  if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
    print_usage(stdout);
    return VG_EXIT_OK;
  }
  int handled = 0;
  int rc = vg_cli_platform(argc, argv, &handled);
  if (handled)
    return rc;
  const struct cmd *c = find_cmd(a);
  if (c == NULL) {
    if (a[0] == '-')
      return usage_error(NULL, "unknown option '%s'", a);
    return usage_error(NULL, "unknown command '%s'", a);
  }
  return c->fn(c, argc, argv);
}
