/*
 * The lock of a state file: an advisory lock on "path.lock" beside it,
 * taken exclusively by the agent around its read-back, write and rename of
 * the state, and by every administrators' command (reset, pause, resume,
 * reboot --next-slot) around its read-modify-write. Without it a command
 * could write a state read before the agent's last save (a counted run or
 * a reboot attempt lost), or the agent's rename could replace a command's
 * write. The lock file is never removed: removing it while someone waits
 * would let two holders lock two different files.
 */
#ifndef VSSGUARD_STATE_LOCK_H
#define VSSGUARD_STATE_LOCK_H

#include <stddef.h>

#include "vssguard/platform.h"

/* How long an administrators' command waits for the lock. */
#define VG_STATE_LOCK_WAIT_MS 10000

/* "state_path.lock" into buf. Returns 0 or VG_ERANGE when it does not fit. */
int vg_state_lock_path(const char *state_path, char *buf, size_t len);

/*
 * Takes the lock of the state file state_path, trying again every few
 * milliseconds for up to wait_ms (0: one try, never waits). Returns 0
 * (*out holds it), VG_EBUSY when someone else still holds it, or VG_EIO
 * when the lock file cannot be opened (errno set).
 */
int vg_state_lock(const char *state_path, unsigned wait_ms, vg_plat_lock **out);

/* Releases the lock. NULL is allowed. */
void vg_state_unlock(vg_plat_lock *l);

#endif
