/*
 * A brute-force model of the planner, independent of its code, for the
 * property test and the planner fuzz target.
 *
 * An instant is allowed when some window occurrence holds it and no blackout
 * holds it, decided by direct membership: for each rule and each local date
 * from the instant's date back eight days, resolve that date's start and test
 * start <= t < end. A monthly rule is on a date when that date less its
 * offset is the nth weekday counted within its month (or the day asked
 * for). One-off windows and absolute blackouts are tested as they are;
 * monthly day-range blackouts on the instant's local date. Local times resolve
 * with the zone.h rules by a linear search, using only the zone's offset at an
 * instant. Slots come from a scan of the time line in steps of a quantum q (60
 * s, or a divisor of it when rules start at odd seconds): every boundary of the
 * policy is a multiple of q, so the state is constant within each step.
 *
 * Only static inline functions: include it where it is needed.
 */
#ifndef VG_TEST_ORACLE_H
#define VG_TEST_ORACLE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vssguard/planner.h"
#include "vssguard/policy.h"
#include "vssguard/zone.h"

#define OR_DAY 86400LL
#define OR_NONE INT64_MIN
/* How many local dates back an occurrence may still hold an instant. */
#define OR_LOOKBACK_DAYS 8
/* A step of the scan not evaluated yet. */
#define OR_UNKNOWN 2

static inline int64_t or_fdiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0)))
    q--;
  return q;
}

static inline bool or_leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static inline int or_dim(int y, int m) {
  static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && or_leap(y) ? 29 : d[m - 1];
}

/* Days since 1970-01-01, counted year by year (years 1970..9999). */
static inline int64_t or_days(int y, int m, int d) {
  int64_t n = 0;
  for (int yy = 1970; yy < y; yy++)
    n += or_leap(yy) ? 366 : 365;
  for (int mm = 1; mm < m; mm++)
    n += or_dim(y, mm);
  return n + d - 1;
}

static inline void or_ymd(int64_t days, int *y, int *m, int *d) {
  int yy = 1970;
  while (days >= (or_leap(yy) ? 366 : 365))
    days -= or_leap(yy++) ? 366 : 365;
  int mm = 1;
  while (days >= or_dim(yy, mm))
    days -= or_dim(yy, mm++);
  *y = yy;
  *m = mm;
  *d = (int)days + 1;
}

/*
 * A zone's offsets, read once per minute over [base, base + 60 * nmin) for
 * a local zone; the offset only changes on whole minutes (checked).
 */
struct or_zone {
  struct vg_zone z;
  vg_wall_t base;
  size_t nmin;
  int32_t *off;
};

static inline int32_t or_offset_slow(const struct or_zone *oz, vg_wall_t t) {
  int32_t o = 0;
  if (vg_zone_offset(&oz->z, t, &o) != VG_OK)
    abort();
  return o;
}

static inline int32_t or_offset(const struct or_zone *oz, vg_wall_t t) {
  if (oz->z.kind == VG_ZONE_UTC)
    return 0;
  if (oz->z.kind == VG_ZONE_FIXED)
    return oz->z.offset_s;
  int64_t i = or_fdiv(t - oz->base, 60);
  if (oz->off != NULL && i >= 0 && (size_t)i < oz->nmin)
    return oz->off[i];
  return or_offset_slow(oz, t);
}

/* Returns 0, or -1 when an offset changes inside a minute. */
static inline int or_zone_init(struct or_zone *oz, const struct vg_zone *z,
                               vg_wall_t from, vg_wall_t to) {
  memset(oz, 0, sizeof(*oz));
  oz->z = *z;
  if (z->kind != VG_ZONE_LOCAL)
    return 0;
  oz->base = or_fdiv(from, 60) * 60;
  oz->nmin = (size_t)((to - oz->base) / 60 + 1);
  oz->off = malloc(oz->nmin * sizeof(*oz->off));
  if (oz->off == NULL)
    abort();
  for (size_t i = 0; i < oz->nmin; i++) {
    vg_wall_t t = oz->base + (vg_wall_t)i * 60;
    oz->off[i] = or_offset_slow(oz, t);
    if (i > 0 && oz->off[i] != oz->off[i - 1] &&
        (or_offset_slow(oz, t - 1) != oz->off[i - 1] ||
         or_offset_slow(oz, t + 59) != oz->off[i]))
      return -1;
  }
  return 0;
}

