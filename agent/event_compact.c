/*
 * The compaction of an event before expat reads it (see event_compact.h).
 * The event is read tag by tag, as XML reads it, and what the event parser
 * (agent/event.c) never reads is cut:
 *  - attributes, on the Event element and down to the children of its
 *    children, except the three the parser reads: Provider/@Name and
 *    TimeCreated/@SystemTime in System, Data/@Name in EventData;
 *  - children of System other than Provider, EventID, Level, TimeCreated,
 *    EventRecordID and Channel (Version, Task, Computer, Execution, ...);
 *  - children of EventData other than Data (Binary), and named Data whose
 *    name is not asked for, when the event has at most VG_EVENT_MAX_FIELDS
 *    named Data (the parser keeps the first that many, so cutting more
 *    would change which it keeps);
 *  - every child of another section (RenderingInfo, UserData).
 * An attribute is cut only when its value is plain (printable ASCII, no
 * reference) and the names of its element's attributes are distinct; an
 * element only when it stands alone: such attributes, plain text without
 * "]]>" and no child, an end tag that matches, and a '<' or white space
 * after it (so the text around it cannot join into "]]>" or a reference).
 * Cut so, a well-formed event stays well-formed, a malformed one stays
 * malformed, and the parser reads the same things. The reading stops,
 * keeping what it cut so far, at anything it does not read for sure: a
 * comment, a CDATA section, a processing instruction, a non-ASCII name.
 * What it keeps that is malformed (a '<' in a value, an end tag that does
 * not match) stays as it was, so the event stays malformed.
 */
#include <stdbool.h>
#include <string.h>

#include "event_compact.h"
#include "vssguard/event.h"

/* Attributes read per tag, and cuts per event, beyond which it stops. */
#define MAX_ATTRS 8
#define MAX_CUTS 64

struct attr {
  const char *name, *val;
  size_t nlen, vlen;
  const char *from, *to; /* the attribute and the white space before it */
};

enum tag_kind { TAG_START, TAG_EMPTY, TAG_END };

struct tag {
  enum tag_kind kind;
  const char *name;
  size_t nlen;
  struct attr a[MAX_ATTRS];
  size_t na;
  bool distinct;   /* no attribute name given twice */
  const char *end; /* just after the tag's '>' */
};

/* Classes of bytes, one bit each. */
enum {
  B_WS = 1,    /* white space */
  B_START = 2, /* may start a name: ASCII letter, '_', ':' */
  B_NAME = 4,  /* may follow in a name: also digits, '-', '.' */
  B_PLAIN = 8, /* printable ASCII, neither '<' nor '&' */
  B_TEXT = 16  /* plain and not '>' (text that needs no look back) */
};

/* The classes of each byte value (ASCII; the other bytes have none). */
/* clang-format off */
static const unsigned char cls[256] = {
     0,  0,  0,  0,  0,  0,  0,  0,  0,  1,  1,  0,  0,  1,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
    25, 24, 24, 24, 24, 24,  0, 24, 24, 24, 24, 24, 24, 28, 28, 24,
    28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 30, 24,  0, 24,  8, 24,
    24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 24, 24, 24, 24, 30,
    24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 24, 24, 24, 24,  0,
    /* 0x80 to 0xff: none */
};
/* clang-format on */

static bool has(char c, unsigned bits) {
  return (cls[(unsigned char)c] & bits) != 0;
}

static bool ws(char c) {
  return has(c, B_WS);
}

/*
 * The loops below need no bound where the byte that stops them cannot
 * be the last of the event: its last byte is the '>' of "</Event>" and
 * stops every one of them.
 */

/* The end of the ASCII name at s (s < e), or NULL when none starts there. */
static const char *name_end(const char *s) {
  if (!has(*s, B_START))
    return NULL;
  for (s++; has(*s, B_NAME); s++)
    ;
  return s;
}

/* The first byte at or after s (s < e) that is not white space. */
static const char *skip_ws(const char *s) {
  while (has(*s, B_WS))
    s++;
  return s;
}

