/*
 * Unit tests of the platform interface (agent/unix or agent/win, whichever
 * this build uses): clocks, boot time, the local zone's offset, durable file
 * replacement, randomness, the default directory and the policy file
 * permission check. Under Wine these exercise the Windows implementation.
 *
 * When TZ is Europe/Berlin in the environment (scripts/test-win runs this
 * test once more that way), the offsets around the 2026 transitions are
 * checked exactly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "vssguard/platform.h"

#ifdef _WIN32
#include <windows.h>

#include <aclapi.h>
#include <sddl.h>
#else
#include <sys/stat.h>
#endif

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fputs(text, f) >= 0, 1);
  assert_int_equal(fclose(f), 0);
}

static void read_file(const char *path, char *buf, size_t len) {
  FILE *f = fopen(path, "rb");
  size_t n;
  assert_non_null(f);
  n = fread(buf, 1, len - 1, f);
  buf[n] = '\0';
  fclose(f);
}

static int file_exists(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return 0;
  fclose(f);
  return 1;
}

static void test_now_matches_crt(void **state) {
  (void)state;
  vg_wall_t a = (vg_wall_t)time(NULL);
  vg_wall_t t = vg_plat_now();
  vg_wall_t b = (vg_wall_t)time(NULL);
  assert_true(t >= a - 1 && t <= b + 1);
  /* After 2020-01-01: the clock is not the FILETIME epoch by mistake. */
  assert_true(t > 1577836800);
}

static void test_mono_never_goes_back(void **state) {
  (void)state;
  vg_mono_t prev = vg_plat_mono();
  for (int i = 0; i < 100000; i++) {
    vg_mono_t m = vg_plat_mono();
    assert_true(m.ms >= prev.ms);
    prev = m;
  }
}

/* The uptime agrees with the boot time (now - uptime) and grows; Linux
 * gives the kernel's boot id, Windows the one of its volatile key. */
static void test_boot_ident(void **state) {
  (void)state;
  struct vg_boot_ident a, b;
  vg_wall_t bt;
  assert_int_equal(vg_plat_boot_ident(&a), 0);
  assert_int_equal(vg_plat_boot_time(&bt), 0);
  vg_wall_t now = vg_plat_now();
  assert_true(a.uptime_s > 0);
  long long off = (long long)(now - (vg_wall_t)a.uptime_s - bt);
  assert_true(off >= -2 && off <= 2);
  assert_int_equal(vg_plat_boot_ident(&b), 0);
  assert_true(b.uptime_s >= a.uptime_s);
  assert_string_equal(a.id, b.id);
#ifdef _WIN32
  /* 32 hex digits from the volatile key HKLM\SOFTWARE\VssGuard\Boot. */
  assert_int_equal(strlen(a.id), 32);
  assert_int_equal(strspn(a.id, "0123456789abcdef"), 32);
#else
  char want[64] = "";
  FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
  if (f != NULL) {
    assert_non_null(fgets(want, sizeof(want), f));
    fclose(f);
    want[strcspn(want, "\n")] = '\0';
  }
  assert_string_equal(a.id, want);
#endif
}

static void test_boot_time_is_stable_and_past(void **state) {
  (void)state;
  vg_wall_t b1, b2;
  assert_int_equal(vg_plat_boot_time(&b1), 0);
  vg_wall_t now = vg_plat_now();
  assert_int_equal(vg_plat_boot_time(&b2), 0);
  assert_true(b1 <= now);
  assert_true(now - b1 < 20LL * 365 * 86400);
  /* Two readings of the same boot agree to rounding. */
  assert_true(b2 - b1 <= 1 && b1 - b2 <= 1);
}

static void test_local_offset_is_plausible(void **state) {
  (void)state;
  /* 2026-01-15, 2026-07-15, 2030-12-31T23:30Z, 2001-06-01. */
  const vg_wall_t ts[] = {1768478400, 1784116800, 1924990200, 991353600};
  for (size_t i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
    int32_t off = 99999;
    assert_int_equal(vg_plat_local_offset(ts[i], &off), 0);
    assert_true(off >= -14 * 3600 && off <= 14 * 3600);
    assert_int_equal(off % 900, 0);
  }
}

static void test_local_offset_berlin(void **state) {
  (void)state;
  const char *tz = getenv("TZ");
  if (tz == NULL || strcmp(tz, "Europe/Berlin") != 0)
    skip();
  /* Clocks go forward at 2026-03-29T01:00Z and back at 2026-10-25T01:00Z. */
  const struct {
    vg_wall_t t;
    int32_t off;
  } cases[] = {
      {1774745999, 3600}, {1774746000, 7200}, {1792889999, 7200},
      {1792890000, 3600}, {1767225599, 3600}, {1767225600, 3600},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    int32_t off = 0;
    assert_int_equal(vg_plat_local_offset(cases[i].t, &off), 0);
    assert_int_equal(off, cases[i].off);
  }
}