static inline void or_zone_free(struct or_zone *oz) {
  free(oz->off);
  oz->off = NULL;
}

/*
 * The instant of local time L (seconds since 1970 read as UTC): the earliest
 * instant whose local time is L; when there is none (a gap), the first
 * instant whose local time is past L, that is the end of the gap.
 */
static inline vg_wall_t or_resolve(const struct or_zone *oz, int64_t L) {
  int32_t oa = or_offset(oz, L - OR_DAY), ob = or_offset(oz, L + OR_DAY);
  vg_wall_t best = OR_NONE;
  if (or_offset(oz, L - oa) == oa)
    best = L - oa;
  if (or_offset(oz, L - ob) == ob && (best == OR_NONE || L - ob < best))
    best = L - ob;
  if (best != OR_NONE)
    return best;
  int32_t lo = oa < ob ? oa : ob, hi = oa < ob ? ob : oa;
  for (vg_wall_t t = L - hi; t <= L - lo; t++)
    if (t + or_offset(oz, t) >= L)
      return t;
  return L - lo;
}

/* The model of one policy over the time line [t0, t1). */
struct oracle {
  const vg_policy *p;
  const struct or_zone *oz;
  vg_wall_t t0, t1;
  int q;             /* quantum of the scan, seconds, divides 60 */
  int64_t d0, nd;    /* local dates d0 .. d0 + nd - 1 */
  size_t nrules;     /* weekly and monthly windows, then such blackouts */
  vg_wall_t *starts; /* [rule][date]: start of that date's occurrence */
  vg_wall_t *ends;   /* [rule][date]: its end */
  size_t nwin;       /* rules that are windows */
  int *ymd;          /* [date]: year, month, day */
  uint8_t *allowed;  /* [(t - t0) / q]: 0, 1, or OR_UNKNOWN until asked */
  size_t nq;
  size_t *run_lo; /* [step]: first step of its run, once known */
  size_t *run_hi; /* [step]: the step after its run, once known */
};

static inline int64_t or_local_date(const struct oracle *o, vg_wall_t t) {
  return or_fdiv(t + or_offset(o->oz, t), OR_DAY);
}

/*
 * Whether weekly rule r has an occurrence holding t; di is the index of t's
 * local date.
 */
static inline bool or_rule_holds(const struct oracle *o, size_t r, int64_t di,
                                 vg_wall_t t) {
  if (di < OR_LOOKBACK_DAYS || di >= o->nd)
    abort(); /* the model's date range is too small */
  const vg_wall_t *starts = o->starts + r * (size_t)o->nd;
  const vg_wall_t *ends = o->ends + r * (size_t)o->nd;
  for (int64_t i = di; i >= di - OR_LOOKBACK_DAYS; i--) {
    vg_wall_t s = starts[i];
    if (s != OR_NONE && s <= t && t < ends[i])
      return true;
  }
  return false;
}

/* A monthly day number in a month of dim days, clamped to the month. */
static inline int or_mday(int day, int dim) {
  int d = day > 0 ? day : dim + day + 1;
  return d < 1 ? 1 : d > dim ? dim : d;
}

/*
 * Whether monthly rule r falls on local date `day`: the date less the
 * offset is, in its own month, the day asked for, or a weekday whose count
 * from the month's start (nth > 0) or end (nth < 0) is nth.
 */
static inline bool or_monthly_on(const struct vg_monthly *r, int64_t day) {
  int y, m, d;
  int64_t base = day - r->offset_days;
  or_ymd(base, &y, &m, &d);
  int dim = or_dim(y, m);
  if (r->nth == 0)
    return d == or_mday(r->day, dim);
  if ((int)(((base + 4) % 7 + 7) % 7) != r->weekday)
    return false;
  return r->nth > 0 ? (d - 1) / 7 + 1 == r->nth : (dim - d) / 7 + 1 == -r->nth;
}

/* Whether local date (y, m, d) is one of a monthly blackout's days. */
static inline bool or_monthly_holds(const struct vg_blackout *b, int y, int m,
                                    int d) {
  int dim = or_dim(y, m);
  int from = or_mday(b->from_day, dim), to = or_mday(b->to_day, dim);
  if (from <= to ? (d >= from && d <= to) : d >= from)
    return true;
  int py = m == 1 ? y - 1 : y, pm = m == 1 ? 12 : m - 1, pdim = or_dim(py, pm);
  /* The previous month's range may wrap into this one. */
  return or_mday(b->from_day, pdim) > or_mday(b->to_day, pdim) &&
         d <= or_mday(b->to_day, dim);
}

