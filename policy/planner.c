/*
 * The planner: turns a policy's weekly maintenance windows and its blackouts
 * into allowed slots, picks the next reboot moment and projects when the
 * threshold and the hard limit will be reached. Pure: no I/O, no clock.
 *
 * Everything is interval arithmetic on instants. The time line is cut into
 * chunks of CHUNK_S; for a chunk the planner expands the window occurrences
 * and blackouts that meet it (policy/calendar.c), merges the windows, takes
 * away the blackouts and gets the allowed intervals clipped to the chunk. An
 * interval that touches the end of its chunk is continued into the next one,
 * so a slot is always maximal whatever the chunk borders.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "policy_int.h"
#include "vssguard/planner.h"

/*
 * Chunks of the time line: a walk starts with a short one (most slots are
 * found within a day or two) and doubles it up to the longest.
 */
#define CHUNK_FIRST_S (2 * VG_DAY_S)
#define CHUNK_S (14 * VG_DAY_S)

/*
 * Instants the planner accepts: the years 1900 to 8999, far from overflow
 * and within what every platform's calendar functions handle.
 */
#define T_MIN (-2208988800LL)
#define T_MAX (221845392000LL)

static bool in_range(vg_wall_t t) {
  return t >= T_MIN && t <= T_MAX;
}

/* How far back the observed cadence looks. */
#define CADENCE_WINDOW_S (28 * VG_DAY_S)

/* Per-call work space: window, blackout and allowed intervals. */
struct work {
  struct vg_ivbuf win;
  struct vg_ivbuf blk;
  struct vg_ivbuf allowed;
};

static void work_free(struct work *w) {
  vg_ivbuf_free(&w->win);
  vg_ivbuf_free(&w->blk);
  vg_ivbuf_free(&w->allowed);
}

/*
 * Sorted, merged, clipped intervals: merges every interval that overlaps or
 * touches the previous one, so the result is disjoint and non-adjacent.
 */
static void merge(struct vg_ivbuf *b) {
  size_t n = 0;
  vg_ivbuf_sort(b);
  for (size_t i = 0; i < b->n; i++) {
    if (n > 0 && b->v[i].start <= b->v[n - 1].end) {
      if (b->v[i].end > b->v[n - 1].end)
        b->v[n - 1].end = b->v[i].end;
      continue;
    }
    b->v[n++] = b->v[i];
  }
  b->n = n;
}

/* Clips every interval of b to [a, e) and drops the empty ones. */
static void clip(struct vg_ivbuf *b, vg_wall_t a, vg_wall_t e) {
  size_t n = 0;
  for (size_t i = 0; i < b->n; i++) {
    struct vg_ivl v = b->v[i];
    if (v.start < a)
      v.start = a;
    if (v.end > e)
      v.end = e;
    if (v.start < v.end)
      b->v[n++] = v;
  }
  b->n = n;
}

/*
 * Fills w->allowed with the allowed intervals inside [a, e), clipped to it:
 * the merged window occurrences minus the merged blackouts. Returns 0 or a
 * negative error.
 */
static int allowed_in(const vg_policy *p, vg_wall_t a, vg_wall_t e,
                      struct work *w) {
  int rc;
  w->win.n = w->blk.n = w->allowed.n = 0;
  if ((rc = vg_cal_windows(p, a, e, &w->win)) != VG_OK ||
      (rc = vg_cal_blackouts(p, a, e, &w->blk)) != VG_OK)
    return rc;
  clip(&w->win, a, e);
  clip(&w->blk, a, e);
  merge(&w->win);
  merge(&w->blk);

  const struct vg_ivbuf *W = &w->win, *B = &w->blk;
  size_t j = 0;
  for (size_t i = 0; i < W->n; i++) {
    vg_wall_t s = W->v[i].start, end = W->v[i].end;
    while (j < B->n && B->v[j].end <= s)
      j++;
    for (size_t k = j; s < end; k++) {
      if (k >= B->n || B->v[k].start >= end) {
        if ((rc = vg_ivbuf_push(&w->allowed, s, end, -1)) != VG_OK)
          return rc;
        break;
      }
      if (B->v[k].start > s &&
          (rc = vg_ivbuf_push(&w->allowed, s, B->v[k].start, -1)) != VG_OK)
        return rc;
      if (B->v[k].end > s)
        s = B->v[k].end;
    }
  }
  return VG_OK;
}

/* Walks the allowed slots in order, one chunk of the time line at a time. */
struct slot_iter {
  const vg_policy *p;
  struct work w;
  vg_wall_t a, b; /* the chunk in w.allowed */
  vg_wall_t hi;   /* nothing at or after hi is looked at */
  vg_wall_t len;  /* length of the next chunk */
  size_t idx;     /* the next interval of w.allowed */
};

