/*
 * The planner: pure functions from a policy and an instant to the allowed
 * reboot slots, the next reboot moment and the projection of when the
 * threshold and the hard limit will be reached. No I/O, no clock.
 */
#ifndef VSSGUARD_PLANNER_H
#define VSSGUARD_PLANNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vssguard/common.h"
#include "vssguard/policy.h"

/* How far ahead the planner looks for a slot. */
#define VG_PLAN_HORIZON_S (400 * 86400LL)

/* An interval [start, end). */
struct vg_slot {
  vg_wall_t start;
  vg_wall_t end;
};

/* True when t is inside some maintenance window and outside every blackout. */
bool vg_plan_allowed_at(const vg_policy *p, vg_wall_t t);

/*
 * The allowed slot that contains from, or else the first one after it: a
 * maximal interval inside some window (overlapping and adjacent windows
 * merge) and outside every blackout. start may be before from. Returns 0 or
 * VG_ENOSLOT when there is none within VG_PLAN_HORIZON_S.
 */
int vg_plan_next_slot(const vg_policy *p, vg_wall_t from, struct vg_slot *out);

/*
 * Up to n consecutive allowed slots from from: the first as
 * vg_plan_next_slot gives it, then each following one (each within
 * VG_PLAN_HORIZON_S of the end of the one before). Much faster than chained
 * vg_plan_next_slot calls. Sets *nout to the number found; returns 0 when at
 * least one was found, else VG_ENOSLOT (or another error).
 */
int vg_plan_slots(const vg_policy *p, vg_wall_t from, struct vg_slot *out,
                  size_t n, size_t *nout);

/* A window occurrence the planner passed over, and why. */
struct vg_skip {
  struct vg_slot window; /* the window occurrence */
  char reason[128];      /* "blackout 'payroll'", "less than 15m left" */
};

#define VG_PLAN_MAX_SKIPS 8

struct vg_plan {
  struct vg_slot slot;  /* the allowed slot chosen */
  vg_wall_t usable_end; /* slot.end - min_time_left */
  vg_wall_t at;         /* the reboot moment (after splay) */
  struct vg_skip skips[VG_PLAN_MAX_SKIPS];
  size_t nskips; /* skips recorded (at most VG_PLAN_MAX_SKIPS) */
};

/*
 * The next reboot moment at or after from: the earliest allowed slot with
 * more than min_time_left of it left after from; the usable part is
 * [max(slot.start, from), slot.end - min_time_left); "at" is a uniformly
 * random point within the first splay seconds of it (seed fixes the choice).
 * skips lists the window occurrences between from and the slot (also on
 * VG_ENOSLOT, up to the horizon). Returns 0 or VG_ENOSLOT.
 */
int vg_plan_next_reboot(const vg_policy *p, vg_wall_t from, uint64_t seed,
                        struct vg_plan *out);

/*
 * True when a reboot may start at t: t is allowed and more than
 * min_time_left of its slot remains after t (the rule of
 * vg_plan_next_reboot, so every moment it plans passes this check).
 */
bool vg_plan_reboot_allowed_at(const vg_policy *p, vg_wall_t t);

struct vg_projection {
  double runs_per_day;    /* cadence used */
  bool threshold_reached; /* count >= threshold already */
  vg_wall_t threshold_at; /* projected (or now when reached) */
  vg_wall_t limit_at;     /* projected time the count reaches 64 */
  bool have_reboot;       /* a reboot slot was found */
  vg_wall_t reboot_at;    /* first usable reboot moment after threshold_at */
  bool too_sparse;        /* reboot_at after limit_at, or no slot */
};

/*
 * Projects, from count and runs_per_day (> 0), when the threshold and the
 * hard limit of 64 will be reached, and whether the first usable slot after
 * the threshold comes in time. Returns 0 or VG_EINVAL.
 */
int vg_plan_project(const vg_policy *p, int count, double runs_per_day,
                    vg_wall_t now, struct vg_projection *out);

/* Observed cadence: runs per day from counted run start times (ascending). */
double vg_plan_cadence(const vg_wall_t *run_times, size_t n, vg_wall_t now);

#endif
