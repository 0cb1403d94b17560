/*
 * The YAML policy loader. libyaml's event parser builds a small node tree
 * (rejecting anchors, aliases, tabs in indentation, several documents and
 * deep nesting), then schema tables of key, node type and handler walk it
 * in the manner of netplan's parse.c. Every problem found is reported as
 * file:line:col (1-based) with a message and, where it helps, a hint; the
 * loader goes on after an error so that one run shows them all.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "policy_int.h"
#include "vssguard/fleetlock.h"
#include "vssguard/http.h"
#include "vssguard/platform.h"
#include "vssguard/regex.h"

#define POLICY_MAX_BYTES (1024 * 1024)
#define MAX_DEPTH 32
#define MAX_ERRORS 50

enum node_type { N_SCALAR = 1, N_SEQ = 2, N_MAP = 4, N_NULL = 8 };

struct node {
  enum node_type type;
  int line, col;      /* 1-based */
  char *value;        /* N_SCALAR */
  bool plain;         /* a plain (unquoted) scalar */
  bool bad;           /* an alias, already reported: skip silently */
  struct node **kids; /* N_SEQ: items; N_MAP: key, value, key, value ... */
  size_t n, cap;
};

struct ctx {
  const char *name;
  vg_diags *d;
  size_t errors;
  bool stop; /* too many errors, or out of memory */
  bool nomem;
  vg_policy *p;
  yaml_parser_t parser;
  const char *buf;
  size_t len;
  /* Anchors and aliases: the first of each is reported, then counted. */
  size_t nanchors, naliases;
  size_t anchor_diag, alias_diag; /* index in d of the first, or SIZE_MAX */
};

static void err_at(struct ctx *c, int line, int col, const char *fmt, ...)
    VG_PRINTF(4, 5);

/* Adds one diagnostic; past MAX_ERRORS it says so once and stops. */
static void err_at(struct ctx *c, int line, int col, const char *fmt, ...) {
  char msg[256];
  va_list ap;
  if (c->stop)
    return;
  if (c->errors == MAX_ERRORS) {
    vg_diags_add(c->d, c->name, line, col,
                 "too many errors (more than %d); stopping", MAX_ERRORS);
    c->errors++;
    c->stop = true;
    return;
  }
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  if (vg_diags_add(c->d, c->name, line, col, "%s", msg) != VG_OK) {
    c->nomem = true;
    c->stop = true;
  }
  c->errors++;
}

#define ERR(c, node, ...) err_at((c), (node)->line, (node)->col, __VA_ARGS__)

/* ---- Node tree ---- */

static void node_free(struct node *n) {
  if (n == NULL)
    return;
  for (size_t i = 0; i < n->n; i++)
    node_free(n->kids[i]);
  free(n->kids);
  free(n->value);
  free(n);
}

static struct node *node_new(enum node_type type, const yaml_mark_t *m) {
  struct node *n = calloc(1, sizeof(*n));
  if (n == NULL)
    return NULL;
  n->type = type;
  n->line = (int)m->line + 1;
  n->col = (int)m->column + 1;
  return n;
}

static int node_push(struct node *parent, struct node *kid) {
  if (parent->n == parent->cap) {
    size_t cap = parent->cap ? parent->cap * 2 : 8;
    struct node **k = realloc(parent->kids, cap * sizeof(*k));
    if (k == NULL)
      return VG_ENOMEM;
    parent->kids = k;
    parent->cap = cap;
  }
  parent->kids[parent->n++] = kid;
  return VG_OK;
}

/* 1-based line and column of a byte offset into the buffer. */
static void offset_to_linecol(const struct ctx *c, size_t off, int *line,
                              int *col) {
  int l = 1, k = 1;
  if (off > c->len)
    off = c->len;
  for (size_t i = 0; i < off; i++) {
    if (c->buf[i] == '\n') {
      l++;
      k = 1;
    } else if (((unsigned char)c->buf[i] & 0xc0) != 0x80) {
      k++;
    }
  }
  *line = l;
  *col = k;
}

/* True when 1-based line holds a tab before its first other character. */
static bool line_has_leading_tab(const struct ctx *c, int line) {
  int l = 1;
  size_t i = 0;
  while (i < c->len && l < line)
    if (c->buf[i++] == '\n')
      l++;
  for (; i < c->len && (c->buf[i] == ' ' || c->buf[i] == '\t'); i++)
    if (c->buf[i] == '\t')
      return true;
  return false;
}

/* Reports libyaml's error with its position and a hint. */
static void report_parser_error(struct ctx *c) {
  yaml_parser_t *p = &c->parser;
  int line, col;
  switch (p->error) {
  case YAML_MEMORY_ERROR:
    c->nomem = true;
    c->stop = true;
    return;
  case YAML_READER_ERROR:
    offset_to_linecol(c, p->problem_offset, &line, &col);
    if (p->problem && strstr(p->problem, "UTF") != NULL)
      err_at(c, line, col, "invalid UTF-8 (%s); save the policy as UTF-8 text",
             p->problem);
    else
      err_at(c, line, col,
             "invalid character (byte 0x%02x): %s; is this a text file?",
             (unsigned)p->problem_value & 0xffu,
             p->problem ? p->problem : "error");
    return;
  default: break;
  }
  line = (int)p->problem_mark.line + 1;
  col = (int)p->problem_mark.column + 1;
  const char *hint = "";
  if (line_has_leading_tab(c, line))
    hint = "; tabs are not allowed for indentation, use spaces";
  else if (p->problem && strstr(p->problem, "mapping values") != NULL)
    hint = "; check the indentation, or quote a value that contains ': '";
  else if (p->problem && strstr(p->problem, "expected ':'") != NULL)
    hint = "; a key needs ': ' after it";
  else if (p->problem && (strstr(p->problem, "expected key") != NULL ||
                          strstr(p->problem, "expected <block end>") != NULL ||
                          strstr(p->problem, "expected '-'") != NULL))
    hint = "; check the indentation";
  if (p->context != NULL && (p->context_mark.line != p->problem_mark.line ||
                             p->context_mark.column != p->problem_mark.column))
    err_at(
        c, line, col, "invalid YAML: %s %s (started at line %d, column %d)%s",
        p->problem ? p->problem : "error", p->context,
        (int)p->context_mark.line + 1, (int)p->context_mark.column + 1, hint);
  else if (p->context != NULL)
    err_at(c, line, col, "invalid YAML: %s %s%s",
           p->problem ? p->problem : "error", p->context, hint);
  else
    err_at(c, line, col, "invalid YAML: %s%s",
           p->problem ? p->problem : "error", hint);
}

/*
 * Reports anchors, which only serve aliases. The first one is reported with
 * its position; later ones are counted and mentioned in that message.
 */
static void check_anchor(struct ctx *c, const yaml_char_t *anchor,
                         const yaml_mark_t *m) {
  if (anchor == NULL)
    return;
  if (c->nanchors++ > 0)
    return;
  size_t before = c->d->n;
  err_at(c, (int)m->line + 1, (int)m->column + 1,
         "anchors are not allowed ('&%s'); write each value out in full",
         (const char *)anchor);
  if (c->d->n > before)
    c->anchor_diag = before;
}

/* Appends "(N more ...)" to the first anchor and alias diagnostics. */
static void note_repeats(struct ctx *c) {
  if (c->nanchors > 1 && c->anchor_diag != SIZE_MAX) {
    struct vg_diag *g = &c->d->items[c->anchor_diag];
    size_t n = strlen(g->msg);
    snprintf(g->msg + n, sizeof(g->msg) - n, " (%zu more anchors)",
             c->nanchors - 1);
  }
  if (c->naliases > 1 && c->alias_diag != SIZE_MAX) {
    struct vg_diag *g = &c->d->items[c->alias_diag];
    size_t n = strlen(g->msg);
    snprintf(g->msg + n, sizeof(g->msg) - n, " (%zu more aliases)",
             c->naliases - 1);
  }
}

/*
 * Reads the next node from the parser into *out. Returns 1 when the event
 * closes the enclosing collection instead, 0 for a node, -1 on a fatal
 * problem (reported).
 */
