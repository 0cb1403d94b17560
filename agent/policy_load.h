/*
 * Loading the effective policy (file + platform overrides + validation).
 */
#ifndef VSSGUARD_AGENT_POLICY_LOAD_H
#define VSSGUARD_AGENT_POLICY_LOAD_H

#include <stdio.h>

#include "vssguard/policy.h"

/*
 * Loads the YAML policy at path, applies the platform's overrides and
 * validates the result. Returns 0 (*out set) or an error with every problem
 * in d, each naming the file and line or the registry value.
 */
int vg_policy_load_effective(const char *path, vg_policy **out, vg_diags *d);

/* The default policy path: the GPO PolicyFile, else <default dir>/policy.yaml.
 */
const char *vg_policy_default_path(char *buf, size_t len);

#endif
