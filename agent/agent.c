/*
 * The agent on a libuv loop: it owns the policy, the state, the event parser,
 * a wall-clock alarm and a timer. Sources feed it event XML on the loop
 * thread; it counts with the tracker, saves the state once per batch, asks
 * vg_decide what to do and arms the alarm for the next instant that matters
 * (the timer only measures the delays of retries). When the alarm fires, at
 * the instant or when the system clock is set, the decision is computed
 * again from the wall clock, so a clock jump never makes it act outside a
 * slot.
 *
 * While it waits below the threshold nothing is armed, and while a reboot is
 * pending only the alarm is: the agent does not wake up until the instant.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet_agent.h"
#include "policy_load.h"
#include "policy_watch.h"
#include "vssguard/agent.h"
#include "vssguard/alertmanager.h"
#include "vssguard/command.h"
#include "vssguard/decide.h"
#include "vssguard/gate_check.h"
#include "vssguard/http.h"
#include "vssguard/log.h"
#include "vssguard/metrics.h"
#include "vssguard/notify.h"
#include "vssguard/policy_gates.h"
#include "vssguard/planner.h"
#include "vssguard/policy.h"
#include "vssguard/run.h"
#include "vssguard/state.h"
#include "vssguard/state_lock.h"
#include "vssguard/tracker.h"

/* Retry delay after the reboot call answered "not ready" (VG_EAGAIN). */
#define RETRY_S 30

/* Retry delay while the state cannot be saved and a reboot is due. */
#define SAVE_RETRY_S 60
/* Next try of a save while an administrator's command holds the state's
 * lock (it holds it for the milliseconds of its read and write). */
#define LOCK_RETRY_MS 50

struct vg_agent {
  uv_loop_t *loop;
  struct vg_agent_config cfg; /* strings point at the copies below */
  char *policy_path;
  char *state_path;
  char *events_follow;
  char *reboot_command;
  const struct vg_plat_ops *ops;
  vg_policy *policy;
  bool policy_trusted;
  vg_state *state;
  vg_evparser *parser;
  vg_source *source;
  uv_timer_t timer; /* delays: retries after a failed call or save */
  vg_alarm *alarm;  /* wall-clock instants: the slot, the end of a slot */
  uint64_t seed;
  int batch;          /* > 0 while a chunk of events is being applied */
  bool changed;       /* events changed the state during this batch */
  bool dirty;         /* the state changed since the last successful save */
  bool save_failed;   /* the last save failed: no reboot on stale state */
  bool evaluating;    /* inside vg_agent_evaluate */
  bool again;         /* evaluate once more when the current one ends */
  bool retry_pending; /* the timer retries the reboot call */
  bool boot_checked;  /* the start compared the boot with the state's */
  bool started;
  bool stopped;
  vg_wall_t dry_until; /* a dry run was logged for the slot ending here */
  uint64_t policy_errors;
  bool metrics_written;
  struct vg_metrics metrics;
  bool policy_invalid; /* the last policy reload failed */
  char *metrics_path;  /* metrics file named by the last trusted policy */
  char note[512];      /* the last postponement or warning logged */
  /* The due-moment sequence (see "The due moment" below). */
  vg_fleet_side *fleet;   /* FleetLock requests, events and counters */
  struct vg_decision due; /* the decision the running sequence acts on */
  bool due_busy;          /* an asynchronous stage awaits its answer */
  bool fleet_waiting;     /* the due reboot waits for a FleetLock slot */
  /* Count-only mode: no valid policy was ever loaded. Runs are counted and
   * saved under the default policy, no reboot is scheduled, and the policy
   * is loaded again on a reload request or a change of its file. */
  bool count_only;
  vg_policy_watch *policy_watch;
  uint64_t errors_logged; /* hash of the policy errors last logged, 0: none */
  /* Gates, hooks and notifications (issue 12; see "Gates" below). */
  vg_gate_check *gates;
  vg_cmd_proc *hook_proc;    /* the pre-reboot or post-boot hook running */
  bool hook_dry;             /* the pre-reboot hook was started in dry run */
  bool gates_dry;            /* the gates were started in dry run */
  char instance[256];        /* this machine's DNS name */
  bool in_gates;             /* inside vg_gate_check_run */
  bool gates_async;          /* this sequence's gates answered later */
  vg_wall_t blocked_since;   /* first postponement by a gate, this slot */
  vg_wall_t blocked_slot;    /* the slot (its end) blocked_since is for */
  bool blocked_notified;     /* VssGuardRebootBlocked pushed for it */
  vg_wall_t gates_dry_until; /* dry run: gates rehearsed for this slot */
  vg_wall_t hook_dry_until;  /* dry run: pre-reboot hook rehearsed */
  bool boot_duties_busy;     /* the post-boot hook or expiry is running */
  /* The state file as the agent last loaded, wrote or took over (NULL: no
   * file known). A file on disk that differs was written by someone else
   * (vssguard reset, pause, resume, reboot --next-slot): see take_over. */
  char *disk_text;
  size_t disk_len;
  /* The state's lock (vssguard/state_lock.h), held around every read-back,
   * write and rename of the file. While a command holds it, lock_timer
   * tries again: the save (the agent's state stays dirty), the shutdown
   * stage, or an evaluation that waited for the save. */
  uv_timer_t lock_timer;
  bool shutdown_waits;  /* stage_shutdown waits for the lock (due_busy) */
  bool eval_after_save; /* evaluate once the waiting save is done */
};

static char *dup_str(const char *s) {
  if (s == NULL)
    return NULL;
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d != NULL)
    memcpy(d, s, n);
  return d;
}

static void fmt_time(const vg_agent *a, vg_wall_t t, char *buf, size_t len) {
  vg_time_format(t, vg_policy_zone(a->policy), buf, len);
}

/*
 * Logs msg unless it is the same as the last note: a postponement or a
 * warning that holds across evaluations is logged when it starts or changes.
 */
static void note(vg_agent *a, enum vg_log_level level, int id,
                 const char *msg) {
  if (strcmp(a->note, msg) == 0)
    return;
  snprintf(a->note, sizeof(a->note), "%s", msg);
  vg_log(level, id, "%s", msg);
}

static void clear_note(vg_agent *a) {
  a->note[0] = '\0';
}

/* Records the running boot's identity in the state (saved with it), so a
 * restart tells a boot from a step of the clock. */
static void note_boot_ident(vg_agent *a) {
  struct vg_boot_ident bi;
  /* Not before the start compared it with the one the state recorded. */
  if (a->boot_checked && a->ops->boot_ident != NULL &&
      a->ops->boot_ident(a->ops->ud, &bi) == 0)
    vg_state_set_boot_ident(a->state, a->ops->now(a->ops->ud), &bi);
}

static bool take_over(vg_agent *a);

/* Remembers text (malloc'd, now owned) as the state file's content. */
static void keep_disk_text(vg_agent *a, char *text, size_t len) {
  free(a->disk_text);
  a->disk_text = text;
  a->disk_len = len;
}

static void lock_timer_cb(uv_timer_t *t);

/*
 * Takes the state's lock for a save. While the agent runs, one try and
 * never a wait (the loop must not block): when an administrator's command
 * holds it, lock_timer tries again in LOCK_RETRY_MS and VG_EBUSY is
 * returned. At the stop, a bounded wait: the last save is not dropped.
 * Any other failure is logged as a failed save (reboots are held) and
 * returned.
 */
static int lock_state(vg_agent *a, vg_plat_lock **lk) {
  int rc =
      vg_state_lock(a->state_path, a->stopped ? VG_STATE_LOCK_WAIT_MS : 0, lk);
  if (rc == VG_EBUSY && !a->stopped) {
    vg_log_debug("the state's lock is held by an administrator's command: "
                 "trying again in %d ms",
                 LOCK_RETRY_MS);
    if (!uv_is_active((uv_handle_t *)&a->lock_timer))
      uv_timer_start(&a->lock_timer, lock_timer_cb, LOCK_RETRY_MS, 0);
    return rc;
  }
  if (rc != 0) {
    const char *why =
        rc == VG_EBUSY ? "another process kept it locked" : strerror(errno);
    a->save_failed = true;
    vg_log_error(VG_EV_STATE_ERROR,
                 "cannot write the state file %s (its lock file %s.lock: %s); "
                 "reboots are held until it can be saved",
                 a->state_path, a->state_path, why);
  }
  return rc;
}

/*
 * Saves the state, the state's lock held by the caller. Returns 0 or the
 * error, which is logged each time. An administrator's request written into
 * the file since the agent last read or wrote it is taken over first, so a
 * save never undoes it; under the lock no command writes between that
 * read-back and the rename.
 */
static int save_locked(vg_agent *a) {
  note_boot_ident(a);
  if (take_over(a)) {
    a->dirty = true;
    a->again = true; /* decide again with the administrator's request */
  }
  char *text = vg_state_serialize(a->state);
  size_t len = text != NULL ? strlen(text) : 0;
  int rc =
      text != NULL ? vg_state_write_text(text, len, a->state_path) : VG_ENOMEM;
  if (rc == 0)
    keep_disk_text(a, text, len);
  else
    free(text);
  if (rc != 0) {
    a->save_failed = true;
    vg_log_error(VG_EV_STATE_ERROR,
                 "cannot write the state file %s (%s: is its directory "
                 "writable and the disk not full?); reboots are held until it "
                 "can be saved",
                 a->state_path, vg_strerror(rc));
    return rc;
  }
  if (a->save_failed)
    vg_log_info(VG_EV_STATE_ERROR, "state file %s written again",
                a->state_path);
  a->save_failed = false;
  a->dirty = false;
  return 0;
}

/*
 * Saves the state under its lock. Returns 0, VG_EBUSY when an
 * administrator's command holds the lock (the state stays dirty and
 * lock_timer saves it shortly), or the error, logged.
 */
static int save_state(vg_agent *a) {
  vg_plat_lock *lk;
  int rc = lock_state(a, &lk);
  if (rc == VG_EBUSY && !a->stopped) {
    a->dirty = true;
    return rc;
  }
  if (rc != 0)
    return rc;
  rc = save_locked(a);
  vg_state_unlock(lk);
  return rc;
}