static int read_node(struct ctx *c, int depth, struct node **out) {
  yaml_event_t ev;
  struct node *n = NULL;
  int rc = 0;
  *out = NULL;
  if (!yaml_parser_parse(&c->parser, &ev)) {
    report_parser_error(c);
    return -1;
  }
  switch (ev.type) {
  case YAML_SEQUENCE_END_EVENT:
  case YAML_MAPPING_END_EVENT: rc = 1; break;
  case YAML_ALIAS_EVENT:
    if (c->naliases++ == 0) {
      size_t before = c->d->n;
      err_at(c, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
             "aliases are not allowed ('*%s'); write each value out in full",
             (const char *)ev.data.alias.anchor);
      if (c->d->n > before)
        c->alias_diag = before;
    }
    n = node_new(N_NULL, &ev.start_mark);
    if (n == NULL)
      rc = -1;
    else
      n->bad = true;
    break;
  case YAML_SCALAR_EVENT: {
    check_anchor(c, ev.data.scalar.anchor, &ev.start_mark);
    const char *v = (const char *)ev.data.scalar.value;
    bool plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    bool null = plain && (ev.data.scalar.length == 0 || strcmp(v, "~") == 0 ||
                          strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
                          strcmp(v, "NULL") == 0);
    n = node_new(null ? N_NULL : N_SCALAR, &ev.start_mark);
    if (n == NULL || (n->value = strdup(v)) == NULL) {
      rc = -1;
      break;
    }
    if (strlen(v) != ev.data.scalar.length)
      err_at(c, n->line, n->col, "NUL characters are not allowed");
    n->plain = plain;
    break;
  }
  case YAML_SEQUENCE_START_EVENT:
  case YAML_MAPPING_START_EVENT: {
    bool map = ev.type == YAML_MAPPING_START_EVENT;
    check_anchor(
        c, map ? ev.data.mapping_start.anchor : ev.data.sequence_start.anchor,
        &ev.start_mark);
    n = node_new(map ? N_MAP : N_SEQ, &ev.start_mark);
    if (n == NULL) {
      rc = -1;
      break;
    }
    if (depth >= MAX_DEPTH) {
      err_at(c, n->line, n->col, "nesting is too deep (more than %d levels)",
             MAX_DEPTH);
      c->stop = true;
      rc = -1;
      break;
    }
    for (;;) {
      struct node *kid;
      int r = read_node(c, depth + 1, &kid);
      if (r < 0) {
        rc = -1;
        break;
      }
      if (r == 1)
        break;
      if (node_push(n, kid) != VG_OK) {
        node_free(kid);
        rc = -1;
        break;
      }
    }
    break;
  }
  default:
    err_at(c, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
           "unexpected YAML structure");
    rc = -1;
    break;
  }
  yaml_event_delete(&ev);
  if (rc != 0) {
    node_free(n);
    if (rc < 0 && n == NULL && !c->stop && c->errors == 0)
      c->nomem = true;
    return rc;
  }
  *out = n;
  return 0;
}

/* Reports every line indented with a tab. Returns true if any. */
static bool check_tabs(struct ctx *c) {
  bool found = false;
  int line = 1;
  bool at_start = true;
  int col = 1;
  for (size_t i = 0; i < c->len; i++) {
    char ch = c->buf[i];
    if (ch == '\n') {
      line++;
      col = 1;
      at_start = true;
      continue;
    }
    if (at_start && ch == '\t') {
      err_at(c, line, col, "tab character in indentation; YAML needs spaces");
      found = true;
      at_start = false;
    } else if (ch != ' ') {
      at_start = false;
    }
    col++;
  }
  return found;
}

/*
 * Parses the buffer into one document's root node. Returns the root, or NULL
 * with the problem reported (an empty policy included).
 */
static struct node *parse_tree(struct ctx *c) {
  yaml_event_t ev;
  struct node *root = NULL;
  int state = 0; /* 0 before the document, 1 inside, 2 after */
  for (;;) {
    if (state == 1) {
      if (read_node(c, 0, &root) != 0)
        return NULL;
      state = 2;
      continue;
    }
    if (!yaml_parser_parse(&c->parser, &ev)) {
      report_parser_error(c);
      node_free(root);
      return NULL;
    }
    yaml_event_type_t t = ev.type;
    yaml_mark_t m = ev.start_mark;
    yaml_event_delete(&ev);
    if (t == YAML_STREAM_END_EVENT)
      break;
    if (t == YAML_DOCUMENT_START_EVENT) {
      if (root != NULL || state == 2) {
        err_at(c, (int)m.line + 1, (int)m.column + 1,
               "only one YAML document is allowed; remove the second '---'");
        node_free(root);
        return NULL;
      }
      state = 1;
    }
  }
  if (root == NULL || root->type == N_NULL) {
    err_at(c, 0, 0, "policy is empty");
    node_free(root);
    return NULL;
  }
  return root;
}

/* ---- Schema ---- */

static const char *type_name(const struct node *n) {
  switch (n->type) {
  case N_SCALAR: return "a string";
  case N_SEQ: return "a list";
  case N_MAP: return "a mapping";
  case N_NULL: return "empty";
  }
  return "?";
}

typedef void (*handler_fn)(struct ctx *c, const struct node *val, void *obj);

struct field {
  const char *key;
  unsigned types;     /* node types accepted */
  handler_fn handler; /* NULL: the caller handles the key */
  const char *expect; /* for type errors: "a number from 1 to 63" */
  const char *origin; /* origin key marked FILE, or NULL */
};

/* Edit distance between two short strings, for "did you mean". */
static size_t edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b), prev[40], cur[40];
  if (la >= 39 || lb >= 39)
    return 99;
  for (size_t j = 0; j <= lb; j++)
    prev[j] = j;
  for (size_t i = 1; i <= la; i++) {
    cur[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
      size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
      cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
    }
    memcpy(prev, cur, (lb + 1) * sizeof(size_t));
  }
  return prev[lb];
}

/*
 * Walks mapping node map with the table fields: reports non-scalar and
 * duplicate keys, unknown keys (with a suggestion) and wrong node types,
 * and calls each handler. seen[i] receives the value node of field i.
 */
static void walk_map(struct ctx *c, const struct node *map,
                     const struct field *fields, size_t nfields,
                     const char *where, void *obj, const struct node **seen) {
  for (size_t i = 0; i < nfields; i++)
    seen[i] = NULL;
  for (size_t i = 0; i + 1 < map->n && !c->stop; i += 2) {
    const struct node *k = map->kids[i], *v = map->kids[i + 1];
    if (k->bad || v->bad)
      continue;
    if (k->type != N_SCALAR) {
      ERR(c, k, "keys in %s must be plain words, not %s", where, type_name(k));
      continue;
    }
    bool dup = false;
    for (size_t j = 0; j < i && !dup; j += 2) {
      const struct node *k2 = map->kids[j];
      if (k2->type == N_SCALAR && strcmp(k2->value, k->value) == 0) {
        ERR(c, k, "duplicate key '%s' in %s (first at line %d)", k->value,
            where, k2->line);
        dup = true;
      }
    }
    if (dup)
      continue;
    size_t f;
    for (f = 0; f < nfields; f++)
      if (strcmp(fields[f].key, k->value) == 0)
        break;
    if (f == nfields) {
      const char *best = NULL;
      size_t bestd = 3;
      for (size_t g = 0; g < nfields; g++) {
        size_t dist = edit_distance(fields[g].key, k->value);
        if (dist < bestd) {
          bestd = dist;
          best = fields[g].key;
        }
      }
      if (best != NULL)
        ERR(c, k, "unknown key '%.64s' in %s (did you mean '%s'?)", k->value,
            where, best);
      else
        ERR(c, k, "unknown key '%.64s' in %s", k->value, where);
      continue;
    }
    if ((fields[f].types & v->type) == 0) {
      ERR(c, v, "'%s' must be %s, not %s", fields[f].key, fields[f].expect,
          type_name(v));
      continue;
    }
    seen[f] = v;
    if (fields[f].origin != NULL)
      vg_policy_set_origin(c->p, fields[f].origin, VG_ORIGIN_FILE);
    if (fields[f].handler != NULL)
      fields[f].handler(c, v, obj);
  }
}

#define NFIELDS(t) (sizeof(t) / sizeof((t)[0]))

/* Parses a scalar duration into *out within [lo, hi]; reports errors. */
static bool get_duration(struct ctx *c, const struct node *v, const char *key,
                         int64_t lo, int64_t hi, int64_t *out) {
  char a[32], b[32];
  int64_t s;
  int rc = vg_parse_duration(v->value, &s);
  if (v->value[0] == '-')
    rc = VG_ERANGE;
  vg_format_duration(lo, a, sizeof(a));
  vg_format_duration(hi, b, sizeof(b));
  if (rc == VG_EINVAL) {
    ERR(c, v,
        "%s: '%.64s' is not a duration (use forms like 90m, 3h, 1h30m, 2d "
        "or seconds)",
        key, v->value);
    return false;
  }
  if (rc != VG_OK || s < lo || s > hi) {
    ERR(c, v, "%s: %.64s is out of range (%s to %s)", key, v->value, a, b);
    return false;
  }
  *out = s;
  return true;
}

static bool get_bool(struct ctx *c, const struct node *v, const char *key,
                     bool *out) {
  if (vg_parse_bool(v->value, false, out) != VG_OK) {
    ERR(c, v, "%s must be true or false, not '%.64s'", key, v->value);
    return false;
  }
  return true;
}

static bool get_int(struct ctx *c, const struct node *v, const char *key,
                    int64_t lo, int64_t hi, int64_t *out) {
  int64_t x;
  int rc = vg_parse_int(v->value, &x);
  if (rc == VG_EINVAL) {
    ERR(c, v, "%s must be a whole number from %lld to %lld, not '%.64s'", key,
        (long long)lo, (long long)hi, v->value);
    return false;
  }
  if (rc != VG_OK || x < lo || x > hi) {
    ERR(c, v, "%s %.64s is out of range (%lld to %lld)", key, v->value,
        (long long)lo, (long long)hi);
    return false;
  }
  *out = x;
  return true;
}

/* -- top-level scalars -- */

static void h_threshold(struct ctx *c, const struct node *v, void *obj) {
  int64_t x;
  (void)obj;
  if (get_int(c, v, "threshold", VG_THRESHOLD_MIN, VG_THRESHOLD_MAX, &x))
    vg_policy_set_threshold(c->p, (int)x);
}