/* True when the n bytes at s are plain. */
static bool all_plain(const char *s, size_t n) {
  unsigned all = B_PLAIN;
  for (size_t i = 0; i < n; i++)
    all &= cls[(unsigned char)s[i]];
  return all != 0;
}

/* True when the n bytes at s are the string literal lit. */
#define IS(s, n, lit) ((n) == sizeof(lit) - 1 && memcmp(s, lit, (n)) == 0)

/* True when the n bytes at s are the string str. */
static bool same(const char *s, size_t n, const char *str) {
  return strlen(str) == n && memcmp(s, str, n) == 0;
}

/* Reads the value of an attribute from its opening quote at s; returns
 * its closing quote or NULL. A '<' in it makes the event malformed
 * whatever is cut elsewhere; the value is not plain and stays. */
static const char *read_value(const char *s, const char *e, struct attr *a) {
  a->val = s + 1;
  s = memchr(a->val, *s, (size_t)(e - a->val));
  if (s == NULL)
    return NULL;
  a->vlen = (size_t)(s - a->val);
  return s;
}

/* Reads the tag at q (its '<', before the last byte) into t. False when
 * it is not a start, empty or end tag of ASCII names in a form read for
 * sure. */
static bool read_tag(const char *q, const char *e, struct tag *t) {
  const char *s = q + 1;
  t->na = 0;
  t->distinct = true;
  if (*s == '/') {
    /* Its first '>' ends an end tag. Nothing of it is cut: when it is
     * malformed, it still is once the rest is cut. */
    t->kind = TAG_END;
    while (*s != '>')
      s++;
    t->end = s + 1;
    return true;
  }
  t->name = s;
  if ((s = name_end(s)) == NULL)
    return false;
  t->nlen = (size_t)(s - t->name);
  for (;;) {
    const char *w = s;
    s = skip_ws(s);
    if (*s == '>' || *s == '/') {
      if (*s == '/' && s[1] != '>')
        return false;
      t->kind = *s == '>' ? TAG_START : TAG_EMPTY;
      t->end = s + (*s == '>' ? 1 : 2);
      return true;
    }
    if (s == w || t->na == MAX_ATTRS)
      return false;
    struct attr *a = &t->a[t->na++];
    a->from = w;
    a->name = s;
    if ((s = name_end(s)) == NULL)
      return false;
    a->nlen = (size_t)(s - a->name);
    s = skip_ws(s);
    if (*s != '=')
      return false;
    s = skip_ws(s + 1);
    if ((*s != '\'' && *s != '"') || (s = read_value(s, e, a)) == NULL)
      return false;
    a->to = ++s;
    for (size_t k = 0; k + 1 < t->na; k++)
      if (t->a[k].nlen == a->nlen &&
          memcmp(t->a[k].name, a->name, a->nlen) == 0)
        t->distinct = false;
  }
}

/* The attribute Name of tag t, or NULL. */
static const struct attr *name_attr(const struct tag *t) {
  for (size_t i = 0; i < t->na; i++)
    if (IS(t->a[i].name, t->a[i].nlen, "Name"))
      return &t->a[i];
  return NULL;
}

/* The end of the element that the start or empty tag t opens when it
 * stands alone (see the top of the file), or NULL. */
static const char *alone(const struct tag *t, const char *e) {
  if (!t->distinct)
    return NULL;
  for (size_t i = 0; i < t->na; i++)
    if (!all_plain(t->a[i].val, t->a[i].vlen))
      return NULL;
  const char *s = t->end;
  if (t->kind == TAG_START) {
    if (s >= e)
      return NULL;
    for (;; s++) {
      while (has(*s, B_TEXT))
        s++;
      if (*s == '<')
        break;
      if (*s != '>' || (s - t->end >= 2 && s[-1] == ']' && s[-2] == ']') ||
          s + 1 >= e)
        return NULL;
    }
    if ((size_t)(e - s) < t->nlen + 3 || s[1] != '/' ||
        memcmp(s + 2, t->name, t->nlen) != 0 || s[2 + t->nlen] != '>')
      return NULL;
    s += t->nlen + 3;
  }
  if (s >= e || (*s != '<' && !ws(*s)))
    return NULL;
  return s;
}