/* Writes the metrics file when the policy names one and a gauge changed. */
static void write_metrics(vg_agent *a) {
  /* An untrusted policy names no file the agent writes: whoever could write
   * the policy could otherwise have it replace any file. Its state is still
   * reported in the file a trusted policy named before, if any. */
  if (a->policy_trusted) {
    const char *named = vg_policy_metrics_file(a->policy);
    if (named == NULL || *named == '\0') {
      free(a->metrics_path);
      a->metrics_path = NULL;
    } else if (a->metrics_path == NULL || strcmp(a->metrics_path, named) != 0) {
      char *copy = dup_str(named);
      if (copy == NULL)
        return;
      free(a->metrics_path);
      a->metrics_path = copy;
      a->metrics_written = false;
    }
  }
  const char *path = a->metrics_path;
  if (path == NULL)
    return;
  struct vg_metrics m;
  memset(&m, 0, sizeof(m));
  m.active_sessions = vg_state_count(a->state);
  m.threshold = vg_policy_threshold(a->policy);
  vg_wall_t runs[VG_STATE_MAX_RUNS];
  size_t n = vg_state_runs(a->state, runs, VG_STATE_MAX_RUNS);
  if (n > VG_STATE_MAX_RUNS)
    n = VG_STATE_MAX_RUNS;
  m.runs_since_boot = (int)n;
  for (size_t i = 0; i < n; i++)
    if (runs[i] > m.last_run)
      m.last_run = runs[i];
  struct vg_sched s;
  vg_state_scheduled(a->state, &s);
  m.next_reboot = s.set ? s.at : 0;
  struct vg_reboot_rec recs[VG_STATE_MAX_HISTORY];
  m.reboots_initiated = vg_state_history(a->state, recs, VG_STATE_MAX_HISTORY);
  m.policy_errors = a->policy_errors;
  m.locked = vg_state_locked(a->state);
  m.policy_invalid = a->policy_invalid;
  m.policy_insecure = !a->policy_trusted;
  vg_fleet_side_metrics(a->fleet, uv_now(a->loop), &m.fleet);
  struct vg_fleet_hold hold;
  vg_state_fleet_slot(a->state, &hold);
  m.fleet.held = hold.held;
  m.paused = vg_state_paused(a->state, a->ops->now(a->ops->ud));
  m.remediation_verified = vg_state_remediation_verified(a->state);
  if (a->metrics_written && memcmp(&m, &a->metrics, sizeof(m)) == 0)
    return;
  int rc = vg_metrics_write(path, &m);
  if (rc != 0) {
    vg_log_warn(VG_EV_GENERIC, "cannot write the metrics file %s: %s", path,
                vg_strerror(rc));
    return;
  }
  a->metrics = m;
  a->metrics_written = true;
}

static void timer_cb(uv_timer_t *t);

/*
 * Arms the alarm for wall-clock instant next (now is the agent's clock). The
 * alarm follows the system's clock; an agent given another clock (tests)
 * gets the same delay from the system's now.
 */
static void arm(vg_agent *a, vg_wall_t next, vg_wall_t now) {
  vg_wall_t at = next;
  if (a->ops != &vg_plat_default_ops)
    at = vg_plat_now() + (next - now);
  uv_timer_stop(&a->timer);
  if (vg_alarm_arm(a->alarm, at) != 0) {
    /* Not expected; a monotonic timer is the fallback. */
    int64_t s = next - now;
    vg_log_warn(VG_EV_GENERIC, "cannot arm the wall-clock alarm: using a "
                               "timer that does not follow clock changes");
    uv_update_time(a->loop);
    uv_timer_start(&a->timer, timer_cb, s > 0 ? (uint64_t)s * 1000u : 0, 0);
  }
}

/* Arms the timer for a delay of s seconds (a retry). */
static void arm_delay(vg_agent *a, int s) {
  vg_alarm_disarm(a->alarm);
  /* The loop's cached time may lag; refresh it so the timer is not early. */
  uv_update_time(a->loop);
  uv_timer_start(&a->timer, timer_cb, (uint64_t)s * 1000u, 0);
}

static void disarm(vg_agent *a) {
  uv_timer_stop(&a->timer);
  if (a->alarm != NULL)
    vg_alarm_disarm(a->alarm);
}

static void log_track(vg_agent *a, const struct vg_track_result *r) {
  char t[64];
  int threshold = vg_policy_threshold(a->policy);
  switch (r->kind) {
  case VG_TRACK_RUN_COUNTED:
    fmt_time(a, r->run_start, t, sizeof(t));
    vg_log_info(VG_EV_RUN_COUNTED, "run counted: %d/%d (run started %s%s)",
                r->count_after, threshold, t, r->failed ? ", failed" : "");
    break;
  case VG_TRACK_CALIBRATED:
    vg_log_info(VG_EV_CALIBRATED,
                "calibrated from VSS 12289: %d active sessions (estimate was "
                "%d, threshold %d)",
                r->count_after, r->count_before, threshold);
    break;
  case VG_TRACK_BOOT:
    fmt_time(a, vg_state_boot_time(a->state), t, sizeof(t));
    vg_log_info(VG_EV_BOOT,
                "boot detected (booted %s): count reset from %d to %d", t,
                r->count_before, r->count_after);
    if (r->remediated)
      vg_log_info(VG_EV_REMEDIATED,
                  "remediation confirmed: the server booted after the reboot "
                  "this agent initiated; count is %d",
                  r->count_after);
    break;
  case VG_TRACK_RUN_STARTED:
    fmt_time(a, r->run_start, t, sizeof(t));
    vg_log_debug("backup run started at %s", t);
    break;
  case VG_TRACK_RUN_ENDED:
    fmt_time(a, r->run_start, t, sizeof(t));
    if (r->uncounted) {
      vg_log_info(VG_EV_RUN_UNCOUNTED,
                  "failed run not counted after all: %d/%d (run started %s)",
                  r->count_after, threshold, t);
      break;
    }
    vg_log_debug("backup run of %s ended%s (not counted again)", t,
                 r->failed ? " with a failure" : "");
    break;
  case VG_TRACK_STALE:
    vg_log_debug("event from before the current boot ignored");
    break;
  default: break;
  }
}

/* Verified remediation and foreign sessions, from a tracker result. */
static void log_remediation(vg_agent *a, const struct vg_track_result *r) {
  char t[64];
  if (r->verified) {
    fmt_time(a, r->run_start, t, sizeof(t));
    vg_log_info(VG_EV_REMEDIATION_VERIFIED,
                "remediation verified: the first backup run after the "
                "reboot (started %s) ended without VSS 12289; backups work "
                "again",
                t);
  }
  if (r->foreign)
    vg_log_warn(VG_EV_FOREIGN_SESSIONS,
                "VSS 12289 reports %d active sessions soon after the boot, "
                "with only %d backup run(s) since it: another VSS requestor "
                "leaks sessions too; counting on from %d",
                r->count_after, r->runs_since_boot, r->count_after);
}

/*
 * Asks for the release of the FleetLock slot the state holds, in the group
 * and as the id it was granted under (a reload may have changed
 * fleet_lock since), else of the configured one (the client cycle's
 * steady-state at start and after a boot).
 */
static void fleet_release(vg_agent *a, const char *why, int64_t after_s) {
  struct vg_fleet_hold h;
  vg_state_fleet_slot(a->state, &h);
  if (h.held)
    vg_fleet_side_release_slot(a->fleet, h.group, h.id, why, after_s);
  else
    vg_fleet_side_release(a->fleet, why, after_s);
}

/* True when the slot of group as id is not the one fleet_lock names now. */
static bool fleet_other_slot(vg_agent *a, const char *group, const char *id) {
  return !vg_fleet_side_enabled(a->fleet) ||
         strcmp(group, vg_fleet_side_group(a->fleet)) != 0 ||
         strcmp(id, vg_fleet_side_id(a->fleet)) != 0;
}

static void apply_event(vg_agent *a, const struct vg_event *ev) {
  struct vg_track_result r;
  memset(&r, 0, sizeof(r));
  /* The running boot by the clock as it is now (the clock may have been
   * set back since the boot's events were logged). */
  struct vg_live live = {a->ops->now(a->ops->ud), 0};
  if (a->ops->boot_time(a->ops->ud, &live.boot_est) != 0)
    live.boot_est = 0;
  int rc = vg_tracker_apply_live(a->state, ev,
                                 vg_policy_count_failed(a->policy), &live, &r);
  if (rc != 0) {
    vg_log_debug("event %u (record %llu) skipped: %s", (unsigned)ev->event_id,
                 (unsigned long long)ev->record_id, vg_strerror(rc));
    return;
  }
  if (r.kind == VG_TRACK_DUPLICATE)
    return;
  log_track(a, &r);
  log_remediation(a, &r);
  a->dirty = true;
  a->changed = true;
  if (r.kind == VG_TRACK_BOOT && a->fleet != NULL)
    fleet_release(a, "after the boot", 0);
}

static void on_parsed(const struct vg_event *ev, void *ud) {
  apply_event(ud, ev);
}

/* Ends a batch of events: one save and one evaluation for all of them. */
static void end_batch(vg_agent *a) {
  if (a->batch > 0 || !a->changed || a->stopped)
    return;
  a->changed = false;
  if (a->dirty)
    save_state(a);
  vg_agent_evaluate(a);
}

static void log_scheduled(vg_agent *a, const struct vg_decision *d) {
  char at[64], s[64], e[64], skipped[1024];
  fmt_time(a, d->sched.at, at, sizeof(at));
  fmt_time(a, d->sched.slot_start, s, sizeof(s));
  fmt_time(a, d->sched.slot_end, e, sizeof(e));
  skipped[0] = '\0';
  size_t off = 0;
  for (size_t i = 0; i < d->plan.nskips && i < VG_PLAN_MAX_SKIPS; i++) {
    char ws[64];
    fmt_time(a, d->plan.skips[i].window.start, ws, sizeof(ws));
    int n =
        snprintf(skipped + off, sizeof(skipped) - off, "%s%s: %s",
                 i == 0 ? " (skipped: " : "; ", ws, d->plan.skips[i].reason);
    if (n < 0 || (size_t)n >= sizeof(skipped) - off)
      break;
    off += (size_t)n;
  }
  if (off > 0 && off + 1 < sizeof(skipped))
    snprintf(skipped + off, sizeof(skipped) - off, ")");
  vg_log_info(VG_EV_SCHEDULED, "reboot scheduled at %s in slot [%s, %s)%s", at,
              s, e, skipped);
}

/* Stores a new schedule from a decision and logs it. */
static void notify_scheduled(vg_agent *a, const struct vg_decision *d);
static void boot_duties(vg_agent *a);

