/*
 * Windows implementation of the platform interface (except the reboot call,
 * which lives alone in reboot.c): clocks, boot time, the local zone's offset
 * with the year's own daylight-saving rules, durable file replacement,
 * randomness, the default directory and the policy file DACL check.
 *
 * Only functions available on Windows Server 2008 (Vista kernel) are used.
 */
#include <windows.h>

#include <accctrl.h>
#include <aclapi.h>
#include <io.h>
#include <knownfolders.h>
#include <ntsecapi.h>
#include <sddl.h>
#include <shellapi.h>
#include <shlobj.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vssguard/platform.h"
#include "vssguard/zone.h"
#include "win.h"

/*
 * kernel32 exports GetTimeZoneInformationForYear since Windows Vista SP1 and
 * Server 2008 ("Minimum supported server: Windows Server 2008" on
 * learn.microsoft.com), but mingw-w64 declares it only for
 * _WIN32_WINNT >= 0x0601; the build targets 0x0600.
 */
#if _WIN32_WINNT < 0x0601
WINBASEAPI BOOL WINAPI GetTimeZoneInformationForYear(
    USHORT wYear, PDYNAMIC_TIME_ZONE_INFORMATION pdtzi,
    LPTIME_ZONE_INFORMATION ptzi);
#endif

/* 100-ns intervals between 1601-01-01 (FILETIME) and 1970-01-01. */
#define VG_FILETIME_UNIX_EPOCH 116444736000000000ULL
#define VG_FILETIME_PER_SEC 10000000ULL

static uint64_t filetime_now(void) {
  FILETIME ft;
  ULARGE_INTEGER u;
  GetSystemTimeAsFileTime(&ft);
  u.LowPart = ft.dwLowDateTime;
  u.HighPart = ft.dwHighDateTime;
  return u.QuadPart;
}

/* Converts a FILETIME count to Unix seconds, rounding toward minus infinity. */
static vg_wall_t filetime_to_wall(uint64_t ft) {
  int64_t rel = (int64_t)(ft - VG_FILETIME_UNIX_EPOCH);
  int64_t s = rel / (int64_t)VG_FILETIME_PER_SEC;
  if (rel % (int64_t)VG_FILETIME_PER_SEC < 0)
    s--;
  return (vg_wall_t)s;
}

vg_wall_t vg_plat_now(void) {
  return filetime_to_wall(filetime_now());
}

/*
 * The performance counter is monotonic and, on Vista and later, consistent
 * across processors. Its frequency is fixed at boot, so it is read once.
 */
vg_mono_t vg_plat_mono(void) {
  static LONGLONG freq;
  LARGE_INTEGER c, f;
  vg_mono_t m;
  if (freq == 0) {
    QueryPerformanceFrequency(&f);
    freq = f.QuadPart > 0 ? f.QuadPart : 1;
  }
  QueryPerformanceCounter(&c);
  m.ms = (uint64_t)(c.QuadPart / freq) * 1000u +
         (uint64_t)(c.QuadPart % freq) * 1000u / (uint64_t)freq;
  return m;
}

/*
 * Boot time as now minus GetTickCount64(), which counts time asleep too: the
 * same definition as on Linux (CLOCK_BOOTTIME). Both readings are taken in
 * 100-ns units and rounded once, so repeated calls agree to the second.
 */
int vg_plat_boot_time(vg_wall_t *out) {
  uint64_t now = filetime_now();
  uint64_t up = (uint64_t)GetTickCount64() * 10000u;
  if (up > now)
    return VG_EIO;
  *out = filetime_to_wall(now - up);
  return VG_OK;
}

/* The uptime from GetTickCount64 (time asleep included, like Linux's
 * CLOCK_BOOTTIME), and the boot id Windows lacks, which boot_id.c keeps in
 * a volatile registry key. */
int vg_plat_boot_ident(struct vg_boot_ident *out) {
  memset(out, 0, sizeof(*out));
  out->uptime_s = (uint64_t)GetTickCount64() / 1000u;
  snprintf(out->id, sizeof(out->id), "%s", vg_win_boot_id());
  return VG_OK;
}

