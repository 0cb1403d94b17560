/*
 * Fuzz target of the planner against the brute-force model of
 * tests/unit/oracle.h. The input decodes to a policy (zone, one to four
 * windows, up to three blackouts of every kind, min_time_left) and up to
 * eight instants near a center; at each instant vg_plan_allowed_at,
 * vg_plan_next_slot, vg_plan_next_reboot (no splay) and
 * vg_plan_reboot_allowed_at must give the model's answer. Any disagreement
 * aborts with the policy printed.
 *
 * The zones are UTC, fixed offsets and the local zones America/New_York,
 * Europe/Berlin, Australia/Lord_Howe (30-minute DST) and Asia/Tokyo from the
 * built-in rules of tzrules.h, so runs do not depend on the host.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "oracle.h"
#include "tzrules.h"
#include "vssguard/planner.h"
#include "vssguard/policy.h"

/* Centers lie in [RANGE_FROM + BEFORE_S, RANGE_TO - AFTER_S). */
#define RANGE_FROM 1819670400LL /* 2027-09-01T00:00:00Z */
#define RANGE_TO 1856995200LL   /* 2028-11-05T00:00:00Z */
#define BEFORE_S (12 * OR_DAY)
#define AFTER_S (20 * OR_DAY)
#define NEAR_S (3 * OR_DAY)
#define MAX_INSTANTS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads the input a byte at a time; zeros once it runs out. */
struct reader {
  const uint8_t *p;
  size_t n;
};

static uint32_t take(struct reader *r, int bytes) {
  uint32_t v = 0;
  for (int i = 0; i < bytes; i++) {
    v <<= 8;
    if (r->n > 0) {
      v |= *r->p++;
      r->n--;
    }
  }
  return v;
}

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

/* Each zone's offset table over the whole range, built on first use. */
static struct or_zone zone_tables[NZONES];
static bool zone_ready[NZONES];

static const struct or_zone *zone_table(size_t i) {
  if (!zone_ready[i]) {
    struct vg_zone z;
    memset(&z, 0, sizeof(z));
    z.kind = zones[i].kind;
    z.offset_s = zones[i].fixed;
    z.local_fn = zones[i].rules;
    FZ_CHECK(or_zone_init(&zone_tables[i], &z,
                          RANGE_FROM - BEFORE_S - 12 * OR_DAY,
                          RANGE_TO + AFTER_S + 4 * OR_DAY) == 0);
    zone_ready[i] = true;
  }
  return &zone_tables[i];
}

/* A duration of 1 minute to 7 days (the model looks 8 days back), a
 * multiple of q. */
static int64_t duration(struct reader *r, int q) {
  uint32_t v = take(r, 2);
  int64_t d;
  switch (v >> 14) {
  case 0: d = (int64_t)(v % 240 + 1) * 60; break;
  case 1: d = (int64_t)(v % 1440 + 1) * 60; break;
  case 2: d = (int64_t)(v % (3 * 1440) + 1) * 60; break;
  default: d = (int64_t)(v % (7 * 1440) + 1) * 60; break;
  }
  if (q < 60 && (v & 1))
    d -= q * (int64_t)(v % (60 / q));
  return d > 0 ? d : q;
}

static void weekly(struct reader *r, struct vg_weekly *w, int q) {
  w->days = (uint8_t)(take(r, 1) & VG_ALL_DAYS);
  if (w->days == 0)
    w->days = VG_ALL_DAYS;
  uint32_t s = take(r, 2);
  w->start_s = (int32_t)(s % 1440) * 60;
  if (q < 60)
    w->start_s += (int32_t)(q * (s / 1440 % (60 / q)));
  w->duration_s = duration(r, q);
}

static int month_day(struct reader *r) {
  uint8_t v = (uint8_t)take(r, 1);
  return (v & 0x80) ? -(int)(v % 10 + 1) : (int)(v % 31 + 1);
}

