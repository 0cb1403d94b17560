/*
 * The decision: what the agent does at one instant, from the policy, the
 * state and the wall clock alone. No I/O and no clock of its own, so the live
 * agent, replay and the tests all get the same answer for the same inputs.
 *
 * Everything is computed from `now`: a timer that fired late, early or after
 * a wall-clock jump only causes a new evaluation, never a reboot by itself.
 */
#include <stdio.h>
#include <string.h>

#include "vssguard/decide.h"
#include "vssguard/zone.h"

#define WEEK_S (7 * 86400LL)

/* At most this many replans in one decision (each moves strictly forward). */
#define MAX_ROUNDS 6

static void fmt_time(const vg_policy *p, vg_wall_t t, char *buf, size_t len) {
  vg_time_format(t, vg_policy_zone(p), buf, len);
}

/* Sets out->sched from plan and marks the schedule as changed. */
static void take_plan(struct vg_decision *out, const struct vg_plan *plan) {
  out->plan = *plan;
  out->sched.set = true;
  out->sched.at = plan->at;
  out->sched.slot_start = plan->slot.start;
  out->sched.slot_end = plan->slot.end;
  out->reschedule = true;
}

/* Clears the schedule, marking a change only when one was set. */
static void drop_sched(struct vg_decision *out) {
  if (out->sched.set)
    out->reschedule = true;
  memset(&out->sched, 0, sizeof(out->sched));
}

/*
 * Plans the next reboot at or after from. Returns 0, or VG_ENOSLOT after
 * turning out into an IDLE decision that says why.
 */
static int replan(const struct vg_decide_input *in, vg_wall_t from,
                  struct vg_decision *out) {
  struct vg_plan plan;
  int rc = vg_plan_next_reboot(in->policy, from, in->seed, &plan);
  if (rc != 0) {
    char t[40];
    fmt_time(in->policy, from, t, sizeof(t));
    drop_sched(out);
    out->action = VG_ACT_IDLE;
    out->postponed = false;
    snprintf(out->why, sizeof(out->why),
             "%.150s but no allowed slot exists within 400 days after %s",
             out->trigger, t);
    return VG_ENOSLOT;
  }
  take_plan(out, &plan);
  return 0;
}

/* True when the stored schedule still stands at in->now. */
static bool sched_valid(const struct vg_decide_input *in,
                        const struct vg_sched *s) {
  if (!s->set)
    return false;
  if (in->now < s->at) {
    if (!vg_plan_reboot_allowed_at(in->policy, s->at))
      return false;
    /* An earlier slot is open now (the clock moved back, or a reload added
     * a window): the schedule is no longer the earliest moment. */
    return !(in->now < s->slot_start &&
             vg_plan_reboot_allowed_at(in->policy, in->now));
  }
  /* Due: it stands while its slot has not ended; the checks at the slot
   * then decide with the current policy. */
  return in->now < s->slot_end;
}

/*
 * The oldest reboot attempt in (now - 7 days, now], or 0 when there is none.
 * Also reports whether an attempt lies inside [slot_start, slot_end).
 */
static vg_wall_t history_scan(const vg_state *st, vg_wall_t now,
                              vg_wall_t slot_start, vg_wall_t slot_end,
                              bool *in_slot) {
  struct vg_reboot_rec recs[VG_STATE_MAX_HISTORY];
  size_t n = vg_state_history(st, recs, VG_STATE_MAX_HISTORY);
  vg_wall_t oldest = 0;
  *in_slot = false;
  for (size_t i = 0; i < n && i < VG_STATE_MAX_HISTORY; i++) {
    vg_wall_t at = recs[i].at;
    if (at > now - WEEK_S && at <= now && (oldest == 0 || at < oldest))
      oldest = at;
    if (at >= slot_start && at < slot_end)
      *in_slot = true;
  }
  return oldest;
}

/*
 * The checks at the slot, with the current policy and clock. Returns 1 when
 * the decision is final (WAIT or REBOOT), 0 when the schedule was replaced
 * and must be looked at again, or VG_ENOSLOT.
 */
