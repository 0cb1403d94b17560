/*
 * A small pull reader for the JSON answers of HTTP servers (Alertmanager's
 * alert list, a silence id): the caller walks the document with peek, eat,
 * string and skip, and every malformed input sets `bad` instead of
 * crashing. Nesting is bounded; strings are decoded (\uXXXX to UTF-8) and
 * truncated to the caller's buffer.
 */
#ifndef VSSGUARD_JSON_READ_H
#define VSSGUARD_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>

struct vg_jr {
  const char *p, *end;
  bool bad;
};

void vg_jr_init(struct vg_jr *r, const char *s, size_t n);
/* The next character after white space, or '\0' at the end. */
char vg_jr_peek(struct vg_jr *r);
/* Consumes c when it is the next character; false otherwise. */
bool vg_jr_eat(struct vg_jr *r, char c);
/* Reads a string into out (NUL-terminated, truncated). False and bad when
 * the next value is not a well-formed string. */
bool vg_jr_string(struct vg_jr *r, char *out, size_t len);
/* Skips one value of any type. False and bad when malformed. */
bool vg_jr_skip(struct vg_jr *r);
/* True when only white space is left and nothing was bad. */
bool vg_jr_done(struct vg_jr *r);

#endif
