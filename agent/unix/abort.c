/*
 * Aborting a pending reboot on POSIX: the agent's reboot there is a command
 * that runs at once, with no countdown to cancel.
 */
#include "vssguard/platform.h"

int vg_plat_abort_reboot(void) {
  return VG_ENOSYS;
}