static void h_timezone(struct ctx *c, const struct node *v, void *obj) {
  struct vg_zone z;
  (void)obj;
  if (vg_zone_parse(v->value, &z) != VG_OK) {
    if (strchr(v->value, '/') != NULL)
      ERR(c, v,
          "unknown timezone '%.64s': zone names are not supported; use "
          "local (the server's zone), UTC, +HH:MM or -HH:MM",
          v->value);
    else
      ERR(c, v,
          "unknown timezone '%.64s' (use local, UTC, +HH:MM or -HH:MM, "
          "at most 14:00)",
          v->value);
    return;
  }
  vg_policy_set_zone(c->p, &z);
}

static void h_count_failed(struct ctx *c, const struct node *v, void *obj) {
  bool b;
  (void)obj;
  if (get_bool(c, v, "count_failed_backups", &b))
    vg_policy_set_count_failed(c->p, b);
}

static void h_dry_run(struct ctx *c, const struct node *v, void *obj) {
  bool b;
  (void)obj;
  if (get_bool(c, v, "dry_run", &b))
    vg_policy_set_dry_run(c->p, b);
}

static void h_metrics_file(struct ctx *c, const struct node *v, void *obj) {
  (void)obj;
  if (v->type == N_NULL) {
    vg_policy_set_metrics_file(c->p, NULL);
    return;
  }
  size_t n = strlen(v->value);
  if (n == 0) {
    ERR(c, v,
        "metrics_file must not be empty (leave the key out to turn "
        "metrics off)");
    return;
  }
  if (n > VG_PATH_MAX) {
    ERR(c, v, "metrics_file is longer than %d characters", VG_PATH_MAX);
    return;
  }
  for (const char *s = v->value; *s != '\0';) {
    size_t seg = strcspn(s, "/\\");
    if (seg == 2 && s[0] == '.' && s[1] == '.') {
      ERR(c, v, "metrics_file must not contain '..' components");
      return;
    }
    s += seg;
    if (*s != '\0')
      s++;
  }
  if (vg_policy_set_metrics_file(c->p, v->value) != VG_OK)
    c->nomem = c->stop = true;
}

/* -- day lists and weekly rules -- */

/* Parses a days node (a string or a list of strings) into a bit set. */
static bool get_days(struct ctx *c, const struct node *v, const char *where,
                     uint8_t *out) {
  char err[200];
  uint8_t days = 0, one;
  if (v->type == N_SCALAR) {
    if (vg_parse_days(v->value, &days, err, sizeof(err)) != VG_OK) {
      ERR(c, v, "%s: %s", where, err);
      return false;
    }
    *out = days;
    return true;
  }
  if (v->n == 0) {
    ERR(c, v,
        "%s: the day list is empty; name at least one day (like "
        "[sun] or daily)",
        where);
    return false;
  }
  bool ok = true;
  for (size_t i = 0; i < v->n; i++) {
    const struct node *it = v->kids[i];
    if (it->bad) {
      ok = false;
    } else if (it->type != N_SCALAR) {
      ERR(c, it, "%s: a day must be a word like sun, not %s", where,
          type_name(it));
      ok = false;
    } else if (vg_parse_days(it->value, &one, err, sizeof(err)) != VG_OK) {
      ERR(c, it, "%s: %s", where, err);
      ok = false;
    } else {
      days |= one;
    }
  }
  if (ok)
    *out = days;
  return ok;
}

static bool get_time_of_day(struct ctx *c, const struct node *v,
                            const char *where, int32_t *out) {
  int rc = vg_parse_time_of_day(v->value, out);
  if (rc == VG_ERANGE) {
    ERR(c, v, "%s: start time '%.32s' is out of range (00:00 to 23:59:59)",
        where, v->value);
    return false;
  }
  if (rc != VG_OK) {
    ERR(c, v, "%s: '%.32s' is not a time of day (use HH:MM, like \"02:00\")",
        where, v->value);
    return false;
  }
  return true;
}

/* Fills w from the days/start/duration nodes; reports missing ones. */
static bool weekly_from_nodes(struct ctx *c, const struct node *map,
                              const char *where, const struct node *days,
                              const struct node *start, const struct node *dur,
                              struct vg_weekly *w) {
  bool ok = true;
  if (days == NULL || start == NULL || dur == NULL) {
    ERR(c, map, "%s is missing '%s' (it needs days, start and duration)", where,
        days == NULL    ? "days"
        : start == NULL ? "start"
                        : "duration");
    ok = false;
  }
  if (days != NULL && !get_days(c, days, where, &w->days))
    ok = false;
  if (start != NULL && !get_time_of_day(c, start, where, &w->start_s))
    ok = false;
  if (dur != NULL) {
    int64_t s;
    int rc = vg_parse_duration(dur->value, &s);
    if (dur->value[0] == '-')
      rc = VG_ERANGE;
    if (rc == VG_EINVAL) {
      ERR(c, dur,
          "%s: '%.32s' is not a duration (use forms like 90m, 3h, 1h30m or "
          "2d)",
          where, dur->value);
      ok = false;
    } else if (rc != VG_OK || s <= 0 || s > VG_WINDOW_MAX_S) {
      ERR(c, dur, "%s: duration '%.32s' must be more than 0 and at most 7d",
          where, dur->value);
      ok = false;
    } else {
      w->duration_s = s;
    }
  }
  return ok;
}

/* -- monthly rules and one-off windows -- */

/*
 * The keys of a 'monthly' mapping: from_day/to_day (blackouts: whole days),
 * weekday/nth/offset_days (windows and blackouts) and day (windows).
 */
static const struct field monthly_fields[] = {
    {"from_day", N_SCALAR, NULL, "a day of the month (1..31 or -31..-1)", NULL},
    {"to_day", N_SCALAR, NULL, "a day of the month (1..31 or -31..-1)", NULL},
    {"weekday", N_SCALAR, NULL, "a day of the week like tue", NULL},
    {"nth", N_SCALAR, NULL, "a number from 1 to 5 or -1 to -5", NULL},
    {"offset_days", N_SCALAR, NULL, "a number of days from -7 to 7", NULL},
    {"day", N_SCALAR, NULL, "a day of the month (1..31 or -31..-1)", NULL},
};
enum { MF_FROM, MF_TO, MF_WEEKDAY, MF_NTH, MF_OFFSET, MF_DAY };

static bool get_month_day(struct ctx *c, const struct node *v, const char *key,
                          int *out) {
  int64_t x;
  if (vg_parse_int(v->value, &x) != VG_OK || x == 0 || x < -31 || x > 31) {
    ERR(c, v,
        "monthly.%s must be 1..31, or -31..-1 counting from the end of the "
        "month (-1 = last day), not '%.32s'",
        key, v->value);
    return false;
  }
  *out = (int)x;
  return true;
}

/*
 * Fills the date part of r from the walked 'monthly' keys m: weekday and
 * nth (with offset_days), or (windows only) day. Reports every problem.
 */
static bool monthly_date_from_nodes(struct ctx *c, const struct node *map,
                                    const char *where, bool window,
                                    const struct node **m,
                                    struct vg_monthly *r) {
  int64_t x;
  bool ok = true;
  if (m[MF_DAY] != NULL && !window) {
    ERR(c, m[MF_DAY],
        "%s: monthly.day belongs to windows; a blackout takes from_day and "
        "to_day (whole days) or weekday and nth",
        where);
    return false;
  }
  if (m[MF_DAY] != NULL && (m[MF_WEEKDAY] != NULL || m[MF_NTH] != NULL)) {
    ERR(c, m[MF_DAY], "%s: monthly takes either day, or weekday with nth",
        where);
    return false;
  }
  if (m[MF_DAY] != NULL) {
    if (m[MF_OFFSET] != NULL) {
      ERR(c, m[MF_OFFSET], "%s: monthly.offset_days goes with weekday and nth",
          where);
      return false;
    }
    return get_month_day(c, m[MF_DAY], "day", &r->day);
  }
  if (m[MF_WEEKDAY] == NULL || m[MF_NTH] == NULL) {
    ERR(c,
        m[MF_WEEKDAY] ? m[MF_WEEKDAY]
        : m[MF_NTH]   ? m[MF_NTH]
                      : map,
        "%s: monthly needs %s (like { weekday: tue, nth: 2 }%s)", where,
        m[MF_WEEKDAY] ? "nth with the weekday"
        : m[MF_NTH]   ? "weekday with nth"
                      : "weekday and nth",
        window ? " or { day: -1 }" : "");
    return false;
  }
  if (vg_parse_weekday(m[MF_WEEKDAY]->value, &r->weekday) != VG_OK) {
    ERR(c, m[MF_WEEKDAY],
        "%s: monthly.weekday '%.32s' is not a day of the week (sun, mon, "
        "tue, wed, thu, fri, sat)",
        where, m[MF_WEEKDAY]->value);
    ok = false;
  }
  if (vg_parse_int(m[MF_NTH]->value, &x) != VG_OK || x == 0 || x < -5 ||
      x > 5) {
    ERR(c, m[MF_NTH],
        "%s: monthly.nth must be 1 to 5, or -1 to -5 counting from the end "
        "of the month (-1 = last), not '%.32s'",
        where, m[MF_NTH]->value);
    ok = false;
  } else {
    r->nth = (int)x;
  }
  if (m[MF_OFFSET] != NULL) {
    if (vg_parse_int(m[MF_OFFSET]->value, &x) != VG_OK || x < -7 || x > 7) {
      ERR(c, m[MF_OFFSET],
          "%s: monthly.offset_days must be a whole number from -7 to 7, not "
          "'%.32s'",
          where, m[MF_OFFSET]->value);
      ok = false;
    } else {
      r->offset_days = (int)x;
    }
  }
  return ok;
}

