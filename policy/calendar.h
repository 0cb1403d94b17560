/*
 * Calendar expansion for the planner: the occurrences of weekly rules and
 * the intervals of monthly and absolute blackouts, as instants, in the
 * policy's zone. Internal to policy/ and the CLI's pictures (agent/cli).
 */
#ifndef VSSGUARD_CALENDAR_H
#define VSSGUARD_CALENDAR_H

#include <stddef.h>

#include "vssguard/policy.h"

#define VG_DAY_S 86400LL

/* An interval [start, end) and the index of the rule it comes from. */
struct vg_ivl {
  vg_wall_t start;
  vg_wall_t end;
  int src;
};

/* A growable array of intervals; zero-initialise, release with _free. */
struct vg_ivbuf {
  struct vg_ivl *v;
  size_t n;
  size_t cap;
};

/* Appends [start, end) from rule src. Returns 0 or VG_ENOMEM. */
int vg_ivbuf_push(struct vg_ivbuf *b, vg_wall_t start, vg_wall_t end, int src);

/* Sorts by start, then end. */
void vg_ivbuf_sort(struct vg_ivbuf *b);

void vg_ivbuf_free(struct vg_ivbuf *b);

/*
 * Called for each interval; a non-zero return stops the expansion, which
 * then returns that value.
 */
typedef int (*vg_cal_emit_fn)(void *ud, vg_wall_t start, vg_wall_t end,
                              int src);

/*
 * Calls emit for every non-empty window occurrence (src = window index) or
 * blackout interval (src = blackout index) that meets [a, e), unclipped, in
 * no particular order. Returns 0, the callback's non-zero value, or a
 * negative error from the zone.
 */
int vg_cal_each_window(const vg_policy *p, vg_wall_t a, vg_wall_t e,
                       vg_cal_emit_fn emit, void *ud);
int vg_cal_each_blackout(const vg_policy *p, vg_wall_t a, vg_wall_t e,
                         vg_cal_emit_fn emit, void *ud);

/* The same, appended to b. Returns 0 or a negative error. */
int vg_cal_windows(const vg_policy *p, vg_wall_t a, vg_wall_t e,
                   struct vg_ivbuf *b);
int vg_cal_blackouts(const vg_policy *p, vg_wall_t a, vg_wall_t e,
                     struct vg_ivbuf *b);

#endif
