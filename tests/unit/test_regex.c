/*
 * Unit tests of the alert-name filter's regular expressions: the supported
 * syntax against the answers Go's regexp.MatchString gives (kured's filter
 * engine), errors with their position, and a pattern that would take a
 * backtracking matcher exponential time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vssguard/common.h"
#include "vssguard/regex.h"

struct tcase {
  const char *re, *s;
  bool match;
};

static void test_matches(void **st) {
  (void)st;
  static const struct tcase cases[] = {
      {"^VssGuard", "VssGuardRebootScheduled", true},
      {"^VssGuard", "MyVssGuard", false},
      {"Guard", "MyVssGuardX", true},
      {"^(RebootRequired|Watchdog)$", "Watchdog", true},
      {"^(RebootRequired|Watchdog)$", "WatchdogX", false},
      {"^(RebootRequired|Watchdog)$", "RebootRequired", true},
      {"a.c", "abc", true},
      {"a.c", "ac", false},
      {"^ab*c$", "ac", true},
      {"^ab*c$", "abbbc", true},
      {"^ab+c$", "ac", false},
      {"^ab+c$", "abc", true},
      {"^ab?c$", "abbc", false},
      {"^colou?r$", "color", true},
      {"[0-9]+", "disk99", true},
      {"^[^0-9]+$", "disk99", false},
      {"^[^0-9]+$", "disk", true},
      {"^[a-z_]+$", "node_down", true},
      {"^\\w+$", "Node_Down1", true},
      {"^\\d\\d$", "42", true},
      {"^\\d\\d$", "4a", false},
      {"a\\.b", "a.b", true},
      {"a\\.b", "axb", false},
      {"", "anything", true},
      {"^$", "", true},
      {"^$", "x", false},
      {"x|", "abc", true},
      {"[]a]", "]", true},
      {"[a-]", "-", true},
      {"(a|b)*c", "ababc", true},
      {"^(a*)*$", "aaaa", true},
      {"Kube.*Down$", "KubeNodeDown", true},
      {"Kube.*Down$", "KubeNodeDownX", false},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    vg_regex *re;
    char err[128];
    int rc = vg_regex_compile(cases[i].re, &re, err, sizeof(err));
    if (rc != 0)
      fail_msg("%s: %s", cases[i].re, err);
    if (vg_regex_search(re, cases[i].s) != cases[i].match)
      fail_msg("/%s/ on \"%s\": expected %s", cases[i].re, cases[i].s,
               cases[i].match ? "a match" : "no match");
    vg_regex_free(re);
  }
}

static void test_errors(void **st) {
  (void)st;
  static const char *const bad[][2] = {
      {"(abc", "missing ) at position 5"},
      {"abc)", "unmatched ) at position 4"},
      {"*a", "nothing to repeat at position 1"},
      {"a{2}", "repetition counts {n,m} are not supported at position 2"},
      {"[abc", "missing ] of a character class at position 5"},
      {"[z-a]", "range out of order in a character class at position 5"},
      {"(?i)abc", "flags and non-capturing groups (?...) are not supported at "
                  "position 2"},
      {"a\\", "trailing \\ at position 2"},
      {"\\bword", "unsupported escape at position 2"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    vg_regex *re = (vg_regex *)1;
    char err[128];
    assert_int_equal(vg_regex_compile(bad[i][0], &re, err, sizeof(err)),
                     VG_EINVAL);
    assert_null(re);
    if (strcmp(err, bad[i][1]) != 0)
      fail_msg("/%s/: got \"%s\", expected \"%s\"", bad[i][0], err, bad[i][1]);
  }
}

static void test_no_blowup(void **st) {
  (void)st;
  /* (a*)*b on 5000 a's: a backtracking matcher takes exponential time. */
  char *s = malloc(5001);
  memset(s, 'a', 5000);
  s[5000] = '\0';
  vg_regex *re;
  assert_int_equal(vg_regex_compile("(a*)*b", &re, NULL, 0), 0);
  assert_false(vg_regex_search(re, s));
  s[4999] = 'b';
  assert_true(vg_regex_search(re, s));
  vg_regex_free(re);
  free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_matches),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_no_blowup),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