static int check_at_slot(const struct vg_decide_input *in,
                         struct vg_decision *out) {
  const vg_policy *p = in->policy;
  const struct vg_reboot_cfg *rc = vg_policy_reboot(p);
  vg_wall_t now = in->now;
  struct vg_slot slot;
  char a[40], b[40];

  if (!vg_plan_reboot_allowed_at(p, now) ||
      vg_plan_next_slot(p, now, &slot) != 0 || slot.start > now)
    return replan(in, now, out);
  vg_wall_t usable_end = slot.end - rc->min_time_left_s;
  fmt_time(p, slot.start, a, sizeof(a));
  fmt_time(p, slot.end, b, sizeof(b));

  bool in_slot;
  vg_wall_t oldest =
      history_scan(in->state, now, slot.start, slot.end, &in_slot);
  if (in_slot) {
    /* The reboot-loop guard for one slot: an attempt was made in it (the
     * command did not reboot, or the agent restarted after the call). */
    int r = replan(in, slot.end, out);
    if (r == 0) {
      out->postponed = true;
      snprintf(out->why, sizeof(out->why),
               "a reboot was already initiated in the slot [%s, %s)", a, b);
      out->action = VG_ACT_WAIT;
      out->next = out->sched.at;
      return 1;
    }
    return r;
  }

  int max = rc->max_per_week;
  if (max <= 0 ||
      (vg_state_reboots_in_week(in->state, now) >= max && oldest == 0)) {
    drop_sched(out);
    out->action = VG_ACT_IDLE;
    snprintf(out->why, sizeof(out->why),
             "max_per_week is %d: no reboot is possible", max);
    return 1;
  }
  if (vg_state_reboots_in_week(in->state, now) >= max) {
    vg_wall_t from = oldest + WEEK_S;
    int r = replan(in, from, out);
    if (r == 0) {
      char o[40];
      fmt_time(p, oldest, o, sizeof(o));
      out->postponed = true;
      out->action = VG_ACT_WAIT;
      out->next = out->sched.at;
      snprintf(out->why, sizeof(out->why),
               "%d reboot(s) in the last 7 days (max_per_week %d); the "
               "oldest, at %s, expires 7 days later",
               vg_state_reboots_in_week(in->state, now), max, o);
      return 1;
    }
    return r;
  }

  if (in->boot_time > 0 && now - in->boot_time < rc->min_uptime_s) {
    vg_wall_t t = in->boot_time + rc->min_uptime_s;
    char u[40];
    fmt_time(p, t, u, sizeof(u));
    out->postponed = true;
    if (t < usable_end && vg_plan_reboot_allowed_at(p, t)) {
      out->action = VG_ACT_WAIT;
      out->next = t;
      snprintf(out->why, sizeof(out->why),
               "uptime %llds is below min_uptime %llds: waiting until %s",
               (long long)(now - in->boot_time), (long long)rc->min_uptime_s,
               u);
      return 1;
    }
    int r = replan(in, t, out);
    if (r == 0) {
      out->postponed = true;
      out->action = VG_ACT_WAIT;
      out->next = out->sched.at;
      snprintf(out->why, sizeof(out->why),
               "uptime %llds is below min_uptime %llds until %s, after the "
               "usable part of the slot [%s, %s)",
               (long long)(now - in->boot_time), (long long)rc->min_uptime_s, u,
               a, b);
      return 1;
    }
    return r;
  }

  if (rc->wait_for_backup && vg_state_backup_in_progress(in->state, now)) {
    out->postponed = true;
    out->action = VG_ACT_WAIT;
    /* A backup end event re-evaluates earlier; at the usable end of the
     * slot the next evaluation moves to the next slot. */
    out->next = usable_end > now ? usable_end : now + 1;
    snprintf(out->why, sizeof(out->why),
             "backup run in progress (waiting inside the slot [%s, %s))", a, b);
    return 1;
  }

  out->action = VG_ACT_REBOOT;
  out->next = now;
  /* Record the slot as the current policy sees it. */
  if (out->sched.slot_start != slot.start || out->sched.slot_end != slot.end) {
    out->sched.slot_start = slot.start;
    out->sched.slot_end = slot.end;
    out->reschedule = true;
  }
  snprintf(out->why, sizeof(out->why), "%.150s; inside the slot [%s, %s)",
           out->trigger, a, b);
  return 1;
}

