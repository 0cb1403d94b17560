/*
 * Unit tests of the Prometheus metrics file: every metric with its HELP and
 * TYPE lines and value, and the atomic write to a real file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vssguard/metrics.h"

static const struct vg_metrics sample = {
    .active_sessions = 41,
    .threshold = 56,
    .runs_since_boot = 40,
    .last_run = 1795917600,
    .next_reboot = 1796004000,
    .reboots_initiated = 3,
    .policy_errors = 2,
    .locked = true,
    .policy_invalid = true,
    .policy_insecure = false,
};

/* The value line of metric name in text, or NULL. */
static const char *value_line(const char *text, const char *name, char *buf,
                              size_t len) {
  const char *p = text;
  size_t n = strlen(name);
  while ((p = strstr(p, name)) != NULL) {
    if ((p == text || p[-1] == '\n') && p[n] == ' ') {
      const char *e = strchr(p, '\n');
      size_t l = e ? (size_t)(e - p) : strlen(p);
      if (l >= len)
        l = len - 1;
      memcpy(buf, p, l);
      buf[l] = '\0';
      return buf;
    }
    p += n;
  }
  return NULL;
}

static void test_format_values(void **st) {
  (void)st;
  char *t = vg_metrics_format(&sample);
  assert_non_null(t);
  char b[256];
  static const char *const want[] = {
      "vssguard_active_sessions_estimated 41",
      "vssguard_threshold 56",
      "vssguard_hard_limit 64",
      "vssguard_runs_since_boot 40",
      "vssguard_last_run_timestamp_seconds 1795917600",
      "vssguard_next_reboot_timestamp_seconds 1796004000",
      "vssguard_reboots_initiated_total 3",
      "vssguard_policy_errors_total 2",
      "vssguard_reboot_locked 1",
      "vssguard_policy_invalid 1",
      "vssguard_policy_insecure 0",
  };
  for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    char name[128];
    snprintf(name, sizeof(name), "%s", want[i]);
    *strchr(name, ' ') = '\0';
    assert_non_null(value_line(t, name, b, sizeof(b)));
    assert_string_equal(b, want[i]);
    /* HELP and TYPE come right before the value. */
    char help[200], type[400];
    snprintf(help, sizeof(help), "# HELP %s ", name);
    snprintf(type, sizeof(type), "\n# TYPE %s %s\n%s ", name,
             strstr(name, "_total") ? "counter" : "gauge", name);
    assert_non_null(strstr(t, help));
    assert_non_null(strstr(t, type));
  }
  free(t);
}

static void test_format_is_well_formed(void **st) {
  (void)st;
  struct vg_metrics m;
  memset(&m, 0, sizeof(m));
  char *t = vg_metrics_format(&m);
  assert_non_null(t);
  /* Every line is a comment or "name value"; the text ends with a newline. */
  size_t len = strlen(t), samples = 0, types = 0;
  assert_true(len > 0 && t[len - 1] == '\n');
  for (char *line = strtok(t, "\n"); line; line = strtok(NULL, "\n")) {
    if (line[0] == '#') {
      types += strncmp(line, "# TYPE ", 7) == 0;
      assert_true(strncmp(line, "# HELP vssguard_", 16) == 0 ||
                  strncmp(line, "# TYPE vssguard_", 16) == 0);
      continue;
    }
    char name[128];
    long long v;
    assert_int_equal(sscanf(line, "%127s %lld", name, &v), 2);
    assert_true(strncmp(name, "vssguard_", 9) == 0);
    assert_true(v == 0 || strcmp(name, "vssguard_hard_limit") == 0);
    samples++;
  }
  /* One sample per metric, and at least the 11 of the base agent. */
  assert_int_equal(samples, types);
  assert_true(samples >= 11);
  free(t);
}

static char *read_all(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return NULL;
  char *buf = calloc(1, 65536);
  size_t n = fread(buf, 1, 65535, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

static void test_write_atomic(void **st) {
  (void)st;
  /* In the working directory, so that the test runs the same under Wine. */
  char path[256], tmp[300];
  snprintf(path, sizeof(path), "test_metrics_out.prom");
  snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  assert_int_equal(vg_metrics_write(path, &sample), 0);
  char *want = vg_metrics_format(&sample);
  char *got = read_all(path);
  assert_non_null(got);
  assert_string_equal(got, want);
  free(got);
  /* A second write replaces the first and leaves no temp file behind. */
  struct vg_metrics m2 = sample;
  m2.active_sessions = 0;
  m2.locked = false;
  assert_int_equal(vg_metrics_write(path, &m2), 0);
  got = read_all(path);
  assert_non_null(strstr(got, "\nvssguard_active_sessions_estimated 0\n"));
  assert_non_null(strstr(got, "\nvssguard_reboot_locked 0\n"));
  assert_null(fopen(tmp, "rb"));
  free(got);
  free(want);
  remove(path);
}

static void test_write_fails_cleanly(void **st) {
  (void)st;
  assert_int_equal(
      vg_metrics_write("/nonexistent-dir/x/vssguard.prom", &sample), VG_EIO);
  assert_int_equal(vg_metrics_write("", &sample), VG_EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_format_values),
      cmocka_unit_test(test_format_is_well_formed),
      cmocka_unit_test(test_write_atomic),
      cmocka_unit_test(test_write_fails_cleanly),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