/* The definition: inside some window occurrence, outside every blackout. */
static inline bool or_allowed(const struct oracle *o, vg_wall_t t) {
  bool in = false;
  int64_t di = or_local_date(o, t) - o->d0;
  for (size_t r = 0; r < o->nwin && !in; r++)
    in = or_rule_holds(o, r, di, t);
  for (size_t i = 0; i < vg_policy_window_count(o->p) && !in; i++) {
    const struct vg_window *w = vg_policy_window(o->p, i);
    in = w->kind == VG_WINDOW_ONCE && w->start <= t && t < w->end;
  }
  if (!in)
    return false;
  size_t wr = o->nwin;
  int y = 0, m = 0, d = 0;
  bool have_ymd = false;
  for (size_t i = 0; i < vg_policy_blackout_count(o->p); i++) {
    const struct vg_blackout *b = vg_policy_blackout(o->p, i);
    switch (b->kind) {
    case VG_BLACKOUT_ABSOLUTE:
      if (b->start <= t && t < b->end)
        return false;
      break;
    case VG_BLACKOUT_MONTHLY:
      if (!have_ymd) {
        y = o->ymd[3 * di];
        m = o->ymd[3 * di + 1];
        d = o->ymd[3 * di + 2];
        have_ymd = true;
      }
      if (or_monthly_holds(b, y, m, d))
        return false;
      break;
    case VG_BLACKOUT_WEEKLY:
    case VG_BLACKOUT_NTH:
      if (or_rule_holds(o, wr, di, t))
        return false;
      wr++;
      break;
    }
  }
  return true;
}

/*
 * Builds the model of p over [t0, t1) with quantum q. The zone table must
 * cover [t0 - 9 days, t1 + 2 days].
 */
static inline void oracle_init(struct oracle *o, const vg_policy *p,
                               const struct or_zone *oz, vg_wall_t t0,
                               vg_wall_t t1, int q) {
  memset(o, 0, sizeof(*o));
  o->p = p;
  o->oz = oz;
  o->t0 = t0;
  o->t1 = t1;
  o->q = q;
  o->d0 = or_fdiv(t0, OR_DAY) - OR_LOOKBACK_DAYS - 2;
  o->nd = or_fdiv(t1, OR_DAY) + 2 - o->d0 + 1;
  o->ymd = malloc((size_t)o->nd * 3 * sizeof(*o->ymd));
  if (o->ymd == NULL)
    abort();
  for (int64_t k = 0; k < o->nd; k++)
    or_ymd(o->d0 + k, &o->ymd[3 * k], &o->ymd[3 * k + 1], &o->ymd[3 * k + 2]);
  o->nwin = 0;
  for (size_t i = 0; i < vg_policy_window_count(p); i++)
    if (vg_policy_window(p, i)->kind != VG_WINDOW_ONCE)
      o->nwin++;
  o->nrules = o->nwin;
  for (size_t i = 0; i < vg_policy_blackout_count(p); i++)
    if (vg_policy_blackout(p, i)->kind == VG_BLACKOUT_WEEKLY ||
        vg_policy_blackout(p, i)->kind == VG_BLACKOUT_NTH)
      o->nrules++;
  size_t cells = (o->nrules ? o->nrules : 1) * (size_t)o->nd;
  o->starts = malloc(cells * sizeof(*o->starts));
  o->ends = malloc(cells * sizeof(*o->ends));
  if (o->starts == NULL || o->ends == NULL)
    abort();
  size_t r = 0, nw = vg_policy_window_count(p);
  for (size_t i = 0; i < nw + vg_policy_blackout_count(p); i++) {
    const struct vg_weekly *w = NULL;
    const struct vg_monthly *m = NULL;
    if (i < nw) {
      const struct vg_window *win = vg_policy_window(p, i);
      if (win->kind == VG_WINDOW_ONCE)
        continue;
      if (win->kind == VG_WINDOW_WEEKLY)
        w = &win->w;
      else
        m = &win->m;
    } else {
      const struct vg_blackout *b = vg_policy_blackout(p, i - nw);
      if (b->kind == VG_BLACKOUT_WEEKLY)
        w = &b->w;
      else if (b->kind == VG_BLACKOUT_NTH)
        m = &b->m;
      else
        continue;
    }
    for (int64_t k = 0; k < o->nd; k++) {
      int64_t day = o->d0 + k;
      int wday = (int)(((day + 4) % 7 + 7) % 7);
      vg_wall_t s = OR_NONE, e = OR_NONE;
      if (w != NULL && (w->days & (1u << wday))) {
        s = or_resolve(oz, day * OR_DAY + w->start_s);
        e = s + w->duration_s;
      } else if (m != NULL && or_monthly_on(m, day)) {
        s = or_resolve(oz, day * OR_DAY + m->start_s);
        /* A duration of 0: the whole local day, to the next midnight. */
        e = m->duration_s > 0 ? s + m->duration_s
                              : or_resolve(oz, (day + 1) * OR_DAY);
      }
      o->starts[r * (size_t)o->nd + (size_t)k] = s;
      o->ends[r * (size_t)o->nd + (size_t)k] = e;
    }
    r++;
  }
  o->nq = (size_t)((t1 - t0) / q);
  o->allowed = malloc(o->nq ? o->nq : 1);
  if (o->allowed == NULL)
    abort();
  memset(o->allowed, OR_UNKNOWN, o->nq);
  o->run_lo = malloc((o->nq ? o->nq : 1) * sizeof(size_t));
  o->run_hi = malloc((o->nq ? o->nq : 1) * sizeof(size_t));
  if (o->run_lo == NULL || o->run_hi == NULL)
    abort();
  for (size_t k = 0; k < o->nq; k++)
    o->run_hi[k] = 0; /* 0: not known yet (a run never ends at 0) */
}

