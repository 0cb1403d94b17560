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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vssguard/log.h"
#include "vssguard/platform.h"
#include "win.h"

/* Full control for SYSTEM and Administrators, inherited by children. */
static const wchar_t dir_sddl[] = L"D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)";
static const wchar_t file_sddl[] = L"D:P(A;;FA;;;SY)(A;;FA;;;BA)";
/* The same with Administrators as the owner, for an untrusted owner. */
static const wchar_t owned_dir_sddl[] =
    L"O:BAD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)";
static const wchar_t owned_file_sddl[] = L"O:BAD:P(A;;FA;;;SY)(A;;FA;;;BA)";

/* Enables a privilege in the process token when the token holds it (the
 * service's LocalSystem token holds SeTakeOwnership and SeRestore). */
static void enable_privilege(const wchar_t *name) {
  HANDLE token;
  TOKEN_PRIVILEGES tp;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES, &token))
    return;
  memset(&tp, 0, sizeof(tp));
  tp.PrivilegeCount = 1;
  tp.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
  if (LookupPrivilegeValueW(NULL, name, &tp.Privileges[0].Luid))
    AdjustTokenPrivileges(token, FALSE, &tp, 0, NULL, NULL);
  CloseHandle(token);
}

/*
 * Gives path (UTF-16 w) the owner and protected DACL of sddl ("O:BAD:P...")
 * when its owner is not trusted. An owner implicitly holds WRITE_DAC: a user
 * who created the directory or planted a file before the install could
 * otherwise grant itself access again whatever the DACL says. Setting an
 * owner other than oneself needs SeRestorePrivilege (or SeTakeOwnership to
 * take it for Administrators). Returns 0 (*changed tells whether the owner
 * was replaced) or VG_EPERM, logged.
 */
static int fix_owner(const char *path, const wchar_t *w, const wchar_t *sddl,
                     bool *changed) {
  PSECURITY_DESCRIPTOR cur = NULL, sd = NULL;
  PSID owner = NULL, new_owner = NULL;
  PACL dacl = NULL;
  BOOL present = FALSE, defaulted = FALSE;
  char who[300];
  DWORD err;

  *changed = false;
  err = GetNamedSecurityInfoW(w, SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION,
                              &owner, NULL, NULL, NULL, &cur);
  if (err != ERROR_SUCCESS) {
    vg_log_error(VG_EV_STATE_ERROR,
                 "%s: cannot read its owner (error %lu); not using it", path,
                 (unsigned long)err);
    return VG_EPERM;
  }
  if (owner != NULL && vg_win_sid_trusted(owner)) {
    LocalFree(cur);
    return VG_OK;
  }
  if (owner != NULL)
    vg_win_sid_name(owner, who, sizeof(who));
  else
    snprintf(who, sizeof(who), "nobody");
  LocalFree(cur);
  enable_privilege(L"SeRestorePrivilege");
  enable_privilege(L"SeTakeOwnershipPrivilege");
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(
          sddl, SDDL_REVISION_1, &sd, NULL) ||
      !GetSecurityDescriptorOwner(sd, &new_owner, &defaulted) ||
      !GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted)) {
    if (sd != NULL)
      LocalFree(sd);
    return VG_EPERM;
  }
  err = SetNamedSecurityInfoW((LPWSTR)w, SE_FILE_OBJECT,
                              OWNER_SECURITY_INFORMATION |
                                  DACL_SECURITY_INFORMATION |
                                  PROTECTED_DACL_SECURITY_INFORMATION,
                              new_owner, NULL, dacl, NULL);
  LocalFree(sd);
  if (err != ERROR_SUCCESS) {
    vg_log_error(VG_EV_STATE_ERROR,
                 "%s is owned by %s, not by SYSTEM or Administrators, and its "
                 "owner cannot be changed (error %lu)",
                 path, who, (unsigned long)err);
    return VG_EPERM;
  }
  vg_log_warn(VG_EV_STATE_ERROR,
              "%s was owned by %s: its owner is now Administrators and only "
              "SYSTEM and Administrators have access",
              path, who);
  *changed = true;
  return VG_OK;
}

static int make_dir(const wchar_t *path) {
  SECURITY_ATTRIBUTES sa;
  PSECURITY_DESCRIPTOR sd = NULL;
  int rc = VG_OK;

  if (GetFileAttributesW(path) != INVALID_FILE_ATTRIBUTES) {
    bool changed;
    char *u = vg_win_utf8(path);
    rc = fix_owner(u != NULL ? u : "the data directory", path, owned_dir_sddl,
                   &changed);
    free(u);
    return rc;
  }
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
  wchar_t *w = vg_win_wide(dir);
  bool changed = false;
  int rc = w != NULL ? fix_owner(dir, w, owned_dir_sddl, &changed) : VG_EIO;
  free(w);
  if (rc != VG_OK)
    return rc;
  return changed ? VG_OK : set_dacl(dir, dir_sddl);
}

/* Deletes the name w (a file); true when it is gone. */
static bool delete_name(const wchar_t *w) {
  return DeleteFileW(w) || GetLastError() == ERROR_FILE_NOT_FOUND;
}