static void store_sched(vg_agent *a, const struct vg_decision *d) {
  struct vg_sched old;
  vg_state_scheduled(a->state, &old);
  vg_state_set_scheduled(a->state, &d->sched);
  a->dirty = true;
  if (d->sched.set && d->plan.at != 0 && (!old.set || old.at != d->sched.at)) {
    log_scheduled(a, d);
    notify_scheduled(a, d);
  } else if (!d->sched.set && old.set)
    vg_log_info(VG_EV_SCHEDULED, "scheduled reboot cancelled: %s", d->why);
  save_state(a);
}

/*
 * True when a reboot this agent initiated while holding its FleetLock slot
 * has not been followed by a boot yet: the slot stays held across it.
 */
static bool fleet_reboot_pending(vg_agent *a, vg_wall_t *at) {
  struct vg_fleet_hold h;
  struct vg_reboot_rec recs[VG_STATE_MAX_HISTORY];
  vg_state_fleet_slot(a->state, &h);
  if (!h.held)
    return false;
  size_t n = vg_state_history(a->state, recs, VG_STATE_MAX_HISTORY);
  for (size_t i = n; i-- > 0;)
    if (!recs[i].confirmed && recs[i].at >= h.since) {
      if (at != NULL)
        *at = recs[i].at;
      return true;
    }
  return false;
}

/* Releases a held slot that no reboot used (rebootmgr's lesson: a slot
 * kept without a reboot blocks the group). */
static void fleet_release_unused(vg_agent *a, const char *why) {
  struct vg_fleet_hold h;
  vg_state_fleet_slot(a->state, &h);
  if (h.held && !fleet_reboot_pending(a, NULL))
    fleet_release(a, why, 0);
}

/* After each decision: a wait for a slot that the slot's end interrupted is
 * postponed; a slot held without a reboot to come is released. */
static void fleet_after_decision(vg_agent *a, const struct vg_decision *d) {
  if (d->action == VG_ACT_REBOOT || a->due_busy)
    return;
  if (a->fleet_waiting) {
    a->fleet_waiting = false;
    vg_fleet_side_wait_over(a->fleet);
    vg_log_info(VG_EV_POSTPONED,
                "reboot postponed: no FleetLock slot of group %s was granted "
                "while the slot allowed a reboot (%s)",
                vg_fleet_side_group(a->fleet), d->why);
  }
  fleet_release_unused(a, "no reboot in this slot");
}

static void notify_initiated(vg_agent *a, const char *why, uint32_t warning_s);
static void notify_locked(vg_agent *a, const char *why);

/* Calls the platform's reboot and reacts to its answer; the attempt
 * recorded at at is on disk. */
static void call_reboot(vg_agent *a, const char *why, vg_wall_t at) {
  const struct vg_reboot_cfg *rc = vg_policy_reboot(a->policy);
  struct vg_reboot_req req;
  memset(&req, 0, sizeof(req));
  req.message = rc->message;
  int64_t w = rc->warning_s;
  req.warning_s = (uint32_t)(w < 0 ? 0 : (w > 315360000 ? 315360000 : w));
  req.force_close_apps = rc->force_close_apps;
  req.reason = rc->reason;
  req.command = a->reboot_command;
  a->retry_pending = false;
  int r = a->ops->reboot(a->ops->ud, &req);
  switch (r) {
  case 0:
    vg_log_warn(VG_EV_REBOOT_INITIATED,
                "reboot initiated: %s; warning %us, force %s, reason 0x%08x",
                why, (unsigned)req.warning_s,
                req.force_close_apps ? "yes" : "no", (unsigned)req.reason);
    notify_initiated(a, why, req.warning_s);
    break;
  case VG_EBUSY:
    vg_log_warn(VG_EV_REBOOT_INITIATED,
                "reboot initiated: a shutdown is already pending (%s)", why);
    break;
  case VG_EAGAIN:
    /* "Not ready" is a definite "nothing started": the attempt is taken
     * back, and the retry, which goes through every stage again, records
     * its own before its call. The loop guard counts calls the platform
     * may have acted on, one per call, never two for one slot's call. */
    vg_state_take_back_attempt(a->state, at);
    a->dirty = true;
    save_state(a);
    vg_log_warn(VG_EV_REBOOT_FAILED,
                "the system cannot reboot right now (%s); retrying in %d s",
                vg_strerror(r), RETRY_S);
    a->retry_pending = true;
    arm_delay(a, RETRY_S);
    return;
  default:
    vg_log_error(VG_EV_REBOOT_FAILED, "reboot failed: %s", vg_strerror(r));
    fleet_release_unused(a, "the reboot call failed");
    break;
  }
  /* The attempt is in the history: the next decision moves on to the next
   * slot instead of acting again in this one. */
  a->again = true;
}

/*
 * The timer after VG_EAGAIN: the due moment again, through every stage
 * (the decision at this instant, the gates, the FleetLock slot confirmed
 * with a pre-reboot, the pre-reboot hook), since 30 s passed: a pause, a
 * veto, a blackout or the loss of the slot meanwhile holds the retry.
 */
static void retry_reboot(vg_agent *a) {
  a->retry_pending = false;
  /* An administrator's pause written meanwhile holds the retry too. */
  if (take_over(a)) {
    a->dirty = true;
    save_state(a);
  }
  vg_log_info(VG_EV_GENERIC, "reboot retry after a not-ready answer: every "
                             "check, gate and hook again");
  vg_agent_evaluate(a);
}

/*
 * The due moment, as explicit stages. vg_decide has said REBOOT: the count
 * reached the threshold and the local checks passed (inside an allowed
 * slot, no blackout, uptime, reboots per week, no backup running). Then:
 *
 *   1. stage_local     state saved; the decision is kept in a->due
 *   2. stage_gates     [issue 12: sessions, processes, veto, alerts]
 *   3. stage_fleet     FleetLock pre-reboot (asynchronous, over HTTP)
 *   4. stage_recheck   vg_decide again at this instant: slot, blackouts and
 *                      every guard; on failure a held slot is released
 *   5. stage_hook      [issue 12: the pre-reboot hook]
 *   6. stage_shutdown  dry run, or record the attempt, save, reboot call
 *
 * Each stage calls the next or ends the sequence; an ended sequence starts
 * again at stage 1 on a later evaluation. An asynchronous stage sets
 * a->due_busy while its request is in flight and continues from its
 * callback; evaluations in between do not start a second sequence. Every
 * failure of the network side ends the sequence without a reboot (fail
 * closed); counting goes on meanwhile.
 */
static void stage_gates(vg_agent *a);
static void stage_fleet(vg_agent *a);
static void stage_recheck(vg_agent *a);
static void stage_hook(vg_agent *a);
static void stage_shutdown(vg_agent *a);

/* Arms the timer for a delay of ms milliseconds (the next ask for a slot). */
static void arm_ms(vg_agent *a, uint64_t ms) {
  vg_alarm_disarm(a->alarm);
  uv_update_time(a->loop);
  uv_timer_start(&a->timer, timer_cb, ms, 0);
}

/* Stage 1: the local checks passed; the state must be on disk. */
static void stage_local(vg_agent *a, const struct vg_decision *d) {
  char msg[512];
  if (a->due_busy)
    return; /* the running sequence goes on from its callback */
  if (a->dirty && save_state(a) == VG_EBUSY) {
    a->eval_after_save = true; /* begins once the state is on disk */
    return;
  }
  if (a->save_failed) {
    snprintf(msg, sizeof(msg),
             "reboot postponed: state not saved (%s cannot be written)",
             a->state_path);
    note(a, VG_LOG_WARN, VG_EV_POSTPONED, msg);
    arm_delay(a, SAVE_RETRY_S);
    return;
  }
  a->due = *d;
  stage_gates(a);
}

/* Stage 2: the gates (issue 12). See "Gates" below. */
static void gates_start(vg_agent *a);

static void stage_gates(vg_agent *a) {
  gates_start(a);
}

/* The next ask for a slot: after the retry delay, but no later than the
 * usable end of the slot, where the next evaluation postpones. */
static void fleet_wait(vg_agent *a) {
  uint64_t ms = vg_fleet_side_retry_ms(a->fleet);
  vg_wall_t now = a->ops->now(a->ops->ud);
  vg_wall_t end =
      a->due.sched.slot_end - vg_policy_reboot(a->policy)->min_time_left_s;
  if (end > now && (uint64_t)(end - now) * 1000u < ms)
    ms = (uint64_t)(end - now) * 1000u;
  a->fleet_waiting = true;
  arm_ms(a, ms);
}

static bool dry_run_on(const vg_agent *a);

static void on_fleet_acquired(void *ud, enum vg_fleet_outcome outcome,
                              const char *group, const char *id) {
  vg_agent *a = ud;
  a->due_busy = false;
  if (a->stopped)
    return;
  if (outcome != VG_FLEET_GRANTED) {
    fleet_wait(a);
    write_metrics(a);
    return;
  }
  struct vg_fleet_hold h;
  memset(&h, 0, sizeof(h));
  h.held = true;
  h.since = a->ops->now(a->ops->ud);
  /* Kept under the group and id the request was made for, so the release
   * goes there whatever a reload changes meanwhile. */
  snprintf(h.group, sizeof(h.group), "%s", group);
  snprintf(h.id, sizeof(h.id), "%s", id);
  vg_state_set_fleet_slot(a->state, &h);
  a->dirty = true;
  a->fleet_waiting = false;
  vg_fleet_side_wait_over(a->fleet);
  /* "slot held" is on disk before anything acts on it: after a crash the
   * agent knows it holds the slot. */
  save_state(a);
  if (fleet_other_slot(a, group, id)) {
    /* A reload changed fleet_lock while the request was in flight: this
     * slot is not the one to reboot with; it goes back to its group at
     * once, and the due reboot asks under the new settings. */
    vg_log_info(VG_EV_FLEET_ACQUIRED,
                "the FleetLock slot of group %s (id %s) was granted to a "
                "request made before fleet_lock changed: given back, not "
                "used",
                group, id);
    vg_fleet_side_release_slot(a->fleet, group, id,
                               "fleet_lock changed while it was asked for", 0);
    if (!vg_fleet_side_enabled(a->fleet))
      vg_log_warn(VG_EV_FLEET_ERROR,
                  "fleet_lock is off: release the slot of group %s with "
                  "'vssguard fleet-lock unlock --policy FILE --id %s' "
                  "against that group's server",
                  group, id);
    vg_agent_evaluate(a);
    return;
  }
  if (dry_run_on(a)) {
    /* The kill switch came while the request was in flight: no reboot,
     * and the slot goes back to the group at once. */
    vg_log_info(VG_EV_FLEET_DRY_RUN,
                "dry run: the FleetLock slot granted after dry run was turned "
                "on is given back");
    vg_fleet_side_release_slot(a->fleet, group, id, "dry run was turned on", 0);
    vg_agent_evaluate(a);
    return;
  }
  a->again = false;
  stage_recheck(a);
  if (a->again)
    vg_agent_evaluate(a);
  else
    write_metrics(a);
}

