/*
 * Unit tests of the policy's gates:, hooks: and notify: keys: the issue's
 * example loads with every value, defaults apply when keys are left out,
 * each malformed value is reported at its line:col, and the Group Policy
 * value AlertmanagerUrl replaces the URLs.
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
#include "vssguard/policy_gates.h"

#define W "maintenance_windows: [\"sun 02:00 3h\"]\n"

static const char full[] =
    W "gates:\n"
      "  interactive_sessions: { wait: 30m }\n"
      "  processes: [ \"robocopy.exe\", \"sqlbackup.exe\" ]\n"
      "  alertmanager:\n"
      "    url: \"http://alertmanager.corp.example:9093/\"\n"
      "    alert_filter_regexp: \"^VssGuard\"\n"
      "    match_only: false\n"
      "    firing_only: true\n"
      "    on_error: allow\n"
      "  command: { path: 'C:\\Scripts\\may-reboot.cmd', args: [], timeout: "
      "60s }\n"
      "hooks:\n"
      "  pre_reboot: { path: 'C:\\Scripts\\pre.cmd', args: [\"--change\", "
      "\"CHG42\"], timeout: 5m }\n"
      "  post_boot:  { path: /usr/local/bin/post, timeout: 2m }\n"
      "notify:\n"
      "  alertmanager: { url: \"http://alertmanager.corp.example:9093/\", "
      "labels: { team: wintel, site: ber }, silence: 45m }\n";

static vg_policy *load(const char *yaml, vg_diags *d) {
  vg_policy *p = NULL;
  vg_policy_load_string("p.yaml", yaml, strlen(yaml), &p, d);
  return p;
}

static void test_full_example(void **st) {
  (void)st;
  vg_diags d = {0};
  vg_policy *p = load(full, &d);
  for (size_t i = 0; i < d.n; i++)
    print_error("%d:%d: %s\n", d.items[i].line, d.items[i].col, d.items[i].msg);
  assert_non_null(p);
  const struct vg_gates *g = vg_policy_gates(p);
  assert_true(g->sessions);
  assert_int_equal(g->sessions_wait_s, 1800);
  assert_int_equal(g->nprocesses, 2);
  assert_string_equal(g->processes[1], "sqlbackup.exe");
  assert_true(g->alertmanager.set);
  assert_string_equal(g->alertmanager.url,
                      "http://alertmanager.corp.example:9093/");
  assert_string_equal(g->alertmanager.filter, "^VssGuard");
  assert_false(g->alertmanager.match_only);
  assert_true(g->alertmanager.firing_only);
  assert_false(g->alertmanager.block_on_error);
  assert_true(g->command.set);
  assert_string_equal(g->command.path, "C:\\Scripts\\may-reboot.cmd");
  assert_int_equal(g->command.nargs, 0);
  assert_int_equal(g->command.timeout_s, 60);
  const struct vg_hooks *h = vg_policy_hooks(p);
  assert_true(h->pre_reboot.set);
  assert_int_equal(h->pre_reboot.nargs, 2);
  assert_string_equal(h->pre_reboot.args[1], "CHG42");
  assert_int_equal(h->pre_reboot.timeout_s, 300);
  assert_true(h->post_boot.set);
  assert_int_equal(h->post_boot.timeout_s, 120);
  const struct vg_notify *n = vg_policy_notify(p);
  assert_true(n->set);
  assert_int_equal(n->nlabels, 2);
  assert_string_equal(n->label_names[0], "team");
  assert_string_equal(n->label_values[0], "wintel");
  assert_string_equal(n->label_names[1], "site");
  assert_int_equal(n->silence_s, 2700);
  char sum[256];
  vg_gates_summary(g, h, n, sum, sizeof(sum));
  assert_string_equal(sum, "gates: sessions (wait 1800s), 2 processes, "
                           "alertmanager, command; hooks: pre_reboot, "
                           "post_boot; notify: alertmanager");
  vg_policy_free(p);
  vg_diags_free(&d);
}

static void test_defaults(void **st) {
  (void)st;
  vg_diags d = {0};
  vg_policy *p = load(W "gates:\n  interactive_sessions:\n  alertmanager: "
                        "{ url: \"http://[::1]:9093\" }\n",
                      &d);
  assert_non_null(p);
  const struct vg_gates *g = vg_policy_gates(p);
  assert_true(g->sessions);
  assert_int_equal(g->sessions_wait_s, 1800);
  assert_true(g->alertmanager.firing_only);
  assert_true(g->alertmanager.block_on_error);
  assert_false(g->alertmanager.match_only);
  assert_false(g->command.set);
  assert_false(vg_policy_hooks(p)->pre_reboot.set);
  assert_false(vg_policy_notify(p)->set);
  assert_int_equal(vg_policy_notify(p)->silence_s, 1800);
  vg_policy_free(p);
  p = load(W, &d);
  assert_non_null(p);
  char sum[64];
  vg_gates_summary(vg_policy_gates(p), vg_policy_hooks(p), vg_policy_notify(p),
                   sum, sizeof(sum));
  assert_string_equal(sum, "");
  vg_policy_free(p);
  vg_diags_free(&d);
}

struct bad_case {
  const char *yaml;
  int line, col;
  const char *msg;
};

static const struct bad_case bad[] = {
    {W "gates:\n  sessions: {}\n", 3, 3, "unknown key 'sessions' in gates"},
    {W "gates:\n  interactive_sessions: { wait: soon }\n", 3, 33,
     "gates.interactive_sessions.wait: 'soon' is not a duration"},
    {W "gates:\n  interactive_sessions: { wait: 2d }\n", 3, 33,
     "gates.interactive_sessions.wait: 2d is out of range (0s to 1d)"},
    {W "gates:\n  processes: robocopy.exe\n", 3, 14,
     "'processes' must be a list of program names"},
    {W "gates:\n  processes: [ 'C:\\Windows\\x.exe' ]\n", 3, 16,
     "gates.processes: 'C:\\Windows\\x.exe' is a path"},
    {W "gates:\n  processes: [ [a] ]\n", 3, 16,
     "gates.processes: a process must be a program name"},
    {W "gates:\n  alertmanager: { alert_filter_regexp: x }\n", 3, 17,
     "gates.alertmanager is missing 'url'"},
    {W "gates:\n  alertmanager: { url: am:9093 }\n", 3, 24,
     "gates.alertmanager.url: 'am:9093' is not an http:// or https:// URL"},
    {W "gates:\n  alertmanager:\n    url: http://am:9093/\n"
       "    alert_filter_regexp: \"(VssGuard\"\n",
     5, 26, "gates.alertmanager.alert_filter_regexp: missing ) at position 10"},
    {W "gates:\n  alertmanager:\n    url: http://am:9093/\n"
       "    on_error: ignore\n",
     5, 15, "gates.alertmanager.on_error must be block or allow, not 'ignore'"},
    {W "gates:\n  alertmanager:\n    url: http://am:9093/\n"
       "    match_only: true\n",
     5, 17, "gates.alertmanager.match_only needs alert_filter_regexp"},
    {W "gates:\n  alertmanager:\n    url: http://am:9093/\n"
       "    firing_only: maybe\n",
     5, 18, "gates.alertmanager.firing_only must be true or false"},
    {W "gates:\n  command: { args: [] }\n", 3, 12,
     "gates.command is missing 'path'"},
    {W "gates:\n  command: { path: may-reboot.cmd }\n", 3, 20,
     "gates.command.path: 'may-reboot.cmd' is not an absolute path"},
    {W "gates:\n  command: { path: /bin/true, timeout: 0s }\n", 3, 40,
     "gates.command.timeout: 0s is out of range (1s to 1h)"},
    {W "gates:\n  command: { path: /bin/true, args: [ {a: b} ] }\n", 3, 39,
     "gates.command.args: an argument must be a string, not a mapping"},
    {W "gates:\n  command: { path: /bin/true, shell: yes }\n", 3, 31,
     "unknown key 'shell' in gates.command"},
    {W "hooks:\n  pre_boot: { path: /bin/true }\n", 3, 3,
     "unknown key 'pre_boot' in hooks (did you mean 'pre_reboot'?)"},
    {W "hooks:\n  pre_reboot: { path: ../x }\n", 3, 23,
     "hooks.pre_reboot.path: '../x' is not an absolute path"},
    {W "hooks:\n  post_boot: { path: /bin/true, timeout: 2h }\n", 3, 42,
     "hooks.post_boot.timeout: 2h is out of range (1s to 1h)"},
    {W "notify:\n  alertmanager: { labels: { team: x } }\n", 3, 17,
     "notify.alertmanager is missing 'url'"},
    {W "notify:\n  alertmanager: { url: http://am/, labels: { 9team: x } }\n",
     3, 46, "notify.alertmanager.labels: '9team' is not a label name"},
    {W "notify:\n  alertmanager: { url: http://am/, labels: { instance: x } "
       "}\n",
     3, 46, "notify.alertmanager.labels: 'instance' is set by the agent"},
    {W "notify:\n  alertmanager: { url: http://am/, silence: -5m }\n", 3, 45,
     "notify.alertmanager.silence: -5m is out of range (0s to 1d)"},
    {W "notify:\n  slack: { url: http://x/ }\n", 3, 3,
     "unknown key 'slack' in notify"},
    {W "gates: [ processes ]\n", 2, 8, "'gates' must be a mapping of gates"},
};

static void test_bad(void **st) {
  (void)st;
  int failures = 0;
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    vg_diags d = {0};
    vg_policy *p = load(bad[i].yaml, &d);
    if (p != NULL)
      fail_msg("case %u loaded: %s", (unsigned)i, bad[i].yaml);
    bool found = false;
    for (size_t k = 0; k < d.n; k++)
      if (d.items[k].line == bad[i].line && d.items[k].col == bad[i].col &&
          strstr(d.items[k].msg, bad[i].msg) != NULL)
        found = true;
    if (!found) {
      for (size_t k = 0; k < d.n; k++)
        print_error("  got %d:%d: %s\n", d.items[k].line, d.items[k].col,
                    d.items[k].msg);
      print_error("case %u: expected %d:%d: %s\n", (unsigned)i, bad[i].line,
                  bad[i].col, bad[i].msg);
      failures++;
    }
    vg_diags_free(&d);
  }
  assert_int_equal(failures, 0);
}

static void test_gpo_url(void **st) {
  (void)st;
  vg_diags d = {0};
  vg_policy *p = load(full, &d);
  assert_non_null(p);
  const char *items[] = {"https://am.example:9093/"};
  assert_int_equal(vg_policy_override(p, "AlertmanagerUrl", items, 1, &d), 0);
  assert_string_equal(vg_policy_gates(p)->alertmanager.url,
                      "https://am.example:9093/");
  assert_string_equal(vg_policy_notify(p)->url, "https://am.example:9093/");
  vg_policy_free(p);
  /* Neither configured: notifications on, no gate. */
  p = load(W, &d);
  assert_int_equal(vg_policy_override(p, "AlertmanagerUrl", items, 1, &d), 0);
  assert_false(vg_policy_gates(p)->alertmanager.set);
  assert_true(vg_policy_notify(p)->set);
  assert_string_equal(vg_policy_notify(p)->url, "https://am.example:9093/");
  const char *bad_url[] = {"am.example:9093"};
  assert_int_equal(vg_policy_override(p, "AlertmanagerUrl", bad_url, 1, &d),
                   VG_EINVAL);
  assert_non_null(strstr(d.items[d.n - 1].file, "AlertmanagerUrl"));
  vg_policy_free(p);
  vg_diags_free(&d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_full_example),
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_bad),
      cmocka_unit_test(test_gpo_url),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