/* SYSTEMTIME of Unix time t (UTC); fails outside 1601..30827. */
static int wall_to_systemtime(vg_wall_t t, SYSTEMTIME *st) {
  FILETIME ft;
  ULARGE_INTEGER u;
  if (t < -11644473600LL || t > 910692730000LL)
    return VG_ERANGE;
  u.QuadPart = (uint64_t)(t + 11644473600LL) * VG_FILETIME_PER_SEC;
  ft.dwLowDateTime = u.LowPart;
  ft.dwHighDateTime = u.HighPart;
  return FileTimeToSystemTime(&ft, st) ? VG_OK : VG_ERANGE;
}

/*
 * GetTimeZoneInformationForYear reads the registry (about 0.1 ms a call, far
 * more under Wine), and planners ask for many offsets in a row. Its answers
 * are kept per year for a minute, so that a change of the system's zone is
 * seen within a minute.
 */
#define VG_TZ_CACHE_SLOTS 4
#define VG_TZ_CACHE_MS 60000u

static SRWLOCK tz_lock = SRWLOCK_INIT;
static struct {
  USHORT year; /* 0 = empty */
  ULONGLONG fetched_ms;
  TIME_ZONE_INFORMATION tzi;
} tz_cache[VG_TZ_CACHE_SLOTS];

static int zone_rules(USHORT year, TIME_ZONE_INFORMATION *tzi) {
  ULONGLONG now = GetTickCount64();
  int slot = year % VG_TZ_CACHE_SLOTS, hit;

  AcquireSRWLockShared(&tz_lock);
  hit = tz_cache[slot].year == year &&
        now - tz_cache[slot].fetched_ms < VG_TZ_CACHE_MS;
  if (hit)
    *tzi = tz_cache[slot].tzi;
  ReleaseSRWLockShared(&tz_lock);
  if (hit)
    return VG_OK;
  if (!GetTimeZoneInformationForYear(year, NULL, tzi))
    return VG_EIO;
  AcquireSRWLockExclusive(&tz_lock);
  tz_cache[slot].year = year;
  tz_cache[slot].fetched_ms = now;
  tz_cache[slot].tzi = *tzi;
  ReleaseSRWLockExclusive(&tz_lock);
  return VG_OK;
}

/*
 * The offset of the system's zone at instant t. GetTimeZoneInformationForYear
 * gives the rules in force in a given year (zones change their rules), and
 * SystemTimeToTzSpecificLocalTime applies them. The rules are those of the
 * local year, which differs from the UTC year on New Year's Eve and Day.
 */
int vg_plat_local_offset(vg_wall_t t, int32_t *offset_s) {
  SYSTEMTIME utc, local;
  TIME_ZONE_INFORMATION tzi;
  USHORT year;
  int i;

  if (wall_to_systemtime(t, &utc) != VG_OK)
    return VG_ERANGE;
  year = utc.wYear;
  for (i = 0; i < 2; i++) {
    if (zone_rules(year, &tzi) != VG_OK ||
        !SystemTimeToTzSpecificLocalTime(&tzi, &utc, &local))
      return VG_EIO;
    if (local.wYear == year)
      break;
    year = local.wYear;
  }
  int64_t days = vg_days_from_civil(local.wYear, local.wMonth, local.wDay);
  int64_t secs =
      days * 86400 + local.wHour * 3600 + local.wMinute * 60 + local.wSecond;
  *offset_s = (int32_t)(secs - t);
  return VG_OK;
}

int vg_plat_fsync(FILE *f) {
  intptr_t h;
  if (fflush(f) != 0)
    return VG_EIO;
  h = _get_osfhandle(_fileno(f));
  if (h == -1 || !FlushFileBuffers((HANDLE)h))
    return VG_EIO;
  return VG_OK;
}

/*
 * Converts a UTF-8 string to a newly allocated UTF-16 one. Returns NULL on
 * invalid UTF-8 or when out of memory.
 */
static wchar_t *utf8_to_wide(const char *s) {
  int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
  wchar_t *w;
  if (n <= 0)
    return NULL;
  w = malloc((size_t)n * sizeof(*w));
  if (w == NULL)
    return NULL;
  if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n) != n) {
    free(w);
    return NULL;
  }
  return w;
}