/* True when the parser reads the element of tag t, a child of a section
 * (1 System, 2 EventData, 3 another); name is its Name attribute. */
static bool reads_element(int section, const struct tag *t,
                          const struct attr *name, const char *const *fields,
                          size_t nfields) {
  const char *n = t->name;
  size_t nl = t->nlen;
  if (section == 1)
    return IS(n, nl, "Provider") || IS(n, nl, "EventID") ||
           IS(n, nl, "Level") || IS(n, nl, "TimeCreated") ||
           IS(n, nl, "EventRecordID") || IS(n, nl, "Channel");
  if (section != 2 || !IS(t->name, t->nlen, "Data"))
    return false;
  if (name == NULL || fields == NULL || !all_plain(name->val, name->vlen))
    return true;
  for (size_t i = 0; i < nfields; i++)
    if (same(name->val, name->vlen, fields[i]))
      return true;
  return false;
}

/* True when the parser reads attribute a of tag t at depth level (the
 * Event element is 1) in section. */
static bool reads_attr(int level, int section, const struct tag *t,
                       const struct attr *a) {
  if (level != 3)
    return false;
  if (section == 1)
    return (IS(t->name, t->nlen, "Provider") && IS(a->name, a->nlen, "Name")) ||
           (IS(t->name, t->nlen, "TimeCreated") &&
            IS(a->name, a->nlen, "SystemTime"));
  return section == 2 && IS(t->name, t->nlen, "Data") &&
         IS(a->name, a->nlen, "Name");
}

size_t vg_event_compact(const char *xml, size_t len, const char *const *fields,
                        size_t nfields, char *out) {
  const char *s = xml, *e = xml + len;
  if (len < 2 || e[-1] != '>')
    return 0; /* not a framed event: the loops need that last '>' */
  const char *from[MAX_CUTS], *to[MAX_CUTS];
  bool data[MAX_CUTS]; /* a named Data element */
  size_t ncuts = 0, named = 0;
  int level = 0, section = 0;
  bool done = false;
  struct tag t;
  while (ncuts + MAX_ATTRS < MAX_CUTS) {
    const char *q = s < e && *s == '<' ? s : memchr(s, '<', (size_t)(e - s));
    if (q == NULL || !read_tag(q, e, &t))
      break;
    s = t.end;
    if (t.kind == TAG_END) {
      if (--level <= 0) {
        done = level == 0;
        break;
      }
      continue;
    }
    int lv = level + 1;
    if (lv == 2)
      section = IS(t.name, t.nlen, "System")      ? 1
                : IS(t.name, t.nlen, "EventData") ? 2
                                                  : 3;
    const struct attr *name = NULL;
    if (lv == 3 && section == 2 && IS(t.name, t.nlen, "Data") &&
        (name = name_attr(&t)) != NULL)
      named++;
    if (lv == 3 && !reads_element(section, &t, name, fields, nfields)) {
      const char *end = alone(&t, e);
      if (end != NULL) {
        from[ncuts] = q;
        to[ncuts] = end;
        data[ncuts++] = name != NULL;
        s = end;
        continue;
      }
    }
    for (size_t i = 0; lv <= 3 && t.distinct && i < t.na; i++)
      if (!reads_attr(lv, section, &t, &t.a[i]) &&
          all_plain(t.a[i].val, t.a[i].vlen)) {
        from[ncuts] = t.a[i].from;
        to[ncuts] = t.a[i].to;
        data[ncuts++] = false;
      }
    if (t.kind == TAG_START)
      level++;
  }
  /* Named Data are cut only when every one was seen and they are few
   * enough that the parser keeps them all. */
  bool keep_data = !done || named > VG_EVENT_MAX_FIELDS;
  const char *copied = xml;
  size_t n = 0;
  for (size_t i = 0; i < ncuts; i++) {
    if (data[i] && keep_data)
      continue;
    memcpy(out + n, copied, (size_t)(from[i] - copied));
    n += (size_t)(from[i] - copied);
    copied = to[i];
  }
  if (copied == xml)
    return 0;
  memcpy(out + n, copied, (size_t)(e - copied));
  return n + (size_t)(e - copied);
}