static int iter_load(struct slot_iter *it, vg_wall_t a) {
  it->a = a;
  it->b = it->hi - a > it->len ? a + it->len : it->hi;
  if (it->len < CHUNK_S)
    it->len = it->len * 2 < CHUNK_S ? it->len * 2 : CHUNK_S;
  it->idx = 0;
  return allowed_in(it->p, it->a, it->b, &it->w);
}

/* Starts a walk at from; slots end at the latest at hi. */
static int iter_init(struct slot_iter *it, const vg_policy *p, vg_wall_t from,
                     vg_wall_t hi) {
  memset(it, 0, sizeof(*it));
  it->p = p;
  it->hi = hi;
  it->len = CHUNK_FIRST_S;
  return iter_load(it, from);
}

/*
 * The next slot of the walk, maximal going forward (the first one is
 * clipped at the walk's start). Returns 0 or VG_ENOSLOT at hi, or an error.
 */
static int iter_next(struct slot_iter *it, struct vg_slot *out) {
  int rc;
  while (it->idx >= it->w.allowed.n) {
    if (it->b >= it->hi)
      return VG_ENOSLOT;
    if ((rc = iter_load(it, it->b)) != VG_OK)
      return rc;
  }
  vg_wall_t s = it->w.allowed.v[it->idx].start;
  vg_wall_t e = it->w.allowed.v[it->idx].end;
  it->idx++;
  while (e == it->b && it->b < it->hi) {
    if ((rc = iter_load(it, it->b)) != VG_OK)
      return rc;
    if (it->w.allowed.n == 0 || it->w.allowed.v[0].start != e)
      break;
    e = it->w.allowed.v[0].end;
    it->idx = 1;
  }
  out->start = s;
  out->end = e;
  return VG_OK;
}

/*
 * Moves *start back to the start of the slot that reaches it, if any, not
 * before lo.
 */
static int extend_back(const vg_policy *p, vg_wall_t *start, vg_wall_t lo) {
  struct work w = {0};
  int rc = VG_OK;
  vg_wall_t len = CHUNK_FIRST_S;
  while (*start > lo) {
    vg_wall_t e = *start;
    vg_wall_t a = e - lo > len ? e - len : lo;
    len = len * 2 < CHUNK_S ? len * 2 : CHUNK_S;
    if ((rc = allowed_in(p, a, e, &w)) != VG_OK)
      break;
    if (w.allowed.n == 0 || w.allowed.v[w.allowed.n - 1].end != e)
      break;
    *start = w.allowed.v[w.allowed.n - 1].start;
    if (*start != a)
      break;
  }
  work_free(&w);
  return rc;
}

/* Emit callback of vg_plan_allowed_at: stops at an interval holding t. */
struct contains_ctx {
  vg_wall_t t;
  bool hit;
};

static int contains_cb(void *ud, vg_wall_t start, vg_wall_t end, int src) {
  struct contains_ctx *c = ud;
  (void)src;
  if (start <= c->t && c->t < end) {
    c->hit = true;
    return 1;
  }
  return 0;
}

bool vg_plan_allowed_at(const vg_policy *p, vg_wall_t t) {
  struct contains_ctx c = {t, false};
  if (!in_range(t))
    return false;
  if (vg_cal_each_window(p, t, t + 1, contains_cb, &c) < 0 || !c.hit)
    return false;
  c.hit = false;
  if (vg_cal_each_blackout(p, t, t + 1, contains_cb, &c) < 0)
    return false;
  return !c.hit;
}

int vg_plan_next_slot(const vg_policy *p, vg_wall_t from, struct vg_slot *out) {
  struct slot_iter it;
  if (!in_range(from))
    return VG_ERANGE;
  int rc = iter_init(&it, p, from, from + VG_PLAN_HORIZON_S);
  if (rc == VG_OK)
    rc = iter_next(&it, out);
  work_free(&it.w);
  if (rc == VG_OK && out->start == from)
    rc = extend_back(p, &out->start, from - VG_PLAN_HORIZON_S);
  return rc;
}

int vg_plan_slots(const vg_policy *p, vg_wall_t from, struct vg_slot *out,
                  size_t n, size_t *nout) {
  struct slot_iter it;
  size_t k = 0;
  *nout = 0;
  if (!in_range(from))
    return VG_ERANGE;
  int rc = iter_init(&it, p, from, from + VG_PLAN_HORIZON_S);
  while (rc == VG_OK && k < n) {
    rc = iter_next(&it, &out[k]);
    if (rc != VG_OK)
      break;
    /* Each slot is looked for within the horizon after the one before. */
    if (it.hi < out[k].end + VG_PLAN_HORIZON_S && out[k].end < T_MAX)
      it.hi = out[k].end + VG_PLAN_HORIZON_S;
    k++;
  }
  work_free(&it.w);
  if (k > 0 && out[0].start == from) {
    int brc = extend_back(p, &out[0].start, from - VG_PLAN_HORIZON_S);
    if (brc != VG_OK)
      return brc;
  }
  *nout = k;
  if (rc == VG_ENOSLOT && k > 0)
    rc = VG_OK;
  return rc;
}