/* The release of group as id was confirmed: the state no longer holds
 * that slot. */
static void on_fleet_released(void *ud, const char *group, const char *id) {
  vg_agent *a = ud;
  struct vg_fleet_hold h;
  if (a->stopped)
    return;
  vg_state_fleet_slot(a->state, &h);
  if (h.held && strcmp(h.group, group) == 0 && strcmp(h.id, id) == 0) {
    vg_state_set_fleet_slot(a->state, NULL);
    a->dirty = true;
    save_state(a);
  }
  /* A due reboot that waited for the release asks for its slot now. */
  if (a->fleet_waiting && !a->due_busy)
    vg_agent_evaluate(a);
  else
    write_metrics(a);
}

/* Stage 3: a FleetLock slot of the group, when the policy has fleet_lock. */
static void stage_fleet(vg_agent *a) {
  if (!vg_fleet_side_enabled(a->fleet)) {
    /* Time passed while the gates were asked: check everything again. */
    if (a->gates_async)
      stage_recheck(a);
    else
      stage_hook(a);
    return;
  }
  /* Also when the state says the slot is held (the reboot call asked to be
   * retried): a pre-reboot confirms it, as FleetLock locks are recursive
   * (200 again for a holder), and a slot released or taken by another
   * machine meanwhile is not used. A slot held under settings a reload has
   * changed goes back first (acquire waits for that release). */
  struct vg_fleet_hold h;
  vg_state_fleet_slot(a->state, &h);
  if (h.held && fleet_other_slot(a, h.group, h.id))
    fleet_release(a, "fleet_lock changed since the slot was granted", 0);
  int rc = vg_fleet_side_acquire(a->fleet);
  if (rc == 1) { /* dry run: the request was logged */
    stage_recheck(a);
    return;
  }
  if (rc == 0) {
    a->due_busy = true;
    return;
  }
  if (rc == VG_EBUSY) {
    /* A release after a boot or a restart is not confirmed yet: no new
     * slot before it is (the two must not cross). */
    note(a, VG_LOG_INFO, VG_EV_FLEET_WAITING,
         "waiting for a FleetLock slot: the release of the previous one is "
         "not confirmed yet");
  } else {
    note(a, VG_LOG_WARN, VG_EV_FLEET_ERROR,
         "FleetLock: no request possible (fleet_lock.id unknown or "
         "invalid); no reboot");
  }
  fleet_wait(a);
}

static const char *piggyback_pending(vg_agent *a, char *buf, size_t len);

/* The decision at this instant, and whether it still lets the reboot go
 * on (the policy trusted, not counting only, the guard not locked). */
static bool reboot_passes_now(vg_agent *a, struct vg_decision *d) {
  struct vg_decide_input in;
  memset(&in, 0, sizeof(in));
  in.policy = a->policy;
  in.state = a->state;
  in.now = a->ops->now(a->ops->ud);
  in.seed = a->seed;
  if (a->ops->boot_time(a->ops->ud, &in.boot_time) != 0)
    in.boot_time = vg_state_boot_time(a->state);
  char pending[160];
  in.restart_pending = piggyback_pending(a, pending, sizeof(pending));
  vg_decide(&in, d);
  return d->action == VG_ACT_REBOOT && a->policy_trusted && !a->count_only &&
         !vg_state_locked(a->state);
}

/* Stage 4: everything again at this instant (after the gates and with the
 * FleetLock slot in hand). */
static void stage_recheck(vg_agent *a) {
  struct vg_decision d;
  if (!reboot_passes_now(a, &d)) {
    vg_log_info(VG_EV_POSTPONED,
                "reboot postponed: the checks no longer pass at the moment "
                "of the reboot (%s)",
                d.why);
    fleet_release_unused(a, "the checks no longer passed");
    a->again = true; /* the evaluation plans what comes next */
    return;
  }
  a->due = d;
  stage_hook(a);
}

/* Stage 5: the pre-reboot hook, then the silence (issue 12). */
static void hook_start(vg_agent *a);

static void stage_hook(vg_agent *a) {
  hook_start(a);
}

/* The reboot waits for a state that cannot be saved. */
static void postpone_unsaved(vg_agent *a) {
  char msg[512];
  snprintf(msg, sizeof(msg),
           "reboot postponed: state not saved (%s cannot be written)",
           a->state_path);
  note(a, VG_LOG_WARN, VG_EV_POSTPONED, msg);
  arm_delay(a, SAVE_RETRY_S);
}

/*
 * Stage 6: the one call of the reboot module, after the attempt is saved.
 * The state's lock is held from the last read-back of the file to the saved
 * attempt, so an administrator's command cannot write in between (its
 * pause would come too late, or its older file would hide the attempt).
 * While a command holds it, the stage waits (lock_timer, due_busy) and
 * every check is made again before it runs again.
 */
static void stage_shutdown(vg_agent *a) {
  const struct vg_decision *d = &a->due;
  vg_wall_t now = a->ops->now(a->ops->ud);
  vg_plat_lock *lk = NULL;
  clear_note(a);
  int lrc = lock_state(a, &lk);
  if (lrc == VG_EBUSY) {
    a->shutdown_waits = true;
    a->due_busy = true;
    return;
  }
  if (lrc != 0) {
    postpone_unsaved(a);
    return;
  }
  /* The last moment an administrator's pause or reset can arrive without a
   * reload: taken over, the evaluation decides again. */
  if (take_over(a)) {
    a->dirty = true;
    save_locked(a);
    vg_state_unlock(lk);
    vg_log_info(VG_EV_POSTPONED, "reboot postponed: an administrator's "
                                 "request was taken over from the state file");
    fleet_release_unused(a, "an administrator's request was taken over");
    a->again = true;
    return;
  }
  if (a->cfg.dry_run || vg_policy_dry_run(a->policy)) {
    vg_state_unlock(lk);
    /* Once per slot: then wait for its end, where the next slot is
     * planned. */
    if (now >= a->dry_until || d->sched.slot_end > a->dry_until)
      vg_log_info(VG_EV_DRY_RUN, "dry run: would reboot now (%s)", d->why);
    /* A slot granted before dry run was turned on (a reload during the
     * hook or the retry delay) is not kept for a reboot that will not
     * come: the group's other machines would wait for it. */
    fleet_release_unused(a, "dry run: no reboot");
    a->dry_until = d->sched.slot_end;
    arm(a, a->dry_until, now);
    return;
  }
  int r = vg_state_record_attempt(a->state, now);
  if (r == VG_ELOCKED) {
    vg_log_error(VG_EV_LOCKED,
                 "reboot not initiated: %d attempts did not lead to a boot; "
                 "run 'vssguard reset' once the cause is fixed",
                 vg_state_pending_attempts(a->state));
    a->dirty = true; /* the guard now holds: keep it across restarts */
    save_locked(a);
    vg_state_unlock(lk);
    notify_locked(a, "reboot attempts did not lead to a boot");
    fleet_release_unused(a, "reboots are locked");
    disarm(a);
    return;
  }
  a->dirty = true;
  /* The attempt must be on disk before the call: after a crash or a
   * restart it still counts, and this slot is not used twice. */
  int src = save_locked(a);
  vg_state_unlock(lk);
  if (src != 0) {
    /* Not saved, so not tried: the guard counts only attempts that were on
     * disk before the call, or an unwritable state would lock reboots that
     * never happened. */
    vg_state_take_back_attempt(a->state, now);
    postpone_unsaved(a);
    return;
  }
  call_reboot(a, d->why, now);
}

/*
 * Something took time since the due moment's checks (the wait for the
 * state's lock, the pre-reboot hook, the silence request: a reload, the
 * slot's end, a blackout may have come meanwhile): every check again at this
 * instant. Returns true when the reboot may go on; otherwise logs the
 * postponement, "after " what, and releases an unused FleetLock slot ("after "
 * step), and the evaluation plans what comes next.
 */
static bool checks_pass_after(vg_agent *a, const char *what, const char *step) {
  struct vg_decision d;
  if (!reboot_passes_now(a, &d)) {
    char why[120];
    vg_log_info(VG_EV_POSTPONED,
                "reboot postponed: the checks no longer pass after the %s "
                "(%s)",
                what, d.why);
    snprintf(why, sizeof(why), "the checks no longer passed after the %s",
             step);
    fleet_release_unused(a, why);
    a->again = true;
    return false;
  }
  return true;
}

/* The wait for the state's lock took time: every check again at this
 * instant, then the shutdown stage again. */
static void after_lock_wait(vg_agent *a) {
  if (checks_pass_after(a, "wait for the state's lock", "wait"))
    stage_shutdown(a);
}

static void continue_from_callback(vg_agent *a, void (*stage)(vg_agent *));

/* The state's lock may be free again: whatever waited for it goes on. */
static void lock_timer_cb(uv_timer_t *t) {
  vg_agent *a = t->data;
  if (a->stopped)
    return;
  if (a->shutdown_waits) {
    a->shutdown_waits = false;
    a->due_busy = false;
    continue_from_callback(a, after_lock_wait);
    return;
  }
  a->again = false;
  if (a->dirty && save_state(a) == VG_EBUSY)
    return; /* still held: the timer runs again */
  if (a->again || a->eval_after_save) {
    a->eval_after_save = false;
    vg_agent_evaluate(a);
  } else {
    write_metrics(a);
  }
}

/*
 * Gates, hooks and notifications (issue 12).
 *
 * stage_gates runs the gate check (sessions, processes, veto command,
 * Alertmanager); a gate that blocks postpones within the slot (event 1009)
 * and the check is made again after gates.retry. stage_hook runs the
 * pre-reboot hook (non-zero postpones the same way), then creates the
 * Alertmanager silence for this machine, whose id is saved with the
 * attempt before the shutdown call. In dry run every gate and the hook run
 * once per slot with VSSGUARD_DRY_RUN=1 and event 1040 says what would have
 * blocked. After the boot that confirms a reboot of this agent (1011), the
 * post-boot hook runs once ("post_boot" in the state, saved before it
 * starts, so a kill -9 never runs it twice), VssGuardRemediated is pushed
 * and the silence expired. A notification that fails is logged and nothing
 * else: it never blocks or causes a reboot.
 */