/* A window or blackout duration: more than 0, at most 7 days. */
static bool get_rule_duration(struct ctx *c, const struct node *dur,
                              const char *where, int64_t *out) {
  int64_t s;
  int rc = vg_parse_duration(dur->value, &s);
  if (dur->value[0] == '-')
    rc = VG_ERANGE;
  if (rc == VG_EINVAL) {
    ERR(c, dur,
        "%s: '%.32s' is not a duration (use forms like 90m, 3h, 1h30m or 2d)",
        where, dur->value);
    return false;
  }
  if (rc != VG_OK || s <= 0 || s > VG_WINDOW_MAX_S) {
    ERR(c, dur, "%s: duration '%.32s' must be more than 0 and at most 7d",
        where, dur->value);
    return false;
  }
  *out = s;
  return true;
}

/* Parses an absolute instant in the policy's zone; a date alone
 * (2027-01-09) means its midnight. Returns what vg_time_parse returns. */
static int parse_instant(struct ctx *c, const char *text, vg_wall_t *t) {
  char buf[40];
  const struct vg_zone *z = vg_policy_zone(c->p);
  if (strlen(text) == 10) {
    snprintf(buf, sizeof(buf), "%sT00:00", text);
    return vg_time_parse(buf, z, t);
  }
  return vg_time_parse(text, z, t);
}

/* An absolute start or end of a one-off window; a date alone is midnight. */
static bool get_window_instant(struct ctx *c, const struct node *v,
                               const char *where, const char *key,
                               vg_wall_t *t) {
  if (parse_instant(c, v->value, t) != VG_OK) {
    ERR(c, v,
        "%s: %s '%.40s' is not a date and time (use 2027-01-09T22:00, "
        "optionally with Z or +HH:MM)",
        where, key, v->value);
    return false;
  }
  return true;
}

/* The keys of a maintenance window mapping; the first three are weekly's. */
static const struct field window_fields[] = {
    {"days", N_SCALAR | N_SEQ, NULL, "a day list like [sun] or mon-fri", NULL},
    {"start", N_SCALAR, NULL,
     "a time of day like \"02:00\" (a date and time for a one-off window)",
     NULL},
    {"duration", N_SCALAR, NULL, "a duration like 3h", NULL},
    {"monthly", N_MAP, NULL,
     "a mapping like { weekday: tue, nth: 2 } or { day: -1 }", NULL},
    {"end", N_SCALAR, NULL, "a date and time like 2027-01-10T04:00", NULL},
};
enum { WF_DAYS, WF_START, WF_DURATION, WF_MONTHLY, WF_END };

/* A monthly window: { monthly: {...}, start: "02:00", duration: 3h }. */
static bool monthly_window(struct ctx *c, const struct node *it,
                           const struct node **s, struct vg_window *w) {
  const char *where = "maintenance window";
  const struct node *m[NFIELDS(monthly_fields)];
  size_t before = c->errors;
  if (s[WF_DAYS] != NULL || s[WF_END] != NULL) {
    ERR(c, s[WF_DAYS] ? s[WF_DAYS] : s[WF_END],
        "%s: 'monthly' cannot be combined with '%s'", where,
        s[WF_DAYS] ? "days" : "end");
    return false;
  }
  walk_map(c, s[WF_MONTHLY], monthly_fields, NFIELDS(monthly_fields), "monthly",
           NULL, m);
  if (c->errors != before)
    return false;
  if (m[MF_FROM] != NULL || m[MF_TO] != NULL) {
    ERR(c, m[MF_FROM] ? m[MF_FROM] : m[MF_TO],
        "%s: from_day and to_day belong to blackouts; a monthly window takes "
        "weekday and nth, or day",
        where);
    return false;
  }
  w->kind = VG_WINDOW_MONTHLY;
  bool ok = monthly_date_from_nodes(c, s[WF_MONTHLY], where, true, m, &w->m);
  if (s[WF_START] == NULL || s[WF_DURATION] == NULL) {
    ERR(c, it, "%s is missing '%s' (a monthly window needs start and duration)",
        where, s[WF_START] == NULL ? "start" : "duration");
    return false;
  }
  ok = get_time_of_day(c, s[WF_START], where, &w->m.start_s) && ok;
  ok = get_rule_duration(c, s[WF_DURATION], where, &w->m.duration_s) && ok;
  return ok;
}

/* A one-off window: { start: 2027-01-09T22:00, duration: 6h } or with end. */
static bool once_window(struct ctx *c, const struct node *it,
                        const struct node **s, struct vg_window *w) {
  const char *where = "one-off maintenance window";
  int64_t d;
  if ((s[WF_DURATION] == NULL) == (s[WF_END] == NULL)) {
    ERR(c, s[WF_END] ? s[WF_END] : it,
        "%s needs either duration or end after its start", where);
    return false;
  }
  w->kind = VG_WINDOW_ONCE;
  if (!get_window_instant(c, s[WF_START], where, "start", &w->start))
    return false;
  if (s[WF_DURATION] != NULL) {
    if (!get_rule_duration(c, s[WF_DURATION], where, &d))
      return false;
    w->end = w->start + d;
    return true;
  }
  if (!get_window_instant(c, s[WF_END], where, "end", &w->end))
    return false;
  if (w->end <= w->start) {
    ERR(c, s[WF_END],
        "%s ends before it starts (end %.40s is not after start "
        "%.40s)",
        where, s[WF_END]->value, s[WF_START]->value);
    return false;
  }
  if (w->end - w->start > VG_WINDOW_MAX_S) {
    ERR(c, s[WF_END], "%s from %.40s to %.40s is longer than 7d", where,
        s[WF_START]->value, s[WF_END]->value);
    return false;
  }
  return true;
}

/* A window mapping: weekly, monthly or one-off by the keys present. */
static bool window_from_map(struct ctx *c, const struct node *it,
                            struct vg_window *w) {
  const struct node *s[NFIELDS(window_fields)];
  int32_t tod;
  size_t before = c->errors;
  walk_map(c, it, window_fields, NFIELDS(window_fields), "a maintenance window",
           NULL, s);
  if (c->errors != before)
    return false;
  if (s[WF_MONTHLY] != NULL)
    return monthly_window(c, it, s, w);
  if (s[WF_DAYS] == NULL && s[WF_START] != NULL &&
      vg_parse_time_of_day(s[WF_START]->value, &tod) == VG_EINVAL &&
      strchr(s[WF_START]->value, '-') != NULL)
    return once_window(c, it, s, w);
  if (s[WF_END] != NULL) {
    ERR(c, s[WF_END],
        "maintenance window: 'end' belongs to a one-off window (start as a "
        "date and time), not to one with days");
    return false;
  }
  w->kind = VG_WINDOW_WEEKLY;
  return weekly_from_nodes(c, it, "maintenance window", s[WF_DAYS], s[WF_START],
                           s[WF_DURATION], &w->w);
}

/* -- maintenance windows -- */

static void h_windows(struct ctx *c, const struct node *v, void *obj) {
  (void)obj;
  vg_policy_clear_windows(c->p);
  if (v->n == 0) {
    ERR(c, v,
        "maintenance_windows is empty; add at least one window (like "
        "\"sun 02:00 3h\")");
    return;
  }
  if (v->n > VG_MAX_WINDOWS) {
    ERR(c, v, "too many maintenance windows (%llu; at most %d)",
        (unsigned long long)v->n, VG_MAX_WINDOWS);
    return;
  }
  for (size_t i = 0; i < v->n && !c->stop; i++) {
    const struct node *it = v->kids[i];
    struct vg_window w;
    if (it->bad)
      continue;
    char err[200];
    memset(&w, 0, sizeof(w));
    if (it->type == N_SCALAR) {
      if (vg_parse_window(it->value, vg_policy_zone(c->p), &w, err,
                          sizeof(err)) != VG_OK) {
        ERR(c, it, "maintenance window \"%.64s\": %s", it->value, err);
        continue;
      }
    } else if (it->type == N_MAP) {
      if (!window_from_map(c, it, &w))
        continue;
    } else {
      ERR(c, it,
          "a maintenance window must be a string like \"sun 02:00 3h\" or a "
          "mapping with days, start and duration, not %s",
          type_name(it));
      continue;
    }
    if (vg_policy_add_window(c->p, &w) != VG_OK)
      ERR(c, it, "maintenance window could not be added");
  }
}

/* -- blackouts -- */

static const struct field blackout_fields[] = {
    {"name", N_SCALAR, NULL, "a short name", NULL},
    {"start", N_SCALAR, NULL, "a date and time or a time of day", NULL},
    {"end", N_SCALAR, NULL, "a date and time like 2027-01-04T00:00", NULL},
    {"monthly", N_MAP, NULL, "a mapping with from_day and to_day", NULL},
    {"days", N_SCALAR | N_SEQ, NULL, "a day list like [fri]", NULL},
    {"duration", N_SCALAR, NULL, "a duration like 6h", NULL},
};
enum { BF_NAME, BF_START, BF_END, BF_MONTHLY, BF_DAYS, BF_DURATION };

