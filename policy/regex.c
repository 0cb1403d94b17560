/*
 * The alert-name filter's regular expressions (see vssguard/regex.h): a
 * recursive-descent parser builds a syntax tree, which is compiled to a
 * program of CHAR/ANY/CLASS/BOL/EOL/SPLIT/JMP/MATCH instructions and run
 * as a Thompson NFA: every live state advances together, one input byte at
 * a time, so no pattern takes more than (pattern size x input size) steps.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vssguard/common.h"
#include "vssguard/regex.h"

#define PATTERN_MAX 1024

enum rop {
  R_CHAR,
  R_ANY,
  R_CLASS,
  R_BOL,
  R_EOL,
  R_EMPTY,
  R_CAT,
  R_ALT,
  R_STAR,
  R_PLUS,
  R_QUEST
};

struct rnode {
  enum rop op;
  int x; /* R_CHAR: the byte; R_CLASS: the class index */
  struct rnode *l, *r;
};

enum iop { I_CHAR, I_ANY, I_CLASS, I_BOL, I_EOL, I_SPLIT, I_JMP, I_MATCH };

struct inst {
  enum iop op;
  int x, y;
};

struct vg_regex {
  struct inst *prog;
  int n;
  uint8_t (*classes)[32];
};

struct parser {
  const char *s;
  size_t pos;
  struct rnode *nodes;
  size_t nnodes, capnodes;
  uint8_t (*classes)[32];
  int nclasses, capclasses;
  char *err;
  size_t errlen;
  bool failed;
};

static void fail(struct parser *p, const char *why) {
  if (!p->failed)
    snprintf(p->err, p->errlen, "%s at position %zu", why, p->pos + 1);
  p->failed = true;
}

static struct rnode *node(struct parser *p, enum rop op, int x, struct rnode *l,
                          struct rnode *r) {
  if (p->nnodes == p->capnodes) {
    fail(p, "pattern too complex");
    return NULL;
  }
  struct rnode *n = &p->nodes[p->nnodes++];
  n->op = op;
  n->x = x;
  n->l = l;
  n->r = r;
  return n;
}

static void set_bit(uint8_t *cls, unsigned c) {
  cls[c >> 3] |= (uint8_t)(1u << (c & 7));
}

static bool has_bit(const uint8_t *cls, unsigned c) {
  return (cls[c >> 3] >> (c & 7)) & 1u;
}

/* Adds the class of a \d, \w or \s escape to cls; false for another letter. */
static bool perl_class(uint8_t *cls, char e) {
  switch (e) {
  case 'd':
    for (unsigned c = '0'; c <= '9'; c++)
      set_bit(cls, c);
    return true;
  case 'w':
    for (unsigned c = 0; c < 128; c++)
      if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
          (c >= 'A' && c <= 'Z') || c == '_')
        set_bit(cls, c);
    return true;
  case 's':
    for (const char *w = " \t\n\r\f\v"; *w; w++)
      set_bit(cls, (unsigned char)*w);
    return true;
  default: return false;
  }
}

static bool is_alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
         (c >= 'A' && c <= 'Z');
}

static int new_class(struct parser *p) {
  if (p->nclasses == p->capclasses) {
    fail(p, "too many character classes");
    return -1;
  }
  memset(p->classes[p->nclasses], 0, 32);
  return p->nclasses++;
}

/* After '[': a bracket expression up to its ']'. */
static struct rnode *parse_class(struct parser *p) {
  int k = new_class(p);
  if (k < 0)
    return NULL;
  uint8_t *cls = p->classes[k];
  bool neg = false;
  if (p->s[p->pos] == '^') {
    neg = true;
    p->pos++;
  }
  bool first = true;
  for (;;) {
    char c = p->s[p->pos];
    if (c == '\0') {
      fail(p, "missing ] of a character class");
      return NULL;
    }
    if (c == ']' && !first) {
      p->pos++;
      break;
    }
    first = false;
    if (c == '[' && p->s[p->pos + 1] == ':') {
      fail(p, "[:class:] names are not supported");
      return NULL;
    }
    unsigned lo = (unsigned char)c;
    p->pos++;
    if (c == '\\') {
      char e = p->s[p->pos];
      if (e == '\0') {
        fail(p, "trailing \\");
        return NULL;
      }
      p->pos++;
      if (perl_class(cls, e))
        continue;
      if (is_alnum(e)) {
        fail(p, "unsupported escape in a character class");
        return NULL;
      }
      lo = (unsigned char)e;
    }
    unsigned hi = lo;
    if (p->s[p->pos] == '-' && p->s[p->pos + 1] != ']' &&
        p->s[p->pos + 1] != '\0') {
      p->pos++;
      char h = p->s[p->pos++];
      if (h == '\\') {
        h = p->s[p->pos];
        if (h == '\0' || is_alnum(h)) {
          fail(p, "bad range end in a character class");
          return NULL;
        }
        p->pos++;
      }
      hi = (unsigned char)h;
      if (hi < lo) {
        fail(p, "range out of order in a character class");
        return NULL;
      }
    }
    for (unsigned x = lo; x <= hi; x++)
      set_bit(cls, x);
  }
  if (neg)
    for (int i = 0; i < 32; i++)
      cls[i] = (uint8_t)~cls[i];
  return node(p, R_CLASS, k, NULL, NULL);
}

