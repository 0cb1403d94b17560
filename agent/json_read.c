/*
 * The pull JSON reader (vssguard/json_read.h).
 */
#include <string.h>

#include "vssguard/json_read.h"

#define MAX_DEPTH 32

void vg_jr_init(struct vg_jr *r, const char *s, size_t n) {
  r->p = s;
  r->end = s + n;
  r->bad = s == NULL;
}

static void ws(struct vg_jr *r) {
  while (r->p < r->end &&
         (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
    r->p++;
}

char vg_jr_peek(struct vg_jr *r) {
  if (r->bad)
    return '\0';
  ws(r);
  return r->p < r->end ? *r->p : '\0';
}

bool vg_jr_eat(struct vg_jr *r, char c) {
  if (vg_jr_peek(r) != c || c == '\0')
    return false;
  r->p++;
  return true;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Appends byte c to out when room is left (one byte kept for the NUL). */
static void put(char *out, size_t len, size_t *k, char c) {
  if (out != NULL && *k + 1 < len)
    out[(*k)++] = c;
}

bool vg_jr_string(struct vg_jr *r, char *out, size_t len) {
  size_t k = 0;
  if (out != NULL && len > 0)
    out[0] = '\0';
  if (!vg_jr_eat(r, '"')) {
    r->bad = true;
    return false;
  }
  while (r->p < r->end && *r->p != '"') {
    unsigned char c = (unsigned char)*r->p++;
    if (c < 0x20) {
      r->bad = true;
      return false;
    }
    if (c != '\\') {
      put(out, len, &k, (char)c);
      continue;
    }
    if (r->p >= r->end) {
      r->bad = true;
      return false;
    }
    char e = *r->p++;
    switch (e) {
    case '"':
    case '\\':
    case '/': put(out, len, &k, e); break;
    case 'b': put(out, len, &k, '\b'); break;
    case 'f': put(out, len, &k, '\f'); break;
    case 'n': put(out, len, &k, '\n'); break;
    case 'r': put(out, len, &k, '\r'); break;
    case 't': put(out, len, &k, '\t'); break;
    case 'u': {
      unsigned cp = 0;
      for (int i = 0; i < 4; i++) {
        int h = r->p < r->end ? hexval(*r->p++) : -1;
        if (h < 0) {
          r->bad = true;
          return false;
        }
        cp = cp * 16 + (unsigned)h;
      }
      /* Surrogates are not paired up: they become U+FFFD. */
      if (cp >= 0xd800 && cp <= 0xdfff)
        cp = 0xfffd;
      if (cp < 0x80) {
        put(out, len, &k, (char)cp);
      } else if (cp < 0x800) {
        put(out, len, &k, (char)(0xc0 | (cp >> 6)));
        put(out, len, &k, (char)(0x80 | (cp & 0x3f)));
      } else {
        put(out, len, &k, (char)(0xe0 | (cp >> 12)));
        put(out, len, &k, (char)(0x80 | ((cp >> 6) & 0x3f)));
        put(out, len, &k, (char)(0x80 | (cp & 0x3f)));
      }
      break;
    }
    default: r->bad = true; return false;
    }
  }
  if (r->p >= r->end) {
    r->bad = true;
    return false;
  }
  r->p++;
  if (out != NULL && len > 0)
    out[k] = '\0';
  return true;
}

static bool skip_depth(struct vg_jr *r, int depth) {
  char c = vg_jr_peek(r);
  if (depth > MAX_DEPTH)
    c = '\0';
  if (c == '"')
    return vg_jr_string(r, NULL, 0);
  if (c == '{' || c == '[') {
    char close = c == '{' ? '}' : ']';
    r->p++;
    if (vg_jr_eat(r, close))
      return true;
    do {
      if (c == '{' && (!vg_jr_string(r, NULL, 0) || !vg_jr_eat(r, ':'))) {
        r->bad = true;
        return false;
      }
      if (!skip_depth(r, depth + 1))
        return false;
    } while (vg_jr_eat(r, ','));
    if (!vg_jr_eat(r, close)) {
      r->bad = true;
      return false;
    }
    return true;
  }
  /* A number, true, false or null: a run of these characters. */
  const char *start = r->p;
  while (r->p < r->end && strchr("0123456789+-.eEtruefalsn", *r->p) != NULL &&
         *r->p != '\0')
    r->p++;
  if (r->p == start) {
    r->bad = true;
    return false;
  }
  return true;
}

bool vg_jr_skip(struct vg_jr *r) {
  return !r->bad && skip_depth(r, 0);
}

bool vg_jr_done(struct vg_jr *r) {
  if (r->bad)
    return false;
  ws(r);
  return r->p == r->end;
}
