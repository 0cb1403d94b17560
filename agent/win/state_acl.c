/*
 * The agent's data directory (%ProgramData%\VssGuard) and its state file
 * are readable and writable only by SYSTEM and the Administrators group: a
 * user who could edit the state could make the agent reboot the server. The
 * DACL is protected (nothing inherited from ProgramData, which lets users
 * create files) and inherited by the files created inside.
 */
#include <windows.h>

#include <aclapi.h>
#include <sddl.h>
#include <stdlib.h>
#include <string.h>

#include "vssguard/log.h"
#include "win.h"

/* Full control for SYSTEM and Administrators, inherited by children. */
static const wchar_t dir_sddl[] = L"D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)";
static const wchar_t file_sddl[] = L"D:P(A;;FA;;;SY)(A;;FA;;;BA)";

static int make_dir(const wchar_t *path) {
  SECURITY_ATTRIBUTES sa;
  PSECURITY_DESCRIPTOR sd = NULL;
  int rc = VG_OK;

  if (GetFileAttributesW(path) != INVALID_FILE_ATTRIBUTES)
    return VG_OK;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(
          dir_sddl, SDDL_REVISION_1, &sd, NULL))
    return VG_EIO;
  sa.nLength = sizeof(sa);
  sa.lpSecurityDescriptor = sd;
  sa.bInheritHandle = FALSE;
  if (!CreateDirectoryW(path, &sa) && GetLastError() != ERROR_ALREADY_EXISTS) {
    vg_log_error(VG_EV_STATE_ERROR, "cannot create a directory: error %lu",
                 (unsigned long)GetLastError());
    rc = VG_EIO;
  }
  LocalFree(sd);
  return rc;
}

int vg_win_secure_dir(const char *dir) {
  wchar_t *w = vg_win_wide(dir);
  wchar_t *p;
  int rc = VG_OK;

  if (w == NULL)
    return VG_EIO;
  for (p = w; *p != L'\0'; p++)
    if (*p == L'/')
      *p = L'\\';
  /* Create the missing parents first; only the last ones are new. */
  for (p = w + 1; *p != L'\0' && rc == VG_OK; p++) {
    if (*p != L'\\' || p[-1] == L':' || p[-1] == L'\\')
      continue;
    *p = L'\0';
    rc = make_dir(w);
    *p = L'\\';
  }
  if (rc == VG_OK)
    rc = make_dir(w);
  free(w);
  return rc;
}

/* Applies the protected DACL of sddl to path. */
static int set_dacl(const char *path, const wchar_t *sddl) {
  wchar_t *w = vg_win_wide(path);
  PSECURITY_DESCRIPTOR sd = NULL;
  PACL dacl = NULL;
  BOOL present = FALSE, defaulted = FALSE;
  DWORD err;

  if (w == NULL)
    return VG_EIO;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(
          sddl, SDDL_REVISION_1, &sd, NULL) ||
      !GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted)) {
    free(w);
    if (sd != NULL)
      LocalFree(sd);
    return VG_EIO;
  }
  err = SetNamedSecurityInfoW(w, SE_FILE_OBJECT,
                              DACL_SECURITY_INFORMATION |
                                  PROTECTED_DACL_SECURITY_INFORMATION,
                              NULL, NULL, dacl, NULL);
  LocalFree(sd);
  free(w);
  return err == ERROR_SUCCESS ? VG_OK : VG_EIO;
}

int vg_win_secure_file(const char *path) {
  return set_dacl(path, file_sddl);
}

int vg_win_secure_existing_dir(const char *dir) {
  return set_dacl(dir, dir_sddl);
}