/* Whether step k of the scan is allowed, evaluated on first use. */
static inline bool or_step(const struct oracle *o, size_t k) {
  if (o->allowed[k] == OR_UNKNOWN)
    o->allowed[k] = or_allowed(o, o->t0 + (vg_wall_t)k * o->q);
  return o->allowed[k];
}

/*
 * The run of equal steps holding step k, [*lo, *hi): found by walking the
 * steps one by one, then remembered for every step of it.
 */
static inline void or_run(const struct oracle *o, size_t k, size_t *lo,
                          size_t *hi) {
  if (o->run_hi[k] == 0) {
    bool v = or_step(o, k);
    size_t a = k, b = k + 1;
    while (a > 0 && or_step(o, a - 1) == v)
      a--;
    while (b < o->nq && or_step(o, b) == v)
      b++;
    for (size_t i = a; i < b; i++) {
      o->run_lo[i] = a;
      o->run_hi[i] = b;
    }
  }
  *lo = o->run_lo[k];
  *hi = o->run_hi[k];
}

static inline void oracle_free(struct oracle *o) {
  free(o->starts);
  free(o->ends);
  free(o->allowed);
  free(o->ymd);
  free(o->run_lo);
  free(o->run_hi);
  memset(o, 0, sizeof(*o));
}

/*
 * The slot holding from or the first after it, from the scan. Returns 1, or
 * 0 when the answer is not inside the model's time line (inconclusive).
 */
static inline int oracle_next_slot(const struct oracle *o, vg_wall_t from,
                                   struct vg_slot *out) {
  if (from < o->t0 || from >= o->t1)
    return 0;
  size_t k = (size_t)((from - o->t0) / o->q), s, e;
  or_run(o, k, &s, &e);
  if (!or_step(o, k)) {
    if (e == o->nq)
      return 0;
    or_run(o, e, &s, &e);
  }
  if (s == 0 || e == o->nq)
    return 0;
  out->start = o->t0 + (vg_wall_t)s * o->q;
  out->end = o->t0 + (vg_wall_t)e * o->q;
  return 1;
}

/*
 * The first slot whose part from max(start, from) to end - min_time_left is
 * not empty, and the reboot moment without splay. 1, or 0 (inconclusive).
 */
static inline int oracle_next_reboot(const struct oracle *o, vg_wall_t from,
                                     int64_t min_time_left,
                                     struct vg_slot *slot, vg_wall_t *at) {
  vg_wall_t cur = from;
  for (;;) {
    if (!oracle_next_slot(o, cur, slot))
      return 0;
    vg_wall_t us = slot->start > from ? slot->start : from;
    if (slot->end - min_time_left > us) {
      *at = us;
      return 1;
    }
    cur = slot->end;
  }
}

#endif