static void dump(const vg_policy *p, const char *zone) {
  fprintf(stderr, "  zone %s, min_time_left %lld\n", zone,
          (long long)vg_policy_reboot(p)->min_time_left_s);
  for (size_t i = 0; i < vg_policy_window_count(p); i++) {
    const struct vg_weekly *w = &vg_policy_window(p, i)->w;
    fprintf(stderr, "  window days 0x%02x start %d duration %lld\n", w->days,
            (int)w->start_s, (long long)w->duration_s);
  }
  for (size_t i = 0; i < vg_policy_blackout_count(p); i++) {
    const struct vg_blackout *b = vg_policy_blackout(p, i);
    if (b->kind == VG_BLACKOUT_ABSOLUTE)
      fprintf(stderr, "  blackout absolute %lld..%lld\n", (long long)b->start,
              (long long)b->end);
    else if (b->kind == VG_BLACKOUT_MONTHLY)
      fprintf(stderr, "  blackout monthly %d..%d\n", b->from_day, b->to_day);
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_quiet();
  if (size < 8)
    return 0;
  struct reader r = {data, size};
  uint8_t head = (uint8_t)take(&r, 1);
  size_t zi = head % NZONES;
  int q = (head & 0x80) ? 15 : 60;
  const struct or_zone *oz = zone_table(zi);
  vg_wall_t span = (RANGE_TO - AFTER_S) - (RANGE_FROM + BEFORE_S);
  vg_wall_t center =
      RANGE_FROM + BEFORE_S + (vg_wall_t)(take(&r, 4) % (uint32_t)span);
  center = or_fdiv(center, q) * q;

  vg_policy *p = vg_policy_new();
  FZ_CHECK(p != NULL);
  vg_policy_set_zone(p, &oz->z);
  struct vg_reboot_cfg *rc = vg_policy_reboot_mut(p);
  static const int64_t mtl[] = {0, 60, 900, 900, 1800, 3600, 7200, 21600};
  uint8_t shape = (uint8_t)take(&r, 1);
  rc->splay_s = 0;
  rc->min_time_left_s = mtl[shape & 7];
  int nwin = 1 + (shape >> 3) % 4;
  int nblk = (shape >> 5) % 4;
  for (int i = 0; i < nwin; i++) {
    struct vg_window w;
    weekly(&r, &w.w, q);
    FZ_CHECK(vg_policy_add_window(p, &w) == VG_OK);
  }
  for (int i = 0; i < nblk; i++) {
    struct vg_blackout b;
    memset(&b, 0, sizeof(b));
    snprintf(b.name, sizeof(b.name), "b%d", i);
    uint8_t kind = (uint8_t)take(&r, 1);
    switch (kind % 3) {
    case 0:
      b.kind = VG_BLACKOUT_ABSOLUTE;
      b.start =
          center - 5 * OR_DAY + (vg_wall_t)(take(&r, 2) % (10 * 1440)) * 60;
      b.end = b.start + duration(&r, q);
      break;
    case 1:
      b.kind = VG_BLACKOUT_MONTHLY;
      b.from_day = month_day(&r);
      b.to_day = month_day(&r);
      if (b.from_day < 0 && b.to_day < 0 && b.from_day > b.to_day) {
        int t = b.from_day;
        b.from_day = b.to_day;
        b.to_day = t;
      }
      break;
    default:
      b.kind = VG_BLACKOUT_WEEKLY;
      weekly(&r, &b.w, q);
      break;
    }
    FZ_CHECK(vg_policy_add_blackout(p, &b) == VG_OK);
  }

  struct oracle o;
  oracle_init(&o, p, oz, or_fdiv(center - BEFORE_S, 60) * 60,
              or_fdiv(center + AFTER_S, 60) * 60, q);
  int ninst = 0;
  while (ninst < MAX_INSTANTS && (ninst == 0 || r.n >= 3)) {
    uint32_t v = take(&r, 3);
    vg_wall_t t = center - NEAR_S + (vg_wall_t)(v % (2 * NEAR_S + 1));
    if (v & 0x800000)
      t = or_fdiv(t, q) * q + ((v >> 20) & 1 ? -1 : 0);
    check_instant(&o, zones[zi].name, t);
    ninst++;
  }
  oracle_free(&o);
  vg_policy_free(p);
  return 0;
}
