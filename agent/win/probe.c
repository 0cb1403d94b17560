/*
 * The local gates' probes on Windows (see vssguard/probe.h):
 * WTSEnumerateSessionsW for sessions, a Toolhelp snapshot for processes.
 * Both exist on Windows Server 2008 (wtsapi32.dll and kernel32.dll).
 */
#include <stdio.h>
#include <string.h>

#include <windows.h>

#include <tlhelp32.h>
#include <wtsapi32.h>

#include "vssguard/probe.h"

/* UTF-16 to UTF-8 into buf (truncated, always terminated). */
static void narrow(const wchar_t *w, char *buf, size_t len) {
  if (len == 0)
    return;
  int k = WideCharToMultiByte(CP_UTF8, 0, w, -1, buf, (int)len, NULL, NULL);
  if (k <= 0)
    buf[0] = '\0';
  buf[len - 1] = '\0';
}

int vg_plat_active_sessions(char *who, size_t len) {
  WTS_SESSION_INFOW *s = NULL;
  DWORD count = 0;
  if (len > 0)
    who[0] = '\0';
  if (!WTSEnumerateSessionsW(WTS_CURRENT_SERVER_HANDLE, 0, 1, &s, &count))
    return VG_EIO;
  int n = 0;
  size_t used = 0;
  for (DWORD i = 0; i < count; i++) {
    if (s[i].State != WTSActive)
      continue;
    LPWSTR user = NULL;
    DWORD bytes = 0;
    char name[128] = "", station[64] = "";
    if (WTSQuerySessionInformationW(WTS_CURRENT_SERVER_HANDLE, s[i].SessionId,
                                    WTSUserName, &user, &bytes) &&
        user != NULL)
      narrow(user, name, sizeof(name));
    if (user != NULL)
      WTSFreeMemory(user);
    /* An active session without a user is a logon screen. */
    if (name[0] == '\0')
      continue;
    if (s[i].pWinStationName != NULL)
      narrow(s[i].pWinStationName, station, sizeof(station));
    n++;
    if (used < len) {
      int k = snprintf(who + used, len - used, "%s%s (%s)",
                       used > 0 ? ", " : "", name, station);
      if (k > 0)
        used += (size_t)k;
    }
  }
  WTSFreeMemory(s);
  return n;
}

static int ascii_casecmp(const char *a, const char *b) {
  for (;; a++, b++) {
    int x = (unsigned char)*a, y = (unsigned char)*b;
    if (x >= 'A' && x <= 'Z')
      x += 32;
    if (y >= 'A' && y <= 'Z')
      y += 32;
    if (x != y || x == 0)
      return x - y;
  }
}

int vg_plat_process_running(const char (*names)[VG_PROCESS_NAME_MAX + 1],
                            size_t n, char *found, size_t len) {
  HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
  if (snap == INVALID_HANDLE_VALUE)
    return VG_EIO;
  PROCESSENTRY32W pe;
  pe.dwSize = sizeof(pe);
  int rc = 0;
  for (BOOL ok = Process32FirstW(snap, &pe); ok && rc == 0;
       ok = Process32NextW(snap, &pe)) {
    char exe[MAX_PATH * 3];
    narrow(pe.szExeFile, exe, sizeof(exe));
    for (size_t i = 0; i < n; i++)
      if (ascii_casecmp(names[i], exe) == 0) {
        snprintf(found, len, "%s", names[i]);
        rc = 1;
        break;
      }
  }
  CloseHandle(snap);
  return rc;
}
