/*
 * Property test of the planner against the brute-force model of oracle.h:
 * random policies (weekly, monthly and one-off windows; absolute, monthly,
 * weekly and nth-weekday blackouts) and instants in UTC, a fixed +05:30 offset
 * and the local zones America/New_York, Europe/Berlin, Australia/Lord_Howe and
 * Asia/Tokyo. Every answer of vg_plan_allowed_at, vg_plan_next_slot,
 * vg_plan_next_reboot (no splay) and vg_plan_reboot_allowed_at must agree
 * with the model. VG_ORACLE_CASES sets the number of cases (default
 * 100000), VG_ORACLE_SEED the random seed.
 *
 * The local zones come from the system's time zone database through TZ when
 * it answers as expected; otherwise (a Windows host, where TZ does not name
 * an Olson zone) from built-in rules for 2027-2028 given to the zone as its
 * offset function.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>

#include "oracle.h"
#include "tzrules.h"
#include "vssguard/platform.h"

/* The instants tested lie in [RANGE_FROM, RANGE_TO). */
#define RANGE_FROM 1819670400LL /* 2027-09-01T00:00:00Z */
#define RANGE_TO 1856995200LL   /* 2028-11-05T00:00:00Z */
/* Each policy is modelled over [center - BEFORE_S, center + AFTER_S). */
#define BEFORE_S (20 * OR_DAY)
#define AFTER_S (40 * OR_DAY)
/* Instants are drawn within NEAR_S of the center. */
#define NEAR_S (3 * OR_DAY)
#define INSTANTS_PER_POLICY 50
#define MAX_REPORTS 10

/* xoshiro-like state is overkill: splitmix64 is enough for test data. */
static uint64_t rng_state;

