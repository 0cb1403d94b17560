/*
 * Windows test (under Wine) of the data directory's owner and of the state
 * file checks in agent/win/state_acl.c: a directory or a state file owned by
 * a user (here BUILTIN\Users, as if a user had created it before the
 * install) gets Administrators as owner and the SYSTEM/Administrators DACL;
 * a leftover state.tmp is deleted; a state that is a hard link is removed
 * without touching the file it links to; a state the agent's own account
 * owns is kept; a state.lock that is a hard link is removed. Wine 8 keeps no
 * security descriptor for files: it makes one up from the Unix owner and mode,
 * so the owner is always the Wine user (the agent's own account). The owner
 * tests read back what the code set and are skipped when the owner the test set
 * is not kept, as under Wine; the state.tmp and hard-link tests run everywhere.
 */
#include <windows.h>

#include <aclapi.h>
#include <sddl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vssguard/platform.h"
#include "win.h"

static wchar_t base[MAX_PATH];

/* base\name, in UTF-16 and UTF-8. */
static void path_of(const wchar_t *name, wchar_t *w, char *u) {
  _snwprintf(w, MAX_PATH, L"%ls\\%ls", base, name);
  w[MAX_PATH - 1] = L'\0';
  WideCharToMultiByte(CP_UTF8, 0, w, -1, u, MAX_PATH * 3, NULL, NULL);
}

static PSECURITY_DESCRIPTOR sd_of(const wchar_t *sddl) {
  PSECURITY_DESCRIPTOR sd = NULL;
  assert_true(ConvertStringSecurityDescriptorToSecurityDescriptorW(
      sddl, SDDL_REVISION_1, &sd, NULL));
  return sd;
}

/* Whether the owner of w is the well-known SID sid_str. */
static bool owner_is(const wchar_t *w, const wchar_t *sid_str) {
  PSECURITY_DESCRIPTOR sd = NULL;
  PSID owner = NULL, want = NULL;
  bool eq;
  assert_int_equal(GetNamedSecurityInfoW(w, SE_FILE_OBJECT,
                                         OWNER_SECURITY_INFORMATION, &owner,
                                         NULL, NULL, NULL, &sd),
                   ERROR_SUCCESS);
  assert_true(ConvertStringSidToSidW(sid_str, &want));
  eq = owner != NULL && EqualSid(owner, want);
  LocalFree(want);
  LocalFree(sd);
  return eq;
}

/* The DACL of w as an SDDL string (caller frees with LocalFree). */
static wchar_t *dacl_of(const wchar_t *w) {
  PSECURITY_DESCRIPTOR sd = NULL;
  wchar_t *s = NULL;
  assert_int_equal(GetNamedSecurityInfoW(w, SE_FILE_OBJECT,
                                         DACL_SECURITY_INFORMATION, NULL, NULL,
                                         NULL, NULL, &sd),
                   ERROR_SUCCESS);
  assert_true(ConvertSecurityDescriptorToStringSecurityDescriptorW(
      sd, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &s, NULL));
  LocalFree(sd);
  return s;
}

/* Sets the owner of w to BUILTIN\Users and a DACL granting Everyone. */
static void give_to_users(const wchar_t *w) {
  PSECURITY_DESCRIPTOR sd = sd_of(L"O:BUD:(A;OICI;FA;;;WD)");
  PSID owner = NULL;
  PACL dacl = NULL;
  BOOL present, defaulted;
  assert_true(GetSecurityDescriptorOwner(sd, &owner, &defaulted));
  assert_true(GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted));
  assert_int_equal(SetNamedSecurityInfoW((LPWSTR)w, SE_FILE_OBJECT,
                                         OWNER_SECURITY_INFORMATION |
                                             DACL_SECURITY_INFORMATION,
                                         owner, NULL, dacl, NULL),
                   ERROR_SUCCESS);
  LocalFree(sd);
}

static void write_file(const wchar_t *w, const char *text) {
  FILE *f = _wfopen(w, L"wb");
  assert_non_null(f);
  fputs(text, f);
  assert_int_equal(fclose(f), 0);
}