/* The splitmix64 generator: small, fast and good enough for a splay. */
static uint64_t splitmix64(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* A uniform integer in [0, n), n > 0, without modulo bias. */
static uint64_t uniform(uint64_t seed, uint64_t n) {
  uint64_t state = seed;
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do
    x = splitmix64(&state);
  while (x >= limit);
  return x % n;
}

/* Appends s to buf (of size len) as far as it fits. */
static void append(char *buf, size_t len, const char *s) {
  size_t used = strlen(buf);
  if (used + 1 < len)
    snprintf(buf + used, len - used, "%s", s);
}

/*
 * Why the window occurrence r (already cut to start at from) was passed
 * over: every blackout it meets when they cover it all, otherwise too little
 * time left.
 */
static int skip_reason(const vg_policy *p, struct vg_slot r, int64_t mtl,
                       struct vg_ivbuf *blk, char *buf, size_t len) {
  int rc;
  blk->n = 0;
  if ((rc = vg_cal_blackouts(p, r.start, r.end, blk)) != VG_OK)
    return rc;
  vg_ivbuf_sort(blk);
  vg_wall_t cur = r.start;
  for (size_t i = 0; i < blk->n && blk->v[i].start <= cur; i++)
    if (blk->v[i].end > cur)
      cur = blk->v[i].end;
  buf[0] = '\0';
  if (cur < r.end) {
    char d[32];
    vg_format_duration(mtl, d, sizeof(d));
    snprintf(buf, len, "less than %s left", d);
    return VG_OK;
  }
  size_t named = 0;
  for (size_t i = 0; i < blk->n; i++) {
    bool seen = false;
    for (size_t j = 0; j < i; j++)
      seen = seen || blk->v[j].src == blk->v[i].src;
    if (seen)
      continue;
    const struct vg_blackout *b = vg_policy_blackout(p, (size_t)blk->v[i].src);
    append(buf, len, named == 0 ? "'" : ", '");
    append(buf, len, b->name);
    append(buf, len, "'");
    named++;
  }
  char tmp[128];
  snprintf(tmp, sizeof(tmp), "%s %s", named > 1 ? "blackouts" : "blackout",
           buf);
  snprintf(buf, len, "%s", tmp);
  return VG_OK;
}

/*
 * Records the window occurrences that end after from and at or before until
 * (they do not reach the chosen slot), in order, with the reason each was
 * passed over.
 */
static int collect_skips(const vg_policy *p, vg_wall_t from, vg_wall_t until,
                         int64_t mtl, struct vg_plan *out) {
  struct vg_ivbuf occ = {0}, blk = {0};
  int rc = VG_OK;
  for (vg_wall_t a = from; a < until && out->nskips < VG_PLAN_MAX_SKIPS;
       a += CHUNK_S) {
    vg_wall_t e = a + CHUNK_S < until ? a + CHUNK_S : until;
    occ.n = 0;
    if ((rc = vg_cal_windows(p, a, e, &occ)) != VG_OK)
      break;
    vg_ivbuf_sort(&occ);
    for (size_t i = 0; i < occ.n && out->nskips < VG_PLAN_MAX_SKIPS; i++) {
      struct vg_slot r = {occ.v[i].start, occ.v[i].end};
      /* Each occurrence once: in the chunk where it starts, or the first. */
      if (r.end > until || (a != from && r.start < a))
        continue;
      struct vg_skip *s = &out->skips[out->nskips];
      s->window = r;
      if (r.start < from)
        r.start = from;
      rc = skip_reason(p, r, mtl, &blk, s->reason, sizeof(s->reason));
      if (rc != VG_OK)
        break;
      out->nskips++;
    }
    if (rc != VG_OK)
      break;
  }
  vg_ivbuf_free(&occ);
  vg_ivbuf_free(&blk);
  return rc;
}

/* min_time_left, kept within [0, VG_PLAN_HORIZON_S] against overflow. */
static int64_t min_time_left(const struct vg_reboot_cfg *cfg) {
  if (cfg->min_time_left_s < 0)
    return 0;
  return cfg->min_time_left_s < VG_PLAN_HORIZON_S ? cfg->min_time_left_s
                                                  : VG_PLAN_HORIZON_S;
}

int vg_plan_next_reboot(const vg_policy *p, vg_wall_t from, uint64_t seed,
                        struct vg_plan *out) {
  const struct vg_reboot_cfg *cfg = vg_policy_reboot(p);
  int64_t mtl = min_time_left(cfg);
  struct slot_iter it;
  struct vg_slot slot;
  vg_wall_t us = 0, ue = 0;

  memset(out, 0, sizeof(*out));
  if (!in_range(from))
    return VG_ERANGE;
  vg_wall_t hi = from + VG_PLAN_HORIZON_S;
  int rc = iter_init(&it, p, from, hi);
  while (rc == VG_OK) {
    rc = iter_next(&it, &slot);
    if (rc != VG_OK)
      break;
    us = slot.start > from ? slot.start : from;
    ue = slot.end - mtl;
    if (ue > us)
      break;
  }
  work_free(&it.w);
  if (rc == VG_OK && slot.start == from)
    rc = extend_back(p, &slot.start, from - VG_PLAN_HORIZON_S);
  if (rc != VG_OK && rc != VG_ENOSLOT)
    return rc;

  int src = collect_skips(p, from, rc == VG_OK ? slot.start : hi, mtl, out);
  if (src != VG_OK)
    return src;
  if (rc != VG_OK)
    return rc;

  out->slot = slot;
  out->usable_end = ue;
  out->at = us;
  if (cfg->splay_s > 0) {
    uint64_t n = (uint64_t)(cfg->splay_s < ue - us ? cfg->splay_s : ue - us);
    out->at = us + (vg_wall_t)uniform(seed, n);
  }
  return VG_OK;
}

bool vg_plan_reboot_allowed_at(const vg_policy *p, vg_wall_t t) {
  int64_t mtl = min_time_left(vg_policy_reboot(p));
  struct slot_iter it;
  struct vg_slot slot;
  if (!in_range(t))
    return false;
  /* Only the end of the slot holding t matters: a forward walk from t. */
  int rc = iter_init(&it, p, t, t + VG_PLAN_HORIZON_S);
  if (rc == VG_OK)
    rc = iter_next(&it, &slot);
  work_free(&it.w);
  return rc == VG_OK && slot.start == t && slot.end - mtl > t;
}

/*
 * now plus the time that n more runs take at runs_per_day, rounded up to
 * the second and kept far from overflow.
 */
static vg_wall_t after_runs(vg_wall_t now, int n, double runs_per_day) {
  if (n <= 0)
    return now;
  /* Less a microsecond, so that rounding noise does not add a second. */
  double secs = (double)n / runs_per_day * (double)VG_DAY_S - 1e-6;
  const double cap = 1e12; /* about 31,700 years */
  if (secs > cap)
    secs = cap;
  int64_t s = (int64_t)secs;
  if ((double)s < secs)
    s++;
  return now + s;
}

int vg_plan_project(const vg_policy *p, int count, double runs_per_day,
                    vg_wall_t now, struct vg_projection *out) {
  memset(out, 0, sizeof(*out));
  if (!(runs_per_day > 0) || count < 0 || !in_range(now))
    return VG_EINVAL;
  int threshold = vg_policy_threshold(p);
  out->runs_per_day = runs_per_day;
  out->threshold_reached = count >= threshold;
  out->threshold_at = after_runs(now, threshold - count, runs_per_day);
  out->limit_at = after_runs(now, VG_HARD_LIMIT - count, runs_per_day);

  struct vg_plan plan;
  int rc = vg_plan_next_reboot(p, out->threshold_at, 0, &plan);
  if (rc == VG_OK) {
    out->have_reboot = true;
    /* The start of the usable part, not a splayed moment. */
    out->reboot_at = plan.slot.start > out->threshold_at ? plan.slot.start
                                                         : out->threshold_at;
  } else if (rc != VG_ENOSLOT && rc != VG_ERANGE) {
    return rc;
  }
  out->too_sparse = !out->have_reboot || out->reboot_at >= out->limit_at;
  return VG_OK;
}

double vg_plan_cadence(const vg_wall_t *run_times, size_t n, vg_wall_t now) {
  size_t first = n, k = 0;
  vg_wall_t lo = 0, hi = 0;
  if (!in_range(now))
    return 0.0;
  for (size_t i = 0; i < n; i++) {
    vg_wall_t t = run_times[i];
    if (t < now - CADENCE_WINDOW_S || t > now)
      continue;
    if (first == n) {
      first = i;
      lo = hi = t;
    }
    if (t < lo)
      lo = t;
    if (t > hi)
      hi = t;
    k++;
  }
  /* k runs span k - 1 intervals between the first and the last. */
  if (k < 2 || hi <= lo)
    return 0.0;
  return (double)(k - 1) * (double)VG_DAY_S / (double)(hi - lo);
}
