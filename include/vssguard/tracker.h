/*
 * The session tracker: infers the active VSS writer session count from the
 * events it is given, following the counting rules of docs (README "How it
 * counts"). Works on a vg_state so that counting and positions are saved
 * together.
 */
#ifndef VSSGUARD_TRACKER_H
#define VSSGUARD_TRACKER_H

#include <stdbool.h>

#include "vssguard/event.h"
#include "vssguard/state.h"

enum vg_track_kind {
  VG_TRACK_IGNORED = 0, /* not an event the tracker uses */
  VG_TRACK_DUPLICATE,   /* same channel and record id seen before */
  VG_TRACK_STALE,       /* from before the current boot */
  VG_TRACK_RUN_STARTED, /* event 1 */
  VG_TRACK_RUN_COUNTED, /* a run ended and was counted */
  VG_TRACK_RUN_ENDED,   /* a run ended, already counted or not counted */
  VG_TRACK_CALIBRATED,  /* VSS 12289 set the count */
  VG_TRACK_BOOT         /* a boot reset the count */
};

struct vg_track_result {
  enum vg_track_kind kind;
  int count_before;
  int count_after;
  vg_wall_t run_start; /* RUN_* */
  bool failed;         /* RUN_*: the run failed */
  bool newly_failed;   /* RUN_*: this event told the failure first */
  bool uncounted;      /* RUN_ENDED: a run counted through its 14 failed;
                          the count went down by one */
  bool remediated;     /* BOOT: it followed a reboot we initiated */
  /* RUN_*: the first run after a confirmed reboot ended without a VSS
   * 12289: the remediation is verified (backups work again). */
  bool verified;
  /* CALIBRATED: soon after the boot, VSS 12289 reports far more active
   * sessions than runs counted since it (runs_since_boot): another VSS
   * requestor leaks sessions. */
  bool foreign;
  int runs_since_boot;
};

/* A 12289 within this of the boot reporting more than this many sessions
 * above the runs since the boot means another requestor leaks sessions. */
#define VG_FOREIGN_WINDOW_S (7 * 86400)
#define VG_FOREIGN_MARGIN 4

/*
 * Applies one event. count_failed says whether a failed run counts.
 * Returns 0 (result in *r) or VG_EINVAL for a record without channel.
 */
int vg_tracker_apply(vg_state *s, const struct vg_event *ev, bool count_failed,
                     struct vg_track_result *r);

/* What the live agent knows that a replay does not: the wall clock now and
 * the platform's estimate of the running boot's start by it (now - uptime);
 * 0 where unknown. */
struct vg_live {
  vg_wall_t now;
  vg_wall_t boot_est;
};

/*
 * vg_tracker_apply for the live agent, the running boot known: a boot time
 * later than live->now (a boot event logged before the clock was set back)
 * is taken back to live->boot_est, so that the backups that follow are not
 * stale;
 * a boot event logged later than live->now is no new boot (rules at the top
 * of tracker.c).
 */
int vg_tracker_apply_live(vg_state *s, const struct vg_event *ev,
                          bool count_failed, const struct vg_live *live,
                          struct vg_track_result *r);

/*
 * Tells the tracker the platform's boot time. A boot time later than the
 * state's by more than 2 minutes is a boot: the count resets. Returns 0.
 */
int vg_tracker_boot_time(vg_state *s, vg_wall_t boot_time,
                         struct vg_track_result *r);

/*
 * Tells the tracker the running boot's identity at wall-clock time now, and
 * the wall-clock boot estimate boot_time (now - uptime, for display and the
 * backfill only). A new boot is decided without the wall clock when the
 * state recorded an identity: when both the record and bi have a boot id
 * (Linux; Windows' volatile-key id), a different id, whatever the clocks
 * say; else an uptime smaller than the recorded one, or smaller than the
 * wall-clock time since that record (the machine booted after it), each
 * beyond BOOT_SLACK. A step of the wall clock between two starts is then no
 * boot: of any size with ids, else forward up to the uptime at the record,
 * or backward. Without a recorded identity (a state
 * of an older agent) it decides as vg_tracker_boot_time. Records the
 * identity at now. Returns 0.
 */
int vg_tracker_boot_ident(vg_state *s, vg_wall_t now, vg_wall_t boot_time,
                          const struct vg_boot_ident *bi,
                          struct vg_track_result *r);

/* Returns "run counted", "calibrated", ... */
const char *vg_track_kind_name(enum vg_track_kind k);

#endif
