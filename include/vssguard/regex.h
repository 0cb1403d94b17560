/*
 * A small regular-expression matcher for alert-name filters
 * (gates.alertmanager.alert_filter_regexp). Neither platform's C library
 * offers one on both sides (mingw-w64 has no <regex.h>), and a filter over
 * short alert names needs only a subset of RE2/ERE syntax:
 *
 *   literals, \ escapes, . [abc] [a-z] [^...] ^ $ ( ) | * + ?
 *
 * Compiled to a small program and run as a Thompson NFA (a set of states
 * per input byte), so matching takes time linear in the input whatever the
 * pattern: no backtracking blow-up. Matching is a search, like Go's
 * regexp.MatchString: "^VssGuard" anchors, "Guard" matches anywhere.
 */
#ifndef VSSGUARD_REGEX_H
#define VSSGUARD_REGEX_H

#include <stdbool.h>
#include <stddef.h>

typedef struct vg_regex vg_regex;

/*
 * Compiles pattern. Returns 0, or VG_EINVAL with the reason and the 1-based
 * position in err, or VG_ENOMEM.
 */
int vg_regex_compile(const char *pattern, vg_regex **out, char *err,
                     size_t errlen);

/* True when s contains a match of re. */
bool vg_regex_search(const vg_regex *re, const char *s);

void vg_regex_free(vg_regex *re);

#endif