/* Converts a UTF-16 string to UTF-8 into buf. Returns 0 or VG_ERANGE. */
static int wide_to_utf8(const wchar_t *w, char *buf, size_t len) {
  int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, buf, (int)len, NULL, NULL);
  return n > 0 ? VG_OK : VG_ERANGE;
}

/*
 * The CRT's fopen reads the path in the ANSI code page; _wfopen takes it in
 * UTF-16, converted from UTF-8, so every name opens.
 */
FILE *vg_plat_fopen(const char *path, const char *mode) {
  wchar_t wmode[16];
  wchar_t *wpath;
  FILE *f;
  size_t i;
  for (i = 0; mode[i] != '\0' && i + 1 < sizeof(wmode) / sizeof(wmode[0]); i++)
    wmode[i] = (wchar_t)(unsigned char)mode[i];
  wmode[i] = L'\0';
  wpath = utf8_to_wide(path);
  if (wpath == NULL) {
    errno = EINVAL;
    return NULL;
  }
  f = _wfopen(wpath, wmode);
  free(wpath);
  return f;
}

int vg_plat_stat(const char *path, struct vg_plat_stat *out) {
  WIN32_FILE_ATTRIBUTE_DATA fad;
  wchar_t *w = utf8_to_wide(path);
  DWORD err;
  BOOL ok;
  if (w == NULL) {
    errno = EINVAL;
    return VG_EIO;
  }
  ok = GetFileAttributesExW(w, GetFileExInfoStandard, &fad);
  err = ok ? ERROR_SUCCESS : GetLastError();
  free(w);
  if (!ok) {
    if (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND) {
      errno = ENOENT;
      return VG_ENOENT;
    }
    errno = err == ERROR_ACCESS_DENIED ? EACCES : EIO;
    return VG_EIO;
  }
  out->is_dir = (fad.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
  out->size = (int64_t)(((uint64_t)fad.nFileSizeHigh << 32) | fad.nFileSizeLow);
  return VG_OK;
}

int vg_plat_remove(const char *path) {
  wchar_t *w = utf8_to_wide(path);
  int rc = VG_EIO;
  if (w != NULL && DeleteFileW(w))
    rc = VG_OK;
  free(w);
  return rc;
}

/*
 * main's argv holds the command line in the ANSI code page, which loses
 * every character outside it. The UTF-16 command line, split the way the
 * CRT splits it (CommandLineToArgvW), is converted to UTF-8 once; the
 * strings live as long as the process.
 */
void vg_plat_utf8_args(int *argc, char ***argv) {
  int n = 0, i;
  wchar_t **wargv = CommandLineToArgvW(GetCommandLineW(), &n);
  char **out;
  if (wargv == NULL || n <= 0)
    return;
  out = calloc((size_t)n + 1, sizeof(*out));
  if (out == NULL) {
    LocalFree(wargv);
    return;
  }
  for (i = 0; i < n; i++) {
    int len =
        WideCharToMultiByte(CP_UTF8, 0, wargv[i], -1, NULL, 0, NULL, NULL);
    out[i] = len > 0 ? malloc((size_t)len) : NULL;
    if (out[i] == NULL || WideCharToMultiByte(CP_UTF8, 0, wargv[i], -1, out[i],
                                              len, NULL, NULL) != len) {
      /* Keep the ANSI command line rather than half of each. */
      while (i >= 0)
        free(out[i--]);
      free(out);
      LocalFree(wargv);
      return;
    }
  }
  LocalFree(wargv);
  *argc = n;
  *argv = out;
}

/*
 * MOVEFILE_WRITE_THROUGH makes MoveFileExW return only once the rename is on
 * disk, the counterpart of fsync on the directory after rename(2).
 */
int vg_plat_replace_file(const char *src, const char *dst) {
  wchar_t *wsrc = utf8_to_wide(src);
  wchar_t *wdst = utf8_to_wide(dst);
  int rc = VG_EIO;
  if (wsrc == NULL || wdst == NULL)
    rc = VG_EINVAL;
  else if (MoveFileExW(wsrc, wdst,
                       MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
    rc = VG_OK;
  free(wsrc);
  free(wdst);
  return rc;
}

/* Access rights that let a principal change the file or its protection. */
#define VG_WRITE_RIGHTS                                                        \
  (FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_EA |                        \
   FILE_WRITE_ATTRIBUTES | DELETE | WRITE_DAC | WRITE_OWNER | GENERIC_WRITE |  \
   GENERIC_ALL)

/* Principals that may write the policy file, as SID strings. */
static const wchar_t *const trusted_sids[] = {
    L"S-1-5-18",     /* NT AUTHORITY\SYSTEM */
    L"S-1-5-32-544", /* BUILTIN\Administrators */
    /* NT SERVICE\TrustedInstaller */
    L"S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464",
};

/* Whether sid is the account this process runs as. */
static int sid_is_self(PSID sid) {
  HANDLE token;
  union {
    TOKEN_USER user;
    unsigned char buf[SECURITY_MAX_SID_SIZE + sizeof(TOKEN_USER)];
  } u;
  DWORD n = 0;
  int eq = 0;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token))
    return 0;
  if (GetTokenInformation(token, TokenUser, &u, sizeof(u), &n))
    eq = EqualSid(sid, u.user.User.Sid) != 0;
  CloseHandle(token);
  return eq;
}

/*
 * SYSTEM, Administrators and TrustedInstaller are trusted, and so is the
 * account the agent runs as (SYSTEM for the service), as on POSIX where the
 * agent's own user may own the policy: it could change the policy anyway.
 */
static int sid_is_trusted(PSID sid) {
  size_t i;
  for (i = 0; i < sizeof(trusted_sids) / sizeof(trusted_sids[0]); i++) {
    PSID t = NULL;
    int eq;
    if (!ConvertStringSidToSidW(trusted_sids[i], &t))
      continue;
    eq = EqualSid(sid, t) != 0;
    LocalFree(t);
    if (eq)
      return 1;
  }
  return sid_is_self(sid);
}

/* Writes the account name of sid, or its string form, into buf. */
static void sid_name(PSID sid, char *buf, size_t len) {
  wchar_t name[256], domain[256], *str = NULL;
  DWORD nlen = 256, dlen = 256;
  SID_NAME_USE use;
  if (LookupAccountSidW(NULL, sid, name, &nlen, domain, &dlen, &use)) {
    wchar_t full[520];
    if (dlen > 0)
      _snwprintf(full, 520, L"%ls\\%ls", domain, name);
    else
      _snwprintf(full, 520, L"%ls", name);
    full[519] = L'\0';
    if (wide_to_utf8(full, buf, len) == VG_OK)
      return;
  }
  if (ConvertSidToStringSidW(sid, &str)) {
    int ok = wide_to_utf8(str, buf, len) == VG_OK;
    LocalFree(str);
    if (ok)
      return;
  }
  snprintf(buf, len, "an unknown account");
}

/*
 * A file is trusted when its owner is trusted (an owner can always rewrite
 * the DACL) and every ACE of its DACL that grants a write right names a
 * trusted account (see sid_is_trusted). Deny ACEs only take
 * rights away and inherit-only ACEs do not apply to the file itself, so both
 * are skipped; a NULL DACL grants everyone everything.
 */
int vg_plat_check_file_secure(const char *path, char *why, size_t len) {
  wchar_t *wpath = utf8_to_wide(path);
  PSECURITY_DESCRIPTOR sd = NULL;
  PSID owner = NULL;
  PACL dacl = NULL;
  DWORD err;
  WORD i;
  char who[300];
  int rc = VG_OK;

  if (wpath == NULL) {
    snprintf(why, len, "%s: not a valid UTF-8 path", path);
    return VG_EPERM;
  }
  err = GetNamedSecurityInfoW(wpath, SE_FILE_OBJECT,
                              OWNER_SECURITY_INFORMATION |
                                  DACL_SECURITY_INFORMATION,
                              &owner, NULL, &dacl, NULL, &sd);
  free(wpath);
  if (err != ERROR_SUCCESS) {
    snprintf(why, len, "%s: cannot read its security descriptor (error %lu)",
             path, (unsigned long)err);
    return VG_EPERM;
  }
  if (owner != NULL && !sid_is_trusted(owner)) {
    sid_name(owner, who, sizeof(who));
    snprintf(why, len,
             "%s is owned by %s, not by SYSTEM, Administrators, "
             "TrustedInstaller or the agent's account",
             path, who);
    rc = VG_EPERM;
  } else if (dacl == NULL) {
    snprintf(why, len, "%s has no DACL: everyone may write it", path);
    rc = VG_EPERM;
  }
  for (i = 0; rc == VG_OK && i < dacl->AceCount; i++) {
    ACE_HEADER *hdr;
    ACCESS_ALLOWED_ACE *ace;
    if (!GetAce(dacl, i, (void **)&hdr)) {
      snprintf(why, len, "%s: unreadable ACE %u in its DACL", path,
               (unsigned)i);
      rc = VG_EPERM;
      break;
    }
    if (hdr->AceType != ACCESS_ALLOWED_ACE_TYPE ||
        (hdr->AceFlags & INHERIT_ONLY_ACE))
      continue;
    ace = (ACCESS_ALLOWED_ACE *)hdr;
    if ((ace->Mask & VG_WRITE_RIGHTS) == 0)
      continue;
    if (!sid_is_trusted((PSID)&ace->SidStart)) {
      sid_name((PSID)&ace->SidStart, who, sizeof(who));
      snprintf(why, len,
               "%s is writable by %s (only SYSTEM, Administrators, "
               "TrustedInstaller and the agent's account may write it)",
               path, who);
      rc = VG_EPERM;
    }
  }
  LocalFree(sd);
  return rc;
}

/* RtlGenRandom (SystemFunction036) draws from the system's CSPRNG. */
int vg_plat_random(void *buf, size_t len) {
  unsigned char *p = buf;
  while (len > 0) {
    ULONG n = len > 0x10000000u ? 0x10000000u : (ULONG)len;
    if (!RtlGenRandom(p, n))
      return VG_EIO;
    p += n;
    len -= n;
  }
  return VG_OK;
}

static char default_dir[MAX_PATH * 3 + 16];

static BOOL CALLBACK init_default_dir(PINIT_ONCE once, PVOID param,
                                      PVOID *ctx) {
  wchar_t *base = NULL, env[MAX_PATH];
  char dir[MAX_PATH * 3];
  DWORD n;
  (void)once;
  (void)param;
  (void)ctx;
  snprintf(default_dir, sizeof(default_dir), "C:\\ProgramData\\VssGuard");
  if (SHGetKnownFolderPath(&FOLDERID_ProgramData, 0, NULL, &base) == S_OK) {
    if (wide_to_utf8(base, dir, sizeof(dir)) == VG_OK)
      snprintf(default_dir, sizeof(default_dir), "%s\\VssGuard", dir);
    CoTaskMemFree(base);
    return TRUE;
  }
  CoTaskMemFree(base);
  n = GetEnvironmentVariableW(L"ProgramData", env, MAX_PATH);
  if (n > 0 && n < MAX_PATH && wide_to_utf8(env, dir, sizeof(dir)) == VG_OK)
    snprintf(default_dir, sizeof(default_dir), "%s\\VssGuard", dir);
  return TRUE;
}

/* "%ProgramData%\VssGuard" in UTF-8, resolved once. */
int vg_win_sid_trusted(void *sid) {
  return sid_is_trusted(sid);
}

void vg_win_sid_name(void *sid, char *buf, size_t len) {
  sid_name(sid, buf, len);
}

const char *vg_plat_default_dir(void) {
  static INIT_ONCE once = INIT_ONCE_STATIC_INIT;
  InitOnceExecuteOnce(&once, init_default_dir, NULL, NULL);
  return default_dir;
}

static vg_wall_t op_now(void *ud) {
  (void)ud;
  return vg_plat_now();
}

static vg_mono_t op_mono(void *ud) {
  (void)ud;
  return vg_plat_mono();
}

static int op_boot_time(void *ud, vg_wall_t *out) {
  (void)ud;
  return vg_plat_boot_time(out);
}

static int op_boot_ident(void *ud, struct vg_boot_ident *out) {
  (void)ud;
  return vg_plat_boot_ident(out);
}

static int op_reboot(void *ud, const struct vg_reboot_req *req) {
  (void)ud;
  return vg_plat_reboot(req);
}

const struct vg_plat_ops vg_plat_default_ops = {.now = op_now,
                                                .mono = op_mono,
                                                .boot_time = op_boot_time,
                                                .boot_ident = op_boot_ident,
                                                .reboot = op_reboot,
                                                .ud = NULL};
