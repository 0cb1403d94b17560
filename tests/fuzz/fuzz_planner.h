/*
 * The interface between the planner fuzz target's input decoder and its
 * model side (fuzz_planner_model.c): the zones policies are made in, and
 * the check of the planner's answers against the brute-force oracle.
 */
#ifndef VG_FUZZ_PLANNER_H
#define VG_FUZZ_PLANNER_H

#include <stddef.h>

#include "vssguard/policy.h"
#include "vssguard/zone.h"

/* Centers lie in [FZP_RANGE_FROM + FZP_BEFORE_S, FZP_RANGE_TO - FZP_AFTER_S);
 * the model covers [center - FZP_BEFORE_S, center + FZP_AFTER_S). */
#define FZP_RANGE_FROM 1819670400LL /* 2027-09-01T00:00:00Z */
#define FZP_RANGE_TO 1856995200LL   /* 2028-11-05T00:00:00Z */
#define FZP_BEFORE_S (12 * 86400LL)
#define FZP_AFTER_S (20 * 86400LL)

/* The number of zones, and zone i (its tables built on first use). */
size_t fzp_nzones(void);
const struct vg_zone *fzp_zone(size_t i);

/*
 * Checks every planner answer of p (made in zone zi, every boundary a
 * multiple of q seconds) at each instant against the oracle; aborts with
 * the policy printed on the first disagreement.
 */
void fzp_check(const vg_policy *p, size_t zi, vg_wall_t center, int q,
               const vg_wall_t *instants, size_t n);

#endif
