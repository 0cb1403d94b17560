/*
 * The effective policy: the YAML file, then the platform's administrative
 * overrides (Group Policy on Windows), then the cross-field checks. The
 * agent and every CLI command load it this one way, so `plan` shows what the
 * service does.
 */
#include <stddef.h>

#include "policy_load.h"
#include "vssguard/platform.h"

int vg_policy_load_effective(const char *path, vg_policy **out, vg_diags *d) {
  vg_policy *p = NULL;
  int rc = vg_policy_load_file(path, &p, d);
  if (rc != VG_OK)
    return rc;
  size_t before = d->n;
  rc = vg_plat_policy_overrides(p, d);
  if (rc == VG_OK && d->n == before)
    rc = vg_policy_validate(p, path, d);
  if (rc != VG_OK || d->n > before) {
    vg_policy_free(p);
    return rc != VG_OK ? rc : VG_EINVAL;
  }
  *out = p;
  return VG_OK;
}

const char *vg_policy_default_path(char *buf, size_t len) {
  const char *gpo = vg_plat_policy_file();
  if (gpo != NULL)
    return gpo;
  const char *dir = vg_plat_default_dir();
  char sep = '/';
  for (const char *c = dir; *c; c++)
    if (*c == '\\')
      sep = '\\';
  snprintf(buf, len, "%s%cpolicy.yaml", dir, sep);
  return buf;
}
