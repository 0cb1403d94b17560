/*
 * The agent's persistent state: boot time, inferred session count, the runs
 * counted since boot, per-channel event positions and bookmarks, the
 * scheduled slot and the reboot history. One small text file, written
 * atomically (temp file, flush to disk, rename), with a format version.
 */
#ifndef VSSGUARD_STATE_H
#define VSSGUARD_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vssguard/common.h"

#define VG_STATE_VERSION 1
#define VG_STATE_MAX_RUNS 256
#define VG_STATE_MAX_CHANNELS 8
#define VG_STATE_MAX_HISTORY 32
/* Consecutive reboot attempts without a boot before reboots lock. */
#define VG_STATE_MAX_ATTEMPTS 3

typedef struct vg_state vg_state;

/* A fresh state: boot time unknown (0), count 0. */
vg_state *vg_state_new(void);
void vg_state_free(vg_state *s);

/*
 * Loads a state file. Returns 0; VG_ENOENT when it does not exist;
 * VG_ECORRUPT when it does not parse (err says where, "path:line: ...");
 * VG_EIO when it cannot be read.
 */
int vg_state_load(const char *path, vg_state **out, char *err, size_t errlen);

/* Same from memory (fuzzing, tests). */
int vg_state_load_string(const char *name, const char *buf, size_t len,
                         vg_state **out, char *err, size_t errlen);

/* Writes path atomically: path.tmp, flush, fsync, replace. Returns 0 or VG_EIO.
 */
int vg_state_save(const vg_state *s, const char *path);

/* Serializes to a malloc'd string (caller frees). */
char *vg_state_serialize(const vg_state *s);

/* The bytes of a state file, as read by vg_state_load, in a malloc'd buffer
 * (*text, *len; caller frees). Returns 0, VG_ENOENT, VG_EIO or VG_ENOMEM. */
int vg_state_read_file(const char *path, char **text, size_t *len, char *err,
                       size_t errlen);

/* Writes serialized text to path as vg_state_save does. */
int vg_state_write_text(const char *text, size_t len, const char *path);

/* vg_state_save for the administrators' commands (reset, pause, resume,
 * reboot --next-slot): through path.<pid>.tmp, not the agent's path.tmp. */
int vg_state_save_cmd(const vg_state *s, const char *path);

/* Renames a corrupt state aside as "path.corrupt". Returns 0 or VG_EIO. */
int vg_state_quarantine(const char *path);

/* Counting. */
int vg_state_count(const vg_state *s);
vg_wall_t vg_state_boot_time(const vg_state *s);
vg_wall_t vg_state_last_event_time(const vg_state *s);
size_t vg_state_runs(const vg_state *s, vg_wall_t *starts, size_t max);
/* True when a run started (event 1) and has not ended, and began after
 * now - 24 h (an older open run is taken as lost). */
bool vg_state_backup_in_progress(const vg_state *s, vg_wall_t now);

/*
 * The running boot's identity (uptime and id) recorded with the wall-clock
 * time at. The agent records it before every save, so a restart can tell a
 * new boot from a clock step. vg_state_boot_ident returns false when none
 * was recorded (a state written by an older agent).
 */
void vg_state_set_boot_ident(vg_state *s, vg_wall_t at,
                             const struct vg_boot_ident *bi);
bool vg_state_boot_ident(const vg_state *s, vg_wall_t *at,
                         struct vg_boot_ident *bi);

/* Event positions: the last record id and the bookmark XML per channel. */
uint64_t vg_state_last_record(const vg_state *s, const char *channel);
const char *vg_state_bookmark(const vg_state *s, const char *channel);
int vg_state_set_bookmark(vg_state *s, const char *channel, const char *xml);

/* The scheduled reboot, if any. */
struct vg_sched {
  bool set;
  vg_wall_t at;                   /* chosen moment */
  vg_wall_t slot_start, slot_end; /* its allowed slot */
};
void vg_state_scheduled(const vg_state *s, struct vg_sched *out);
void vg_state_set_scheduled(vg_state *s, const struct vg_sched *in);

