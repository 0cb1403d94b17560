/*
 * A boot id for Windows, which has none to read: 32 hex digits drawn from
 * the CSPRNG and kept in the volatile registry key
 * HKLM\SOFTWARE\VssGuard\Boot (value BootId, REG_SZ). A volatile key lives
 * in memory only: it survives service restarts and steps of the clock, and
 * is gone after the next boot, where the first start of the agent draws a
 * new id. A boot is then told without the wall clock (agent/tracker.c).
 *
 * Facts relied on:
 * - RegCreateKeyExW, dwOptions (learn.microsoft.com): with
 *   REG_OPTION_VOLATILE "all keys created by the function are volatile",
 *   kept in memory and "not preserved when the corresponding registry hive
 *   is unloaded"; for HKEY_LOCAL_MACHINE that is when the system shuts down.
 *   "This flag is ignored for keys that already exist." Missing parent keys
 *   are created with the same option, hence the product key is made first.
 * - [MS-RRP] 3.1.1.2 Key Types: a volatile key, its subkeys and values are
 *   not preserved across a restart, reboot or shutdown.
 * - A stable subkey cannot be created under a volatile key:
 *   ERROR_CHILD_MUST_BE_VOLATILE (1021, winerror.h; NTSTATUS 0xC0000181 "An
 *   attempt was made to create a stable subkey under a volatile parent
 *   key"). The Win32 registry functions report no volatility, so trying
 *   a stable subkey is the test (also described in "Volatile Registry
 *   Keys", burkard.it, 2020).
 * - Wine keeps volatile keys out of its saved registry files: they go when
 *   the wineserver exits (tests/wine/boot_id.sh checks it).
 * A client's "fast startup" shutdown hibernates the kernel session, so the
 * key, like GetTickCount64, may live on across it; a restart always clears
 * both, and servers do not use fast startup.
 */
#include <windows.h>

#include <stdio.h>
#include <string.h>

#include "vssguard/log.h"
#include "vssguard/platform.h"
#include "win.h"

#define BOOT_ID_LEN 32 /* hex digits: 128 random bits */

static char boot_id[BOOT_ID_LEN + 1];

/* Whether a value of that type and size in bytes, read into s, is 32
 * lowercase hex digits (with or without the terminating NUL). */
static bool valid_id(const wchar_t *s, DWORD type, DWORD bytes) {
  if (type != REG_SZ || bytes < BOOT_ID_LEN * sizeof(wchar_t))
    return false;
  for (int i = 0; i < BOOT_ID_LEN; i++)
    if (!((s[i] >= L'0' && s[i] <= L'9') || (s[i] >= L'a' && s[i] <= L'f')))
      return false;
  /* At most a terminating NUL after the digits. */
  return bytes == BOOT_ID_LEN * sizeof(wchar_t) ||
         (bytes == (BOOT_ID_LEN + 1) * sizeof(wchar_t) &&
          s[BOOT_ID_LEN] == L'\0');
}

/*
 * Whether the open key is volatile. A non-volatile subkey is tried: under a
 * volatile key the creation fails with ERROR_CHILD_MUST_BE_VOLATILE. When it
 * succeeds the key is not volatile and the probe is deleted again. Any other
 * answer counts as not volatile.
 */
static bool key_is_volatile(HKEY key) {
  static const wchar_t probe[] = L"NonVolatileProbe";
  HKEY sub;
  DWORD disp = 0;
  LONG rc = RegCreateKeyExW(key, probe, 0, NULL, REG_OPTION_NON_VOLATILE,
                            KEY_READ, NULL, &sub, &disp);
  if (rc == ERROR_CHILD_MUST_BE_VOLATILE)
    return true;
  if (rc == ERROR_SUCCESS) {
    RegCloseKey(sub);
    if (disp == REG_CREATED_NEW_KEY)
      RegDeleteKeyW(key, probe);
  }
  return false;
}

/* Draws a new id and stores it as BootId. Returns ERROR_SUCCESS or the
 * error. */