/* How long the agent's own alerts stay active in Alertmanager. */
#define NOTIFY_ACTIVE_S 3600

static bool dry_run_on(const vg_agent *a) {
  return a->cfg.dry_run || vg_policy_dry_run(a->policy);
}

static struct vg_cmd_env cmd_env(const vg_agent *a, vg_wall_t slot_end) {
  struct vg_cmd_env e;
  memset(&e, 0, sizeof(e));
  e.count = vg_state_count(a->state);
  e.threshold = vg_policy_threshold(a->policy);
  e.slot_end = slot_end;
  e.dry_run = dry_run_on(a);
  e.group =
      vg_fleet_side_enabled(a->fleet) ? vg_fleet_side_group(a->fleet) : NULL;
  return e;
}

static void push(vg_agent *a, const char *name, const char *summary,
                 const char *description, vg_wall_t ends) {
  const struct vg_notify *n = vg_policy_notify(a->policy);
  if (!n->set || !a->policy_trusted || dry_run_on(a))
    return;
  vg_wall_t now = a->ops->now(a->ops->ud);
  vg_notify_alert(a->loop, n, a->instance, name, summary, description, now,
                  ends > now ? ends : now + NOTIFY_ACTIVE_S);
}

static void notify_scheduled(vg_agent *a, const struct vg_decision *d) {
  char at[64], sum[512], desc[1536];
  fmt_time(a, d->sched.at, at, sizeof(at));
  snprintf(sum, sizeof(sum), "%s reboots at %s to clear VSS writer sessions",
           a->instance, at);
  snprintf(desc, sizeof(desc),
           "VSS Session Guard scheduled a reboot of %s at %s: %d active VSS "
           "writer sessions estimated, threshold %d.",
           a->instance, at, vg_state_count(a->state),
           vg_policy_threshold(a->policy));
  push(a, VG_AM_SCHEDULED, sum, desc, d->sched.slot_end);
}

static void notify_initiated(vg_agent *a, const char *why, uint32_t warning_s) {
  char sum[512], desc[1536];
  snprintf(sum, sizeof(sum), "%s is rebooting (VSS Session Guard)",
           a->instance);
  snprintf(desc, sizeof(desc),
           "VSS Session Guard initiated a reboot of %s with a %u s warning: "
           "%.500s.",
           a->instance, (unsigned)warning_s, why);
  push(a, VG_AM_INITIATED, sum, desc,
       a->ops->now(a->ops->ud) + warning_s + NOTIFY_ACTIVE_S);
}

static void notify_locked(vg_agent *a, const char *why) {
  char sum[512], desc[1536];
  snprintf(sum, sizeof(sum), "%s: VSS Session Guard stopped rebooting",
           a->instance);
  snprintf(desc, sizeof(desc),
           "Reboots of %s are locked (%.400s). Find out why the server did "
           "not reboot, then run vssguard reset.",
           a->instance, why);
  push(a, VG_AM_LOCKED, sum, desc, 0);
}

/* Pushes VssGuardRebootBlocked once a gate has held the reboot an hour. */
static void note_blocked(vg_agent *a, const char *why) {
  vg_wall_t now = a->ops->now(a->ops->ud);
  if (a->blocked_since == 0 || a->blocked_slot != a->due.sched.slot_end) {
    a->blocked_since = now;
    a->blocked_slot = a->due.sched.slot_end;
    a->blocked_notified = false;
  }
  if (!a->blocked_notified && now - a->blocked_since > 3600) {
    char sum[512], desc[1536];
    snprintf(sum, sizeof(sum), "%s: reboot postponed for more than an hour",
             a->instance);
    snprintf(desc, sizeof(desc),
             "The due reboot of %s has been postponed since %lld s: %.700s",
             a->instance, (long long)(now - a->blocked_since), why);
    push(a, VG_AM_BLOCKED, sum, desc, a->due.sched.slot_end);
    a->blocked_notified = true;
  }
}

/* Ends the sequence for now: ask again after gates.retry (the evaluation
 * then moves on to the next slot when this one is over). */
static void retry_later(vg_agent *a) {
  vg_wall_t now = a->ops->now(a->ops->ud);
  arm(a, now + vg_policy_gates(a->policy)->retry_s, now);
}

/* Runs a stage from a callback: a new evaluation follows when asked. */
static void continue_from_callback(vg_agent *a, void (*stage)(vg_agent *)) {
  a->again = false;
  stage(a);
  if (a->again)
    vg_agent_evaluate(a);
  else
    write_metrics(a);
}

static void on_gates(void *ud, const struct vg_gate_result *r) {
  vg_agent *a = ud;
  bool from_callback = !a->in_gates;
  char msg[1200];
  a->due_busy = false;
  if (a->stopped)
    return;
  if (from_callback)
    a->gates_async = true;
  if (a->gates_dry && !dry_run_on(a)) {
    /* Dry run was turned off while the gates rehearsed: the rehearsal's
     * answer does not stand for the real gates, which run now. */
    vg_log_info(VG_EV_POSTPONED,
                "dry run was turned off while the gates rehearsed; "
                "they run again before the reboot");
    vg_agent_evaluate(a);
    return;
  }
  if (dry_run_on(a)) {
    if (r->allow)
      vg_log_info(VG_EV_GATES_DRY_RUN,
                  "dry run: no gate would have postponed the reboot");
    else
      vg_log_info(VG_EV_GATES_DRY_RUN,
                  "dry run: the gates would have postponed the reboot: %s",
                  r->why);
    a->gates_dry_until = a->due.sched.slot_end;
  } else if (!r->allow) {
    snprintf(msg, sizeof(msg), "reboot postponed by a gate: %s", r->why);
    note(a, VG_LOG_INFO, VG_EV_POSTPONED, msg);
    note_blocked(a, r->why);
    retry_later(a);
    if (from_callback)
      write_metrics(a);
    return;
  } else {
    a->blocked_since = 0;
  }
  if (from_callback)
    continue_from_callback(a, stage_fleet);
  else
    stage_fleet(a);
}

static void gates_start(vg_agent *a) {
  a->gates_async = false;
  if (!vg_gates_configured(a->policy) ||
      (dry_run_on(a) && a->due.sched.slot_end <= a->gates_dry_until)) {
    stage_fleet(a);
    return;
  }
  struct vg_gate_input in;
  memset(&in, 0, sizeof(in));
  in.loop = a->loop;
  in.policy = a->policy;
  in.instance = a->instance;
  in.env = cmd_env(a, a->due.sched.slot_end);
  in.now = a->ops->now(a->ops->ud);
  in.slot_start = a->due.sched.slot_start;
  in.dry_run = dry_run_on(a);
  a->gates_dry = in.dry_run;
  a->due_busy = true;
  a->in_gates = true;
  if (vg_gate_check_run(a->gates, &in, on_gates, a) != 0)
    a->due_busy = false; /* cannot happen: the sequence is not reentered */
  a->in_gates = false;
}

/* The silence request took time: every check again before the shutdown
 * call. */
static void after_silence(vg_agent *a) {
  if (checks_pass_after(a, "silence request", "silence"))
    stage_shutdown(a);
}

static void on_silence(void *ud, const char *id) {
  vg_agent *a = ud;
  a->due_busy = false;
  if (a->stopped)
    return;
  if (id[0] != '\0') {
    vg_wall_t until =
        a->ops->now(a->ops->ud) + vg_policy_notify(a->policy)->silence_s;
    char t[64];
    fmt_time(a, until, t, sizeof(t));
    if (vg_state_set_silence(a->state, id, until) == 0) {
      a->dirty = true; /* saved with the attempt, before the shutdown call */
      vg_log_info(VG_EV_SILENCE, "silence %s created for instance %s until %s",
                  id, a->instance, t);
    }
  }
  continue_from_callback(a, after_silence);
}

/*
 * A silence asked for at this due moment still in force for at least half
 * of notify.silence (the retry 30 s after a not-ready answer goes through
 * every stage again): kept, not asked for again. A new one at each retry
 * would leave the others in force after the boot, which expires only the
 * one the state names.
 */
static bool silence_kept(vg_agent *a, const struct vg_notify *n) {
  vg_wall_t until = 0, now = a->ops->now(a->ops->ud);
  const char *sid = vg_state_silence(a->state, &until);
  if (sid[0] == '\0' || until - now < n->silence_s / 2)
    return false;
  char t[64];
  fmt_time(a, until, t, sizeof(t));
  vg_log_info(VG_EV_SILENCE,
              "silence %s kept for instance %s: in force until %s", sid,
              a->instance, t);
  return true;
}

/* After the hook: the silence, then the shutdown call. */
static void silence_then_shutdown(vg_agent *a) {
  const struct vg_notify *n = vg_policy_notify(a->policy);
  if (!n->set || n->silence_s <= 0 || dry_run_on(a)) {
    stage_shutdown(a);
    return;
  }
  if (silence_kept(a, n)) {
    stage_shutdown(a);
    return;
  }
  a->due_busy = true;
  if (vg_notify_silence(a->loop, n, a->instance, a->ops->now(a->ops->ud),
                        "reboot by VSS Session Guard", on_silence, a) != 0) {
    a->due_busy = false;
    vg_log_warn(VG_EV_NOTIFY_FAILED,
                "silence not requested; the reboot goes ahead");
    stage_shutdown(a);
  }
}

/* The hook took time: every check again at this instant. */
static void after_hook(vg_agent *a) {
  if (checks_pass_after(a, "pre-reboot hook", "hook"))
    silence_then_shutdown(a);
}