static struct rnode *parse_alt(struct parser *p, int depth);

static struct rnode *parse_atom(struct parser *p, int depth) {
  char c = p->s[p->pos];
  switch (c) {
  case '(': {
    p->pos++;
    if (p->s[p->pos] == '?') {
      fail(p, "flags and non-capturing groups (?...) are not supported");
      return NULL;
    }
    struct rnode *in = parse_alt(p, depth + 1);
    if (p->failed)
      return NULL;
    if (p->s[p->pos] != ')') {
      fail(p, "missing )");
      return NULL;
    }
    p->pos++;
    return in;
  }
  case '.': p->pos++; return node(p, R_ANY, 0, NULL, NULL);
  case '^': p->pos++; return node(p, R_BOL, 0, NULL, NULL);
  case '$': p->pos++; return node(p, R_EOL, 0, NULL, NULL);
  case '[': p->pos++; return parse_class(p);
  case '{': fail(p, "repetition counts {n,m} are not supported"); return NULL;
  case '*':
  case '+':
  case '?': fail(p, "nothing to repeat"); return NULL;
  case '\\': {
    char e = p->s[p->pos + 1];
    if (e == '\0') {
      fail(p, "trailing \\");
      return NULL;
    }
    if (e == 'd' || e == 'w' || e == 's') {
      int k = new_class(p);
      if (k < 0)
        return NULL;
      perl_class(p->classes[k], e);
      p->pos += 2;
      return node(p, R_CLASS, k, NULL, NULL);
    }
    if (is_alnum(e)) {
      p->pos++;
      fail(p, "unsupported escape");
      return NULL;
    }
    p->pos += 2;
    return node(p, R_CHAR, (unsigned char)e, NULL, NULL);
  }
  default: p->pos++; return node(p, R_CHAR, (unsigned char)c, NULL, NULL);
  }
}

static struct rnode *parse_repeat(struct parser *p, int depth) {
  struct rnode *a = parse_atom(p, depth);
  while (!p->failed) {
    char c = p->s[p->pos];
    enum rop op;
    if (c == '*')
      op = R_STAR;
    else if (c == '+')
      op = R_PLUS;
    else if (c == '?')
      op = R_QUEST;
    else
      break;
    p->pos++;
    a = node(p, op, 0, a, NULL);
  }
  return p->failed ? NULL : a;
}

static struct rnode *parse_cat(struct parser *p, int depth) {
  struct rnode *seq = NULL;
  while (!p->failed) {
    char c = p->s[p->pos];
    if (c == '\0' || c == '|' || c == ')')
      break;
    struct rnode *a = parse_repeat(p, depth);
    if (a == NULL)
      return NULL;
    seq = seq == NULL ? a : node(p, R_CAT, 0, seq, a);
  }
  if (p->failed)
    return NULL;
  return seq != NULL ? seq : node(p, R_EMPTY, 0, NULL, NULL);
}

static struct rnode *parse_alt(struct parser *p, int depth) {
  if (depth > 32) {
    fail(p, "groups nested too deeply");
    return NULL;
  }
  struct rnode *a = parse_cat(p, depth);
  while (!p->failed && p->s[p->pos] == '|') {
    p->pos++;
    struct rnode *b = parse_cat(p, depth);
    if (b == NULL)
      return NULL;
    a = node(p, R_ALT, 0, a, b);
  }
  return p->failed ? NULL : a;
}

static int size_of(const struct rnode *n) {
  switch (n->op) {
  case R_EMPTY: return 0;
  case R_CAT: return size_of(n->l) + size_of(n->r);
  case R_ALT: return size_of(n->l) + size_of(n->r) + 2;
  case R_STAR: return size_of(n->l) + 2;
  case R_PLUS:
  case R_QUEST: return size_of(n->l) + 1;
  default: return 1;
  }
}

static void emit(struct vg_regex *re, const struct rnode *n) {
  struct inst *in;
  int at;
  switch (n->op) {
  case R_EMPTY: return;
  case R_CHAR: re->prog[re->n++] = (struct inst){I_CHAR, n->x, 0}; return;
  case R_ANY: re->prog[re->n++] = (struct inst){I_ANY, 0, 0}; return;
  case R_CLASS: re->prog[re->n++] = (struct inst){I_CLASS, n->x, 0}; return;
  case R_BOL: re->prog[re->n++] = (struct inst){I_BOL, 0, 0}; return;
  case R_EOL: re->prog[re->n++] = (struct inst){I_EOL, 0, 0}; return;
  case R_CAT:
    emit(re, n->l);
    emit(re, n->r);
    return;
  case R_ALT: {
    at = re->n++;
    emit(re, n->l);
    int jmp = re->n++;
    emit(re, n->r);
    re->prog[at] = (struct inst){I_SPLIT, at + 1, jmp + 1};
    re->prog[jmp] = (struct inst){I_JMP, re->n, 0};
    return;
  }
  case R_STAR:
    at = re->n++;
    emit(re, n->l);
    re->prog[re->n++] = (struct inst){I_JMP, at, 0};
    re->prog[at] = (struct inst){I_SPLIT, at + 1, re->n};
    return;
  case R_PLUS:
    at = re->n;
    emit(re, n->l);
    in = &re->prog[re->n++];
    *in = (struct inst){I_SPLIT, at, re->n};
    return;
  case R_QUEST:
    at = re->n++;
    emit(re, n->l);
    re->prog[at] = (struct inst){I_SPLIT, at + 1, re->n};
    return;
  }
}