static bool exists(const wchar_t *w) {
  return GetFileAttributesW(w) != INVALID_FILE_ATTRIBUTES;
}

static int setup(void **st) {
  wchar_t tmp[MAX_PATH];
  (void)st;
  assert_true(GetTempPathW(MAX_PATH, tmp) > 0);
  _snwprintf(base, MAX_PATH, L"%lsvg_state_acl_%lu", tmp,
             (unsigned long)GetCurrentProcessId());
  base[MAX_PATH - 1] = L'\0';
  assert_true(CreateDirectoryW(base, NULL));
  return 0;
}

static void remove_tree(const wchar_t *dir) {
  WIN32_FIND_DATAW fd;
  wchar_t pat[MAX_PATH], p[MAX_PATH];
  HANDLE h;
  _snwprintf(pat, MAX_PATH, L"%ls\\*", dir);
  h = FindFirstFileW(pat, &fd);
  if (h != INVALID_HANDLE_VALUE) {
    do {
      if (wcscmp(fd.cFileName, L".") == 0 || wcscmp(fd.cFileName, L"..") == 0)
        continue;
      _snwprintf(p, MAX_PATH, L"%ls\\%ls", dir, fd.cFileName);
      if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
        remove_tree(p);
      else
        DeleteFileW(p);
    } while (FindNextFileW(h, &fd));
    FindClose(h);
  }
  RemoveDirectoryW(dir);
}

static int teardown(void **st) {
  (void)st;
  remove_tree(base);
  return 0;
}

/* Skips when the file system does not keep an owner set by the test. */
static void owner_kept_or_skip(const wchar_t *w) {
  if (!owner_is(w, L"BU")) {
    print_message("the file system keeps no security descriptor: skipped\n");
    skip();
  }
}

static void test_dir_owned_by_a_user(void **st) {
  wchar_t w[MAX_PATH];
  char u[MAX_PATH * 3];
  wchar_t *dacl;
  (void)st;
  path_of(L"VssGuard", w, u);
  assert_true(CreateDirectoryW(w, NULL));
  give_to_users(w);
  owner_kept_or_skip(w);
  /* The service's path for the default directory. */
  assert_int_equal(vg_win_secure_existing_dir(u), 0);
  assert_true(owner_is(w, L"BA"));
  dacl = dacl_of(w);
  assert_non_null(wcsstr(dacl, L"D:P"));
  assert_null(wcsstr(dacl, L";WD)"));
  LocalFree(dacl);

  /* The path for any other directory: created or existing. */
  path_of(L"custom", w, u);
  assert_true(CreateDirectoryW(w, NULL));
  give_to_users(w);
  assert_int_equal(vg_win_secure_dir(u), 0);
  assert_true(owner_is(w, L"BA"));
  dacl = dacl_of(w);
  assert_null(wcsstr(dacl, L";WD)"));
  LocalFree(dacl);
}

/* A leftover state.tmp goes, whoever owns it; the state stays. */
static void test_leftover_tmp_removed(void **st) {
  wchar_t w[MAX_PATH], wt[MAX_PATH];
  char u[MAX_PATH * 3], ut[MAX_PATH * 3];
  (void)st;
  path_of(L"state", w, u);
  path_of(L"state.tmp", wt, ut);
  write_file(w, "vssguard-state 1\nend\n");
  write_file(wt, "planted\n");
  assert_int_equal(vg_win_secure_state(u), 0);
  assert_false(exists(wt));
  assert_true(exists(w));
  /* Also when there is no state yet. */
  write_file(wt, "planted\n");
  assert_true(DeleteFileW(w));
  assert_int_equal(vg_win_secure_state(u), 0);
  assert_false(exists(wt));
}