/*
 * A FleetLock slot this machine holds: taken (pre-reboot answered 200) and
 * saved before the reboot, released (steady-state answered 200) after the
 * boot or when the reboot did not happen. An optional line of the file.
 */
struct vg_fleet_hold {
  bool held;
  vg_wall_t since; /* when the slot was granted */
  char group[256];
  char id[256];
};
void vg_state_fleet_slot(const vg_state *s, struct vg_fleet_hold *out);
/* Sets (in->held) or clears (in NULL or !in->held) the held slot. */
void vg_state_set_fleet_slot(vg_state *s, const struct vg_fleet_hold *in);

/* Reboot history and the loop guard. */
struct vg_reboot_rec {
  vg_wall_t at;   /* when the reboot was initiated */
  int count;      /* the count at that time */
  bool confirmed; /* a boot followed */
};
size_t vg_state_history(const vg_state *s, struct vg_reboot_rec *out,
                        size_t max);
/* Records an attempt before the OS call; returns VG_ELOCKED when the guard
 * already holds. */
int vg_state_record_attempt(vg_state *s, vg_wall_t at);
/* Takes back the attempt vg_state_record_attempt just recorded at at, when
 * it could not be saved (no reboot was tried): the history and the guard
 * are as before that call. Returns VG_EINVAL when the newest record is not
 * that unconfirmed attempt (nothing changed). */
int vg_state_take_back_attempt(vg_state *s, vg_wall_t at);
/* Reboots initiated in (now - 7 days, now]. */
int vg_state_reboots_in_week(const vg_state *s, vg_wall_t now);
int vg_state_pending_attempts(const vg_state *s); /* unconfirmed in a row */
bool vg_state_locked(const vg_state *s);
void vg_state_reset_guard(vg_state *s);

/*
 * Administrators' requests, written by the CLI and taken over by a running
 * agent when it reloads. A reboot request (vssguard reboot --next-slot)
 * holds until a boot after requested_at; a pause (vssguard pause) holds
 * until paused_until or vssguard resume. Saved as optional lines.
 */
#define VG_STATE_REASON_MAX 200
struct vg_admin {
  bool requested; /* reboot at the next allowed slot */
  vg_wall_t requested_at;
  char request_reason[VG_STATE_REASON_MAX + 1];
  bool paused; /* no reboot before paused_until */
  vg_wall_t paused_until;
  vg_wall_t paused_at;
  char pause_reason[VG_STATE_REASON_MAX + 1];
};
void vg_state_admin(const vg_state *s, struct vg_admin *out);
void vg_state_set_admin(vg_state *s, const struct vg_admin *in);
/* True when a reboot request is set and no boot has happened since. */
bool vg_state_reboot_requested(const vg_state *s);
/* True when a pause is set and now is before its end. */
bool vg_state_paused(const vg_state *s, vg_wall_t now);

/*
 * Hooks and notifications (optional state lines "post_boot <boot_time>" and
 * "silence <id> <until>"). The boot time whose post-boot hook was started
 * (0 = none); the Alertmanager silence created before the shutdown call
 * ("" = none). set_silence with id NULL clears it; returns 0 or VG_EINVAL
 * for an id that is too long or not made of letters, digits and '-'.
 */
vg_wall_t vg_state_post_boot_done(const vg_state *s);
void vg_state_set_post_boot_done(vg_state *s, vg_wall_t boot);
const char *vg_state_silence(const vg_state *s, vg_wall_t *until);
int vg_state_set_silence(vg_state *s, const char *id, vg_wall_t until);

/*
 * Verified remediation: after a boot that confirmed our reboot, the end of
 * the first backup run without a VSS 12289 (0 while none has, and after
 * any later boot). Pending: such a run is still awaited. Saved as the
 * optional line "remediation <pending 0|1> <verified_at>".
 */
vg_wall_t vg_state_remediation_verified(const vg_state *s);
bool vg_state_remediation_pending(const vg_state *s);

#endif
