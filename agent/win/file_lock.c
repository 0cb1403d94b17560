/*
 * Windows side of vg_plat_lock_try: LockFileEx on byte 0 of a lock file of
 * its own. The handle is opened with every share mode, so that the agent
 * and the administrators' commands can all open the file while one of them
 * holds the lock; a lock belongs to its handle, so two handles of one
 * process exclude each other too. A file created here gets the protected
 * DACL of the state file (SYSTEM and Administrators, full control): a user
 * who could open it could hold the lock and stop the agent's saves.
 */
#include <windows.h>

#include <errno.h>
#include <sddl.h>
#include <stdlib.h>
#include <string.h>

#include "vssguard/platform.h"
#include "win.h"

static const wchar_t lock_sddl[] = L"D:P(A;;FA;;;SY)(A;;FA;;;BA)";

struct vg_plat_lock {
  HANDLE h;
};

int vg_plat_lock_try(const char *path, vg_plat_lock **out) {
  SECURITY_ATTRIBUTES sa;
  PSECURITY_DESCRIPTOR sd = NULL;
  OVERLAPPED ov;
  wchar_t *w;
  HANDLE h;
  DWORD err;

  *out = NULL;
  w = vg_win_wide(path);
  if (w == NULL) {
    errno = EINVAL;
    return VG_EIO;
  }
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(
          lock_sddl, SDDL_REVISION_1, &sd, NULL)) {
    free(w);
    errno = ENOMEM;
    return VG_EIO;
  }
  sa.nLength = sizeof(sa);
  sa.lpSecurityDescriptor = sd;
  sa.bInheritHandle = FALSE; /* not into hooks or reboot commands */
  /* The security descriptor applies only when the file is created. */
  h = CreateFileW(w, GENERIC_READ,
                  FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, &sa,
                  OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
  err = GetLastError();
  LocalFree(sd);
  free(w);
  if (h == INVALID_HANDLE_VALUE) {
    errno = err == ERROR_ACCESS_DENIED ? EACCES : EIO;
    return VG_EIO;
  }
  memset(&ov, 0, sizeof(ov));
  if (!LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1,
                  0, &ov)) {
    err = GetLastError();
    CloseHandle(h);
    if (err == ERROR_LOCK_VIOLATION || err == ERROR_IO_PENDING) {
      errno = EWOULDBLOCK;
      return VG_EBUSY;
    }
    errno = EIO;
    return VG_EIO;
  }
  vg_plat_lock *l = malloc(sizeof(*l));
  if (l == NULL) {
    CloseHandle(h); /* releases the lock */
    errno = ENOMEM;
    return VG_EIO;
  }
  l->h = h;
  *out = l;
  return VG_OK;
}

void vg_plat_unlock(vg_plat_lock *l) {
  OVERLAPPED ov;
  if (l == NULL)
    return;
  /* Released before the handle closes: the system frees the locks of a
   * closed handle only later, when it gets to it. */
  memset(&ov, 0, sizeof(ov));
  UnlockFileEx(l->h, 0, 1, 0, &ov);
  CloseHandle(l->h);
  free(l);
}