static void test_state_owned_by_a_user(void **st) {
  wchar_t w[MAX_PATH], wt[MAX_PATH];
  char u[MAX_PATH * 3], ut[MAX_PATH * 3];
  wchar_t *dacl;
  (void)st;
  path_of(L"state", w, u);
  path_of(L"state.tmp", wt, ut);
  write_file(w, "vssguard-state 1\nend\n");
  write_file(wt, "planted\n");
  give_to_users(w);
  owner_kept_or_skip(w);
  assert_int_equal(vg_win_secure_state(u), 0);
  assert_false(exists(wt));
  assert_true(exists(w));
  assert_true(owner_is(w, L"BA"));
  dacl = dacl_of(w);
  assert_non_null(wcsstr(dacl, L"D:P"));
  assert_null(wcsstr(dacl, L";WD)"));
  LocalFree(dacl);
}

static void test_state_hard_link_removed(void **st) {
  wchar_t w[MAX_PATH], victim[MAX_PATH];
  char u[MAX_PATH * 3], uv[MAX_PATH * 3];
  (void)st;
  path_of(L"victim", victim, uv);
  path_of(L"state", w, u);
  write_file(victim, "another file\n");
  give_to_users(victim);
  bool kept = owner_is(victim, L"BU");
  assert_true(CreateHardLinkW(w, victim, NULL));
  assert_int_equal(vg_win_secure_state(u), 0);
  /* The name is gone; the other file and its protection are untouched. */
  assert_false(exists(w));
  assert_true(exists(victim));
  if (kept)
    assert_true(owner_is(victim, L"BU"));
}

static void test_own_state_kept(void **st) {
  wchar_t w[MAX_PATH];
  char u[MAX_PATH * 3];
  PSECURITY_DESCRIPTOR before = NULL, after = NULL;
  PSID o1 = NULL, o2 = NULL;
  (void)st;
  path_of(L"state", w, u);
  write_file(w, "vssguard-state 1\nend\n");
  assert_int_equal(GetNamedSecurityInfoW(w, SE_FILE_OBJECT,
                                         OWNER_SECURITY_INFORMATION, &o1, NULL,
                                         NULL, NULL, &before),
                   ERROR_SUCCESS);
  assert_int_equal(vg_win_secure_state(u), 0);
  assert_true(exists(w));
  assert_int_equal(GetNamedSecurityInfoW(w, SE_FILE_OBJECT,
                                         OWNER_SECURITY_INFORMATION, &o2, NULL,
                                         NULL, NULL, &after),
                   ERROR_SUCCESS);
  assert_true(EqualSid(o1, o2));
  LocalFree(before);
  LocalFree(after);
  /* A missing state is fine. */
  assert_true(DeleteFileW(w));
  assert_int_equal(vg_win_secure_state(u), 0);
}

/* A state.lock that is a hard link goes too (opened for the lock it would
 * let a user hold it through the other name); the next lock makes a new
 * one. */
static void test_lock_hard_link_removed(void **st) {
  wchar_t w[MAX_PATH], wl[MAX_PATH], victim[MAX_PATH];
  char u[MAX_PATH * 3], ul[MAX_PATH * 3], uv[MAX_PATH * 3];
  vg_plat_lock *l = NULL;
  (void)st;
  path_of(L"victim", victim, uv);
  path_of(L"state", w, u);
  path_of(L"state.lock", wl, ul);
  write_file(w, "vssguard-state 1\nend\n");
  write_file(victim, "another file\n");
  assert_true(CreateHardLinkW(wl, victim, NULL));
  assert_int_equal(vg_win_secure_state(u), 0);
  assert_false(exists(wl));
  assert_true(exists(victim));
  assert_true(exists(w));
  assert_int_equal(vg_plat_lock_try(ul, &l), 0);
  assert_true(exists(wl));
  vg_plat_unlock(l);
  /* A lock file of its own is kept. */
  assert_int_equal(vg_win_secure_state(u), 0);
  assert_true(exists(wl));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_dir_owned_by_a_user, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_leftover_tmp_removed, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_state_owned_by_a_user, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_state_hard_link_removed, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_own_state_kept, setup, teardown),
      cmocka_unit_test_setup_teardown(test_lock_hard_link_removed, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
