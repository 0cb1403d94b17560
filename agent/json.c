/*
 * The JSON writer behind every --json output. Strings are escaped per
 * RFC 8259 and checked as UTF-8 so that the output always parses.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vssguard/json.h"
#include "vssguard/zone.h"

void vg_json_init(struct vg_json *j, FILE *out) {
  memset(j, 0, sizeof(*j));
  j->out = out;
  j->first[0] = true;
}

void vg_json_free(struct vg_json *j) {
  free(j->buf);
  j->buf = NULL;
  j->len = j->cap = 0;
}

const char *vg_json_str(const struct vg_json *j) {
  return j->buf ? j->buf : "";
}

int vg_json_error(const struct vg_json *j) {
  return j->err;
}

/* Appends n raw bytes to the output. */
static void put(struct vg_json *j, const char *s, size_t n) {
  if (j->err)
    return;
  if (j->out) {
    if (fwrite(s, 1, n, j->out) != n)
      j->err = VG_EIO;
    return;
  }
  if (j->len + n + 1 > j->cap) {
    size_t cap = j->cap ? j->cap : 256;
    while (j->len + n + 1 > cap)
      cap *= 2;
    char *b = realloc(j->buf, cap);
    if (b == NULL) {
      j->err = VG_ENOMEM;
      return;
    }
    j->buf = b;
    j->cap = cap;
  }
  memcpy(j->buf + j->len, s, n);
  j->len += n;
  j->buf[j->len] = '\0';
}

static void puts_(struct vg_json *j, const char *s) {
  put(j, s, strlen(s));
}

/* Writes the comma that separates this value from the previous one. */
static void before_value(struct vg_json *j) {
  if (j->after_key) {
    j->after_key = false;
    return;
  }
  if (!j->first[j->depth])
    put(j, ",", 1);
  j->first[j->depth] = false;
}

static void open_(struct vg_json *j, char c) {
  before_value(j);
  put(j, &c, 1);
  if (j->depth + 1 >= VG_JSON_MAX_DEPTH) {
    if (!j->err)
      j->err = VG_EINVAL;
    return;
  }
  j->first[++j->depth] = true;
}

static void close_(struct vg_json *j, char c) {
  put(j, &c, 1);
  if (j->depth > 0)
    j->depth--;
  else if (!j->err)
    j->err = VG_EINVAL;
}

void vg_json_begin_object(struct vg_json *j) {
  open_(j, '{');
}
void vg_json_end_object(struct vg_json *j) {
  close_(j, '}');
}
void vg_json_begin_array(struct vg_json *j) {
  open_(j, '[');
}
void vg_json_end_array(struct vg_json *j) {
  close_(j, ']');
}

/*
 * Length of the valid UTF-8 sequence at s (at most n bytes available), or 0
 * when it is invalid (bad lead byte, bad continuation, overlong form,
 * surrogate or beyond U+10FFFF).
 */
static size_t utf8_len(const unsigned char *s, size_t n) {
  unsigned c = s[0];
  size_t len;
  unsigned cp;
  if (c < 0x80)
    return 1;
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2;
    cp = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    cp = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (len > n)
    return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3f);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
      (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return len;
}

/*
 * Calls emit for each escaped piece of s[0..n). Shared by the writer and
 * vg_json_escape.
 */
typedef void (*emit_fn)(void *ud, const char *s, size_t n);

static void escape(const char *s, size_t n, emit_fn emit, void *ud) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0, run = 0;
  while (i < n) {
    unsigned c = u[i];
    const char *rep = NULL;
    char hex[8];
    size_t adv = 1;
    if (c == '"')
      rep = "\\\"";
    else if (c == '\\')
      rep = "\\\\";
    else if (c == '\n')
      rep = "\\n";
    else if (c == '\r')
      rep = "\\r";
    else if (c == '\t')
      rep = "\\t";
    else if (c == '\b')
      rep = "\\b";
    else if (c == '\f')
      rep = "\\f";
    else if (c < 0x20) {
      snprintf(hex, sizeof(hex), "\\u%04x", c);
      rep = hex;
    } else if (c >= 0x80) {
      adv = utf8_len(u + i, n - i);
      if (adv == 0) {
        rep = "\\ufffd";
        adv = 1;
      }
    }
    if (rep != NULL) {
      emit(ud, s + (i - run), run);
      run = 0;
      emit(ud, rep, strlen(rep));
      i += adv;
    } else {
      run += adv;
      i += adv;
    }
  }
  emit(ud, s + (i - run), run);
}

static void emit_json(void *ud, const char *s, size_t n) {
  if (n > 0)
    put(ud, s, n);
}

void vg_json_string_n(struct vg_json *j, const char *s, size_t n) {
  before_value(j);
  put(j, "\"", 1);
  escape(s, n, emit_json, j);
  put(j, "\"", 1);
}

void vg_json_string(struct vg_json *j, const char *s) {
  if (s == NULL) {
    vg_json_null(j);
    return;
  }
  vg_json_string_n(j, s, strlen(s));
}

void vg_json_key(struct vg_json *j, const char *key) {
  vg_json_string(j, key);
  put(j, ":", 1);
  j->after_key = true;
}

void vg_json_int(struct vg_json *j, int64_t v) {
  char b[32];
  snprintf(b, sizeof(b), "%lld", (long long)v);
  before_value(j);
  puts_(j, b);
}

void vg_json_uint(struct vg_json *j, uint64_t v) {
  char b[32];
  snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
  before_value(j);
  puts_(j, b);
}

void vg_json_double(struct vg_json *j, double v) {
  char b[64];
  if (!isfinite(v)) {
    vg_json_null(j);
    return;
  }
  snprintf(b, sizeof(b), "%.6g", v);
  before_value(j);
  puts_(j, b);
}

void vg_json_bool(struct vg_json *j, bool v) {
  before_value(j);
  puts_(j, v ? "true" : "false");
}

void vg_json_null(struct vg_json *j) {
  before_value(j);
  puts_(j, "null");
}

void vg_json_time(struct vg_json *j, vg_wall_t t) {
  char b[64];
  vg_time_format(t, NULL, b, sizeof(b));
  vg_json_string(j, b);
}

struct bufout {
  char *buf;
  size_t len, used;
};

static void emit_buf(void *ud, const char *s, size_t n) {
  struct bufout *b = ud;
  if (b->len == 0)
    return;
  /* Never cut an escape sequence: drop the whole piece when it does not fit. */
  if (b->used + n + 1 > b->len) {
    b->len = b->used + 1;
    return;
  }
  memcpy(b->buf + b->used, s, n);
  b->used += n;
}

void vg_json_escape(const char *s, char *buf, size_t len) {
  struct bufout b = {buf, len, 0};
  if (len == 0)
    return;
  escape(s, strlen(s), emit_buf, &b);
  buf[b.used] = '\0';
}
