/*
 * The machine's DNS name on POSIX: the host name as the administrator set
 * it (a fully qualified name where /etc/hostname holds one). No resolver
 * lookup, so it never blocks.
 */
#include <string.h>
#include <unistd.h>

#include "vssguard/platform.h"

int vg_plat_dns_name(char *buf, size_t len) {
  char name[256];
  if (gethostname(name, sizeof(name)) != 0)
    return VG_EIO;
  name[sizeof(name) - 1] = '\0';
  size_t n = strlen(name);
  if (n == 0)
    return VG_EIO;
  if (n >= len)
    return VG_ERANGE;
  memcpy(buf, name, n + 1);
  return VG_OK;
}
