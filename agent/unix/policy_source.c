/*
 * POSIX has no Group Policy: the policy file is the whole policy.
 */
#include "vssguard/platform.h"

int vg_plat_policy_overrides(vg_policy *p, vg_diags *d) {
  (void)p;
  (void)d;
  return VG_OK;
}

const char *vg_plat_policy_file(void) {
  return NULL;
}
