/*
 * Replay: the agent's decisions over a recorded event history, in simulated
 * time. Events are applied in order through the session tracker on a fresh
 * state; before each one the same decision as the live agent (vg_decide)
 * runs at the simulated instant, waits are advanced through, and a REBOOT
 * is recorded and followed by a simulated boot two minutes later, so the
 * count resets as it would on the server.
 *
 * After a simulated reboot the recorded history no longer describes the
 * simulated server: its VSS 12289 counts (taken on the server that did not
 * reboot) are not applied until the next recorded boot. Backup runs and
 * boots still are: they happen whatever the agent does.
 *
 * A file is replayed in time order whatever its order: newest first
 * (Get-WinEvent, wevtutil /rd:true), one export per channel concatenated,
 * or interleaved. Its events are read into a compact form, sorted by the
 * full 100 ns TimeCreated, then channel and record id, and a record seen
 * twice (same channel and record id) is a duplicate. The order the file had
 * is reported. The timeline is streamed through a callback rather than
 * kept.
 */
#ifndef VSSGUARD_REPLAY_H
#define VSSGUARD_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vssguard/common.h"
#include "vssguard/event.h"
#include "vssguard/planner.h"
#include "vssguard/policy.h"
#include "vssguard/state.h"

/* Seconds between a simulated reboot and the simulated boot that follows. */
#define VG_REPLAY_BOOT_DELAY_S 120

enum vg_replay_kind {
  VG_REPLAY_RUN_COUNTED = 0, /* a backup run ended and was counted */
  VG_REPLAY_RUN_FAILED,      /* a failed run, not counted by the policy */
  VG_REPLAY_CALIBRATED,      /* VSS 12289 set the count */
  VG_REPLAY_BOOT,            /* a recorded boot reset the count */
  VG_REPLAY_SCHEDULED,       /* a reboot was scheduled (slot, skips) */
  VG_REPLAY_POSTPONED,       /* a check at the slot failed; wait */
  VG_REPLAY_REBOOT,          /* the agent would reboot now */
  VG_REPLAY_REBOOT_BOOT,     /* the simulated boot after that reboot */
  VG_REPLAY_LOCKED,          /* the reboot-loop guard holds */
  VG_REPLAY_NO_SLOT,         /* at the threshold but no slot in the horizon */
  VG_REPLAY_CALIBRATION_IGNORED, /* a VSS 12289 after a simulated reboot */
  VG_REPLAY_VERIFIED, /* a run after the reboot ended without VSS 12289 */
  VG_REPLAY_FOREIGN   /* 12289 soon after a boot: another requestor leaks */
};

/* One timeline entry; valid only during the callback. */
struct vg_replay_entry {
  enum vg_replay_kind kind;
  vg_wall_t at; /* simulated instant */
  int count_before;
  int count_after;
  int threshold;
  vg_wall_t run_start;        /* RUN_*: the run's start */
  struct vg_sched sched;      /* SCHEDULED, REBOOT: the schedule */
  const struct vg_plan *plan; /* SCHEDULED: the plan (skips), or NULL */
  const char *why;            /* POSTPONED, REBOOT, LOCKED, NO_SLOT: reason */
};

typedef void (*vg_replay_cb)(const struct vg_replay_entry *e, void *ud);

/* One reboot the agent would have initiated. */
struct vg_replay_reboot {
  vg_wall_t at;
  int count;
};

/* The order of the events in the file replayed. */
enum vg_replay_order {
  VG_REPLAY_ORDER_NONE = 0,     /* no events (or not a file replay) */
  VG_REPLAY_ORDER_OLDEST_FIRST, /* already in time order */
  VG_REPLAY_ORDER_NEWEST_FIRST, /* in reverse time order */
  VG_REPLAY_ORDER_INTERLEAVED   /* neither: several exports, or mixed */
};

struct vg_replay_stats {
  uint64_t events;              /* events given to the tracker */
  uint64_t runs_counted;        /* runs counted (RUN_COUNTED) */
  uint64_t runs_failed_ignored; /* failed runs the policy does not count */
  uint64_t calibrations;
  /* VSS 12289 counts between a simulated reboot and the next recorded boot:
   * they were recorded on the server that did not reboot, so they describe
   * another history and are not applied. */
  uint64_t calibrations_ignored;
  uint64_t boots; /* recorded boots (not the simulated ones) */
  uint64_t duplicates;
  uint64_t stale;
  uint64_t ignored;
  uint64_t out_of_order;      /* events older than the one before them in the
                                 file (they are replayed in time order) */
  enum vg_replay_order order; /* the file's order */
  uint64_t malformed;         /* events the parser skipped */
  uint64_t passed_over;       /* events the pre-scan passed over: a channel and
                                 id the count never uses */
  uint64_t postponements;
  uint64_t schedules;
  int max_count; /* highest count reached */
  int final_count;
  vg_wall_t first_event, last_event; /* 0 when no event */
  vg_wall_t now;                     /* the simulated clock at the end */
  struct vg_replay_reboot *reboots;  /* reboots initiated, in order */
  size_t nreboots;
  bool locked; /* the guard held at some point */
  /* Out of order, each channel was replayed in record order, the channels
   * merged by time (every channel of the file was in record order); else
   * in time order. */
  bool by_record;
};

typedef struct vg_replay vg_replay;

/*
 * Creates a replay of policy (borrowed; must outlive the replay) with splay
 * seed seed. cb (may be NULL) receives each timeline entry.
 */
int vg_replay_new(const vg_policy *policy, uint64_t seed, vg_replay_cb cb,
                  void *ud, vg_replay **out);
void vg_replay_free(vg_replay *r);

/* Advances simulated time to ev->time, then applies ev. */
int vg_replay_event(vg_replay *r, const struct vg_event *ev);

/*
 * Parses the event file at path and replays its events in time order (see
 * above); stats say which order the file had. Uses memory in proportion to
 * the number of events. Returns 0, VG_ENOENT or VG_EIO (from the parser),
 * or VG_ENOMEM.
 */
int vg_replay_file(vg_replay *r, const char *path);

/* A short name for an order: "oldest first", "newest first", ... */
const char *vg_replay_order_name(enum vg_replay_order o);

/*
 * Advances simulated time to until (no event), running the decisions on the
 * way: a reboot scheduled near the end of the history still happens. An
 * until earlier than the simulated clock does nothing.
 */
int vg_replay_advance(vg_replay *r, vg_wall_t until);

/* Statistics so far; valid until the next call on r. */
const struct vg_replay_stats *vg_replay_stats(const vg_replay *r);

/* The simulated state (count, schedule, history) so far. */
const vg_state *vg_replay_state(const vg_replay *r);

/* A short name for an entry kind: "run counted", "would reboot", ... */
const char *vg_replay_kind_name(enum vg_replay_kind k);

#endif
