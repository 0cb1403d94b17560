/*
 * The reboot call on Windows: the only place in VSS Session Guard that asks
 * the operating system to shut down. It validates its inputs, enables
 * SeShutdownPrivilege in the process token and calls
 * InitiateSystemShutdownExW; it can also abort a pending countdown.
 */
#include <windows.h>

#include <stdlib.h>
#include <string.h>

#include "vssguard/log.h"
#include "vssguard/platform.h"

/* MAX_SHUTDOWN_TIMEOUT: ten years, the largest countdown Windows accepts. */
#define VG_MAX_SHUTDOWN_TIMEOUT 315360000u
/* The shutdown dialog shows at most this many characters of the message. */
#define VG_MAX_MESSAGE 511

/*
 * Enables SeShutdownPrivilege in the process token. AdjustTokenPrivileges
 * returns TRUE even when the token does not hold the privilege; only
 * GetLastError() == ERROR_NOT_ALL_ASSIGNED says so. Returns 0 or VG_EPERM.
 */
static int enable_shutdown_privilege(void) {
  HANDLE token;
  TOKEN_PRIVILEGES tp;
  DWORD err;

  if (!OpenProcessToken(GetCurrentProcess(),
                        TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, &token)) {
    vg_log_error(VG_EV_REBOOT_FAILED, "OpenProcessToken failed: error %lu",
                 (unsigned long)GetLastError());
    return VG_EPERM;
  }
  memset(&tp, 0, sizeof(tp));
  tp.PrivilegeCount = 1;
  tp.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
  if (!LookupPrivilegeValueW(NULL, L"SeShutdownPrivilege",
                             &tp.Privileges[0].Luid)) {
    vg_log_error(VG_EV_REBOOT_FAILED,
                 "LookupPrivilegeValueW(SeShutdownPrivilege) failed: error %lu",
                 (unsigned long)GetLastError());
    CloseHandle(token);
    return VG_EPERM;
  }
  SetLastError(ERROR_SUCCESS);
  if (!AdjustTokenPrivileges(token, FALSE, &tp, 0, NULL, NULL)) {
    vg_log_error(VG_EV_REBOOT_FAILED, "AdjustTokenPrivileges failed: error %lu",
                 (unsigned long)GetLastError());
    CloseHandle(token);
    return VG_EPERM;
  }
  err = GetLastError();
  CloseHandle(token);
  if (err == ERROR_NOT_ALL_ASSIGNED) {
    vg_log_error(VG_EV_REBOOT_FAILED,
                 "the account does not hold SeShutdownPrivilege");
    return VG_EPERM;
  }
  return VG_OK;
}

/*
 * Converts the UTF-8 message to UTF-16 in out (cap - 1 characters and a
 * terminator), cut at a character boundary when longer. Invalid UTF-8 in the
 * part kept is an error. Returns 0 or VG_EINVAL.
 */
static int message_to_wide(const char *msg, wchar_t *out, size_t cap) {
  /* Four bytes of UTF-8 make at most two UTF-16 units: this bound keeps
   * every character that can fit. */
  size_t len = strnlen(msg, (cap - 1) * 4);
  wchar_t *tmp;
  int n;

  out[0] = L'\0';
  if (len == 0)
    return VG_OK;
  /* Do not cut the input inside a UTF-8 sequence. */
  if (msg[len] != '\0')
    while (len > 0 && ((unsigned char)msg[len] & 0xC0) == 0x80)
      len--;
  tmp = malloc((len + 1) * sizeof(*tmp));
  if (tmp == NULL)
    return VG_ENOMEM;
  n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, msg, (int)len, tmp,
                          (int)len + 1);
  if (n <= 0) {
    free(tmp);
    return VG_EINVAL;
  }
  if ((size_t)n > cap - 1) {
    n = (int)cap - 1;
    /* Do not leave half of a surrogate pair at the end. */
    if (tmp[n - 1] >= 0xD800 && tmp[n - 1] <= 0xDBFF)
      n--;
  }
  memcpy(out, tmp, (size_t)n * sizeof(*tmp));
  out[n] = L'\0';
  free(tmp);
  return VG_OK;
}

int vg_plat_reboot(const struct vg_reboot_req *req) {
  wchar_t msg[VG_MAX_MESSAGE + 1];
  DWORD err;
  int rc;

  if (req == NULL || req->reason == 0 ||
      req->warning_s > VG_MAX_SHUTDOWN_TIMEOUT)
    return VG_EINVAL;
  if (req->message != NULL &&
      message_to_wide(req->message, msg, sizeof(msg) / sizeof(msg[0])) != 0) {
    vg_log_error(VG_EV_REBOOT_FAILED, "reboot message is not valid UTF-8");
    return VG_EINVAL;
  }
  rc = enable_shutdown_privilege();
  if (rc != 0)
    return rc;
  if (InitiateSystemShutdownExW(
          NULL, req->message != NULL ? msg : NULL, (DWORD)req->warning_s,
          req->force_close_apps ? TRUE : FALSE, TRUE, (DWORD)req->reason))
    return VG_OK;
  err = GetLastError();
  switch (err) {
  case ERROR_SHUTDOWN_IN_PROGRESS: return VG_EBUSY;
  case ERROR_NOT_READY: return VG_EAGAIN;
  case ERROR_ACCESS_DENIED:
  case ERROR_PRIVILEGE_NOT_HELD:
    vg_log_error(VG_EV_REBOOT_FAILED,
                 "InitiateSystemShutdownExW denied: error %lu",
                 (unsigned long)err);
    return VG_EPERM;
  default:
    vg_log_error(VG_EV_REBOOT_FAILED,
                 "InitiateSystemShutdownExW failed: error %lu",
                 (unsigned long)err);
    return VG_EIO;
  }
}

int vg_plat_abort_reboot(void) {
  DWORD err;
  int rc = enable_shutdown_privilege();
  if (rc != 0)
    return rc;
  if (AbortSystemShutdownW(NULL))
    return VG_OK;
  err = GetLastError();
  /* ERROR_NO_SHUTDOWN_IN_PROGRESS: nothing to cancel. */
  if (err == ERROR_NO_SHUTDOWN_IN_PROGRESS)
    return VG_ENOENT;
  vg_log_error(VG_EV_REBOOT_FAILED, "AbortSystemShutdownW failed: error %lu",
               (unsigned long)err);
  return err == ERROR_ACCESS_DENIED ? VG_EPERM : VG_EIO;
}
