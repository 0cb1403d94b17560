/*
 * Calendar expansion: the occurrences of weekly and monthly rules (windows
 * and blackouts), the whole local days of monthly blackouts and the one-off
 * windows and absolute blackouts, as intervals of instants meeting a range.
 * Local times resolve through vg_zone_from_civil, so the DST gap and repeat
 * rules of zone.h hold here too.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "calendar.h"

int vg_ivbuf_push(struct vg_ivbuf *b, vg_wall_t start, vg_wall_t end, int src) {
  if (b->n == b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 64;
    struct vg_ivl *v = realloc(b->v, cap * sizeof(*v));
    if (v == NULL)
      return VG_ENOMEM;
    b->v = v;
    b->cap = cap;
  }
  b->v[b->n].start = start;
  b->v[b->n].end = end;
  b->v[b->n].src = src;
  b->n++;
  return VG_OK;
}

static int ivl_cmp(const void *x, const void *y) {
  const struct vg_ivl *a = x, *b = y;
  if (a->start != b->start)
    return a->start < b->start ? -1 : 1;
  if (a->end != b->end)
    return a->end < b->end ? -1 : 1;
  return (a->src > b->src) - (a->src < b->src);
}

void vg_ivbuf_sort(struct vg_ivbuf *b) {
  if (b->n > 1)
    qsort(b->v, b->n, sizeof(b->v[0]), ivl_cmp);
}

void vg_ivbuf_free(struct vg_ivbuf *b) {
  free(b->v);
  b->v = NULL;
  b->n = b->cap = 0;
}

static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0)))
    q--;
  return q;
}

/* The instant of local day `days` (since 1970-01-01) at second sec of it. */
static int resolve(const struct vg_zone *z, int64_t days, int64_t sec,
                   vg_wall_t *t) {
  struct vg_civil c = {0};
  days += floor_div(sec, VG_DAY_S);
  sec -= floor_div(sec, VG_DAY_S) * VG_DAY_S;
  vg_civil_from_days(days, &c.year, &c.mon, &c.mday);
  c.hour = (int)(sec / 3600);
  c.min = (int)(sec / 60 % 60);
  c.sec = (int)(sec % 60);
  return vg_zone_from_civil(z, &c, t);
}

/*
 * How far a local date's times may lie from the same date read as UTC: the
 * largest offset (14 h) and room for a DST gap and odd historical offsets.
 */
#define MARGIN_S (16 * 3600LL)

/*
 * Rules never last longer than this (the policy allows a week); a longer
 * one is cut here rather than overflow the arithmetic below.
 */
#define RULE_MAX_S (400 * VG_DAY_S)

/*
 * The occurrences of a weekly rule meeting [a, e). An occurrence on local
 * date d starts within [d - MARGIN_S, d + 1 day + MARGIN_S) read as UTC, so
 * the dates from (a - duration - 1 day - MARGIN_S) to (e + MARGIN_S) hold
 * every candidate.
 */
static int weekly_each(const struct vg_zone *z, const struct vg_weekly *w,
                       int src, vg_wall_t a, vg_wall_t e, vg_cal_emit_fn emit,
                       void *ud) {
  if (w->duration_s <= 0 || (w->days & VG_ALL_DAYS) == 0)
    return VG_OK;
  int64_t dur = w->duration_s < RULE_MAX_S ? w->duration_s : RULE_MAX_S;
  int64_t first = floor_div(a - dur - VG_DAY_S - MARGIN_S, VG_DAY_S);
  int64_t last = floor_div(e + MARGIN_S, VG_DAY_S);
  int wday = (int)(((first + 4) % 7 + 7) % 7); /* 1970-01-01: Thursday */
  for (int64_t d = first; d <= last; d++, wday = wday == 6 ? 0 : wday + 1) {
    if ((w->days & VG_DAY(wday)) == 0)
      continue;
    vg_wall_t s;
    int rc = resolve(z, d, w->start_s, &s);
    if (rc != VG_OK)
      return rc;
    vg_wall_t end = s + dur;
    if (s < e && end > a && (rc = emit(ud, s, end, src)) != 0)
      return rc;
  }
  return VG_OK;
}

/* A monthly day number resolved in a month of dim days, clamped to it. */
static int month_day(int day, int dim) {
  if (day > 0)
    return day < dim ? day : dim;
  if (day < 0)
    return dim + day + 1 > 1 ? dim + day + 1 : 1;
  return 1;
}

/*
 * The intervals of a monthly blackout meeting [a, e): in each month, from
 * the local midnight of from_day to the local midnight after to_day. When
 * from_day resolves after to_day the range ends in the next month, to_day
 * being resolved there.
 */
static int monthly_each(const struct vg_zone *z, const struct vg_blackout *b,
                        int src, vg_wall_t a, vg_wall_t e, vg_cal_emit_fn emit,
                        void *ud) {
  int y, m, d, ye, me;
  vg_civil_from_days(floor_div(a, VG_DAY_S) - 2, &y, &m, &d);
  vg_civil_from_days(floor_div(e, VG_DAY_S) + 2, &ye, &me, &d);
  /* A range that wraps may start in the month before. */
  if (--m == 0) {
    m = 12;
    y--;
  }
  for (; y < ye || (y == ye && m <= me); m == 12 ? (m = 1, y++) : m++) {
    int dim = vg_days_in_month(y, m);
    int from = month_day(b->from_day, dim), to = month_day(b->to_day, dim);
    int64_t d0 = vg_days_from_civil(y, m, from), d1;
    if (from <= to) {
      d1 = vg_days_from_civil(y, m, to) + 1;
    } else {
      int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
      d1 = vg_days_from_civil(ny, nm,
                              month_day(b->to_day, vg_days_in_month(ny, nm))) +
           1;
    }
    vg_wall_t s, end;
    int rc;
    if ((rc = resolve(z, d0, 0, &s)) != VG_OK ||
        (rc = resolve(z, d1, 0, &end)) != VG_OK)
      return rc;
    if (s < e && end > a && end > s && (rc = emit(ud, s, end, src)) != 0)
      return rc;
  }
  return VG_OK;
}

