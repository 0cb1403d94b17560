/*
 * Fuzz target of the planner against the brute-force model of
 * tests/unit/oracle.h. The input decodes to a policy (zone, one to four
 * weekly, monthly or one-off windows, up to three blackouts of every kind,
 * min_time_left) and up to
 * eight instants near a center; at each instant vg_plan_allowed_at,
 * vg_plan_next_slot, vg_plan_next_reboot (no splay) and
 * vg_plan_reboot_allowed_at must give the model's answer. Any disagreement
 * aborts with the policy printed.
 *
 * The zones are UTC, fixed offsets and the local zones America/New_York,
 * Europe/Berlin, Australia/Lord_Howe (30-minute DST) and Asia/Tokyo from the
 * built-in rules of tzrules.h, so runs do not depend on the host.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "fuzz_planner.h"
#include "vssguard/planner.h"
#include "vssguard/policy.h"

#define DAY 86400LL
#define NEAR_S (3 * DAY)
#define MAX_INSTANTS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int64_t floor_to(int64_t t, int q) {
  int64_t r = t % q;
  return r < 0 ? t - r - q : t - r;
}

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

/*
 * A monthly rule (windows: nth weekday or day; blackouts: nth weekday, with
 * a whole-day form). The date is one the input picks near center, so that
 * occurrences fall where the instants are; a few bits make it up instead.
 */
static void monthly(struct reader *r, struct vg_monthly *m, int q,
                    vg_wall_t center, bool blackout) {
  memset(m, 0, sizeof(*m));
  uint32_t v = take(r, 2);
  int64_t day = center / DAY - 8 + (int64_t)(v % 17);
  struct vg_civil c;
  struct vg_zone utc = {VG_ZONE_UTC, 0, NULL};
  m->start_s = (int32_t)(take(r, 2) % 1440) * 60;
  m->duration_s = duration(r, q);
  if (blackout && (v & 0x8000))
    m->duration_s = 0;
  else if (blackout && m->duration_s > DAY)
    m->duration_s = m->duration_s / 4 / q * q;
  if (!blackout && (v & 0x4000)) {
    FZ_CHECK(vg_zone_to_civil(&utc, day * DAY, &c) == VG_OK);
    m->day =
        (v & 0x2000) ? c.mday : c.mday - vg_days_in_month(c.year, c.mon) - 1;
    return;
  }
  uint8_t o = (uint8_t)take(r, 1);
  m->offset_days = (o & 1) ? 0 : (int)(o >> 1) % 15 - 7;
  FZ_CHECK(vg_zone_to_civil(&utc, (day - m->offset_days) * DAY, &c) == VG_OK);
  m->weekday = c.wday;
  m->nth = (v & 0x2000) ? (c.mday - 1) / 7 + 1
                        : -((vg_days_in_month(c.year, c.mon) - c.mday) / 7 + 1);
  if ((v & 0x1f00) == 0) {
    m->nth = (int)(o % 5) + 1;
    if (o & 0x80)
      m->nth = -m->nth;
  }
}

static int month_day(struct reader *r) {
  uint8_t v = (uint8_t)take(r, 1);
  return (v & 0x80) ? -(int)(v % 10 + 1) : (int)(v % 31 + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_quiet();
  if (size < 8)
    return 0;
  struct reader r = {data, size};
  uint8_t head = (uint8_t)take(&r, 1);
  size_t zi = head % fzp_nzones();
  int q = (head & 0x80) ? 15 : 60;
  vg_wall_t span =
      (FZP_RANGE_TO - FZP_AFTER_S) - (FZP_RANGE_FROM + FZP_BEFORE_S);
  vg_wall_t center =
      FZP_RANGE_FROM + FZP_BEFORE_S + (vg_wall_t)(take(&r, 4) % (uint32_t)span);
  center = floor_to(center, q);

  vg_policy *p = vg_policy_new();
  FZ_CHECK(p != NULL);
  vg_policy_set_zone(p, fzp_zone(zi));
  struct vg_reboot_cfg *rc = vg_policy_reboot_mut(p);
  static const int64_t mtl[] = {0, 60, 900, 900, 1800, 3600, 7200, 21600};
  uint8_t shape = (uint8_t)take(&r, 1);
  rc->splay_s = 0;
  rc->min_time_left_s = mtl[shape & 7];
  int nwin = 1 + (shape >> 3) % 4;
  int nblk = (shape >> 5) % 4;
  for (int i = 0; i < nwin; i++) {
    struct vg_window w;
    memset(&w, 0, sizeof(w));
    uint8_t kind = (uint8_t)take(&r, 1);
    if (kind < 160) {
      weekly(&r, &w.w, q);
    } else if (kind < 224) {
      w.kind = VG_WINDOW_MONTHLY;
      monthly(&r, &w.m, q, center, false);
    } else {
      w.kind = VG_WINDOW_ONCE;
      w.start = center - 5 * DAY + (vg_wall_t)(take(&r, 2) % (10 * 1440)) * 60;
      w.end = w.start + duration(&r, q);
    }
    FZ_CHECK(vg_policy_add_window(p, &w) == VG_OK);
  }
  for (int i = 0; i < nblk; i++) {
    struct vg_blackout b;
    memset(&b, 0, sizeof(b));
    snprintf(b.name, sizeof(b.name), "b%d", i);
    uint8_t kind = (uint8_t)take(&r, 1);
    switch (kind % 4) {
    case 0:
      b.kind = VG_BLACKOUT_ABSOLUTE;
      b.start = center - 5 * DAY + (vg_wall_t)(take(&r, 2) % (10 * 1440)) * 60;
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
    case 3:
      b.kind = VG_BLACKOUT_NTH;
      monthly(&r, &b.m, q, center, true);
      break;
    default:
      b.kind = VG_BLACKOUT_WEEKLY;
      weekly(&r, &b.w, q);
      break;
    }
    FZ_CHECK(vg_policy_add_blackout(p, &b) == VG_OK);
  }

  vg_wall_t instants[MAX_INSTANTS];
  size_t n = 0;
  while (n < MAX_INSTANTS && (n == 0 || r.n >= 3)) {
    uint32_t v = take(&r, 3);
    vg_wall_t t = center - NEAR_S + (vg_wall_t)(v % (2 * NEAR_S + 1));
    if (v & 0x800000)
      t = floor_to(t, q) + ((v >> 20) & 1 ? -1 : 0);
    instants[n++] = t;
  }
  fzp_check(p, zi, center, q, instants, n);
  vg_policy_free(p);
  return 0;
}