static void on_pre_hook(void *ud, const struct vg_cmd_result *r) {
  vg_agent *a = ud;
  a->due_busy = false;
  a->hook_proc = NULL;
  if (a->stopped)
    return;
  bool ok = r->outcome == VG_CMD_EXITED && r->exit_status == 0;
  if (dry_run_on(a)) {
    vg_log_info(VG_EV_GATES_DRY_RUN,
                "dry run: hook pre_reboot: %s after %.1f s%s", r->describe,
                r->elapsed_s, ok ? "" : " (would have postponed the reboot)");
    a->hook_dry_until = a->due.sched.slot_end;
    continue_from_callback(a, stage_shutdown);
    return;
  }
  if (a->hook_dry) {
    /* Dry run was turned off while the hook rehearsed: the rehearsal does
     * not stand for the real hook, which runs now. */
    vg_log_info(VG_EV_POSTPONED,
                "dry run was turned off while the pre-reboot hook rehearsed; "
                "it runs again before the reboot");
    vg_agent_evaluate(a);
    return;
  }
  if (!ok) {
    char msg[512];
    vg_log_warn(VG_EV_HOOK_FAILED,
                "hook pre_reboot: %s after %.1f s; reboot postponed",
                r->describe, r->elapsed_s);
    snprintf(msg, sizeof(msg), "reboot postponed: pre-reboot hook: %s",
             r->describe);
    note(a, VG_LOG_INFO, VG_EV_POSTPONED, msg);
    note_blocked(a, msg);
    retry_later(a);
    write_metrics(a);
    return;
  }
  vg_log_info(VG_EV_HOOK_RAN, "hook pre_reboot: %s after %.1f s", r->describe,
              r->elapsed_s);
  continue_from_callback(a, after_hook);
}

static void hook_start(vg_agent *a) {
  const struct vg_command *h = &vg_policy_hooks(a->policy)->pre_reboot;
  if (!h->set ||
      (dry_run_on(a) && a->due.sched.slot_end <= a->hook_dry_until)) {
    silence_then_shutdown(a);
    return;
  }
  struct vg_cmd_env env = cmd_env(a, a->due.sched.slot_end);
  a->due_busy = true;
  a->hook_dry = env.dry_run;
  if (vg_cmd_start(a->loop, h, &env, on_pre_hook, a, &a->hook_proc) != 0) {
    a->due_busy = false;
    vg_log_warn(VG_EV_HOOK_FAILED,
                "hook pre_reboot not started (out of memory); reboot "
                "postponed");
    retry_later(a);
  }
}

static void on_unsilenced(void *ud, bool gone) {
  vg_agent *a = ud;
  if (a->stopped || !gone)
    return;
  vg_log_info(VG_EV_SILENCE, "silence %s expired after the boot",
              vg_state_silence(a->state, NULL));
  vg_state_set_silence(a->state, NULL, 0);
  a->dirty = true;
  save_state(a);
}

static void on_post_hook(void *ud, const struct vg_cmd_result *r) {
  vg_agent *a = ud;
  a->hook_proc = NULL;
  a->boot_duties_busy = false;
  if (r->outcome == VG_CMD_EXITED && r->exit_status == 0)
    vg_log_info(VG_EV_HOOK_RAN, "hook post_boot: %s after %.1f s", r->describe,
                r->elapsed_s);
  else
    vg_log_warn(VG_EV_HOOK_FAILED,
                "hook post_boot: %s after %.1f s (not run again for this "
                "boot)",
                r->describe, r->elapsed_s);
}

/*
 * After the boot that confirms this agent's reboot: the post-boot hook,
 * VssGuardRemediated and the silence's expiry, once per boot. The newest
 * reboot record must be confirmed, before this boot and less than a day
 * before it, and not before the boot of the last duties.
 */
static void boot_duties(vg_agent *a) {
  if (a->stopped || a->boot_duties_busy || !a->policy_trusted ||
      a->count_only || !a->boot_checked)
    return;
  vg_wall_t boot = vg_state_boot_time(a->state);
  vg_wall_t done = vg_state_post_boot_done(a->state);
  if (boot == 0 || done >= boot)
    return;
  struct vg_reboot_rec recs[VG_STATE_MAX_HISTORY];
  size_t n = vg_state_history(a->state, recs, VG_STATE_MAX_HISTORY);
  if (n > VG_STATE_MAX_HISTORY)
    n = VG_STATE_MAX_HISTORY;
  if (n == 0)
    return;
  const struct vg_reboot_rec *last = &recs[n - 1];
  if (!last->confirmed || last->at >= boot || boot - last->at > 86400 ||
      last->at <= done)
    return;
  vg_state_set_post_boot_done(a->state, boot);
  a->dirty = true;
  int src = save_state(a);
  if (src == VG_EBUSY) {
    /* A command holds the state's lock: again once the mark is saved. */
    vg_state_set_post_boot_done(a->state, done);
    a->eval_after_save = true;
    return;
  }
  if (src != 0)
    return; /* not started without the mark on disk: no second run */
  char sum[512], desc[1536];
  snprintf(sum, sizeof(sum), "%s rebooted: VSS writer sessions cleared",
           a->instance);
  snprintf(desc, sizeof(desc),
           "VSS Session Guard confirmed the boot of %s after its reboot; the "
           "session count is %d.",
           a->instance, vg_state_count(a->state));
  push(a, VG_AM_REMEDIATED, sum, desc, 0);
  const struct vg_notify *nt = vg_policy_notify(a->policy);
  const char *sid = vg_state_silence(a->state, NULL);
  if (sid[0] != '\0' && nt->set)
    vg_notify_unsilence(a->loop, nt, sid, on_unsilenced, a);
  const struct vg_command *h = &vg_policy_hooks(a->policy)->post_boot;
  if (h->set) {
    struct vg_cmd_env env = cmd_env(a, 0);
    a->boot_duties_busy = true;
    if (vg_cmd_start(a->loop, h, &env, on_post_hook, a, &a->hook_proc) != 0) {
      a->boot_duties_busy = false;
      vg_log_warn(VG_EV_HOOK_FAILED, "hook post_boot not started");
    }
  }
}

/*
 * Piggyback: whether Windows needs a restart anyway, asked of the platform
 * only when the policy wants it. Returns the reason in buf, or NULL.
 */
static const char *piggyback_pending(vg_agent *a, char *buf, size_t len) {
  if (!vg_policy_piggyback(a->policy)->windows_update)
    return NULL;
  int rc = vg_plat_restart_pending(buf, len);
  if (rc < 0)
    vg_log_debug("cannot tell whether a restart is pending: %s",
                 vg_strerror(rc));
  return rc > 0 ? buf : NULL;
}

/*
 * A pending restart leaves no event to wait for: while the piggyback could
 * apply (on, count at least min_count) and nothing else is scheduled, the
 * agent looks again every PIGGYBACK_POLL_S.
 */
#define PIGGYBACK_POLL_S 600

static void piggyback_poll(vg_agent *a) {
  const struct vg_piggyback *pb = vg_policy_piggyback(a->policy);
  if (pb->windows_update && vg_state_count(a->state) >= pb->min_count)
    arm_delay(a, PIGGYBACK_POLL_S);
}

/* Logs a new schedule made for a cause other than the threshold. */
static void log_cause(const struct vg_decision *d) {
  if (d->reschedule && d->sched.set && d->cause == VG_CAUSE_PIGGYBACK)
    vg_log_info(VG_EV_PIGGYBACK, "%s: reboot planned in the next allowed slot",
                d->trigger);
  if (d->reschedule && d->sched.set && d->cause == VG_CAUSE_REQUEST)
    vg_log_info(VG_EV_REBOOT_REQUESTED,
                "%s: reboot planned in the next allowed slot", d->trigger);
}

static void evaluate_once(vg_agent *a) {
  vg_wall_t now = a->ops->now(a->ops->ud);
  char msg[512];

  if (a->count_only) {
    disarm(a);
    return;
  }
  if (!a->policy_trusted) {
    disarm(a);
    if (vg_state_count(a->state) >= vg_policy_threshold(a->policy))
      note(a, VG_LOG_WARN, VG_EV_POLICY_INSECURE,
           "no reboot scheduled: the policy file is not trusted");
    return;
  }

  struct vg_decide_input in;
  memset(&in, 0, sizeof(in));
  in.policy = a->policy;
  in.state = a->state;
  in.now = now;
  in.seed = a->seed;
  if (a->ops->boot_time(a->ops->ud, &in.boot_time) != 0)
    in.boot_time = vg_state_boot_time(a->state);
  char pending[160];
  in.restart_pending = piggyback_pending(a, pending, sizeof(pending));

  struct vg_decision d;
  int rc = vg_decide(&in, &d);
  if (d.reschedule)
    store_sched(a, &d);
  log_cause(&d);

  switch (d.action) {
  case VG_ACT_IDLE:
    disarm(a);
    piggyback_poll(a);
    if (rc == VG_ENOSLOT)
      note(a, VG_LOG_WARN, VG_EV_POSTPONED, d.why);
    else
      clear_note(a);
    break;
  case VG_ACT_LOCKED:
    disarm(a);
    if (strcmp(a->note, d.why) != 0)
      notify_locked(a, d.why);
    note(a, VG_LOG_ERROR, VG_EV_LOCKED, d.why);
    break;
  case VG_ACT_WAIT:
    if (d.postponed) {
      snprintf(msg, sizeof(msg), "reboot postponed: %s", d.why);
      note(a, VG_LOG_INFO, VG_EV_POSTPONED, msg);
    } else {
      clear_note(a);
    }
    arm(a, d.next, now);
    break;
  case VG_ACT_REBOOT: stage_local(a, &d); break;
  }
  fleet_after_decision(a, &d);
}

void vg_agent_evaluate(vg_agent *a) {
  if (a->stopped)
    return;
  if (a->evaluating) {
    a->again = true;
    return;
  }
  if (a->retry_pending && uv_is_active((uv_handle_t *)&a->timer))
    return; /* the retry timer decides */
  a->evaluating = true;
  /* A reboot call changes the history; look once more so the schedule
   * moves on. Bounded: each round can only move forward. */
  for (int round = 0; round < 4; round++) {
    a->again = false;
    evaluate_once(a);
    if (!a->again || a->stopped)
      break;
  }
  a->evaluating = false;
  boot_duties(a);
  write_metrics(a);
}

static void timer_cb(uv_timer_t *t) {
  vg_agent *a = t->data;
  if (a->retry_pending)
    retry_reboot(a);
  else
    vg_agent_evaluate(a);
}

static void alarm_cb(void *ud, bool clock_set) {
  vg_agent *a = ud;
  if (clock_set)
    vg_log_debug("the system clock was set: deciding again");
  vg_agent_evaluate(a);
}