static void test_fsync_and_replace(void **state) {
  (void)state;
  const char *src = "test_platform_new.tmp";
  const char *dst = "test_platform_state.tmp";
  char buf[64];

  write_file(dst, "old");
  FILE *f = fopen(src, "wb");
  assert_non_null(f);
  assert_int_equal(fputs("new contents", f) >= 0, 1);
  assert_int_equal(vg_plat_fsync(f), 0);
  assert_int_equal(fclose(f), 0);

  assert_int_equal(vg_plat_replace_file(src, dst), 0);
  read_file(dst, buf, sizeof(buf));
  assert_string_equal(buf, "new contents");
  assert_false(file_exists(src));

  /* A missing source fails and leaves the destination alone. */
  assert_true(vg_plat_replace_file(src, dst) < 0);
  read_file(dst, buf, sizeof(buf));
  assert_string_equal(buf, "new contents");
  assert_int_equal(remove(dst), 0);
}

static void test_random_differs(void **state) {
  (void)state;
  unsigned char a[32], b[32], zero[32];
  memset(zero, 0, sizeof(zero));
  assert_int_equal(vg_plat_random(a, sizeof(a)), 0);
  assert_int_equal(vg_plat_random(b, sizeof(b)), 0);
  assert_memory_not_equal(a, b, sizeof(a));
  assert_memory_not_equal(a, zero, sizeof(a));
  assert_int_equal(vg_plat_random(a, 0), 0);
}

static void test_default_dir(void **state) {
  (void)state;
  const char *d = vg_plat_default_dir();
  assert_non_null(d);
  assert_true(strlen(d) > 1);
  assert_ptr_equal(d, vg_plat_default_dir());
#ifdef _WIN32
  size_t n = strlen(d);
  assert_true(n > 9);
  assert_string_equal(d + n - 9, "\\VssGuard");
#else
  assert_string_equal(d, "/var/lib/vssguard");
#endif
}

/* Lets everyone write path: a DACL entry for Everyone, or mode o+w. */
static void make_world_writable(const char *path, int on) {
#ifdef _WIN32
  PSECURITY_DESCRIPTOR sd = NULL;
  BOOL present = FALSE, defaulted = FALSE;
  PACL dacl = NULL;
  wchar_t wpath[260];
  assert_true(MultiByteToWideChar(CP_UTF8, 0, path, -1, wpath, 260) > 0);
  assert_true(ConvertStringSecurityDescriptorToSecurityDescriptorW(
      on ? L"D:(A;;FA;;;SY)(A;;FA;;;BA)(A;;FA;;;WD)"
         : L"D:(A;;FA;;;SY)(A;;FA;;;BA)(A;;FR;;;WD)",
      SDDL_REVISION_1, &sd, NULL));
  assert_true(GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted));
  assert_int_equal(SetNamedSecurityInfoW(wpath, SE_FILE_OBJECT,
                                         DACL_SECURITY_INFORMATION, NULL, NULL,
                                         dacl, NULL),
                   ERROR_SUCCESS);
  LocalFree(sd);
#else
  assert_int_equal(chmod(path, on ? 0666 : 0644), 0);
#endif
}

static void test_file_secure(void **state) {
  (void)state;
  const char *path = "test_platform_policy.tmp";
  char why[512];

  write_file(path, "threshold: 56\n");
  make_world_writable(path, 0);
  why[0] = '\0';
  assert_int_equal(vg_plat_check_file_secure(path, why, sizeof(why)), 0);

  make_world_writable(path, 1);
  assert_int_equal(vg_plat_check_file_secure(path, why, sizeof(why)), VG_EPERM);
  assert_non_null(strstr(why, path));
  assert_non_null(strstr(why, "writable by"));

  make_world_writable(path, 0);
  assert_int_equal(vg_plat_check_file_secure(path, why, sizeof(why)), 0);
  assert_int_equal(remove(path), 0);

  /* A missing file is not trusted, and the reason names it. */
  assert_int_equal(vg_plat_check_file_secure(path, why, sizeof(why)), VG_EPERM);
  assert_non_null(strstr(why, path));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_now_matches_crt),
      cmocka_unit_test(test_mono_never_goes_back),
      cmocka_unit_test(test_boot_time_is_stable_and_past),
      cmocka_unit_test(test_boot_ident),
      cmocka_unit_test(test_local_offset_is_plausible),
      cmocka_unit_test(test_local_offset_berlin),
      cmocka_unit_test(test_fsync_and_replace),
      cmocka_unit_test(test_random_differs),
      cmocka_unit_test(test_default_dir),
      cmocka_unit_test(test_file_secure),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
