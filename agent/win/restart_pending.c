/*
 * Pending restarts on Windows, for the policy's piggyback: the places
 * Windows itself records that it needs one. A key RebootRequired under
 * Windows Update's Auto Update key (set when installed updates need a
 * restart), a key RebootPending under Component Based Servicing (servicing
 * stack and roles), or a non-empty PendingFileRenameOperations value of the
 * Session Manager (files replaced at the next boot). Read in the 64-bit
 * view of the registry.
 */
#include <windows.h>

#include <stdio.h>

#include "vssguard/platform.h"

#define WU_KEY                                                                 \
  L"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto "        \
  L"Update\\RebootRequired"
#define CBS_KEY                                                                \
  L"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based "            \
  L"Servicing\\RebootPending"
#define SM_KEY L"SYSTEM\\CurrentControlSet\\Control\\Session Manager"

/* 1 when the key exists, 0 when not, VG_EIO when it cannot be read. */
static int key_exists(const wchar_t *path) {
  HKEY k;
  LONG rc = RegOpenKeyExW(HKEY_LOCAL_MACHINE, path, 0,
                          KEY_READ | KEY_WOW64_64KEY, &k);
  if (rc == ERROR_SUCCESS) {
    RegCloseKey(k);
    return 1;
  }
  return rc == ERROR_FILE_NOT_FOUND || rc == ERROR_PATH_NOT_FOUND ? 0 : VG_EIO;
}

/*
 * 1 when PendingFileRenameOperations holds at least one name, else 0. An
 * empty REG_MULTI_SZ is zero bytes or one or two UTF-16 NULs.
 */
static int renames_pending(void) {
  HKEY k;
  DWORD type = 0, size = 0;
  LONG rc = RegOpenKeyExW(HKEY_LOCAL_MACHINE, SM_KEY, 0,
                          KEY_QUERY_VALUE | KEY_WOW64_64KEY, &k);
  if (rc != ERROR_SUCCESS)
    return 0;
  rc = RegQueryValueExW(k, L"PendingFileRenameOperations", NULL, &type, NULL,
                        &size);
  RegCloseKey(k);
  if (rc != ERROR_SUCCESS && rc != ERROR_MORE_DATA)
    return 0;
  return size > 2 * sizeof(wchar_t) ? 1 : 0;
}

int vg_plat_restart_pending(char *why, size_t len) {
  int rc;
  if (len > 0)
    why[0] = '\0';
  if ((rc = key_exists(WU_KEY)) != 0) {
    if (rc > 0)
      snprintf(why, len, "Windows Update needs a restart (RebootRequired)");
    return rc;
  }
  if ((rc = key_exists(CBS_KEY)) != 0) {
    if (rc > 0)
      snprintf(why, len,
               "Component Based Servicing needs a restart (RebootPending)");
    return rc;
  }
  if (renames_pending()) {
    snprintf(why, len,
             "file renames are pending for the next boot "
             "(PendingFileRenameOperations)");
    return 1;
  }
  return 0;
}