/* Checks the policy file's permissions; an untrusted policy still counts. */
static void check_trust(vg_agent *a) {
  char why[512];
  why[0] = '\0';
  if (vg_plat_check_file_secure(a->policy_path, why, sizeof(why)) == 0) {
    a->policy_trusted = true;
    return;
  }
  a->policy_trusted = false;
  vg_log_error(VG_EV_POLICY_INSECURE,
               "%s; refusing to schedule reboots from this policy (runs are "
               "still counted)",
               why);
}

static void log_diags(const vg_diags *d, const char *path, int rc) {
  char line[768];
  for (size_t i = 0; i < d->n; i++) {
    vg_diag_format(&d->items[i], line, sizeof(line));
    vg_log_error(VG_EV_POLICY_INVALID, "%s", line);
  }
  if (d->n == 0)
    vg_log_error(VG_EV_POLICY_INVALID, "%s: %s", path, vg_strerror(rc));
}

static void log_policy(vg_agent *a, const char *what) {
  char sum[512];
  vg_policy_summary(a->policy, sum, sizeof(sum));
  vg_log_info(VG_EV_POLICY_LOADED, "policy %s %s: %s", a->policy_path, what,
              sum);
}

/* FNV-1a over the formatted errors: tells a new set of errors from the one
 * already logged. */
static uint64_t diags_hash(const vg_diags *d, const char *path, int rc) {
  uint64_t h = 14695981039346656037u;
  char line[768];
  for (size_t i = 0; i <= d->n; i++) {
    if (i < d->n)
      vg_diag_format(&d->items[i], line, sizeof(line));
    else
      snprintf(line, sizeof(line), "%s: %d", path, rc);
    for (const char *c = line; *c; c++)
      h = (h ^ (unsigned char)*c) * 1099511628211u;
    h = (h ^ '\n') * 1099511628211u;
  }
  return h == 0 ? 1 : h;
}

/*
 * Logs the errors of a failed policy load (event 1004), unless the same
 * errors were the last ones logged. Returns true when it logged them.
 */
static bool log_policy_errors(vg_agent *a, const vg_diags *d, int rc) {
  uint64_t h = diags_hash(d, a->policy_path, rc);
  a->policy_errors++;
  if (h == a->errors_logged) {
    vg_log_debug("policy %s still has the errors logged before",
                 a->policy_path);
    return false;
  }
  a->errors_logged = h;
  log_diags(d, a->policy_path, rc);
  return true;
}

static void on_policy_file_changed(void *ud) {
  vg_agent *a = ud;
  vg_log_info(VG_EV_GENERIC, "policy file %s changed: loading it",
              a->policy_path);
  (void)vg_agent_reload(a);
}

/* Count-only mode: watch the policy file so the fixed one is taken at once
 * (a reload request works as well). */
static void watch_policy_file(vg_agent *a) {
  if (!a->count_only || a->policy_watch != NULL || a->stopped)
    return;
  if (vg_policy_watch_start(a->loop, a->policy_path, on_policy_file_changed, a,
                            &a->policy_watch) != 0)
    vg_log_warn(VG_EV_GENERIC,
                "cannot watch %s for changes; a reload request loads it",
                a->policy_path);
}

/*
 * No valid policy at start: the agent runs with the default policy in
 * count-only mode, since stopping would stop counting. Returns 0 or
 * VG_ENOMEM.
 */
static int start_count_only(vg_agent *a, const vg_diags *d, int rc) {
  (void)log_policy_errors(a, d, rc);
  a->policy = vg_policy_new();
  if (a->policy == NULL)
    return VG_ENOMEM;
  a->count_only = true;
  a->policy_invalid = true;
  a->policy_trusted = false;
  vg_log_error(VG_EV_POLICY_INVALID,
               "no valid policy in %s: counting only (runs are counted and "
               "saved, no reboot is scheduled) until a valid policy is "
               "loaded",
               a->policy_path);
  return 0;
}

/* Loads the state; a corrupt or unreadable one is set aside and rebuilt. */
static int load_state(vg_agent *a) {
  char err[512];
  err[0] = '\0';
  char *text = NULL;
  size_t len = 0;
  int rc = vg_state_read_file(a->state_path, &text, &len, err, sizeof(err));
  if (rc == 0) {
    rc = vg_state_load_string(a->state_path, text, len, &a->state, err,
                              sizeof(err));
    if (rc == 0) {
      keep_disk_text(a, text, len); /* the first save compares with it */
      return 0;
    }
    free(text);
  }
  if (rc != VG_ENOENT) {
    vg_log_error(VG_EV_STATE_ERROR, "state file %s unusable (%s): %s",
                 a->state_path, vg_strerror(rc), err[0] ? err : "no detail");
    if (vg_state_quarantine(a->state_path) == 0)
      vg_log_error(VG_EV_STATE_ERROR,
                   "kept the unusable state as %s.corrupt; starting from a "
                   "fresh state",
                   a->state_path);
    else
      vg_log_error(VG_EV_STATE_ERROR,
                   "could not set %s aside; starting from a fresh state",
                   a->state_path);
  }
  a->state = vg_state_new();
  if (a->state == NULL)
    return VG_ENOMEM;
  a->dirty = true;
  return 0;
}

/* Frees what the agent owns (its timer must be closed or never opened). */
static void release(vg_agent *a) {
  if (a->parser != NULL)
    vg_evparser_free(a->parser);
  if (a->state != NULL)
    vg_state_free(a->state);
  free(a->disk_text);
  if (a->policy != NULL)
    vg_policy_free(a->policy);
  free(a->policy_path);
  free(a->state_path);
  free(a->events_follow);
  free(a->reboot_command);
  free(a->metrics_path);
  vg_gate_check_free(a->gates);
  free(a);
}

/* Gives the FleetLock side the policy's fleet_lock settings. */
static void fleet_configure(vg_agent *a) {
  bool dry = a->cfg.dry_run || vg_policy_dry_run(a->policy);
  if (vg_fleet_side_configure(a->fleet, vg_policy_fleet(a->policy), dry) == 0 &&
      vg_fleet_side_enabled(a->fleet))
    vg_log_info(VG_EV_POLICY_LOADED,
                "fleet coordination: FleetLock %s, group %s, id %s%s",
                vg_policy_fleet(a->policy)->url, vg_fleet_side_group(a->fleet),
                vg_fleet_side_id(a->fleet),
                dry ? " (dry run: nothing sent)" : "");
  /* A slot held under other settings is released in its own group and as
   * its own id (at fleet_lock's current URL); without fleet_lock it is not
   * released at all: say how to release it. */
  struct vg_fleet_hold h;
  vg_state_fleet_slot(a->state, &h);
  if (h.held && !vg_fleet_side_enabled(a->fleet))
    vg_log_warn(VG_EV_FLEET_ERROR,
                "this machine holds a FleetLock slot of group %s as %s, which "
                "it does not release without fleet_lock; release it "
                "with 'vssguard fleet-lock unlock --policy FILE --id %s' "
                "against that group's server",
                h.group, h.id, h.id);
  else if (h.held && fleet_other_slot(a, h.group, h.id))
    vg_log_info(VG_EV_POLICY_LOADED,
                "this machine holds a FleetLock slot of group %s as %s, "
                "granted under the previous fleet_lock settings: it is "
                "released there",
                h.group, h.id);
}

/*
 * At start: steady-state, as the FleetLock client cycle asks, so that a
 * slot left from before (a crash between the grant and the reboot, or a
 * boot) is free again. Not while a reboot this agent initiated in its slot
 * may still come (the countdown of reboot.warning and 2 minutes more): the
 * slot is for it.
 */
static void fleet_start(vg_agent *a) {
  vg_wall_t at;
  int64_t after = 0;
  if (!vg_fleet_side_enabled(a->fleet))
    return;
  if (fleet_reboot_pending(a, &at)) {
    vg_wall_t until = at + vg_policy_reboot(a->policy)->warning_s + 120;
    vg_wall_t now = a->ops->now(a->ops->ud);
    if (until > now)
      after = until - now;
  }
  fleet_release(a, after ? "no boot followed the reboot" : "at start", after);
}

int vg_agent_new(uv_loop_t *loop, const struct vg_agent_config *cfg,
                 vg_agent **out) {
  *out = NULL;
  if (cfg == NULL || cfg->policy_path == NULL || cfg->state_path == NULL)
    return VG_EINVAL;
  vg_agent *a = calloc(1, sizeof(*a));
  if (a == NULL)
    return VG_ENOMEM;
  a->loop = loop;
  a->cfg = *cfg;
  a->policy_path = dup_str(cfg->policy_path);
  a->state_path = dup_str(cfg->state_path);
  a->events_follow = dup_str(cfg->events_follow);
  a->reboot_command = dup_str(cfg->reboot_command);
  a->cfg.policy_path = a->policy_path;
  a->cfg.state_path = a->state_path;
  a->cfg.events_follow = a->events_follow;
  a->cfg.reboot_command = a->reboot_command;
  a->ops = cfg->ops ? cfg->ops : &vg_plat_default_ops;
  a->cfg.ops = a->ops;
  int rc = VG_ENOMEM;
  if (a->policy_path == NULL || a->state_path == NULL ||
      (cfg->events_follow && a->events_follow == NULL) ||
      (cfg->reboot_command && a->reboot_command == NULL))
    goto fail;

  vg_diags d = {0};
  rc = vg_policy_load_effective(a->policy_path, &a->policy, &d);
  if (rc != 0) {
    rc = start_count_only(a, &d, rc);
    vg_diags_free(&d);
    if (rc != 0)
      goto fail;
  } else {
    vg_diags_free(&d);
    log_policy(a, "loaded");
    check_trust(a);
  }

  a->seed = cfg->seed;
  if (a->seed == 0 && vg_plat_random(&a->seed, sizeof(a->seed)) != 0)
    a->seed = (uint64_t)a->ops->now(a->ops->ud);

  rc = load_state(a);
  if (rc != 0)
    goto fail;
  rc = VG_ENOMEM;
  a->parser = vg_evparser_new(on_parsed, a);
  if (a->parser == NULL)
    goto fail;
  struct vg_fleet_hooks hooks = {on_fleet_acquired, on_fleet_released, a};
  rc = vg_fleet_side_new(loop, &hooks, &a->fleet);
  if (rc != 0)
    goto fail;
  rc = vg_alarm_new(loop, alarm_cb, a, &a->alarm);
  if (rc != 0) {
    vg_fleet_side_close(a->fleet); /* freed when the loop runs */
    goto fail;
  }
  rc = uv_timer_init(loop, &a->timer);
  if (rc != 0) {
    vg_fleet_side_close(a->fleet);
    vg_alarm_close(a->alarm); /* freed when the loop runs */
    rc = VG_EIO;
    goto fail;
  }
  a->timer.data = a;
  uv_timer_init(loop, &a->lock_timer); /* only fails for a bad loop */
  a->lock_timer.data = a;
  fleet_configure(a);
  a->gates = vg_gate_check_new();
  if (a->gates == NULL) {
    vg_fleet_side_close(a->fleet);
    vg_alarm_close(a->alarm);
    uv_close((uv_handle_t *)&a->timer, NULL);
    uv_close((uv_handle_t *)&a->lock_timer, NULL);
    rc = VG_ENOMEM;
    goto fail;
  }
  if (vg_plat_dns_name(a->instance, sizeof(a->instance)) != 0)
    snprintf(a->instance, sizeof(a->instance), "unknown");
  *out = a;
  return 0;

fail:
  release(a);
  return rc;
}

