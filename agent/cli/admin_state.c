/*
 * The read-modify-write of the state file that the administrators'
 * commands (reset, pause, resume, reboot --next-slot) share: under the
 * state's lock (vssguard/state_lock.h), so that neither the agent's save
 * nor another command can come between the read and the write.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "cli_int.h"
#include "vssguard/state_lock.h"

int vg_cli_edit_begin(const char *cmd, const char *spath,
                      struct vg_cli_edit *e) {
  struct vg_plat_stat st;
  char lpath[4096];
  memset(e, 0, sizeof(*e));
  if (spath == NULL)
    spath = vg_cli_default_path("state", e->defs, sizeof(e->defs));
  e->path = spath;
  /* No lock file beside a state that is not there: say that instead. */
  if (vg_plat_stat(spath, &st) == VG_ENOENT)
    return vg_cli_load_state(spath, &e->s);
  vg_state_lock_path(spath, lpath, sizeof(lpath));
  int rc = vg_state_lock(spath, VG_STATE_LOCK_WAIT_MS, &e->lock);
  if (rc == VG_EBUSY) {
    fprintf(stderr,
            "vssguard %s: %s is locked by another process (the agent saving "
            "its state, or another command) for more than %d s; nothing was "
            "changed, try again\n",
            cmd, lpath, VG_STATE_LOCK_WAIT_MS / 1000);
    return VG_EXIT_FAIL;
  }
  if (rc != 0) {
    fprintf(stderr, "vssguard %s: %s: cannot lock the state: %s\n", cmd, lpath,
            strerror(errno));
    return VG_EXIT_FAIL;
  }
  rc = vg_cli_load_state(spath, &e->s);
  if (rc != VG_EXIT_OK) {
    vg_state_unlock(e->lock);
    e->lock = NULL;
  }
  return rc;
}

/*
 * Test hook: with VG_TEST_CMD_HOLD_MS set, the command waits that long
 * between its read and its write, holding the lock, so that tests can make
 * the agent act in between.
 */
static void hold_hook(void) {
  char v[32], *end;
  size_t len = sizeof(v);
  if (uv_os_getenv("VG_TEST_CMD_HOLD_MS", v, &len) != 0)
    return;
  unsigned long ms = strtoul(v, &end, 10);
  if (*end != '\0' || ms == 0 || ms > 60000)
    return;
  fprintf(stderr, "vssguard: test hook: state read, writing in %lu ms\n", ms);
  fflush(stderr);
  uv_sleep((unsigned)ms);
}

int vg_cli_edit_commit(struct vg_cli_edit *e) {
  hold_hook();
  int rc = vg_state_save_cmd(e->s, e->path);
  vg_state_unlock(e->lock);
  e->lock = NULL;
  if (rc != 0) {
    fprintf(stderr, "vssguard: %s: cannot write the state\n", e->path);
    return VG_EXIT_FAIL;
  }
  return VG_EXIT_OK;
}

void vg_cli_edit_end(struct vg_cli_edit *e) {
  vg_state_unlock(e->lock);
  e->lock = NULL;
  vg_state_free(e->s);
  e->s = NULL;
}