/* Parses an absolute start or end; a date alone means its midnight. */
static bool get_instant(struct ctx *c, const struct node *v, const char *key,
                        vg_wall_t *t) {
  if (parse_instant(c, v->value, t) != VG_OK) {
    ERR(c, v,
        "blackout %s '%.40s' is not a date and time (use "
        "2026-12-20T00:00, optionally with Z or +HH:MM)",
        key, v->value);
    return false;
  }
  return true;
}

/* Whether a 'monthly' mapping names a weekday rule (weekday or nth). */
static bool monthly_is_nth(const struct node *map) {
  for (size_t i = 0; i + 1 < map->n; i += 2) {
    const struct node *k = map->kids[i];
    if (k->type == N_SCALAR &&
        (strcmp(k->value, "weekday") == 0 || strcmp(k->value, "nth") == 0))
      return true;
  }
  return false;
}

/*
 * A monthly nth-weekday blackout: { monthly: { weekday: tue, nth: 2,
 * offset_days: 1 } } covers that whole local day; with start and duration,
 * that time on it.
 */
static bool nth_blackout(struct ctx *c, const struct node **s,
                         struct vg_blackout *b) {
  char where[96];
  const struct node *m[NFIELDS(monthly_fields)];
  size_t before = c->errors;
  snprintf(where, sizeof(where), "blackout '%s'", b->name);
  if (s[BF_END] != NULL || s[BF_DAYS] != NULL) {
    ERR(c, s[BF_END] ? s[BF_END] : s[BF_DAYS],
        "%s: 'monthly' cannot be combined with '%s'", where,
        s[BF_END] ? "end" : "days");
    return false;
  }
  walk_map(c, s[BF_MONTHLY], monthly_fields, NFIELDS(monthly_fields), "monthly",
           NULL, m);
  if (c->errors != before)
    return false;
  if (m[MF_FROM] != NULL || m[MF_TO] != NULL) {
    ERR(c, m[MF_FROM] ? m[MF_FROM] : m[MF_TO],
        "%s: monthly takes either from_day and to_day, or weekday and nth",
        where);
    return false;
  }
  b->kind = VG_BLACKOUT_NTH;
  memset(&b->m, 0, sizeof(b->m));
  bool ok = monthly_date_from_nodes(c, s[BF_MONTHLY], where, false, m, &b->m);
  if ((s[BF_START] == NULL) != (s[BF_DURATION] == NULL)) {
    ERR(c, s[BF_START] ? s[BF_START] : s[BF_DURATION],
        "%s needs both start and duration, or neither (the whole day)", where);
    return false;
  }
  if (s[BF_START] != NULL) {
    ok = get_time_of_day(c, s[BF_START], where, &b->m.start_s) && ok;
    ok = get_rule_duration(c, s[BF_DURATION], where, &b->m.duration_s) && ok;
  }
  return ok;
}

/* A blackout mapping: absolute, monthly or weekly by the keys present. */
static bool blackout_from_map(struct ctx *c, const struct node *it,
                              size_t index, struct vg_blackout *b) {
  const struct node *s[NFIELDS(blackout_fields)];
  size_t before = c->errors;
  walk_map(c, it, blackout_fields, NFIELDS(blackout_fields), "a blackout", NULL,
           s);
  if (c->errors != before)
    return false;
  if (s[BF_NAME] != NULL) {
    if (strlen(s[BF_NAME]->value) > VG_NAME_MAX) {
      ERR(c, s[BF_NAME], "blackout name is longer than %d characters",
          VG_NAME_MAX);
      return false;
    }
    snprintf(b->name, sizeof(b->name), "%s", s[BF_NAME]->value);
  } else {
    snprintf(b->name, sizeof(b->name), "blackout %zu", index + 1);
  }

  if (s[BF_MONTHLY] != NULL && monthly_is_nth(s[BF_MONTHLY]))
    return nth_blackout(c, s, b);
  if (s[BF_MONTHLY] != NULL) {
    const struct node *other = s[BF_START]  ? s[BF_START]
                               : s[BF_END]  ? s[BF_END]
                               : s[BF_DAYS] ? s[BF_DAYS]
                                            : s[BF_DURATION];
    if (other != NULL) {
      ERR(c, other,
          "blackout '%s': 'monthly' cannot be combined with start, end, days "
          "or duration",
          b->name);
      return false;
    }
    const struct node *m[NFIELDS(monthly_fields)];
    walk_map(c, s[BF_MONTHLY], monthly_fields, NFIELDS(monthly_fields),
             "monthly", NULL, m);
    if (c->errors != before)
      return false;
    if (m[0] == NULL) {
      ERR(c, s[BF_MONTHLY], "blackout '%s': monthly is missing 'from_day'",
          b->name);
      return false;
    }
    b->kind = VG_BLACKOUT_MONTHLY;
    if (!get_month_day(c, m[0], "from_day", &b->from_day))
      return false;
    if (m[1] == NULL)
      b->to_day = b->from_day;
    else if (!get_month_day(c, m[1], "to_day", &b->to_day))
      return false;
    /* See parse_month_days: only two days from the end cannot wrap. */
    if (b->from_day < 0 && b->to_day < 0 && b->from_day > b->to_day) {
      ERR(c, m[1],
          "blackout '%s': from_day %d is after to_day %d (both count from "
          "the end of the month)",
          b->name, b->from_day, b->to_day);
      return false;
    }
    return true;
  }

  if (s[BF_DAYS] != NULL || s[BF_DURATION] != NULL) {
    if (s[BF_END] != NULL) {
      ERR(c, s[BF_END],
          "blackout '%s': 'end' belongs to a blackout with absolute start "
          "and end, not to one with days and duration",
          b->name);
      return false;
    }
    char where[96];
    snprintf(where, sizeof(where), "blackout '%s'", b->name);
    b->kind = VG_BLACKOUT_WEEKLY;
    return weekly_from_nodes(c, it, where, s[BF_DAYS], s[BF_START],
                             s[BF_DURATION], &b->w);
  }

  if (s[BF_START] == NULL || s[BF_END] == NULL) {
    ERR(c, it,
        "blackout '%s' needs start and end (dates), or monthly, or days "
        "with start and duration",
        b->name);
    return false;
  }
  b->kind = VG_BLACKOUT_ABSOLUTE;
  bool ok = get_instant(c, s[BF_START], "start", &b->start);
  ok = get_instant(c, s[BF_END], "end", &b->end) && ok;
  if (ok && b->end <= b->start) {
    ERR(c, s[BF_END],
        "blackout '%s' ends before it starts (end %.40s is not after start "
        "%.40s)",
        b->name, s[BF_END]->value, s[BF_START]->value);
    return false;
  }
  return ok;
}

static void h_blackouts(struct ctx *c, const struct node *v, void *obj) {
  (void)obj;
  vg_policy_clear_blackouts(c->p);
  if (v->type == N_NULL)
    return;
  if (v->n > VG_MAX_BLACKOUTS) {
    ERR(c, v, "too many blackouts (%llu; at most %d)", (unsigned long long)v->n,
        VG_MAX_BLACKOUTS);
    return;
  }
  for (size_t i = 0; i < v->n && !c->stop; i++) {
    const struct node *it = v->kids[i];
    struct vg_blackout b;
    if (it->bad)
      continue;
    char err[200];
    memset(&b, 0, sizeof(b));
    if (it->type == N_SCALAR) {
      if (vg_parse_blackout(it->value, vg_policy_zone(c->p), &b, err,
                            sizeof(err)) != VG_OK) {
        ERR(c, it, "blackout \"%.64s\": %s", it->value, err);
        continue;
      }
    } else if (it->type == N_MAP) {
      if (!blackout_from_map(c, it, i, &b))
        continue;
    } else {
      ERR(c, it,
          "a blackout must be a string like \"2026-12-20T00:00/"
          "2027-01-04T00:00 freeze\" or a mapping, not %s",
          type_name(it));
      continue;
    }
    if (vg_policy_add_blackout(c->p, &b) != VG_OK)
      ERR(c, it, "blackout could not be added");
  }
}

/* -- reboot -- */

static void h_warning(struct ctx *c, const struct node *v, void *obj) {
  struct vg_reboot_cfg *r = obj;
  get_duration(c, v, "reboot.warning", 0, VG_WARNING_MAX_S, &r->warning_s);
}

static void h_message(struct ctx *c, const struct node *v, void *obj) {
  struct vg_reboot_cfg *r = obj;
  size_t n = strlen(v->value);
  if (n == 0) {
    ERR(c, v, "reboot.message must not be empty");
    return;
  }
  if (n > VG_MESSAGE_MAX) {
    ERR(c, v, "reboot.message is longer than %d bytes (%llu)", VG_MESSAGE_MAX,
        (unsigned long long)n);
    return;
  }
  snprintf(r->message, sizeof(r->message), "%s", v->value);
}

static void h_force(struct ctx *c, const struct node *v, void *obj) {
  struct vg_reboot_cfg *r = obj;
  get_bool(c, v, "reboot.force_close_apps", &r->force_close_apps);
}

static void h_reason(struct ctx *c, const struct node *v, void *obj) {
  struct vg_reboot_cfg *r = obj;
  int rc = vg_parse_reason(v->value, &r->reason);
  if (rc == VG_ERANGE)
    ERR(c, v,
        "reboot.reason %.32s is out of range (a nonzero 32-bit number; 0 "
        "is logged by Windows as an unplanned shutdown)",
        v->value);
  else if (rc != VG_OK)
    ERR(c, v,
        "reboot.reason must be planned-maintenance, planned-other or a "
        "number like 0x80040001, not '%.32s'",
        v->value);
}

