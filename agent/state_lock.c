/*
 * The state file's lock (see vssguard/state_lock.h): the name of the lock
 * file and a bounded wait over the platform's non-blocking lock.
 */
#include <stdio.h>

#include <uv.h>

#include "vssguard/state_lock.h"

/* Between two tries: short against a save's few milliseconds. */
#define LOCK_STEP_MS 10

int vg_state_lock_path(const char *state_path, char *buf, size_t len) {
  int n = snprintf(buf, len, "%s.lock", state_path);
  return n < 0 || (size_t)n >= len ? VG_ERANGE : VG_OK;
}

int vg_state_lock(const char *state_path, unsigned wait_ms,
                  vg_plat_lock **out) {
  char path[4096];
  *out = NULL;
  if (vg_state_lock_path(state_path, path, sizeof(path)) != 0)
    return VG_EIO;
  uint64_t end = uv_hrtime() + (uint64_t)wait_ms * 1000000u;
  for (;;) {
    int rc = vg_plat_lock_try(path, out);
    if (rc != VG_EBUSY || uv_hrtime() >= end)
      return rc;
    uv_sleep(LOCK_STEP_MS);
  }
}

void vg_state_unlock(vg_plat_lock *l) {
  vg_plat_unlock(l);
}
