/*
 * The machine's DNS name on Windows: GetComputerNameExW with
 * ComputerNameDnsFullyQualified ("host.corp.example" on a domain member,
 * the host name alone otherwise), in UTF-8.
 */
#include <windows.h>

#include <stdlib.h>
#include <string.h>

#include "vssguard/platform.h"
#include "win.h"

int vg_plat_dns_name(char *buf, size_t len) {
  wchar_t name[256];
  DWORD n = sizeof(name) / sizeof(name[0]);
  if (!GetComputerNameExW(ComputerNameDnsFullyQualified, name, &n) || n == 0)
    return VG_EIO;
  char *u = vg_win_utf8(name);
  if (u == NULL)
    return VG_EIO;
  size_t l = strlen(u);
  int rc = VG_OK;
  if (l >= len)
    rc = VG_ERANGE;
  else
    memcpy(buf, u, l + 1);
  free(u);
  return rc;
}