static void h_splay(struct ctx *c, const struct node *v, void *obj) {
  struct vg_reboot_cfg *r = obj;
  get_duration(c, v, "reboot.splay", 0, VG_SPLAY_MAX_S, &r->splay_s);
}

static void h_min_time_left(struct ctx *c, const struct node *v, void *obj) {
  struct vg_reboot_cfg *r = obj;
  get_duration(c, v, "reboot.min_time_left", 0, VG_MIN_TIME_LEFT_MAX_S,
               &r->min_time_left_s);
}

static void h_min_uptime(struct ctx *c, const struct node *v, void *obj) {
  struct vg_reboot_cfg *r = obj;
  get_duration(c, v, "reboot.min_uptime", 0, VG_MIN_UPTIME_MAX_S,
               &r->min_uptime_s);
}

static void h_max_per_week(struct ctx *c, const struct node *v, void *obj) {
  struct vg_reboot_cfg *r = obj;
  int64_t x;
  if (get_int(c, v, "reboot.max_per_week", VG_MAX_PER_WEEK_MIN,
              VG_MAX_PER_WEEK_MAX, &x))
    r->max_per_week = (int)x;
}

static void h_wait(struct ctx *c, const struct node *v, void *obj) {
  struct vg_reboot_cfg *r = obj;
  get_bool(c, v, "reboot.wait_for_backup", &r->wait_for_backup);
}

static const struct field reboot_fields[] = {
    {"warning", N_SCALAR, h_warning, "a duration like 10m", "reboot.warning"},
    {"message", N_SCALAR, h_message, "a string", "reboot.message"},
    {"force_close_apps", N_SCALAR, h_force, "true or false",
     "reboot.force_close_apps"},
    {"reason", N_SCALAR, h_reason, "planned-maintenance or a number",
     "reboot.reason"},
    {"splay", N_SCALAR, h_splay, "a duration like 30m", "reboot.splay"},
    {"min_time_left", N_SCALAR, h_min_time_left, "a duration like 15m",
     "reboot.min_time_left"},
    {"min_uptime", N_SCALAR, h_min_uptime, "a duration like 1h",
     "reboot.min_uptime"},
    {"max_per_week", N_SCALAR, h_max_per_week, "a number from 1 to 50",
     "reboot.max_per_week"},
    {"wait_for_backup", N_SCALAR, h_wait, "true or false",
     "reboot.wait_for_backup"},
};

static void h_reboot(struct ctx *c, const struct node *v, void *obj) {
  const struct node *seen[NFIELDS(reboot_fields)];
  (void)obj;
  if (v->type == N_NULL)
    return;
  walk_map(c, v, reboot_fields, NFIELDS(reboot_fields), "reboot",
           vg_policy_reboot_mut(c->p), seen);
}

/* -- fleet_lock -- */

static void h_fleet_url(struct ctx *c, const struct node *v, void *obj) {
  struct vg_fleet_cfg *f = obj;
  if (vg_http_url_ok(v->value) != VG_OK) {
    ERR(c, v,
        "fleet_lock.url must be an http:// or https:// URL with a host, like "
        "\"http://airlock.corp.example:3333/\", not '%.64s'",
        v->value);
    return;
  }
  if (strlen(v->value) >= sizeof(f->url)) {
    ERR(c, v, "fleet_lock.url is longer than %d bytes",
        (int)sizeof(f->url) - 1);
    return;
  }
  snprintf(f->url, sizeof(f->url), "%s", v->value);
}

static void h_fleet_group(struct ctx *c, const struct node *v, void *obj) {
  struct vg_fleet_cfg *f = obj;
  if (!vg_fleet_group_ok(v->value)) {
    ERR(c, v,
        "fleet_lock.group must match ^[a-zA-Z0-9.-]+$ (letters, digits, '.' "
        "and '-', at most 255), not '%.64s'",
        v->value);
    return;
  }
  snprintf(f->group, sizeof(f->group), "%s", v->value);
}

static void h_fleet_id(struct ctx *c, const struct node *v, void *obj) {
  struct vg_fleet_cfg *f = obj;
  /* "" keeps the default: this machine's DNS name. */
  if (v->value[0] != '\0' && !vg_fleet_id_ok(v->value)) {
    ERR(c, v,
        "fleet_lock.id must be printable text of at most %d bytes (or \"\" "
        "for this machine's DNS name)",
        VG_FLEET_MAX_ID);
    return;
  }
  snprintf(f->id, sizeof(f->id), "%s", v->value);
}

static void h_fleet_retry(struct ctx *c, const struct node *v, void *obj) {
  struct vg_fleet_cfg *f = obj;
  get_duration(c, v, "fleet_lock.retry", VG_FLEET_RETRY_MIN_S,
               VG_FLEET_RETRY_MAX_S, &f->retry_s);
}

static const struct field fleet_fields[] = {
    {"url", N_SCALAR, h_fleet_url, "a URL like http://airlock:3333/",
     "fleet_lock.url"},
    {"group", N_SCALAR, h_fleet_group, "a group name", "fleet_lock.group"},
    {"id", N_SCALAR, h_fleet_id, "a string", "fleet_lock.id"},
    {"retry", N_SCALAR, h_fleet_retry, "a duration like 1m",
     "fleet_lock.retry"},
};

static void h_fleet_lock(struct ctx *c, const struct node *v, void *obj) {
  const struct node *seen[NFIELDS(fleet_fields)];
  struct vg_fleet_cfg *f = vg_policy_fleet_mut(c->p);
  (void)obj;
  walk_map(c, v, fleet_fields, NFIELDS(fleet_fields), "fleet_lock", f, seen);
  if (seen[0] == NULL && !c->stop)
    ERR(c, v,
        "fleet_lock needs a 'url' (for example: url: "
        "\"http://airlock.corp.example:3333/\")");
  f->enabled = true;
}

/* -- gates, hooks and notify (vssguard/policy_gates.h) -- */

/* Copies a scalar of 1..max bytes into out; reports errors. */
static bool get_text(struct ctx *c, const struct node *v, const char *key,
                     size_t max, char *out, size_t outlen) {
  size_t n = strlen(v->value);
  if (n == 0) {
    ERR(c, v, "%s must not be empty", key);
    return false;
  }
  if (n > max || n >= outlen) {
    ERR(c, v, "%s is longer than %llu characters", key,
        (unsigned long long)max);
    return false;
  }
  memcpy(out, v->value, n + 1);
  return true;
}

static bool get_url(struct ctx *c, const struct node *v, const char *key,
                    char *out, size_t outlen) {
  if (!get_text(c, v, key, VG_URL_MAX, out, outlen))
    return false;
  if (vg_http_url_ok(v->value) != VG_OK) {
    ERR(c, v,
        "%s: '%.64s' is not an http:// or https:// URL with a host (like "
        "\"http://alertmanager.corp.example:9093/\")",
        key, v->value);
    out[0] = '\0';
    return false;
  }
  return true;
}

static const struct field command_fields[] = {
    {"path", N_SCALAR, NULL, "the absolute path of a program", NULL},
    {"args", N_SEQ, NULL, "a list of strings", NULL},
    {"timeout", N_SCALAR, NULL, "a duration like 60s", NULL},
};

/* A command mapping {path, args, timeout} at key `where`. */
static void get_command(struct ctx *c, const struct node *v, const char *where,
                        struct vg_command *cmd) {
  const struct node *s[NFIELDS(command_fields)];
  char key[64];
  size_t before = c->errors;
  walk_map(c, v, command_fields, NFIELDS(command_fields), where, NULL, s);
  if (c->errors != before)
    return;
  if (s[0] == NULL) {
    ERR(c, v, "%s is missing 'path' (the program to run, without a shell)",
        where);
    return;
  }
  snprintf(key, sizeof(key), "%s.path", where);
  if (!get_text(c, s[0], key, VG_CMD_PATH_MAX, cmd->path, sizeof(cmd->path)))
    return;
  if (vg_command_path_ok(cmd->path) != VG_OK) {
    ERR(c, s[0],
        "%s: '%.64s' is not an absolute path (like 'C:\\Scripts\\check.cmd'"
        " or /usr/local/bin/check); no PATH search is made",
        key, cmd->path);
    return;
  }
  if (s[1] != NULL) {
    if (s[1]->n > VG_CMD_MAX_ARGS) {
      ERR(c, s[1], "%s.args: too many arguments (%llu; at most %d)", where,
          (unsigned long long)s[1]->n, VG_CMD_MAX_ARGS);
      return;
    }
    for (size_t i = 0; i < s[1]->n; i++) {
      const struct node *a = s[1]->kids[i];
      if (a->bad)
        return;
      if (a->type != N_SCALAR) {
        ERR(c, a, "%s.args: an argument must be a string, not %s", where,
            type_name(a));
        return;
      }
      if (strlen(a->value) > VG_CMD_ARG_MAX) {
        ERR(c, a, "%s.args: an argument is longer than %d characters", where,
            VG_CMD_ARG_MAX);
        return;
      }
      snprintf(cmd->args[i], sizeof(cmd->args[i]), "%s", a->value);
    }
    cmd->nargs = s[1]->n;
  }
  if (s[2] != NULL) {
    snprintf(key, sizeof(key), "%s.timeout", where);
    if (!get_duration(c, s[2], key, 1, VG_CMD_TIMEOUT_MAX_S, &cmd->timeout_s))
      return;
  }
  cmd->set = true;
}