static LONG new_id(HKEY key) {
  static const char hex[] = "0123456789abcdef";
  unsigned char r[BOOT_ID_LEN / 2];
  wchar_t w[BOOT_ID_LEN + 1];
  LONG rc;
  if (vg_plat_random(r, sizeof(r)) != VG_OK)
    return ERROR_GEN_FAILURE;
  for (int i = 0; i < BOOT_ID_LEN / 2; i++) {
    w[2 * i] = (wchar_t)hex[r[i] >> 4];
    w[2 * i + 1] = (wchar_t)hex[r[i] & 15];
  }
  w[BOOT_ID_LEN] = L'\0';
  rc = RegSetValueExW(key, L"BootId", 0, REG_SZ, (const BYTE *)w, sizeof(w));
  if (rc == ERROR_SUCCESS)
    for (int i = 0; i <= BOOT_ID_LEN; i++)
      boot_id[i] = (char)w[i];
  return rc;
}

static void no_id(const char *why, LONG rc) {
  if (rc != ERROR_SUCCESS)
    vg_log_warn(VG_EV_GENERIC,
                "HKLM\\SOFTWARE\\VssGuard\\Boot: %s (error %ld): a new boot "
                "is told by the uptime alone",
                why, (long)rc);
  else
    vg_log_warn(VG_EV_GENERIC,
                "HKLM\\SOFTWARE\\VssGuard\\Boot: %s: a new boot is told by "
                "the uptime alone",
                why);
}

static BOOL CALLBACK init_boot_id(PINIT_ONCE once, PVOID param, PVOID *ctx) {
  HKEY product = NULL, key = NULL;
  DWORD disp = 0, type = 0, bytes = 0;
  wchar_t buf[BOOT_ID_LEN + 8];
  LONG rc;
  (void)once;
  (void)param;
  (void)ctx;
  /* The product key is an ordinary one: created alone by the call below it
   * would be volatile too, and no persistent value could go under it. */
  rc = RegCreateKeyExW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\VssGuard", 0, NULL,
                       REG_OPTION_NON_VOLATILE, KEY_CREATE_SUB_KEY, NULL,
                       &product, NULL);
  if (rc != ERROR_SUCCESS) {
    no_id("cannot open HKLM\\SOFTWARE\\VssGuard", rc);
    return TRUE;
  }
  rc = RegCreateKeyExW(product, L"Boot", 0, NULL, REG_OPTION_VOLATILE,
                       KEY_QUERY_VALUE | KEY_SET_VALUE | KEY_CREATE_SUB_KEY,
                       NULL, &key, &disp);
  RegCloseKey(product);
  if (rc != ERROR_SUCCESS) {
    no_id("cannot create the key", rc);
    return TRUE;
  }
  if (disp == REG_OPENED_EXISTING_KEY && !key_is_volatile(key)) {
    /* Made by hand: it would outlive a reboot and hide it. */
    no_id("the key is not volatile (it survives a reboot); delete it",
          ERROR_SUCCESS);
    RegCloseKey(key);
    return TRUE;
  }
  bytes = sizeof(buf) - sizeof(wchar_t);
  memset(buf, 0, sizeof(buf));
  rc = RegQueryValueExW(key, L"BootId", NULL, &type, (BYTE *)buf, &bytes);
  if (rc == ERROR_SUCCESS && valid_id(buf, type, bytes)) {
    for (int i = 0; i < BOOT_ID_LEN; i++)
      boot_id[i] = (char)buf[i];
    boot_id[BOOT_ID_LEN] = '\0';
  } else if (rc == ERROR_FILE_NOT_FOUND) {
    /* A new key, or one whose creator stopped before writing the id. */
    rc = new_id(key);
    if (rc != ERROR_SUCCESS)
      no_id("cannot store BootId", rc);
  } else {
    no_id("BootId is not 32 lowercase hex digits", ERROR_SUCCESS);
  }
  RegCloseKey(key);
  return TRUE;
}

/*
 * The running boot's id: 32 lowercase hex digits, or "" when the key cannot
 * be used (logged once). Creates the key on the first call in a boot: only
 * the agent calls it, through vg_plat_boot_ident. Read once per process.
 */
const char *vg_win_boot_id(void) {
  static INIT_ONCE once = INIT_ONCE_STATIC_INIT;
  InitOnceExecuteOnce(&once, init_boot_id, NULL, NULL);
  return boot_id;
}