static uint64_t rnd(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static int64_t rnd_in(int64_t lo, int64_t hi) {
  return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

static bool chance(int percent) {
  return (int)(rnd() % 100) < percent;
}

struct zone_case {
  const char *name;
  enum vg_zone_kind kind;
  int32_t fixed;
  vg_offset_fn rules;
};

static const struct zone_case zones[] = {
    {"UTC", VG_ZONE_UTC, 0, NULL},
    {"+05:30", VG_ZONE_FIXED, 19800, NULL},
    {"America/New_York", VG_ZONE_LOCAL, 0, rules_new_york},
    {"Europe/Berlin", VG_ZONE_LOCAL, 0, rules_berlin},
    {"Australia/Lord_Howe", VG_ZONE_LOCAL, 0, rules_lord_howe},
    {"Asia/Tokyo", VG_ZONE_LOCAL, 0, rules_tokyo},
};

/* Sets up zone c; says where its rules come from. */
static void make_zone(const struct zone_case *c, struct vg_zone *z,
                      const char **source) {
  memset(z, 0, sizeof(*z));
  z->kind = c->kind;
  z->offset_s = c->fixed;
  *source = "fixed";
  if (c->kind == VG_ZONE_LOCAL)
    *source = tz_setup(c->name, c->rules, RANGE_FROM, RANGE_TO, z)
                  ? "system time zone database"
                  : "built-in rules";
}

static vg_wall_t rnd_aligned(vg_wall_t lo, vg_wall_t hi, int q) {
  return or_fdiv(rnd_in(lo, hi), q) * q;
}

static int64_t rnd_duration(int q) {
  int r = (int)(rnd() % 100);
  int64_t d;
  if (r < 45)
    d = rnd_in(1, 240) * 60;
  else if (r < 82)
    d = rnd_in(240, 1440) * 60;
  else if (r < 96)
    d = rnd_in(1440, 3 * 1440) * 60;
  else
    d = rnd_in(3 * 1440, 7 * 1440) * 60;
  if (q < 60 && chance(50))
    d += q * rnd_in(-(60 / q) + 1, 60 / q - 1);
  return d > 0 ? d : q;
}

static uint8_t rnd_days(void) {
  int r = (int)(rnd() % 4);
  if (r == 0)
    return VG_ALL_DAYS;
  if (r == 1)
    return (uint8_t)VG_DAY(rnd() % 7);
  uint8_t d = 0;
  while (d == 0)
    d = (uint8_t)(rnd() & VG_ALL_DAYS);
  return d;
}

static int32_t rnd_start(int q) {
  int32_t s;
  if (chance(45)) {
    /* The hours where clocks change, on the quarter hour. */
    int64_t hour = rnd_in(0, 3);
    s = (int32_t)(hour * 3600 + rnd_in(0, 3) * 900);
  } else {
    s = (int32_t)(rnd_in(0, 1439) * 60);
  }
  if (q < 60 && chance(60))
    s += (int32_t)(q * rnd_in(1, 60 / q - 1));
  return s;
}

/*
 * Local times around a change of the zone's offset: rules starting there
 * resolve through the gap or repeat rules.
 */
struct hot {
  bool on;
  int64_t day;    /* the local date of the change */
  int wday;       /* its weekday */
  int32_t lo, hi; /* the skipped or repeated local times, seconds of day */
};

static struct hot hot_for(const struct or_zone *oz, vg_wall_t change) {
  struct hot h = {false, 0, 0, 0, 0};
  int32_t before = or_offset(oz, change - 1), after = or_offset(oz, change);
  if (before == after)
    return h;
  int64_t a = change + (before < after ? before : after);
  int64_t b = change + (before < after ? after : before);
  int64_t day = or_fdiv(a, OR_DAY);
  h.on = true;
  h.day = day;
  h.wday = (int)(((day + 4) % 7 + 7) % 7);
  h.lo = (int32_t)(a - day * OR_DAY);
  h.hi = (int32_t)(b - day * OR_DAY);
  return h;
}

static void rnd_weekly(struct vg_weekly *w, int q, const struct hot *h) {
  w->days = rnd_days();
  w->start_s = rnd_start(q);
  w->duration_s = rnd_duration(q);
  if (h->on && h->hi < OR_DAY && chance(40)) {
    /* Starting in the skipped or repeated hour, or next to it. */
    int64_t s = rnd_in(h->lo - 1800, h->hi + 1800);
    s = or_fdiv(s, q) * q;
    if (s >= 0 && s < OR_DAY) {
      w->start_s = (int32_t)s;
      w->days |= (uint8_t)VG_DAY(h->wday);
    }
  }
}

static int rnd_month_day(void) {
  return chance(60) ? (int)rnd_in(1, 31) : -(int)rnd_in(1, 10);
}

/* Day bits moved forward by n days (0..6), wrapping around the week. */
static uint8_t rotate_days(uint8_t days, int64_t n) {
  n = ((n % 7) + 7) % 7;
  return (uint8_t)(((days << n) | (days >> (7 - n))) & VG_ALL_DAYS);
}

/* A rule that starts when w ends (after) or ends when w starts. */
static void rnd_adjacent(const struct vg_weekly *w, struct vg_weekly *out,
                         bool after, int q) {
  out->duration_s = rnd_duration(q);
  int64_t at =
      after ? w->start_s + w->duration_s : w->start_s - out->duration_s;
  int64_t day = or_fdiv(at, OR_DAY);
  out->start_s = (int32_t)(at - day * OR_DAY);
  out->days = rotate_days(w->days, day);
}

/* The instant at which window w would start on the local date of t + k days
 * (input data only; the expected answers come from the oracle). */
static vg_wall_t window_start_near(const struct vg_zone *z,
                                   const struct vg_weekly *w, vg_wall_t t,
                                   int k) {
  struct vg_civil c;
  vg_wall_t out = t;
  if (vg_zone_to_civil(z, t + k * OR_DAY, &c) == VG_OK) {
    c.hour = w->start_s / 3600;
    c.min = w->start_s / 60 % 60;
    c.sec = w->start_s % 60;
    if (vg_zone_from_civil(z, &c, &out) != VG_OK)
      out = t;
  }
  return out;
}

/*
 * A monthly rule whose date falls near local date near_day, often on the
 * day the zone's offset changes with a start in the skipped or repeated
 * hour. It is built from such a date (its weekday and count in the month,
 * less a random offset), sometimes made up at random, including 5th and
 * 5th-last weekdays that some months lack and days past a month's end.
 */
static void rnd_monthly(struct vg_monthly *m, int q, int64_t near_day,
                        bool blackout, const struct hot *h) {
  memset(m, 0, sizeof(*m));
  int64_t day = near_day + rnd_in(-6, 6);
  m->start_s = rnd_start(q);
  m->duration_s = rnd_duration(q);
  if (h->on && h->hi < OR_DAY && chance(40)) {
    int64_t s = or_fdiv(rnd_in(h->lo - 1800, h->hi + 1800), q) * q;
    if (s >= 0 && s < OR_DAY) {
      m->start_s = (int32_t)s;
      day = h->day;
    }
  }
  if (blackout || chance(70)) {
    m->offset_days = chance(50) ? 0 : (int)rnd_in(-7, 7);
    int64_t base = day - m->offset_days;
    int y, mo, d;
    or_ymd(base, &y, &mo, &d);
    m->weekday = (int)(((base + 4) % 7 + 7) % 7);
    m->nth = chance(50) ? (d - 1) / 7 + 1 : -((or_dim(y, mo) - d) / 7 + 1);
    if (chance(15)) {
      m->nth = (int)rnd_in(1, 5) * (chance(50) ? 1 : -1);
      m->weekday = (int)rnd_in(0, 6);
    }
  } else {
    int y, mo, d;
    or_ymd(day, &y, &mo, &d);
    m->day = chance(50) ? d : d - or_dim(y, mo) - 1;
    if (chance(20))
      m->day = (int)rnd_in(28, 31) * (chance(50) ? 1 : -1);
  }
  if (blackout) {
    if (chance(40))
      m->duration_s = 0; /* the whole local day */
    else if (m->duration_s > OR_DAY)
      m->duration_s = m->duration_s / 4 / q * q;
  }
}

/* A one-off window near center, often starting or ending where a weekly
 * window near it does. */
static void rnd_once(const struct vg_zone *z, vg_wall_t center, int q,
                     const struct vg_weekly *near, struct vg_window *w) {
  w->kind = VG_WINDOW_ONCE;
  w->start = rnd_aligned(center - 5 * OR_DAY, center + 5 * OR_DAY, q);
  int64_t len = rnd_duration(q);
  if (near != NULL && chance(40)) {
    vg_wall_t edge = window_start_near(z, near, center, (int)rnd_in(-4, 4));
    if (chance(50))
      edge += near->duration_s;
    w->start = chance(50) ? edge : edge - len;
  }
  w->end = w->start + len;
}

/*
 * A random policy around center; every boundary is a multiple of q. Rules
 * often touch each other (a window starting where another ends, a blackout
 * ending where a window starts, min_time_left equal to a window's length),
 * where merging and off-by-one mistakes hide.
 */
static vg_policy *rnd_policy(const struct vg_zone *z, vg_wall_t center, int q,
                             const struct hot *h) {
  vg_policy *p = vg_policy_new();
  assert_non_null(p);
  vg_policy_set_zone(p, z);
  struct vg_reboot_cfg *rc = vg_policy_reboot_mut(p);
  static const int64_t mtl[] = {0, 60, 900, 900, 1800, 3600, 7200, 21600};
  rc->splay_s = 0;
  rc->min_time_left_s = mtl[rnd() % 8];
  int nwin = (int)rnd_in(1, 4), nweekly = 0;
  struct vg_weekly wins[5];
  int64_t lens[4];
  int64_t center_day = or_fdiv(center, OR_DAY);
  for (int i = 0; i < nwin; i++) {
    struct vg_window w;
    memset(&w, 0, sizeof(w));
    int kind = (int)(rnd() % 100);
    if (kind < 25) {
      w.kind = VG_WINDOW_MONTHLY;
      rnd_monthly(&w.m, q, center_day, false, h);
      lens[i] = w.m.duration_s;
    } else if (kind < 37) {
      rnd_once(z, center, q, nweekly ? &wins[rnd() % (uint64_t)nweekly] : NULL,
               &w);
      lens[i] = w.end - w.start;
    } else {
      if (nweekly > 0 && chance(35)) {
        const struct vg_weekly *to = &wins[rnd() % (uint64_t)nweekly];
        bool after = chance(70);
        rnd_adjacent(to, &w.w, after, q);
      } else
        rnd_weekly(&w.w, q, h);
      wins[nweekly++] = w.w;
      lens[i] = w.w.duration_s;
    }
    assert_int_equal(vg_policy_add_window(p, &w), 0);
  }
  if (nweekly == 0)
    rnd_weekly(&wins[nweekly++], q, h); /* blackouts are drawn near it */
  if (chance(15))
    rc->min_time_left_s = lens[rnd() % (uint64_t)nwin];
  int nblk = (int)rnd_in(0, 3);
  for (int i = 0; i < nblk; i++) {
    struct vg_blackout b;
    memset(&b, 0, sizeof(b));
    snprintf(b.name, sizeof(b.name), "b%d", i);
    const struct vg_weekly *near = &wins[rnd() % (uint64_t)nweekly];
    int kind = (int)(rnd() % 4);
    if (kind == 0) {
      b.kind = VG_BLACKOUT_ABSOLUTE;
      b.start = rnd_aligned(center - 5 * OR_DAY, center + 5 * OR_DAY, q);
      b.end = b.start + rnd_duration(q);
      if (chance(50)) {
        vg_wall_t edge = window_start_near(z, near, center, (int)rnd_in(-4, 4));
        if (chance(50))
          edge += near->duration_s;
        int64_t len = b.end - b.start;
        b.start = chance(50) ? edge : edge - len;
        b.end = b.start + len;
      }
    } else if (kind == 1) {
      b.kind = VG_BLACKOUT_MONTHLY;
      b.from_day = rnd_month_day();
      b.to_day = rnd_month_day();
    } else if (kind == 3) {
      b.kind = VG_BLACKOUT_NTH;
      rnd_monthly(&b.m, q, center_day, true, h);
    } else {
      b.kind = VG_BLACKOUT_WEEKLY;
      if (chance(40)) {
        bool after = chance(50);
        rnd_adjacent(near, &b.w, after, q);
      } else
        rnd_weekly(&b.w, q, h);
      if (b.w.duration_s > OR_DAY)
        b.w.duration_s = b.w.duration_s / 4 / q * q;
    }
    assert_int_equal(vg_policy_add_blackout(p, &b), 0);
  }
  return p;
}

static void dump_policy(const vg_policy *p) {
  const struct vg_reboot_cfg *rc = vg_policy_reboot(p);
  fprintf(stderr, "  min_time_left %lld\n", (long long)rc->min_time_left_s);
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

struct tally {
  long cases;        /* instants where every answer was compared */
  long inconclusive; /* instants whose answer lies outside the model */
  long disagreements;
};

static void report(struct tally *t, const char *zone, const vg_policy *p,
                   vg_wall_t at, const char *what, vg_wall_t got_a,
                   vg_wall_t got_b, vg_wall_t want_a, vg_wall_t want_b) {
  t->disagreements++;
  if (t->disagreements > MAX_REPORTS)
    return;
  char s[40];
  vg_time_format(at, NULL, s, sizeof(s));
  fprintf(stderr,
          "disagreement in %s at %s (%lld): %s: planner %lld..%lld, "
          "oracle %lld..%lld\n",
          zone, s, (long long)at, what, (long long)got_a, (long long)got_b,
          (long long)want_a, (long long)want_b);
  dump_policy(p);
}

/* An instant near the center: anywhere, at a slot edge, or near a change of
 * the zone's offset. */
static vg_wall_t rnd_instant(const struct oracle *o, vg_wall_t center,
                             const vg_wall_t *trans, size_t ntrans) {
  vg_wall_t lo = center - NEAR_S, hi = center + NEAR_S;
  int r = (int)(rnd() % 100);
  if (r < 40 || (r >= 75 && ntrans == 0))
    return rnd_in(lo, hi);
  if (r < 75) {
    size_t k = (size_t)((rnd_in(lo, hi) - o->t0) / o->q);
    while (k + 1 < o->nq && or_step(o, k) == or_step(o, k + 1) &&
           o->t0 + (vg_wall_t)k * o->q < hi)
      k++;
    static const int nudge[] = {-61, -1, 0, 1, 59, 60};
    return o->t0 + (vg_wall_t)(k + 1) * o->q + nudge[rnd() % 6];
  }
  vg_wall_t t = trans[rnd() % ntrans];
  t += rnd_in(-4 * 3600, 4 * 3600);
  return t < lo ? lo : t > hi ? hi : t;
}

/* Checks every planner answer at t. */
static void check_instant(const struct oracle *o, const char *zone, vg_wall_t t,
                          struct tally *ty) {
  const vg_policy *p = o->p;
  bool want = or_allowed(o, t);
  if (vg_plan_allowed_at(p, t) != want)
    report(ty, zone, p, t, "allowed_at", !want, 0, want, 0);

  struct vg_slot ws, gs;
  if (!oracle_next_slot(o, t, &ws)) {
    ty->inconclusive++;
    return;
  }
  int rc = vg_plan_next_slot(p, t, &gs);
  if (rc != 0 || gs.start != ws.start || gs.end != ws.end)
    report(ty, zone, p, t, "next_slot", rc ? rc : gs.start, rc ? 0 : gs.end,
           ws.start, ws.end);

  struct vg_slot wslot;
  vg_wall_t wat;
  int64_t mtl = vg_policy_reboot(p)->min_time_left_s;
  if (!oracle_next_reboot(o, t, mtl, &wslot, &wat)) {
    ty->inconclusive++;
    return;
  }
  struct vg_plan plan;
  rc = vg_plan_next_reboot(p, t, rnd(), &plan);
  if (rc != 0 || plan.at != wat || plan.slot.start != wslot.start ||
      plan.slot.end != wslot.end || plan.usable_end != wslot.end - mtl)
    report(ty, zone, p, t, "next_reboot at/slot end", rc ? rc : plan.at,
           rc ? 0 : plan.slot.end, wat, wslot.end);
  if (vg_plan_reboot_allowed_at(p, t) != (wat == t))
    report(ty, zone, p, t, "reboot_allowed_at", wat != t, 0, wat == t, 0);
  ty->cases++;
}

/* Runs about `cases` cases in zone c. */
static void run_zone(const struct zone_case *c, long cases, struct tally *all) {
  struct vg_zone z;
  const char *source;
  make_zone(c, &z, &source);
  struct or_zone oz;
  assert_int_equal(or_zone_init(&oz, &z, RANGE_FROM - BEFORE_S - 12 * OR_DAY,
                                RANGE_TO + AFTER_S + 4 * OR_DAY),
                   0);
  /* The zone's offset changes, to draw instants near them. */
  vg_wall_t trans[16];
  size_t ntrans = 0;
  for (size_t i = 1; i < oz.nmin && ntrans < 16; i++)
    if (oz.off != NULL && oz.off[i] != oz.off[i - 1] &&
        oz.base + (vg_wall_t)i * 60 > RANGE_FROM + BEFORE_S &&
        oz.base + (vg_wall_t)i * 60 < RANGE_TO - AFTER_S)
      trans[ntrans++] = oz.base + (vg_wall_t)i * 60;

  struct tally ty = {0, 0, 0};
  clock_t t0 = clock();
  long policies = 0;
  while (ty.cases < cases) {
    vg_wall_t center;
    struct hot h = {false, 0, 0, 0, 0};
    if (ntrans > 0 && chance(60)) {
      vg_wall_t change = trans[rnd() % ntrans];
      h = hot_for(&oz, change);
      center = change + rnd_in(-2 * OR_DAY, 2 * OR_DAY);
    } else {
      center = rnd_in(RANGE_FROM + BEFORE_S, RANGE_TO - AFTER_S);
    }
    int q = chance(15) ? 15 : 60;
    vg_policy *p = rnd_policy(&z, center, q, &h);
    struct oracle o;
    oracle_init(&o, p, &oz, or_fdiv(center - BEFORE_S, 60) * 60,
                or_fdiv(center + AFTER_S, 60) * 60, q);
    for (int i = 0; i < INSTANTS_PER_POLICY && ty.cases < cases; i++)
      check_instant(&o, c->name, rnd_instant(&o, center, trans, ntrans), &ty);
    oracle_free(&o);
    vg_policy_free(p);
    policies++;
  }
  double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
  printf("zone %s (%s): %ld cases, %ld policies, %ld inconclusive, %ld "
         "disagreements, %.1f s\n",
         c->name, source, ty.cases, policies, ty.inconclusive, ty.disagreements,
         secs);
  or_zone_free(&oz);
  all->cases += ty.cases;
  all->inconclusive += ty.inconclusive;
  all->disagreements += ty.disagreements;
}

static void test_planner_matches_oracle(void **state) {
  (void)state;
  long total = 100000;
  const char *env = getenv("VG_ORACLE_CASES");
  if (env != NULL && atol(env) > 0)
    total = atol(env);
  rng_state = 20261129;
  env = getenv("VG_ORACLE_SEED");
  if (env != NULL)
    rng_state = strtoull(env, NULL, 10);
  printf("oracle: seed %llu\n", (unsigned long long)rng_state);

  size_t nz = sizeof(zones) / sizeof(zones[0]);
  struct tally all = {0, 0, 0};
  clock_t t0 = clock();
  for (size_t i = 0; i < nz; i++) {
    long share = total / (long)nz + ((long)i < total % (long)nz ? 1 : 0);
    run_zone(&zones[i], share, &all);
  }
  printf("oracle: %ld cases, %ld disagreements (%ld inconclusive instants "
         "skipped), %.1f s\n",
         all.cases, all.disagreements, all.inconclusive,
         (double)(clock() - t0) / CLOCKS_PER_SEC);
  assert_true(all.cases >= total);
  assert_int_equal(all.disagreements, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_planner_matches_oracle),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