static const struct field sessions_fields[] = {
    {"wait", N_SCALAR, NULL, "a duration like 30m", NULL},
};

static void h_gate_sessions(struct ctx *c, const struct node *v, void *obj) {
  struct vg_gates *g = obj;
  const struct node *s[NFIELDS(sessions_fields)];
  if (v->type == N_MAP) {
    size_t before = c->errors;
    walk_map(c, v, sessions_fields, NFIELDS(sessions_fields),
             "gates.interactive_sessions", NULL, s);
    if (c->errors != before)
      return;
    if (s[0] != NULL &&
        !get_duration(c, s[0], "gates.interactive_sessions.wait", 0,
                      VG_SESSIONS_WAIT_MAX_S, &g->sessions_wait_s))
      return;
  }
  g->sessions = true;
}

static void h_gate_processes(struct ctx *c, const struct node *v, void *obj) {
  struct vg_gates *g = obj;
  if (v->n > VG_GATE_MAX_PROCESSES) {
    ERR(c, v, "gates.processes: too many names (%llu; at most %d)",
        (unsigned long long)v->n, VG_GATE_MAX_PROCESSES);
    return;
  }
  for (size_t i = 0; i < v->n; i++) {
    const struct node *it = v->kids[i];
    if (it->bad)
      return;
    if (it->type != N_SCALAR) {
      ERR(c, it,
          "gates.processes: a process must be a program name like "
          "\"robocopy.exe\", not %s",
          type_name(it));
      return;
    }
    if (!get_text(c, it, "gates.processes: a name", VG_PROCESS_NAME_MAX,
                  g->processes[i], sizeof(g->processes[i])))
      return;
    if (strpbrk(it->value, "/\\") != NULL) {
      ERR(c, it,
          "gates.processes: '%.64s' is a path; give the program's file name "
          "only (like \"robocopy.exe\")",
          it->value);
      return;
    }
  }
  g->nprocesses = v->n;
}

static const struct field am_gate_fields[] = {
    {"url", N_SCALAR, NULL, "an http:// or https:// URL", NULL},
    {"alert_filter_regexp", N_SCALAR, NULL, "a regular expression", NULL},
    {"match_only", N_SCALAR, NULL, "true or false", NULL},
    {"firing_only", N_SCALAR, NULL, "true or false", NULL},
    {"on_error", N_SCALAR, NULL, "block or allow", NULL},
};

static void h_gate_am(struct ctx *c, const struct node *v, void *obj) {
  struct vg_am_gate *am = &((struct vg_gates *)obj)->alertmanager;
  const struct node *s[NFIELDS(am_gate_fields)];
  size_t before = c->errors;
  walk_map(c, v, am_gate_fields, NFIELDS(am_gate_fields), "gates.alertmanager",
           NULL, s);
  if (c->errors != before)
    return;
  if (s[0] == NULL) {
    ERR(c, v, "gates.alertmanager is missing 'url'");
    return;
  }
  bool ok =
      get_url(c, s[0], "gates.alertmanager.url", am->url, sizeof(am->url));
  if (s[1] != NULL) {
    char err[160];
    vg_regex *re = NULL;
    int rc = vg_regex_compile(s[1]->value, &re, err, sizeof(err));
    vg_regex_free(re);
    if (rc == VG_ENOMEM) {
      c->nomem = c->stop = true;
      return;
    }
    if (rc != VG_OK) {
      ERR(c, s[1], "gates.alertmanager.alert_filter_regexp: %s", err);
      ok = false;
    } else if (strlen(s[1]->value) > VG_FILTER_MAX) {
      ERR(c, s[1],
          "gates.alertmanager.alert_filter_regexp is longer than %d "
          "characters",
          VG_FILTER_MAX);
      ok = false;
    } else {
      snprintf(am->filter, sizeof(am->filter), "%s", s[1]->value);
    }
  }
  if (s[2] != NULL &&
      !get_bool(c, s[2], "gates.alertmanager.match_only", &am->match_only))
    ok = false;
  if (s[3] != NULL &&
      !get_bool(c, s[3], "gates.alertmanager.firing_only", &am->firing_only))
    ok = false;
  if (s[4] != NULL) {
    if (strcmp(s[4]->value, "block") == 0) {
      am->block_on_error = true;
    } else if (strcmp(s[4]->value, "allow") == 0) {
      am->block_on_error = false;
    } else {
      ERR(c, s[4],
          "gates.alertmanager.on_error must be block or allow, not "
          "'%.32s'",
          s[4]->value);
      ok = false;
    }
  }
  if (ok && am->match_only && am->filter[0] == '\0') {
    ERR(c, s[2],
        "gates.alertmanager.match_only needs alert_filter_regexp (only "
        "alerts matching it would block)");
    ok = false;
  }
  am->set = ok;
}

static void h_gate_command(struct ctx *c, const struct node *v, void *obj) {
  get_command(c, v, "gates.command", &((struct vg_gates *)obj)->command);
}

static void h_gate_retry(struct ctx *c, const struct node *v, void *obj) {
  get_duration(c, v, "gates.retry", 1, VG_GATES_RETRY_MAX_S,
               &((struct vg_gates *)obj)->retry_s);
}

static const struct field gates_fields[] = {
    {"interactive_sessions", N_MAP | N_NULL, h_gate_sessions,
     "a mapping like { wait: 30m }", NULL},
    {"processes", N_SEQ, h_gate_processes,
     "a list of program names like [ \"robocopy.exe\" ]", NULL},
    {"alertmanager", N_MAP, h_gate_am, "a mapping with url and options", NULL},
    {"command", N_MAP, h_gate_command,
     "a mapping like { path: 'C:\\Scripts\\may-reboot.cmd', timeout: 60s }",
     NULL},
    {"retry", N_SCALAR, h_gate_retry, "a duration like 1m", NULL},
};

static void h_gates(struct ctx *c, const struct node *v, void *obj) {
  const struct node *seen[NFIELDS(gates_fields)];
  (void)obj;
  if (v->type == N_NULL)
    return;
  walk_map(c, v, gates_fields, NFIELDS(gates_fields), "gates",
           vg_policy_gates_mut(c->p), seen);
}

static void h_hook_pre(struct ctx *c, const struct node *v, void *obj) {
  get_command(c, v, "hooks.pre_reboot", &((struct vg_hooks *)obj)->pre_reboot);
}

static void h_hook_post(struct ctx *c, const struct node *v, void *obj) {
  get_command(c, v, "hooks.post_boot", &((struct vg_hooks *)obj)->post_boot);
}

static const struct field hooks_fields[] = {
    {"pre_reboot", N_MAP, h_hook_pre, "a mapping with path, args and timeout",
     NULL},
    {"post_boot", N_MAP, h_hook_post, "a mapping with path, args and timeout",
     NULL},
};

static void h_hooks(struct ctx *c, const struct node *v, void *obj) {
  const struct node *seen[NFIELDS(hooks_fields)];
  (void)obj;
  if (v->type == N_NULL)
    return;
  walk_map(c, v, hooks_fields, NFIELDS(hooks_fields), "hooks",
           vg_policy_hooks_mut(c->p), seen);
}

static const struct field notify_am_fields[] = {
    {"url", N_SCALAR, NULL, "an http:// or https:// URL", NULL},
    {"labels", N_MAP, NULL, "a mapping of label names to values", NULL},
    {"silence", N_SCALAR, NULL, "a duration like 30m (0 = no silence)", NULL},
};

static void h_notify_am(struct ctx *c, const struct node *v, void *obj) {
  struct vg_notify *n = obj;
  const struct node *s[NFIELDS(notify_am_fields)];
  size_t before = c->errors;
  walk_map(c, v, notify_am_fields, NFIELDS(notify_am_fields),
           "notify.alertmanager", NULL, s);
  if (c->errors != before)
    return;
  if (s[0] == NULL) {
    ERR(c, v, "notify.alertmanager is missing 'url'");
    return;
  }
  if (!get_url(c, s[0], "notify.alertmanager.url", n->url, sizeof(n->url)))
    return;
  if (s[1] != NULL) {
    const struct node *l = s[1];
    if (l->n / 2 > VG_NOTIFY_MAX_LABELS) {
      ERR(c, l, "notify.alertmanager.labels: too many labels (at most %d)",
          VG_NOTIFY_MAX_LABELS);
      return;
    }
    for (size_t i = 0; i + 1 < l->n; i += 2) {
      const struct node *k = l->kids[i], *val = l->kids[i + 1];
      if (k->bad || val->bad)
        return;
      if (k->type != N_SCALAR || vg_label_name_ok(k->value) != VG_OK ||
          strlen(k->value) > VG_LABEL_NAME_MAX) {
        ERR(c, k,
            "notify.alertmanager.labels: '%.64s' is not a label name "
            "(letters, digits and _, not starting with a digit, at most %d)",
            k->type == N_SCALAR ? k->value : "?", VG_LABEL_NAME_MAX);
        return;
      }
      if (strcmp(k->value, "instance") == 0 ||
          strcmp(k->value, "alertname") == 0) {
        ERR(c, k,
            "notify.alertmanager.labels: '%s' is set by the agent and cannot "
            "be configured",
            k->value);
        return;
      }
      for (size_t j = 0; j < i; j += 2)
        if (strcmp(l->kids[j]->value, k->value) == 0) {
          ERR(c, k, "notify.alertmanager.labels: duplicate label '%s'",
              k->value);
          return;
        }
      if (val->type != N_SCALAR || val->value[0] == '\0' ||
          strlen(val->value) > VG_LABEL_VALUE_MAX) {
        ERR(c, val,
            "notify.alertmanager.labels.%s must be a non-empty string of at "
            "most %d characters",
            k->value, VG_LABEL_VALUE_MAX);
        return;
      }
      size_t at = i / 2;
      snprintf(n->label_names[at], sizeof(n->label_names[at]), "%s", k->value);
      snprintf(n->label_values[at], sizeof(n->label_values[at]), "%s",
               val->value);
    }
    n->nlabels = l->n / 2;
  }
  if (s[2] != NULL && !get_duration(c, s[2], "notify.alertmanager.silence", 0,
                                    VG_SILENCE_MAX_S, &n->silence_s))
    return;
  n->set = true;
}