/*
 * A pause (vssguard pause): no schedule, and a look again when it ends,
 * when the slots are planned from that moment.
 */
static int wait_out_pause(const struct vg_decide_input *in,
                          struct vg_decision *out) {
  struct vg_admin ad;
  char t[40];
  vg_state_admin(in->state, &ad);
  fmt_time(in->policy, ad.paused_until, t, sizeof(t));
  drop_sched(out);
  out->action = VG_ACT_WAIT;
  out->next = ad.paused_until;
  out->postponed = true;
  snprintf(out->why, sizeof(out->why),
           "%.80s, but reboots are paused by an administrator until %s%s"
           "%.60s%s",
           out->trigger, t, ad.pause_reason[0] ? " (" : "", ad.pause_reason,
           ad.pause_reason[0] ? ")" : "");
  return 0;
}

enum vg_cause vg_decide_cause(const struct vg_decide_input *in, char *buf,
                              size_t len) {
  int count = vg_state_count(in->state);
  int threshold = vg_policy_threshold(in->policy);
  const struct vg_piggyback *pb = vg_policy_piggyback(in->policy);
  if (count >= threshold) {
    snprintf(buf, len, "count %d reached threshold %d", count, threshold);
    return VG_CAUSE_THRESHOLD;
  }
  if (vg_state_reboot_requested(in->state)) {
    struct vg_admin ad;
    vg_state_admin(in->state, &ad);
    snprintf(buf, len,
             "an administrator asked for a reboot at the next "
             "allowed slot%s%.100s%s",
             ad.request_reason[0] ? " (" : "", ad.request_reason,
             ad.request_reason[0] ? ")" : "");
    return VG_CAUSE_REQUEST;
  }
  if (pb->windows_update && in->restart_pending != NULL &&
      count >= pb->min_count) {
    snprintf(buf, len,
             "%.96s and count %d is at least piggyback.min_count %d (one "
             "reboot serves both)",
             in->restart_pending, count, pb->min_count);
    return VG_CAUSE_PIGGYBACK;
  }
  snprintf(buf, len, "count %d is below threshold %d", count, threshold);
  return VG_CAUSE_NONE;
}

int vg_decide(const struct vg_decide_input *in, struct vg_decision *out) {
  memset(out, 0, sizeof(*out));
  out->action = VG_ACT_IDLE;
  vg_state_scheduled(in->state, &out->sched);

  out->cause = vg_decide_cause(in, out->trigger, sizeof(out->trigger));
  if (out->cause == VG_CAUSE_NONE) {
    drop_sched(out);
    snprintf(out->why, sizeof(out->why), "%s", out->trigger);
    return 0;
  }
  if (vg_state_locked(in->state)) {
    out->action = VG_ACT_LOCKED;
    snprintf(out->why, sizeof(out->why),
             "%d reboot attempts did not lead to a boot; reboots are locked "
             "until an administrator runs 'vssguard reset'",
             vg_state_pending_attempts(in->state));
    return 0;
  }
  if (vg_state_paused(in->state, in->now))
    return wait_out_pause(in, out);

  if (!sched_valid(in, &out->sched)) {
    int r = replan(in, in->now, out);
    if (r != 0)
      return r;
  }
  for (int round = 0; round < MAX_ROUNDS; round++) {
    if (in->now < out->sched.at) {
      out->action = VG_ACT_WAIT;
      out->next = out->sched.at;
      if (!out->postponed) {
        char t[40];
        fmt_time(in->policy, out->sched.at, t, sizeof(t));
        snprintf(out->why, sizeof(out->why), "%.150s: reboot scheduled at %s",
                 out->trigger, t);
      }
      return 0;
    }
    int r = check_at_slot(in, out);
    if (r < 0)
      return r;
    if (r == 1)
      return 0;
  }
  /* Unreachable with a consistent planner: each round moves forward. */
  out->action = VG_ACT_WAIT;
  out->next = in->now + 60;
  out->postponed = true;
  snprintf(out->why, sizeof(out->why),
           "the planner gave no usable moment; evaluating again in 60 s");
  return 0;
}