/*
 * The local date (days since 1970-01-01) of a monthly rule in month (y, m),
 * offset included. False when the month has no such date (no 5th weekday).
 */
static bool monthly_date(const struct vg_monthly *r, int y, int m,
                         int64_t *out) {
  int dim = vg_days_in_month(y, m);
  int64_t first = vg_days_from_civil(y, m, 1), d;
  if (r->nth == 0) {
    *out = first + month_day(r->day, dim) - 1;
    return true;
  }
  if (r->nth > 0) {
    int wd = (int)(((first + 4) % 7 + 7) % 7);
    d = first + (r->weekday - wd + 7) % 7 + 7 * (r->nth - 1);
    if (d > first + dim - 1)
      return false;
  } else {
    int64_t last = first + dim - 1;
    int wd = (int)(((last + 4) % 7 + 7) % 7);
    d = last - (wd - r->weekday + 7) % 7 - 7 * (-r->nth - 1);
    if (d < first)
      return false;
  }
  *out = d + r->offset_days;
  return true;
}

/*
 * The occurrences of a monthly rule meeting [a, e): on its date in each
 * month, from start_s for duration_s, or the whole local date when the
 * duration is 0. A date lies at most 7 days outside its month and an
 * occurrence lasts at most 7 days, so the months from (a - 16 days) to
 * (e + 9 days) hold every candidate.
 */
static int monthly_rule_each(const struct vg_zone *z,
                             const struct vg_monthly *r, int src, vg_wall_t a,
                             vg_wall_t e, vg_cal_emit_fn emit, void *ud) {
  int y, m, d, ye, me;
  int64_t dur = r->duration_s < RULE_MAX_S ? r->duration_s : RULE_MAX_S;
  if (dur < 0)
    return VG_OK;
  vg_civil_from_days(floor_div(a - dur - MARGIN_S, VG_DAY_S) - 9, &y, &m, &d);
  vg_civil_from_days(floor_div(e + MARGIN_S, VG_DAY_S) + 9, &ye, &me, &d);
  for (; y < ye || (y == ye && m <= me); m == 12 ? (m = 1, y++) : m++) {
    int64_t day;
    if (!monthly_date(r, y, m, &day))
      continue;
    vg_wall_t s, end;
    int rc = resolve(z, day, r->start_s, &s);
    if (rc != VG_OK)
      return rc;
    if (dur > 0)
      end = s + dur;
    else if ((rc = resolve(z, day + 1, 0, &end)) != VG_OK)
      return rc;
    if (s < e && end > a && end > s && (rc = emit(ud, s, end, src)) != 0)
      return rc;
  }
  return VG_OK;
}

int vg_cal_each_window(const vg_policy *p, vg_wall_t a, vg_wall_t e,
                       vg_cal_emit_fn emit, void *ud) {
  const struct vg_zone *z = vg_policy_zone(p);
  size_t n = vg_policy_window_count(p);
  for (size_t i = 0; i < n; i++) {
    const struct vg_window *w = vg_policy_window(p, i);
    int rc = VG_OK;
    switch (w->kind) {
    case VG_WINDOW_WEEKLY:
      rc = weekly_each(z, &w->w, (int)i, a, e, emit, ud);
      break;
    case VG_WINDOW_MONTHLY:
      rc = monthly_rule_each(z, &w->m, (int)i, a, e, emit, ud);
      break;
    case VG_WINDOW_ONCE:
      if (w->start < e && w->end > a && w->end > w->start)
        rc = emit(ud, w->start, w->end, (int)i);
      break;
    }
    if (rc != 0)
      return rc;
  }
  return VG_OK;
}

int vg_cal_each_blackout(const vg_policy *p, vg_wall_t a, vg_wall_t e,
                         vg_cal_emit_fn emit, void *ud) {
  const struct vg_zone *z = vg_policy_zone(p);
  size_t n = vg_policy_blackout_count(p);
  for (size_t i = 0; i < n; i++) {
    const struct vg_blackout *b = vg_policy_blackout(p, i);
    int rc = VG_OK;
    switch (b->kind) {
    case VG_BLACKOUT_ABSOLUTE:
      if (b->start < e && b->end > a && b->end > b->start)
        rc = emit(ud, b->start, b->end, (int)i);
      break;
    case VG_BLACKOUT_MONTHLY:
      rc = monthly_each(z, b, (int)i, a, e, emit, ud);
      break;
    case VG_BLACKOUT_WEEKLY:
      rc = weekly_each(z, &b->w, (int)i, a, e, emit, ud);
      break;
    case VG_BLACKOUT_NTH:
      rc = monthly_rule_each(z, &b->m, (int)i, a, e, emit, ud);
      break;
    }
    if (rc != 0)
      return rc;
  }
  return VG_OK;
}

/* Emit callback that appends to a buffer. */
static int push_cb(void *ud, vg_wall_t start, vg_wall_t end, int src) {
  return vg_ivbuf_push(ud, start, end, src);
}

int vg_cal_windows(const vg_policy *p, vg_wall_t a, vg_wall_t e,
                   struct vg_ivbuf *b) {
  return vg_cal_each_window(p, a, e, push_cb, b);
}

int vg_cal_blackouts(const vg_policy *p, vg_wall_t a, vg_wall_t e,
                     struct vg_ivbuf *b) {
  return vg_cal_each_blackout(p, a, e, push_cb, b);
}