static const struct field notify_fields[] = {
    {"alertmanager", N_MAP, h_notify_am,
     "a mapping with url, labels and silence", NULL},
};

static void h_notify(struct ctx *c, const struct node *v, void *obj) {
  const struct node *seen[NFIELDS(notify_fields)];
  (void)obj;
  if (v->type == N_NULL)
    return;
  walk_map(c, v, notify_fields, NFIELDS(notify_fields), "notify",
           vg_policy_notify_mut(c->p), seen);
}

/* -- piggyback -- */

static void h_pb_wu(struct ctx *c, const struct node *v, void *obj) {
  struct vg_piggyback *pb = obj;
  get_bool(c, v, "piggyback.windows_update", &pb->windows_update);
}

static void h_pb_min(struct ctx *c, const struct node *v, void *obj) {
  struct vg_piggyback *pb = obj;
  int64_t x;
  if (get_int(c, v, "piggyback.min_count", 0, VG_THRESHOLD_MAX, &x))
    pb->min_count = (int)x;
}

static const struct field piggyback_fields[] = {
    {"windows_update", N_SCALAR, h_pb_wu, "true or false",
     "piggyback.windows_update"},
    {"min_count", N_SCALAR, h_pb_min, "a number from 0 to 63",
     "piggyback.min_count"},
};

static void h_piggyback(struct ctx *c, const struct node *v, void *obj) {
  const struct node *seen[NFIELDS(piggyback_fields)];
  (void)obj;
  if (v->type == N_NULL)
    return;
  walk_map(c, v, piggyback_fields, NFIELDS(piggyback_fields), "piggyback",
           vg_policy_piggyback_mut(c->p), seen);
}

/* The top level. timezone is handled first: blackouts depend on it. */
static const struct field top_fields[] = {
    {"threshold", N_SCALAR, h_threshold, "a number from 1 to 63", "threshold"},
    {"timezone", N_SCALAR, NULL, "local, UTC, +HH:MM or -HH:MM", "timezone"},
    {"count_failed_backups", N_SCALAR, h_count_failed, "true or false",
     "count_failed_backups"},
    {"maintenance_windows", N_SEQ, h_windows, "a list of windows",
     "maintenance_windows"},
    {"blackouts", N_SEQ | N_NULL, h_blackouts, "a list of blackouts",
     "blackouts"},
    {"reboot", N_MAP | N_NULL, h_reboot, "a mapping of reboot settings", NULL},
    {"dry_run", N_SCALAR, h_dry_run, "true or false", "dry_run"},
    {"metrics_file", N_SCALAR | N_NULL, h_metrics_file, "a file path",
     "metrics_file"},
    {"fleet_lock", N_MAP, h_fleet_lock, "a mapping with url, group, id, retry",
     NULL},
    {"gates", N_MAP | N_NULL, h_gates, "a mapping of gates", NULL},
    {"hooks", N_MAP | N_NULL, h_hooks, "a mapping of hooks", NULL},
    {"notify", N_MAP | N_NULL, h_notify, "a mapping of notifications", NULL},
    {"piggyback", N_MAP | N_NULL, h_piggyback,
     "a mapping with windows_update and min_count", NULL},
};

/* Applies the timezone key, if present and well-formed, before the rest. */
static void pre_timezone(struct ctx *c, const struct node *root) {
  for (size_t i = 0; i + 1 < root->n; i += 2) {
    const struct node *k = root->kids[i], *v = root->kids[i + 1];
    if (k->type == N_SCALAR && strcmp(k->value, "timezone") == 0 &&
        v->type == N_SCALAR) {
      h_timezone(c, v, NULL);
      return;
    }
  }
}

static void load_root(struct ctx *c, const struct node *root) {
  const struct node *seen[NFIELDS(top_fields)];
  if (root->type != N_MAP) {
    ERR(c, root,
        "the policy must be a mapping of keys (like 'threshold: 56'), not %s",
        type_name(root));
    return;
  }
  pre_timezone(c, root);
  walk_map(c, root, top_fields, NFIELDS(top_fields), "the policy", NULL, seen);
  if (seen[3] == NULL && !c->stop)
    ERR(c, root,
        "missing required key 'maintenance_windows' (for example: "
        "maintenance_windows: [\"sun 02:00 3h\"])");
}

/* ---- Entry points ---- */

/*
 * Orders the diagnostics from index first on by position (stable), so that
 * problems found while building the tree (aliases) and while walking the
 * schema read top to bottom.
 */
static void sort_diags(vg_diags *d, size_t first) {
  for (size_t i = first + 1; i < d->n; i++) {
    struct vg_diag tmp = d->items[i];
    size_t j = i;
    while (j > first && (d->items[j - 1].line > tmp.line ||
                         (d->items[j - 1].line == tmp.line &&
                          d->items[j - 1].col > tmp.col))) {
      d->items[j] = d->items[j - 1];
      j--;
    }
    d->items[j] = tmp;
  }
}

int vg_policy_load_string(const char *name, const char *buf, size_t len,
                          vg_policy **out, vg_diags *d) {
  struct ctx c;
  memset(&c, 0, sizeof(c));
  c.name = name ? name : "policy";
  c.d = d;
  c.buf = buf;
  c.len = len;
  c.anchor_diag = c.alias_diag = SIZE_MAX;
  *out = NULL;
  size_t first = d->n;
  if (len > POLICY_MAX_BYTES) {
    vg_diags_add(d, c.name, 0, 0,
                 "policy is larger than 1 MiB (%llu bytes); is this the "
                 "right file?",
                 (unsigned long long)len);
    return VG_EINVAL;
  }
  if (buf == NULL && len > 0)
    return VG_EINVAL;
  c.p = vg_policy_new();
  if (c.p == NULL)
    return VG_ENOMEM;
  if (check_tabs(&c)) {
    vg_policy_free(c.p);
    return c.nomem ? VG_ENOMEM : VG_EINVAL;
  }
  if (!yaml_parser_initialize(&c.parser)) {
    vg_policy_free(c.p);
    return VG_ENOMEM;
  }
  yaml_parser_set_input_string(&c.parser,
                               (const unsigned char *)(buf ? buf : ""), len);
  struct node *root = parse_tree(&c);
  yaml_parser_delete(&c.parser);
  if (root != NULL) {
    load_root(&c, root);
    node_free(root);
  }
  if (c.errors == 0 && !c.nomem && vg_policy_validate(c.p, c.name, d) != VG_OK)
    c.errors++;
  note_repeats(&c);
  if (!c.stop)
    sort_diags(d, first);
  if (c.nomem || c.errors > 0) {
    vg_policy_free(c.p);
    if (c.nomem)
      return VG_ENOMEM;
    return VG_EINVAL;
  }
  *out = c.p;
  return VG_OK;
}

int vg_policy_load_file(const char *path, vg_policy **out, vg_diags *d) {
  struct vg_plat_stat st;
  FILE *f;
  char *buf;
  size_t len = 0;
  *out = NULL;
  int sr = vg_plat_stat(path, &st);
  if (sr != 0) {
    int e = errno;
    vg_diags_add(d, path, 0, 0, "cannot read the policy: %s", strerror(e));
    return sr;
  }
  if (st.is_dir) {
    vg_diags_add(d, path, 0, 0, "is a directory, not a policy file");
    return VG_EIO;
  }
  if (st.size > POLICY_MAX_BYTES) {
    vg_diags_add(d, path, 0, 0,
                 "policy is larger than 1 MiB (%lld bytes); is this the "
                 "right file?",
                 (long long)st.size);
    return VG_EINVAL;
  }
  f = vg_plat_fopen(path, "rb");
  if (f == NULL) {
    int e = errno;
    vg_diags_add(d, path, 0, 0, "cannot read the policy: %s", strerror(e));
    return e == ENOENT ? VG_ENOENT : VG_EIO;
  }
  /* Read at most one byte past the limit: the file may have grown. */
  buf = malloc(POLICY_MAX_BYTES + 1);
  if (buf == NULL) {
    fclose(f);
    return VG_ENOMEM;
  }
  len = fread(buf, 1, POLICY_MAX_BYTES + 1, f);
  if (ferror(f)) {
    int e = errno;
    vg_diags_add(d, path, 0, 0, "cannot read the policy: %s", strerror(e));
    free(buf);
    fclose(f);
    return VG_EIO;
  }
  fclose(f);
  int rc = vg_policy_load_string(path, buf, len, out, d);
  free(buf);
  return rc;
}
