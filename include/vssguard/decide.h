/*
 * The decision: a pure function from the policy, the state and the current
 * instant to what the agent does now (nothing, wait until an instant, or
 * reboot). The live agent and replay both use it, so what replay shows is
 * what the agent does.
 */
#ifndef VSSGUARD_DECIDE_H
#define VSSGUARD_DECIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vssguard/planner.h"
#include "vssguard/policy.h"
#include "vssguard/state.h"

enum vg_action {
  VG_ACT_IDLE = 0, /* below the threshold: nothing to do until an event */
  VG_ACT_WAIT,     /* a reboot is scheduled or postponed: wait until `next` */
  VG_ACT_REBOOT,   /* every check passed: reboot now */
  VG_ACT_LOCKED    /* the reboot-loop guard holds: needs `vssguard reset` */
};

struct vg_decide_input {
  const vg_policy *policy;
  const vg_state *state;
  vg_wall_t now;
  vg_wall_t boot_time; /* the platform's current boot time */
  uint64_t seed;       /* splay seed for a new schedule */
  /* Why Windows needs a restart anyway (vg_plat_restart_pending), or NULL:
   * with piggyback.windows_update it makes a reboot wanted from
   * piggyback.min_count on. */
  const char *restart_pending;
};

/* What makes a reboot wanted. */
enum vg_cause {
  VG_CAUSE_NONE = 0,  /* nothing: below the threshold */
  VG_CAUSE_THRESHOLD, /* the count reached the threshold */
  VG_CAUSE_PIGGYBACK, /* Windows needs a restart and count >= min_count */
  VG_CAUSE_REQUEST    /* vssguard reboot --next-slot */
};

struct vg_decision {
  enum vg_action action;
  vg_wall_t next;        /* WAIT: evaluate again at this instant */
  bool reschedule;       /* the schedule changed: store `sched` in state */
  struct vg_sched sched; /* the schedule in force after this decision */
  struct vg_plan plan;   /* the plan behind a new schedule (skips, slot) */
  bool postponed;        /* WAIT because a check at the slot failed */
  char why[256];         /* human reason for WAIT, REBOOT or LOCKED */
  enum vg_cause cause;   /* why a reboot is wanted at all */
  char trigger[192];     /* the cause in words */
};

/*
 * Whether a reboot is wanted at in->now, regardless of slots and guards:
 * the count reached the threshold, an administrator asked for a reboot at
 * the next slot, or (piggyback) Windows needs a restart and the count is at
 * least piggyback.min_count. Returns the cause and says it, or why none
 * holds, in buf. A pause does not change the cause; vg_decide waits it out.
 */
enum vg_cause vg_decide_cause(const struct vg_decide_input *in, char *buf,
                              size_t len);

/*
 * Decides what to do at in->now. Returns 0, or VG_ENOSLOT when the count is
 * at the threshold but no allowed slot exists within the horizon (then
 * out->action is VG_ACT_IDLE and out->why says so).
 */
int vg_decide(const struct vg_decide_input *in, struct vg_decision *out);

#endif
