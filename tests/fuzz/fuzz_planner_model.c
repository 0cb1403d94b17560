/*
 * The model side of the planner fuzz target: the zones, the brute-force
 * oracle of tests/unit/oracle.h and the comparison with the planner. Built
 * without coverage instrumentation (the oracle's own branches would only
 * slow the fuzzer down and teach it nothing about the planner).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "fuzz_planner.h"
#include "oracle.h"
#include "tzrules.h"
#include "vssguard/planner.h"
#include "vssguard/policy.h"

struct zone_def {
  const char *name;
  enum vg_zone_kind kind;
  int32_t fixed;
  vg_offset_fn rules;
};

static const struct zone_def zones[] = {
    {"UTC", VG_ZONE_UTC, 0, NULL},
    {"+05:30", VG_ZONE_FIXED, 19800, NULL},
    {"-03:30", VG_ZONE_FIXED, -12600, NULL},
    {"+14:00", VG_ZONE_FIXED, 50400, NULL},
    {"America/New_York", VG_ZONE_LOCAL, 0, rules_new_york},
    {"Europe/Berlin", VG_ZONE_LOCAL, 0, rules_berlin},
    {"Australia/Lord_Howe", VG_ZONE_LOCAL, 0, rules_lord_howe},
    {"Asia/Tokyo", VG_ZONE_LOCAL, 0, rules_tokyo},
};
#define NZONES (sizeof(zones) / sizeof(zones[0]))

/*
 * The rules of tzrules.h compute the year by counting from 1970 at every
 * call, too slow to tabulate a year of minutes per input. Their offset
 * changes are found once (an hourly scan, then to the second) and looked up.
 */
#define FAST_FROM 1798761600LL /* 2027-01-01T00:00:00Z */
#define FAST_TO 1861920000LL   /* 2029-01-01T00:00:00Z */
#define FAST_MAX 16

struct fast_rules {
  vg_offset_fn slow;
  bool ready;
  int32_t first;
  size_t n;
  vg_wall_t at[FAST_MAX];
  int32_t off[FAST_MAX];
};

static struct fast_rules fast[NZONES];

static int32_t slow_offset(vg_offset_fn fn, vg_wall_t t) {
  int32_t o = 0;
  FZ_CHECK(fn(t, &o) == VG_OK);
  return o;
}

static void fast_init(struct fast_rules *f) {
  f->first = slow_offset(f->slow, FAST_FROM);
  int32_t cur = f->first;
  for (vg_wall_t t = FAST_FROM + 3600; t < FAST_TO; t += 3600) {
    int32_t o = slow_offset(f->slow, t);
    if (o == cur)
      continue;
    vg_wall_t lo = t - 3600, hi = t; /* offset(lo) == cur, offset(hi) == o */
    while (hi - lo > 1) {
      vg_wall_t mid = lo + (hi - lo) / 2;
      if (slow_offset(f->slow, mid) == cur)
        lo = mid;
      else
        hi = mid;
    }
    FZ_CHECK(f->n < FAST_MAX);
    f->at[f->n] = hi;
    f->off[f->n] = o;
    f->n++;
    cur = o;
  }
  f->ready = true;
}

static int fast_offset(size_t i, vg_wall_t t, int32_t *off) {
  struct fast_rules *f = &fast[i];
  if (t < FAST_FROM || t >= FAST_TO)
    return f->slow(t, off);
  int32_t o = f->first;
  for (size_t k = 0; k < f->n && f->at[k] <= t; k++)
    o = f->off[k];
  *off = o;
  return VG_OK;
}

static int fast4(vg_wall_t t, int32_t *o) {
  return fast_offset(4, t, o);
}
static int fast5(vg_wall_t t, int32_t *o) {
  return fast_offset(5, t, o);
}
static int fast6(vg_wall_t t, int32_t *o) {
  return fast_offset(6, t, o);
}
static int fast7(vg_wall_t t, int32_t *o) {
  return fast_offset(7, t, o);
}
static const vg_offset_fn fast_fns[NZONES] = {NULL,  NULL,  NULL,  NULL,
                                              fast4, fast5, fast6, fast7};

/* Each zone's offset table over the whole range, built on first use. */
static struct or_zone zone_tables[NZONES];
static bool zone_ready[NZONES];

static const struct or_zone *zone_table(size_t i) {
  if (!zone_ready[i]) {
    struct vg_zone z;
    memset(&z, 0, sizeof(z));
    z.kind = zones[i].kind;
    z.offset_s = zones[i].fixed;
    if (z.kind == VG_ZONE_LOCAL) {
      fast[i].slow = zones[i].rules;
      fast_init(&fast[i]);
      z.local_fn = fast_fns[i];
    }
    FZ_CHECK(or_zone_init(&zone_tables[i], &z,
                          FZP_RANGE_FROM - FZP_BEFORE_S - 12 * OR_DAY,
                          FZP_RANGE_TO + FZP_AFTER_S + 4 * OR_DAY) == 0);
    zone_ready[i] = true;
  }
  return &zone_tables[i];
}

