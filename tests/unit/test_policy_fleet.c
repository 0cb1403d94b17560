/*
 * The fleet_lock policy section: defaults, every key, each error with its
 * line:col, and the Group Policy values FleetLockUrl and FleetLockGroup.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vssguard/policy.h"

#define W "maintenance_windows: [\"sun 02:00 3h\"]\n"

static vg_policy *load_ok(const char *yaml) {
  vg_policy *p = NULL;
  vg_diags d = {0};
  int rc = vg_policy_load_string("p.yaml", yaml, strlen(yaml), &p, &d);
  for (size_t i = 0; i < d.n; i++) {
    char line[600];
    vg_diag_format(&d.items[i], line, sizeof(line));
    fprintf(stderr, "unexpected: %s\n", line);
  }
  assert_int_equal(rc, 0);
  assert_non_null(p);
  vg_diags_free(&d);
  return p;
}

static void test_absent_is_off(void **st) {
  (void)st;
  vg_policy *p = load_ok(W);
  const struct vg_fleet_cfg *f = vg_policy_fleet(p);
  assert_false(f->enabled);
  assert_string_equal(f->group, "default");
  assert_string_equal(f->id, "");
  assert_int_equal(f->retry_s, 60);
  vg_policy_free(p);
}

static void test_full(void **st) {
  (void)st;
  vg_policy *p = load_ok(W "fleet_lock:\n"
                           "  url: \"http://airlock.corp.example:3333/\"\n"
                           "  group: dc-site-a\n"
                           "  id: DC01.corp.example\n"
                           "  retry: 30s\n");
  const struct vg_fleet_cfg *f = vg_policy_fleet(p);
  assert_true(f->enabled);
  assert_string_equal(f->url, "http://airlock.corp.example:3333/");
  assert_string_equal(f->group, "dc-site-a");
  assert_string_equal(f->id, "DC01.corp.example");
  assert_int_equal(f->retry_s, 30);
  assert_int_equal(vg_policy_origin(p, "fleet_lock.group"), VG_ORIGIN_FILE);
  assert_int_equal(vg_policy_origin(p, "fleet_lock.retry"), VG_ORIGIN_FILE);
  vg_policy_free(p);

  p = load_ok(W "fleet_lock: {url: \"https://h/\", id: \"\"}\n");
  f = vg_policy_fleet(p);
  assert_true(f->enabled);
  assert_string_equal(f->group, "default");
  assert_string_equal(f->id, "");
  assert_int_equal(vg_policy_origin(p, "fleet_lock.group"), VG_ORIGIN_DEFAULT);
  vg_policy_free(p);
}

struct bad {
  const char *yaml;
  int line, col;
  const char *msg;
};

static const struct bad bads[] = {
    {W "fleet_lock:\n  group: a\n", 3, 3, "fleet_lock needs a 'url'"},
    {W "fleet_lock:\n", 2, 12, "'fleet_lock' must be a mapping"},
    {W "fleet_lock: http://h/\n", 2, 13, "'fleet_lock' must be a mapping"},
    {W "fleet_lock:\n  url: ftp://h/\n", 3, 8,
     "fleet_lock.url must be an http:// or https:// URL"},
    {W "fleet_lock:\n  url: airlock:3333\n", 3, 8,
     "fleet_lock.url must be an http:// or https:// URL"},
    {W "fleet_lock:\n  url: http://h/\n  group: site_a\n", 4, 10,
     "fleet_lock.group must match ^[a-zA-Z0-9.-]+$"},
    {W "fleet_lock:\n  url: http://h/\n  group: \"\"\n", 4, 10,
     "fleet_lock.group must match"},
    {W "fleet_lock:\n  url: http://h/\n  id: \"a\\tb\"\n", 4, 7,
     "fleet_lock.id must be printable"},
    {W "fleet_lock:\n  url: http://h/\n  retry: 0s\n", 4, 10,
     "fleet_lock.retry: 0s is out of range (1s to 1h)"},
    {W "fleet_lock:\n  url: http://h/\n  retry: 2h\n", 4, 10,
     "fleet_lock.retry: 2h is out of range"},
    {W "fleet_lock:\n  url: http://h/\n  retry: soon\n", 4, 10,
     "fleet_lock.retry: 'soon' is not a duration"},
    {W "fleet_lock:\n  url: http://h/\n  gruop: a\n", 4, 3,
     "unknown key 'gruop' in fleet_lock (did you mean 'group'?)"},
};

static void test_bad(void **st) {
  (void)st;
  for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
    vg_policy *p = NULL;
    vg_diags d = {0};
    int rc = vg_policy_load_string("p.yaml", bads[i].yaml, strlen(bads[i].yaml),
                                   &p, &d);
    bool found = false;
    for (size_t k = 0; k < d.n; k++)
      if (strstr(d.items[k].msg, bads[i].msg) != NULL &&
          d.items[k].line == bads[i].line && d.items[k].col == bads[i].col)
        found = true;
    if (!found) {
      for (size_t k = 0; k < d.n; k++)
        fprintf(stderr, "case %zu got %d:%d: %s\n", i, d.items[k].line,
                d.items[k].col, d.items[k].msg);
      fail_msg("case %zu: no '%s' at %d:%d", i, bads[i].msg, bads[i].line,
               bads[i].col);
    }
    assert_int_not_equal(rc, 0);
    assert_null(p);
    vg_diags_free(&d);
  }
}

static void test_gpo_values(void **st) {
  (void)st;
  vg_policy *p = load_ok(W);
  vg_diags d = {0};
  const char *url[] = {"http://airlock:3333/"};
  const char *group[] = {"ou-file-servers"};
  assert_int_equal(vg_policy_override(p, "FleetLockUrl", url, 1, &d), 0);
  assert_int_equal(vg_policy_override(p, "FleetLockGroup", group, 1, &d), 0);
  const struct vg_fleet_cfg *f = vg_policy_fleet(p);
  assert_true(f->enabled);
  assert_string_equal(f->url, "http://airlock:3333/");
  assert_string_equal(f->group, "ou-file-servers");
  assert_int_equal(vg_policy_origin(p, "fleet_lock.url"), VG_ORIGIN_GPO);
  assert_int_equal(vg_policy_validate(p, "p", &d), 0);

  const char *badurl[] = {"airlock:3333"};
  const char *badgroup[] = {"file servers"};
  assert_int_equal(vg_policy_override(p, "FleetLockUrl", badurl, 1, &d),
                   VG_EINVAL);
  assert_int_equal(vg_policy_override(p, "FleetLockGroup", badgroup, 1, &d),
                   VG_EINVAL);
  assert_int_equal(d.n, 2);
  assert_string_equal(d.items[0].file,
                      "HKLM\\SOFTWARE\\Policies\\VssGuard\\FleetLockUrl");
  assert_non_null(strstr(d.items[1].msg, "is not a group name"));
  /* The last good values stay. */
  assert_string_equal(f->url, "http://airlock:3333/");
  assert_string_equal(f->group, "ou-file-servers");
  bool listed = false;
  for (const char *const *n = vg_policy_override_names; *n; n++)
    if (strcmp(*n, "FleetLockGroup") == 0)
      listed = true;
  assert_true(listed);
  vg_diags_free(&d);
  vg_policy_free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_absent_is_off),
      cmocka_unit_test(test_full),
      cmocka_unit_test(test_bad),
      cmocka_unit_test(test_gpo_values),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