static void log_admin(vg_agent *a, const struct vg_admin *old,
                      const struct vg_admin *cur);

int vg_agent_start(vg_agent *a) {
  vg_wall_t bt;
  struct vg_boot_ident bi;
  if (a->ops->boot_time(a->ops->ud, &bt) == 0) {
    struct vg_track_result r;
    memset(&r, 0, sizeof(r));
    /* A new boot is judged by uptime and boot id where the platform gives
     * them: a step of the wall clock is no boot. */
    if (a->ops->boot_ident != NULL && a->ops->boot_ident(a->ops->ud, &bi) == 0)
      vg_tracker_boot_ident(a->state, a->ops->now(a->ops->ud), bt, &bi, &r);
    else
      vg_tracker_boot_time(a->state, bt, &r);
    if (r.kind == VG_TRACK_BOOT) {
      log_track(a, &r);
      a->dirty = true;
    }
  } else {
    vg_log_warn(VG_EV_GENERIC, "boot time unknown: reboots are detected "
                               "from boot events only");
  }
  a->boot_checked = true;
  save_state(a);
  int rc =
      a->cfg.no_source ? 0 : vg_source_start(a, a->loop, &a->cfg, &a->source);
  if (rc != 0) {
    vg_log_error(VG_EV_SOURCE_ERROR, "cannot start the event source: %s",
                 vg_strerror(rc));
    return rc;
  }
  a->started = true;
  fleet_start(a);
  watch_policy_file(a);
  vg_log_info(VG_EV_STARTED, "started: count %d/%d, state %s%s%s",
              vg_state_count(a->state), vg_policy_threshold(a->policy),
              a->state_path, a->events_follow ? ", following " : "",
              a->events_follow ? a->events_follow : "");
  struct vg_admin none, cur;
  memset(&none, 0, sizeof(none));
  vg_state_admin(a->state, &cur);
  log_admin(a, &none, &cur);
  vg_agent_evaluate(a);
  return 0;
}

int vg_agent_feed_xml(vg_agent *a, const char *buf, size_t len) {
  if (a->stopped)
    return 0;
  a->batch++;
  int rc = vg_evparser_feed(a->parser, buf, len);
  a->batch--;
  end_batch(a);
  return rc;
}

void vg_agent_end_stream(vg_agent *a) {
  a->batch++;
  vg_evparser_finish(a->parser);
  a->batch--;
  end_batch(a);
}

int vg_agent_set_bookmark(vg_agent *a, const char *channel, const char *xml) {
  int rc = vg_state_set_bookmark(a->state, channel, xml);
  if (rc == 0) {
    /* The batch that follows saves it together with its events. */
    a->dirty = true;
    a->changed = true;
  }
  return rc;
}

void vg_agent_on_event(vg_agent *a, const struct vg_event *ev) {
  if (a->stopped)
    return;
  a->batch++;
  apply_event(a, ev);
  a->batch--;
  end_batch(a);
}

/*
 * `vssguard reset` clears the reboot-loop guard in the state file; a running
 * agent takes that over (take_over), or its next save would undo the reset.
 */
static bool adopt_guard_reset(vg_agent *a, const vg_state *disk) {
  if (!vg_state_locked(a->state))
    return false;
  if (vg_state_locked(disk) || vg_state_pending_attempts(disk) != 0)
    return false;
  vg_state_reset_guard(a->state);
  vg_log_info(VG_EV_RESET, "reboot guard reset by an administrator: "
                           "reboots are allowed again");
  return true;
}

/* Logs the administrators' requests in force: at start and on a change. */
static void log_admin(vg_agent *a, const struct vg_admin *old,
                      const struct vg_admin *cur) {
  char t[64];
  vg_wall_t now = a->ops->now(a->ops->ud);
  if (cur->requested && vg_state_reboot_requested(a->state) &&
      (!old->requested || old->requested_at != cur->requested_at))
    vg_log_info(VG_EV_REBOOT_REQUESTED,
                "reboot at the next allowed slot requested by an "
                "administrator%s%.200s",
                cur->request_reason[0] ? ": " : "", cur->request_reason);
  if (cur->paused && vg_state_paused(a->state, now) &&
      (!old->paused || old->paused_until != cur->paused_until ||
       old->paused_at != cur->paused_at)) {
    fmt_time(a, cur->paused_until, t, sizeof(t));
    vg_log_warn(VG_EV_PAUSED,
                "reboots paused by an administrator until %s%s%.200s", t,
                cur->pause_reason[0] ? ": " : "", cur->pause_reason);
  }
  if (old->paused && !cur->paused)
    vg_log_info(VG_EV_RESUMED, "pause lifted by an administrator (vssguard "
                               "resume): reboots are allowed again");
}

static bool admin_equal(const struct vg_admin *x, const struct vg_admin *y) {
  return x->requested == y->requested && x->requested_at == y->requested_at &&
         strcmp(x->request_reason, y->request_reason) == 0 &&
         x->paused == y->paused && x->paused_until == y->paused_until &&
         x->paused_at == y->paused_at &&
         strcmp(x->pause_reason, y->pause_reason) == 0;
}

/*
 * `vssguard reboot --next-slot`, `pause` and `resume` write the
 * administrators' lines of the state file; a running agent takes them over
 * (take_over), as it does a reset, or its next save would undo them.
 */
static bool adopt_admin(vg_agent *a, const vg_state *disk) {
  struct vg_admin old, cur;
  vg_state_admin(a->state, &old);
  vg_state_admin(disk, &cur);
  if (admin_equal(&old, &cur))
    return false;
  vg_state_set_admin(a->state, &cur);
  log_admin(a, &old, &cur);
  return true;
}

/*
 * Takes over what an administrator's command wrote into the state file: on
 * a reload request, and before every save. The file is compared, byte for
 * byte (no inode: the same on Windows), with what the agent last loaded,
 * wrote or took over; only a file someone else wrote is read, and each such
 * write is taken over once (a request the agent later ends itself, such as
 * an expired pause, is not brought back). No file known (none at start, or
 * an unusable one set aside): any file found is someone else's. A missing
 * or unreadable file has nothing to take over. Returns true when the
 * agent's state changed (not yet saved).
 */
static bool take_over(vg_agent *a) {
  char *text = NULL;
  size_t len = 0;
  char err[256];
  if (vg_state_read_file(a->state_path, &text, &len, err, sizeof(err)) != 0)
    return false;
  if (a->disk_text != NULL && len == a->disk_len &&
      memcmp(text, a->disk_text, len) == 0) {
    free(text);
    return false;
  }
  vg_state *disk = NULL;
  int rc =
      vg_state_load_string(a->state_path, text, len, &disk, err, sizeof(err));
  keep_disk_text(a, text, len);
  if (rc != 0) {
    vg_log_warn(VG_EV_STATE_ERROR,
                "state file %s was changed by someone else and is unusable "
                "(%s); it is replaced by the agent's state",
                a->state_path, err[0] ? err : vg_strerror(rc));
    return false;
  }
  bool changed = adopt_guard_reset(a, disk);
  changed = adopt_admin(a, disk) || changed;
  vg_state_free(disk);
  return changed;
}

int vg_agent_reload(vg_agent *a) {
  vg_policy *np = NULL;
  vg_diags d = {0};
  if (take_over(a)) {
    a->dirty = true;
    save_state(a);
  }
  int rc = vg_policy_load_effective(a->policy_path, &np, &d);
  if (rc != 0) {
    if (log_policy_errors(a, &d, rc))
      vg_log_error(VG_EV_POLICY_INVALID,
                   a->count_only
                       ? "policy %s not loaded: still counting only"
                       : "policy %s not reloaded: keeping the last good policy",
                   a->policy_path);
    vg_diags_free(&d);
    a->policy_invalid = true;
    vg_agent_evaluate(a);
    return rc;
  }
  vg_diags_free(&d);
  vg_policy_free(a->policy);
  a->policy = np;
  a->policy_invalid = false;
  a->errors_logged = 0;
  log_policy(a, "reloaded");
  fleet_configure(a);
  if (a->count_only) {
    a->count_only = false;
    vg_policy_watch_stop(a->policy_watch);
    a->policy_watch = NULL;
    vg_log_info(VG_EV_POLICY_LOADED,
                "a valid policy is in force: reboots are scheduled again");
  }
  check_trust(a);
  clear_note(a);
  vg_agent_evaluate(a);
  return 0;
}

void vg_agent_stop(vg_agent *a) {
  if (a->stopped)
    return;
  a->stopped = true;
  vg_policy_watch_stop(a->policy_watch);
  a->policy_watch = NULL;
  vg_source_stop(a->source);
  a->source = NULL;
  uv_close((uv_handle_t *)&a->timer, NULL);
  uv_close((uv_handle_t *)&a->lock_timer, NULL);
  vg_alarm_close(a->alarm);
  a->alarm = NULL;
  vg_fleet_side_close(a->fleet);
  a->fleet = NULL;
  vg_gate_check_cancel(a->gates);
  vg_cmd_kill(a->hook_proc);
  /* A request in flight would hold the loop up to its 30 s timeout. */
  vg_http_cancel_all();
  if (save_state(a) == 0)
    vg_log_info(VG_EV_STOPPED, "stopped: state saved to %s (count %d/%d)",
                a->state_path, vg_state_count(a->state),
                vg_policy_threshold(a->policy));
  else
    vg_log_error(VG_EV_STOPPED, "stopped: the state could not be saved");
}

void vg_agent_free(vg_agent *a) {
  if (a != NULL)
    release(a);
}