int vg_regex_compile(const char *pattern, vg_regex **out, char *err,
                     size_t errlen) {
  char dummy[8];
  if (err == NULL || errlen == 0) {
    err = dummy;
    errlen = sizeof(dummy);
  }
  err[0] = '\0';
  *out = NULL;
  if (pattern == NULL)
    return VG_EINVAL;
  size_t len = strlen(pattern);
  if (len > PATTERN_MAX) {
    snprintf(err, errlen, "pattern longer than %d bytes", PATTERN_MAX);
    return VG_EINVAL;
  }
  struct parser p;
  memset(&p, 0, sizeof(p));
  p.s = pattern;
  p.err = err;
  p.errlen = errlen;
  p.capnodes = 2 * len + 2;
  p.capclasses = (int)len + 1;
  p.nodes = calloc(p.capnodes, sizeof(*p.nodes));
  p.classes = calloc((size_t)p.capclasses, 32);
  if (p.nodes == NULL || p.classes == NULL) {
    free(p.nodes);
    free(p.classes);
    return VG_ENOMEM;
  }
  struct rnode *root = parse_alt(&p, 0);
  if (!p.failed && p.s[p.pos] == ')')
    fail(&p, "unmatched )");
  if (p.failed || root == NULL) {
    free(p.nodes);
    free(p.classes);
    return VG_EINVAL;
  }
  vg_regex *re = calloc(1, sizeof(*re));
  int size = size_of(root) + 1;
  if (re != NULL)
    re->prog = calloc((size_t)size, sizeof(*re->prog));
  if (re == NULL || re->prog == NULL) {
    if (re != NULL)
      free(re->prog);
    free(re);
    free(p.nodes);
    free(p.classes);
    return VG_ENOMEM;
  }
  emit(re, root);
  re->prog[re->n++] = (struct inst){I_MATCH, 0, 0};
  re->classes = p.classes;
  free(p.nodes);
  *out = re;
  return VG_OK;
}

struct threads {
  int *pcs;
  int n;
};

/*
 * Adds pc to list l at input position pos of s, following SPLIT, JMP and
 * the anchors. Returns true when MATCH is reached.
 */
static bool add(const vg_regex *re, struct threads *l, unsigned *mark,
                unsigned gen, int pc, const char *s, size_t pos) {
  if (mark[pc] == gen)
    return false;
  mark[pc] = gen;
  const struct inst *in = &re->prog[pc];
  switch (in->op) {
  case I_JMP: return add(re, l, mark, gen, in->x, s, pos);
  case I_SPLIT:
    return add(re, l, mark, gen, in->x, s, pos) ||
           add(re, l, mark, gen, in->y, s, pos);
  case I_BOL: return pos == 0 && add(re, l, mark, gen, pc + 1, s, pos);
  case I_EOL: return s[pos] == '\0' && add(re, l, mark, gen, pc + 1, s, pos);
  case I_MATCH: return true;
  default: l->pcs[l->n++] = pc; return false;
  }
}

bool vg_regex_search(const vg_regex *re, const char *s) {
  if (re == NULL || s == NULL)
    return false;
  int *buf = malloc(2 * (size_t)re->n * sizeof(int));
  unsigned *mark = calloc((size_t)re->n, sizeof(unsigned));
  bool found = false;
  if (buf == NULL || mark == NULL)
    goto done;
  struct threads cur = {buf, 0}, next = {buf + re->n, 0};
  unsigned gen = 1;
  for (size_t pos = 0;; pos++) {
    /* A match may start at every position: add the start state. */
    if (add(re, &cur, mark, gen, 0, s, pos)) {
      found = true;
      break;
    }
    if (s[pos] == '\0')
      break;
    unsigned char c = (unsigned char)s[pos];
    gen++;
    next.n = 0;
    for (int i = 0; i < cur.n && !found; i++) {
      const struct inst *in = &re->prog[cur.pcs[i]];
      bool step = (in->op == I_CHAR && (unsigned char)in->x == c) ||
                  in->op == I_ANY ||
                  (in->op == I_CLASS && has_bit(re->classes[in->x], c));
      if (step && add(re, &next, mark, gen, cur.pcs[i] + 1, s, pos + 1))
        found = true;
    }
    if (found)
      break;
    struct threads t = cur;
    cur = next;
    next = t;
  }
done:
  free(buf);
  free(mark);
  return found;
}

void vg_regex_free(vg_regex *re) {
  if (re == NULL)
    return;
  free(re->prog);
  free(re->classes);
  free(re);
}
