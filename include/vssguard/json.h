/*
 * A tiny JSON writer for every --json output: objects, arrays, strings with
 * correct escaping (control characters, quotes, backslashes; invalid UTF-8
 * becomes U+FFFD so the output always parses), numbers, booleans and null.
 * It writes either to a FILE (streaming, for long replays) or to a growable
 * memory buffer (tests, small outputs). Commas are placed automatically.
 */
#ifndef VSSGUARD_JSON_H
#define VSSGUARD_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vssguard/common.h"

#define VG_JSON_MAX_DEPTH 32

struct vg_json {
  FILE *out; /* NULL: write into buf */
  char *buf; /* memory output, NUL-terminated */
  size_t len, cap;
  int err; /* first error (VG_ENOMEM, VG_EIO, VG_EINVAL), or 0 */
  int depth;
  bool first[VG_JSON_MAX_DEPTH]; /* no member written yet at this level */
  bool after_key;                /* a key was written, its value is next */
};

/* Starts a writer on out, or on a memory buffer when out is NULL. */
void vg_json_init(struct vg_json *j, FILE *out);
/* Frees the memory buffer. */
void vg_json_free(struct vg_json *j);
/* The memory output so far ("" when empty or streaming). */
const char *vg_json_str(const struct vg_json *j);
/* 0, or the first error met while writing. */
int vg_json_error(const struct vg_json *j);

void vg_json_begin_object(struct vg_json *j);
void vg_json_end_object(struct vg_json *j);
void vg_json_begin_array(struct vg_json *j);
void vg_json_end_array(struct vg_json *j);
/* Writes an object member's key; the next value call writes its value. */
void vg_json_key(struct vg_json *j, const char *key);

void vg_json_string(struct vg_json *j, const char *s);
/* A string of at most n bytes of s. */
void vg_json_string_n(struct vg_json *j, const char *s, size_t n);
void vg_json_int(struct vg_json *j, int64_t v);
void vg_json_uint(struct vg_json *j, uint64_t v);
/* A finite double with up to 6 significant decimals; NaN/inf become null. */
void vg_json_double(struct vg_json *j, double v);
void vg_json_bool(struct vg_json *j, bool v);
void vg_json_null(struct vg_json *j);
/* An instant as an RFC 3339 UTC string ("2026-11-29T02:00:00Z"). */
void vg_json_time(struct vg_json *j, vg_wall_t t);

/* Escapes s into buf as the body of a JSON string (no quotes); truncates. */
void vg_json_escape(const char *s, char *buf, size_t len);

#endif
