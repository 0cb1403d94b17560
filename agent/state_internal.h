/*
 * The layout of struct vg_state, shared by the state store (state.c, which
 * loads and saves it) and the session tracker (tracker.c, which applies
 * events to it). Everything else uses the accessors of vssguard/state.h.
 */
#ifndef VSSGUARD_STATE_INTERNAL_H
#define VSSGUARD_STATE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vssguard/state.h"

/* Longest channel name and bookmark kept in the state. */
#define VG_STATE_CHANNEL_MAX 128
#define VG_STATE_BOOKMARK_MAX 4096

/* Flags of a run record, saved as letters (see state.c). */
enum {
  VG_RUN_STARTED = 1 << 0, /* 's': its start event (1) was seen */
  VG_RUN_ENDED = 1 << 1,   /* 'e': an end event (4, 5, 14, failure) was seen */
  VG_RUN_COUNTED = 1 << 2, /* 'c': it added one to the count */
  VG_RUN_OK = 1 << 3,      /* 'o': it finished successfully (4) */
  VG_RUN_FAILED = 1 << 4,  /* 'f': it failed (5 or a Level<=3 event) */
  VG_RUN_COMPLETED = 1 << 5,  /* 't': event 14 was seen */
  VG_RUN_CALIBRATED = 1 << 6, /* 'v': a VSS 12289 during it included it */
  VG_RUN_KEYED = 1 << 7       /* 'b': start is the run's BackupTime */
};

/* One backup run since boot, identified by its start time: the BackupTime
 * its end events carry (VG_RUN_KEYED), else the time of its start event or
 * of its first end event. */
struct vg_run {
  vg_wall_t start;
  unsigned flags;
};

/* The System record ids of one boot's events, 0 while not seen. */
#define VG_BOOT_RECS_MAX 8
struct vg_boot_recs {
  uint64_t rec[2]; /* [0] EventLog 6005, [1] Kernel-General 12 */
};

/* Event position of one channel. */
struct vg_chan {
  char name[VG_STATE_CHANNEL_MAX];
  uint64_t last_record; /* highest EventRecordID applied */
  char *bookmark;       /* EvtRender bookmark XML, or NULL */
};

struct vg_state {
  vg_wall_t boot_time;                   /* 0 = unknown */
  int count;                             /* inferred active sessions */
  vg_wall_t last_event_time;             /* newest event applied */
  struct vg_run runs[VG_STATE_MAX_RUNS]; /* sorted by start, oldest first */
  size_t nruns;
  struct vg_chan chans[VG_STATE_MAX_CHANNELS];
  size_t nchans;
  struct vg_sched sched;
  struct vg_reboot_rec hist[VG_STATE_MAX_HISTORY]; /* oldest first */
  size_t nhist;
  int attempts; /* reboot attempts not yet followed by a boot */
  /* The record the last vg_state_record_attempt dropped from a full
   * history, for vg_state_take_back_attempt (not saved). */
  bool has_dropped;
  struct vg_reboot_rec dropped;
  /* The boot's identity at the last save (optional line "boot_ident"). */
  bool has_ident;
  vg_wall_t ident_at;         /* wall clock of that save */
  struct vg_boot_ident ident; /* uptime then, and the boot id */
  bool locked; /* the reboot guard holds until an administrator resets */
  struct vg_fleet_hold fleet; /* a FleetLock slot held, if any */
  struct vg_admin admin; /* administrators' requests (lines request, pause) */
  /* Gates, hooks and notifications (issue 12): optional lines. */
  vg_wall_t post_boot_done; /* boot time whose post-boot hook was started */
  char silence_id[64];      /* Alertmanager silence to expire, or "" */
  vg_wall_t silence_until;
  bool verify_pending;   /* a run after our reboot is awaited (remediation) */
  vg_wall_t verified_at; /* that run's end, once it ended without 12289 */
  /* The latest boots' events, newest (the current boot) last; not saved.
   * They tell the second event of a boot from a new boot when the clock
   * stepped between the two, or boots came minutes apart (tracker.c). */
  struct vg_boot_recs boot_recs[VG_BOOT_RECS_MAX];
  size_t nboot_recs;
};

/* The channel entry for name, created when create is true and there is room. */
struct vg_chan *vg_state__chan(vg_state *s, const char *name, bool create);

/* Inserts a run in start order, dropping the oldest when full. */
struct vg_run *vg_state__add_run(vg_state *s, vg_wall_t start, unsigned flags);

#endif