/*
 * Secures the existing file path (UTF-16 w), if any: the security
 * descriptor belongs to the file, not to the name, so with a second link or
 * a reparse point securing the name would change another file. Such a file
 * is not ours: the name is removed (what says so to the log). Otherwise an
 * untrusted owner is replaced, or the name removed when it cannot be, and
 * the SYSTEM/Administrators DACL applied. Returns 0 or VG_EPERM.
 */
static int secure_existing(const char *path, const wchar_t *w,
                           const char *what) {
  BY_HANDLE_FILE_INFORMATION info;
  HANDLE h;
  bool changed = false;
  int rc = VG_OK;

  h = CreateFileW(w, FILE_READ_ATTRIBUTES,
                  FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                  OPEN_EXISTING, FILE_FLAG_OPEN_REPARSE_POINT, NULL);
  if (h == INVALID_HANDLE_VALUE)
    return VG_OK;
  BOOL ok = GetFileInformationByHandle(h, &info);
  CloseHandle(h);
  if (!ok || info.nNumberOfLinks > 1 ||
      (info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT)) {
    if (delete_name(w))
      vg_log_error(VG_EV_STATE_ERROR,
                   "%s was a hard link or a reparse point: removed; %s", path,
                   what);
    else
      rc = VG_EPERM;
  } else if (fix_owner(path, w, owned_file_sddl, &changed) != VG_OK) {
    /* An owner that stays untrusted could rewrite it: not used. */
    if (!delete_name(w))
      rc = VG_EPERM;
  } else if (!changed && set_dacl(path, file_sddl) != VG_OK) {
    rc = VG_EPERM;
  }
  return rc;
}

int vg_win_secure_state(const char *path) {
  char tmp[4096], lck[4096];
  wchar_t *w, *wtmp, *wlck;
  int rc = VG_OK;

  snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  snprintf(lck, sizeof(lck), "%s.lock", path);
  w = vg_win_wide(path);
  wtmp = vg_win_wide(tmp);
  wlck = vg_win_wide(lck);
  if (w == NULL || wtmp == NULL || wlck == NULL) {
    free(w);
    free(wtmp);
    free(wlck);
    return VG_EPERM;
  }
  /* A temporary file is never meaningful at start; the next save creates
   * its own. Writing through a planted one could reach any file. */
  if (!delete_name(wtmp)) {
    vg_log_error(VG_EV_STATE_ERROR, "cannot remove the leftover %s (error %lu)",
                 tmp, (unsigned long)GetLastError());
    rc = VG_EPERM;
  }
  if (secure_existing(path, w, "starting from a fresh state") != VG_OK)
    rc = VG_EPERM;
  /* The state's lock file (vssguard/state_lock.h): whoever may open it may
   * hold the lock and stop the agent's saves; opened through a reparse
   * point it would create a file elsewhere. The next lock creates a new
   * one with the state's DACL. */
  if (secure_existing(lck, wlck, "the next save creates it again") != VG_OK)
    rc = VG_EPERM;
  free(w);
  free(wtmp);
  free(wlck);
  return rc;
}

int vg_win_secure_data(const char *state_path) {
  char dir[4096];
  char *sep;
  int rc = VG_OK;

  snprintf(dir, sizeof(dir), "%s", state_path);
  sep = strrchr(dir, '\\');
  if (strrchr(dir, '/') > sep)
    sep = strrchr(dir, '/');
  if (sep != NULL) {
    *sep = '\0';
    if (vg_win_secure_dir(dir) != 0) {
      vg_log_error(VG_EV_STATE_ERROR, "cannot create %s", dir);
      rc = VG_EPERM;
    }
    /* The default directory may come from the MSI with ProgramData's ACL,
     * which lets users create files in it: restrict it. */
    else if (_stricmp(dir, vg_plat_default_dir()) == 0 &&
             vg_win_secure_existing_dir(dir) != 0) {
      vg_log_error(VG_EV_STATE_ERROR, "cannot restrict the access list of %s",
                   dir);
      rc = VG_EPERM;
    }
  }
  /* No leftover state.tmp, no state owned by a user or linked elsewhere. */
  if (vg_win_secure_state(state_path) != 0 && rc == VG_OK)
    rc = VG_EPERM;
  return rc;
}

bool vg_win_is_admin(void) {
  SID_IDENTIFIER_AUTHORITY nt = {SECURITY_NT_AUTHORITY};
  PSID admins = NULL;
  BOOL member = FALSE;

  if (!AllocateAndInitializeSid(&nt, 2, SECURITY_BUILTIN_DOMAIN_RID,
                                DOMAIN_ALIAS_RID_ADMINS, 0, 0, 0, 0, 0, 0,
                                &admins))
    return false;
  /* A group that is only "use for deny" (an unelevated console under UAC)
   * is not a membership. */
  if (!CheckTokenMembership(NULL, admins, &member))
    member = FALSE;
  FreeSid(admins);
  return member != FALSE;
}