static void dump(const vg_policy *p, const char *zone) {
  fprintf(stderr, "  zone %s, min_time_left %lld\n", zone,
          (long long)vg_policy_reboot(p)->min_time_left_s);
  for (size_t i = 0; i < vg_policy_window_count(p); i++) {
    const struct vg_window *w = vg_policy_window(p, i);
    if (w->kind == VG_WINDOW_MONTHLY)
      fprintf(stderr,
              "  window monthly nth %d weekday %d offset %d day %d start %d "
              "duration %lld\n",
              w->m.nth, w->m.weekday, w->m.offset_days, w->m.day,
              (int)w->m.start_s, (long long)w->m.duration_s);
    else if (w->kind == VG_WINDOW_ONCE)
      fprintf(stderr, "  window once %lld..%lld\n", (long long)w->start,
              (long long)w->end);
    else
      fprintf(stderr, "  window days 0x%02x start %d duration %lld\n",
              w->w.days, (int)w->w.start_s, (long long)w->w.duration_s);
  }
  for (size_t i = 0; i < vg_policy_blackout_count(p); i++) {
    const struct vg_blackout *b = vg_policy_blackout(p, i);
    if (b->kind == VG_BLACKOUT_ABSOLUTE)
      fprintf(stderr, "  blackout absolute %lld..%lld\n", (long long)b->start,
              (long long)b->end);
    else if (b->kind == VG_BLACKOUT_MONTHLY)
      fprintf(stderr, "  blackout monthly %d..%d\n", b->from_day, b->to_day);
    else if (b->kind == VG_BLACKOUT_NTH)
      fprintf(stderr,
              "  blackout nth %d weekday %d offset %d start %d duration "
              "%lld\n",
              b->m.nth, b->m.weekday, b->m.offset_days, (int)b->m.start_s,
              (long long)b->m.duration_s);
    else
      fprintf(stderr, "  blackout weekly days 0x%02x start %d duration %lld\n",
              b->w.days, (int)b->w.start_s, (long long)b->w.duration_s);
  }
}

static void disagree(const vg_policy *p, const char *zone, vg_wall_t t,
                     const char *what, long long got_a, long long got_b,
                     long long want_a, long long want_b) {
  fprintf(stderr,
          "planner and oracle disagree at %lld: %s: planner %lld..%lld, "
          "oracle %lld..%lld\n",
          (long long)t, what, got_a, got_b, want_a, want_b);
  dump(p, zone);
  abort();
}

static void check_instant(const struct oracle *o, const char *zone,
                          vg_wall_t t) {
  const vg_policy *p = o->p;
  bool want = or_allowed(o, t);
  if (vg_plan_allowed_at(p, t) != want)
    disagree(p, zone, t, "allowed_at", !want, 0, want, 0);
  struct vg_slot ws, gs;
  if (!oracle_next_slot(o, t, &ws))
    return;
  int rc = vg_plan_next_slot(p, t, &gs);
  if (rc != 0 || gs.start != ws.start || gs.end != ws.end)
    disagree(p, zone, t, "next_slot", rc ? rc : gs.start, rc ? 0 : gs.end,
             ws.start, ws.end);
  struct vg_slot wslot;
  vg_wall_t wat;
  int64_t mtl = vg_policy_reboot(p)->min_time_left_s;
  if (!oracle_next_reboot(o, t, mtl, &wslot, &wat))
    return;
  struct vg_plan plan;
  rc = vg_plan_next_reboot(p, t, 1, &plan);
  if (rc != 0 || plan.at != wat || plan.slot.start != wslot.start ||
      plan.slot.end != wslot.end || plan.usable_end != wslot.end - mtl)
    disagree(p, zone, t, "next_reboot at/slot end", rc ? rc : plan.at,
             rc ? 0 : plan.slot.end, wat, wslot.end);
  if (vg_plan_reboot_allowed_at(p, t) != (wat == t))
    disagree(p, zone, t, "reboot_allowed_at", wat != t, 0, wat == t, 0);
}

size_t fzp_nzones(void) {
  return NZONES;
}

const struct vg_zone *fzp_zone(size_t i) {
  return &zone_table(i)->z;
}

void fzp_check(const vg_policy *p, size_t zi, vg_wall_t center, int q,
               const vg_wall_t *instants, size_t n) {
  struct oracle o;
  oracle_init(&o, p, zone_table(zi), or_fdiv(center - FZP_BEFORE_S, 60) * 60,
              or_fdiv(center + FZP_AFTER_S, 60) * 60, q);
  for (size_t i = 0; i < n; i++)
    check_instant(&o, zones[zi].name, instants[i]);
  oracle_free(&o);
}
