/*
 * The event parser: turns wevtutil "qe /f:xml" output, a growing file of it,
 * or one event rendered by EvtRender into normalized event records.
 *
 * Two layers. The framing layer scans the byte stream for "<Event" followed
 * by whitespace or ">" and the next "</Event>" (events do not nest and
 * wevtutil writes no CDATA), skipping whatever lies between events: an XML
 * declaration, an <Events> root, comments, garbage. Each framed event is then
 * parsed by one reused expat parser. A frame that grows past
 * VG_EVENT_MAX_BYTES, one cut short by the start of the next event, and one
 * that expat rejects are skipped with a log line and counted; the framing
 * then resynchronizes on the next event.
 *
 * The stream is UTF-8, or UTF-16LE when it starts with that byte order mark
 * (PowerShell's ">" writes wevtutil's output so); UTF-16 is converted to
 * UTF-8 on the way in, and byte offsets in messages then count the
 * converted bytes.
 *
 * With the pre-scan on (replay), events that cannot matter are passed over
 * unparsed and the others are compacted first (event_compact.h), and a
 * file (vg_evparser_parse_file) is read on two threads: see "A file read
 * on two threads" below.
 *
 * A DOCTYPE or entity declaration stops the parse (the event is malformed);
 * expat's protection against entity expansion stays on.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>
#include <uv.h>
#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#endif

#include "event_compact.h"
#include "vssguard/event.h"
#include "vssguard/platform.h"
#include "vssguard/zone.h"
#include "vssguard/log.h"

/* Longest named Data value, and longest joined unnamed Data text. */
#define VALUE_MAX (64 * 1024)
/* Input is framed in pieces of this size, which bounds the buffer. */
#define FEED_PIECE (64 * 1024)
/* Deepest element nesting followed inside an event. */
#define DEPTH_MAX 64

/* Growable byte buffer with a hard limit. */
struct gbuf {
  char *p;
  size_t len, cap;
};

/* Makes room for n more bytes and a NUL. */
static int gbuf_room(struct gbuf *b, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 1024;
    while (b->len + n + 1 > cap)
      cap *= 2;
    char *p = realloc(b->p, cap);
    if (p == NULL)
      return VG_ENOMEM;
    b->p = p;
    b->cap = cap;
  }
  return VG_OK;
}

static int gbuf_add(struct gbuf *b, const char *s, size_t n) {
  if (gbuf_room(b, n) != VG_OK)
    return VG_ENOMEM;
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
  return VG_OK;
}

/* What the character data of the current element is collected for. */
enum collect {
  C_NONE = 0,
  C_EVENTID,
  C_LEVEL,
  C_RECORD,
  C_CHANNEL,
  C_COMPUTER, /* System/Computer: kept for reports, never malformed */
  C_NAMED,    /* <Data Name='...'> */
  C_TEXT      /* unnamed <Data> */
};

enum mode { M_SEEK, M_COMMENT, M_FRAME, M_DISCARD };

struct vg_evparser {
  vg_event_cb cb;
  void *ud;
  XML_Parser xp;
  /* Hash salt drawn once: without it expat asks the OS for fresh entropy
   * after every reset, i.e. once per event. */
  unsigned long salt;
  const char *name; /* file name for messages, or NULL */

  /* Framing. */
  struct gbuf in; /* bytes not yet consumed */
  uint64_t base;  /* stream offset of in.p[0] */
  enum mode mode;
  size_t pos;   /* M_SEEK/M_COMMENT/M_DISCARD: scan position */
  size_t frame; /* M_FRAME: start of the frame */
  size_t scan;  /* M_FRAME: where the search for its end goes on */
  uint64_t skipped;
  bool prescan;      /* pass over events that cannot matter */
  uint64_t passed;   /* events the pre-scan passed over */
  struct pipe *pipe; /* a file read on two threads, or NULL */

  /* Input encoding, decided by the first bytes of the stream: UTF-8, or
   * UTF-16LE after a byte order mark (what PowerShell's ">" writes). */
  enum { ENC_UNKNOWN, ENC_UTF8, ENC_UTF16LE } enc;
  unsigned char carry[4]; /* UTF-16: bytes of an incomplete unit or pair */
  size_t ncarry;
  struct gbuf conv;          /* UTF-16 input converted to UTF-8 */
  struct gbuf trim;          /* a kept event compacted (event_compact.h) */
  const char *const *fields; /* the named Data given, or NULL: all */
  size_t nfields;

  /* Events are parsed as the children of one open document (a synthetic
   * root), so expat keeps its tables from one event to the next: reset per
   * event, it spent a third of the time rebuilding them. An error ends the
   * document; so does every RESET_EVERY-th event, which bounds what the
   * tables can hold. */
  bool open;                 /* the document is open */
  bool opening;              /* its root is being fed */
  bool closed;               /* the event's end tag was seen */
  unsigned in_doc;           /* events parsed in the document */
  unsigned long line0, col0; /* parser position before its first event */

  /* The event being parsed. */
  struct vg_event ev;
  int depth;
  int section;       /* 1 = System, 2 = EventData, 3 = other */
  enum collect coll; /* at depth coll_depth */
  int coll_depth;
  unsigned seen; /* bit per System item seen */
  size_t field_off[VG_EVENT_MAX_FIELDS];
  size_t nnamed;      /* named Data that took one of the places so far */
  bool field_skip;    /* the current named Data is not kept */
  size_t value_start; /* offset in vals of the value being collected */
  struct gbuf vals;   /* named values and System scalars */
  struct gbuf text;   /* unnamed Data joined by '\n' */
  int ntext;          /* unnamed Data items so far */
  char error[200];    /* why the event is malformed */
};

enum {
  SEEN_PROVIDER = 1,
  SEEN_EVENTID = 2,
  SEEN_LEVEL = 4,
  SEEN_RECORD = 8,
  SEEN_CHANNEL = 16,
  SEEN_TIME = 32
};

const char *vg_event_field(const struct vg_event *ev, const char *name) {
  for (size_t i = 0; i < ev->nfields; i++)
    if (strcmp(ev->fields[i].name, name) == 0)
      return ev->fields[i].value;
  return NULL;
}

/* Time. */

/* Reads exactly n digits. */
static bool digits(const char **s, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    char c = (*s)[i];
    if (c < '0' || c > '9')
      return false;
    v = v * 10 + (c - '0');
  }
  *s += n;
  *out = v;
  return true;
}

int vg_event_parse_time(const char *s, vg_wall_t *out) {
  return vg_event_parse_time_frac(s, out, NULL);
}

int vg_event_parse_time_frac(const char *s, vg_wall_t *out, uint32_t *frac) {
  int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
  uint32_t f = 0;
  if (s == NULL || !digits(&s, 4, &y) || *s++ != '-' || !digits(&s, 2, &mo) ||
      *s++ != '-' || !digits(&s, 2, &d))
    return VG_EINVAL;
  if (*s != 'T' && *s != 't' && *s != ' ')
    return VG_EINVAL;
  s++;
  if (!digits(&s, 2, &h) || *s++ != ':' || !digits(&s, 2, &mi) || *s++ != ':' ||
      !digits(&s, 2, &sec))
    return VG_EINVAL;
  if (*s == '.') {
    s++;
    if (*s < '0' || *s > '9')
      return VG_EINVAL;
    int n = 0;
    for (; *s >= '0' && *s <= '9'; s++, n++)
      if (n < 7)
        f = f * 10 + (uint32_t)(*s - '0');
    for (; n < 7; n++)
      f *= 10;
  }
  if (*s == 'Z' || *s == 'z') {
    s++;
  } else if (*s == '+' || *s == '-') {
    sign = *s++ == '+' ? 1 : -1;
    if (!digits(&s, 2, &oh) || *s++ != ':' || !digits(&s, 2, &om) || oh > 23 ||
        om > 59)
      return VG_EINVAL;
  } else {
    return VG_EINVAL;
  }
  if (*s != '\0')
    return VG_EINVAL;
  /* Before 1970 no event of the servers this reads can be dated; the state
   * file stores times as seconds since 1970. */
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > vg_days_in_month(y, mo) ||
      h > 23 || mi > 59 || sec > 60)
    return VG_EINVAL;
  if (sec == 60) /* a leap second counts as the last second of the minute */
    sec = 59;
  int64_t t = vg_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
  t -= sign * (oh * 3600 + om * 60);
  *out = (vg_wall_t)t;
  if (frac != NULL)
    *frac = f;
  return VG_OK;
}

/* expat handlers. */

/* Records why the event is malformed (the first reason wins) and stops. */
VG_PRINTF(2, 3)
static void fail(vg_evparser *p, const char *fmt, ...) {
  if (p->error[0] == '\0') {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->error, sizeof(p->error), fmt, ap);
    va_end(ap);
  }
  XML_StopParser(p->xp, XML_FALSE);
}

static const char *attr(const XML_Char **atts, const char *name) {
  for (size_t i = 0; atts[i] != NULL; i += 2)
    if (strcmp(atts[i], name) == 0)
      return atts[i + 1];
  return NULL;
}

static bool once(vg_evparser *p, unsigned bit, const char *what) {
  if (p->seen & bit) {
    fail(p, "%s given twice", what);
    return false;
  }
  p->seen |= bit;
  return true;
}

/* True when the named Data field name is given to the callback. */
static bool wanted(const vg_evparser *p, const char *name) {
  if (p->fields == NULL)
    return true;
  for (size_t i = 0; i < p->nfields; i++)
    if (strcmp(p->fields[i], name) == 0)
      return true;
  return false;
}

static void begin_collect(vg_evparser *p, enum collect c) {
  p->coll = c;
  p->coll_depth = p->depth;
  p->value_start = p->vals.len;
}

/* The children of System the parser reads. */
enum sys_item {
  S_OTHER,
  S_PROVIDER,
  S_TIME,
  S_EVENTID,
  S_LEVEL,
  S_RECORD,
  S_CHANNEL,
  S_COMPUTER
};

/* Which child of System name is: its first letter picks the one or two
 * names to compare (on_start runs for every element of every event). */
static enum sys_item system_item(const char *n) {
  switch (n[0]) {
  case 'P': return strcmp(n, "Provider") == 0 ? S_PROVIDER : S_OTHER;
  case 'T': return strcmp(n, "TimeCreated") == 0 ? S_TIME : S_OTHER;
  case 'E':
    return strcmp(n, "EventID") == 0         ? S_EVENTID
           : strcmp(n, "EventRecordID") == 0 ? S_RECORD
                                             : S_OTHER;
  case 'L': return strcmp(n, "Level") == 0 ? S_LEVEL : S_OTHER;
  case 'C':
    return strcmp(n, "Channel") == 0    ? S_CHANNEL
           : strcmp(n, "Computer") == 0 ? S_COMPUTER
                                        : S_OTHER;
  default: return S_OTHER;
  }
}

static void on_start(void *ud, const XML_Char *name, const XML_Char **atts) {
  vg_evparser *p = ud;
  if (p->opening)
    return; /* the synthetic root */
  p->depth++;
  if (p->depth > DEPTH_MAX) {
    fail(p, "elements nested too deeply");
    return;
  }
  if (p->depth == 1) {
    if (strcmp(name, "Event") != 0)
      fail(p, "root element is <%.60s>, not <Event>", name);
    return;
  }
  if (p->depth == 2) {
    p->section = strcmp(name, "System") == 0      ? 1
                 : strcmp(name, "EventData") == 0 ? 2
                                                  : 3;
    return;
  }
  if (p->depth != 3 || p->coll != C_NONE)
    return;
  if (p->section == 1) {
    enum sys_item it = system_item(name);
    if (it == S_PROVIDER) {
      const char *v = attr(atts, "Name");
      if (!once(p, SEEN_PROVIDER, "Provider"))
        return;
      if (v != NULL && strlen(v) >= sizeof(p->ev.provider))
        fail(p, "Provider Name longer than 127 bytes");
      else if (v != NULL)
        memcpy(p->ev.provider, v, strlen(v) + 1);
    } else if (it == S_TIME) {
      const char *v = attr(atts, "SystemTime");
      if (!once(p, SEEN_TIME, "TimeCreated"))
        return;
      if (v == NULL ||
          vg_event_parse_time_frac(v, &p->ev.time, &p->ev.time_100ns) != VG_OK)
        fail(p, "bad TimeCreated SystemTime \"%.40s\"", v ? v : "(none)");
    } else if (it == S_EVENTID) {
      if (once(p, SEEN_EVENTID, "EventID"))
        begin_collect(p, C_EVENTID);
    } else if (it == S_LEVEL) {
      if (once(p, SEEN_LEVEL, "Level"))
        begin_collect(p, C_LEVEL);
    } else if (it == S_RECORD) {
      if (once(p, SEEN_RECORD, "EventRecordID"))
        begin_collect(p, C_RECORD);
    } else if (it == S_CHANNEL) {
      if (once(p, SEEN_CHANNEL, "Channel"))
        begin_collect(p, C_CHANNEL);
    } else if (it == S_COMPUTER) {
      if (p->ev.computer[0] == '\0')
        begin_collect(p, C_COMPUTER);
    }
  } else if (p->section == 2 && strcmp(name, "Data") == 0) {
    const char *n = attr(atts, "Name");
    if (n == NULL) {
      if (p->ntext++ > 0 && gbuf_add(&p->text, "\n", 1) != VG_OK) {
        fail(p, "out of memory");
        return;
      }
      begin_collect(p, C_TEXT);
    } else {
      /* Fields beyond the limit or with overlong names are not kept, nor
       * those not asked for (which still take their place). */
      size_t nl = strlen(n);
      p->field_skip = p->nnamed == VG_EVENT_MAX_FIELDS ||
                      nl >= sizeof(p->ev.fields[0].name);
      if (!p->field_skip) {
        p->nnamed++;
        p->field_skip = !wanted(p, n);
      }
      if (!p->field_skip)
        memcpy(p->ev.fields[p->ev.nfields].name, n, nl + 1);
      begin_collect(p, C_NAMED);
    }
  }
}

/* Parses a decimal number with optional surrounding whitespace. */
static bool parse_uint(const char *s, uint64_t max, uint64_t *out) {
  uint64_t v = 0;
  while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
    s++;
  if (*s < '0' || *s > '9')
    return false;
  for (; *s >= '0' && *s <= '9'; s++) {
    unsigned d = (unsigned)(*s - '0');
    if (v > (max - d) / 10)
      return false;
    v = v * 10 + d;
  }
  while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
    s++;
  if (*s != '\0')
    return false;
  *out = v;
  return true;
}

static void on_end(void *ud, const XML_Char *name) {
  vg_evparser *p = ud;
  (void)name;
  if (p->coll != C_NONE && p->depth == p->coll_depth) {
    const char *v = p->vals.p ? p->vals.p + p->value_start : "";
    uint64_t n;
    size_t len;
    switch (p->coll) {
    case C_EVENTID:
      if (!parse_uint(v, UINT32_MAX, &n))
        fail(p, "EventID \"%.40s\" is not a number", v);
      p->ev.event_id = (uint32_t)n;
      break;
    case C_LEVEL:
      if (!parse_uint(v, 255, &n))
        fail(p, "Level \"%.40s\" is not a number from 0 to 255", v);
      p->ev.level = (int)n;
      break;
    case C_RECORD:
      if (!parse_uint(v, UINT64_MAX, &n))
        fail(p, "EventRecordID \"%.40s\" is not a number", v);
      p->ev.record_id = n;
      break;
    case C_CHANNEL:
      len = strlen(v);
      if (len >= sizeof(p->ev.channel))
        fail(p, "Channel longer than 127 bytes");
      else
        memcpy(p->ev.channel, v, len + 1);
      break;
    case C_COMPUTER:
      /* Only reports show it: an overlong name is left out, not an error. */
      len = strlen(v);
      if (len < sizeof(p->ev.computer))
        memcpy(p->ev.computer, v, len + 1);
      break;
    case C_NAMED:
      if (!p->field_skip) {
        p->field_off[p->ev.nfields++] = p->value_start;
        /* Keep the value: a NUL after it, collected by the character
         * handler's gbuf_add. */
        if (gbuf_add(&p->vals, "", 1) != VG_OK)
          fail(p, "out of memory");
      }
      break;
    default: break;
    }
    if (p->coll != C_NAMED || p->field_skip) {
      p->vals.len = p->value_start;
      p->vals.p[p->vals.len] = '\0';
    }
    p->coll = C_NONE;
  }
  if (--p->depth == 0)
    p->closed = true;
}

static void on_chars(void *ud, const XML_Char *s, int len) {
  vg_evparser *p = ud;
  if (p->coll == C_NONE || p->depth != p->coll_depth)
    return;
  if (p->coll == C_NAMED && p->field_skip)
    return;
  struct gbuf *b = p->coll == C_TEXT ? &p->text : &p->vals;
  size_t have = p->coll == C_TEXT ? b->len : b->len - p->value_start;
  if (have + (size_t)len > VALUE_MAX) {
    fail(p, "Data longer than %d bytes", VALUE_MAX);
    return;
  }
  if (gbuf_add(b, s, (size_t)len) != VG_OK)
    fail(p, "out of memory");
}

static void on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                       const XML_Char *pubid, int has_internal_subset) {
  vg_evparser *p = ud;
  (void)name;
  (void)sysid;
  (void)pubid;
  (void)has_internal_subset;
  fail(p, "DOCTYPE not allowed");
}

static void on_entity_decl(void *ud, const XML_Char *name, int is_param,
                           const XML_Char *value, int value_len,
                           const XML_Char *base, const XML_Char *sysid,
                           const XML_Char *pubid, const XML_Char *notation) {
  vg_evparser *p = ud;
  (void)name;
  (void)is_param;
  (void)value;
  (void)value_len;
  (void)base;
  (void)sysid;
  (void)pubid;
  (void)notation;
  fail(p, "entity declarations not allowed");
}

/* Events parsed in one document before it is started afresh. */
#define RESET_EVERY 4096
/* The synthetic root the events are parsed in. */
static const char doc_root[] = "<vssguard-events>";

/* Starts a new document: resets the parser and feeds the root. */
static int open_doc(vg_evparser *p) {
  p->open = false;
  if (XML_ParserReset(p->xp, "UTF-8") != XML_TRUE)
    return VG_EINVAL;
  XML_SetHashSalt(p->xp, p->salt);
  XML_SetUserData(p->xp, p);
  XML_SetElementHandler(p->xp, on_start, on_end);
  XML_SetCharacterDataHandler(p->xp, on_chars);
  XML_SetStartDoctypeDeclHandler(p->xp, on_doctype);
  XML_SetEntityDeclHandler(p->xp, on_entity_decl);
#if XML_MAJOR_VERSION > 2 || (XML_MAJOR_VERSION == 2 && XML_MINOR_VERSION >= 6)
  /* Each event must be reported when it is fed, not on a later feed. */
  XML_SetReparseDeferralEnabled(p->xp, XML_FALSE);
#endif
  p->opening = true;
  enum XML_Status st =
      XML_Parse(p->xp, doc_root, (int)sizeof(doc_root) - 1, XML_FALSE);
  p->opening = false;
  if (st != XML_STATUS_OK)
    return VG_EINVAL;
  p->open = true;
  p->in_doc = 0;
  p->line0 = (unsigned long)XML_GetCurrentLineNumber(p->xp);
  p->col0 = (unsigned long)XML_GetCurrentColumnNumber(p->xp);
  return VG_OK;
}

/* Parses one event and calls the callback: a framed event of a stream in
 * the open document, or (alone) a whole document of its own, as EvtRender
 * gives it. Returns 0 or VG_EINVAL (p->error says why). */
static int parse_event(vg_evparser *p, const char *xml, size_t len,
                       bool alone) {
  p->error[0] = '\0';
  if (len > VG_EVENT_MAX_BYTES) {
    snprintf(p->error, sizeof(p->error), "event larger than %d bytes",
             VG_EVENT_MAX_BYTES);
    return VG_EINVAL;
  }
  if (alone) {
    /* The next stream event starts a document afresh. */
    p->open = false;
    if (XML_ParserReset(p->xp, "UTF-8") != XML_TRUE) {
      snprintf(p->error, sizeof(p->error), "XML parser reset failed");
      return VG_EINVAL;
    }
    XML_SetHashSalt(p->xp, p->salt);
    XML_SetUserData(p->xp, p);
    XML_SetElementHandler(p->xp, on_start, on_end);
    XML_SetCharacterDataHandler(p->xp, on_chars);
    XML_SetStartDoctypeDeclHandler(p->xp, on_doctype);
    XML_SetEntityDeclHandler(p->xp, on_entity_decl);
    p->line0 = (unsigned long)XML_GetCurrentLineNumber(p->xp);
    p->col0 = (unsigned long)XML_GetCurrentColumnNumber(p->xp);
  } else if ((!p->open || p->in_doc >= RESET_EVERY) && open_doc(p) != VG_OK) {
    snprintf(p->error, sizeof(p->error), "XML parser reset failed");
    return VG_EINVAL;
  }
  p->in_doc++;

  /* Each item the handlers may leave unset (not the whole record: a
   * memset of its 2 KiB was a cost per event). */
  p->ev.channel[0] = p->ev.provider[0] = p->ev.computer[0] = '\0';
  p->ev.event_id = 0;
  p->ev.level = 0;
  p->ev.record_id = 0;
  p->ev.time = 0;
  p->ev.time_100ns = 0;
  p->ev.nfields = 0;
  p->ev.text = NULL;
  p->depth = 0;
  p->closed = false;
  p->section = 0;
  p->coll = C_NONE;
  p->seen = 0;
  p->field_skip = false;
  p->nnamed = 0;
  p->vals.len = 0;
  p->text.len = 0;
  p->ntext = 0;
  if (gbuf_add(&p->vals, "", 0) != VG_OK || gbuf_add(&p->text, "", 0) != 0) {
    snprintf(p->error, sizeof(p->error), "out of memory");
    return VG_EINVAL;
  }

  if (XML_Parse(p->xp, xml, (int)len, alone ? XML_TRUE : XML_FALSE) !=
      XML_STATUS_OK) {
    p->open = false;
    if (p->error[0] == '\0' && !alone && p->in_doc > 1) {
      /* The position is known at the start of a document only (asking
       * expat for it costs a pass over everything fed since the last
       * time): the event is parsed again as the first of a new one. */
      return parse_event(p, xml, len, false);
    }
    if (p->error[0] == '\0') {
      /* Line and column within the event. */
      unsigned long line = (unsigned long)XML_GetCurrentLineNumber(p->xp);
      unsigned long col = (unsigned long)XML_GetCurrentColumnNumber(p->xp);
      if (line == p->line0)
        col -= col < p->col0 ? col : p->col0;
      snprintf(p->error, sizeof(p->error), "%s (line %lu, column %lu)",
               XML_ErrorString(XML_GetErrorCode(p->xp)),
               line >= p->line0 ? line - p->line0 + 1 : 1, col + 1);
    }
    p->open = false;
    return VG_EINVAL;
  }
  if (p->error[0] == '\0' && !p->closed)
    snprintf(p->error, sizeof(p->error), "the event does not end");
  if (p->error[0] != '\0') {
    p->open = false;
    return VG_EINVAL;
  }
  if (!(p->seen & SEEN_EVENTID))
    snprintf(p->error, sizeof(p->error), "no EventID");
  else if (!(p->seen & SEEN_TIME))
    snprintf(p->error, sizeof(p->error), "no TimeCreated");
  else if (p->ev.channel[0] == '\0')
    snprintf(p->error, sizeof(p->error), "no Channel");
  if (p->error[0] != '\0')
    return VG_EINVAL;

  for (size_t i = 0; i < p->ev.nfields; i++)
    p->ev.fields[i].value = p->vals.p + p->field_off[i];
  p->ev.text = p->text.p;
  p->cb(&p->ev, p->ud);
  return VG_OK;
}

/* Pre-scan. */

/* True when the n bytes of lit start at q, inside [q, e). */
static bool at(const char *q, const char *e, const char *lit, size_t n) {
  return (size_t)(e - q) >= n && memcmp(q, lit, n) == 0;
}

#define LIT(s) s, sizeof(s) - 1

/*
 * Reads the channel and the event id of the System section, when both are
 * there in plain form: System the first element in Event, no comment,
 * CDATA section, processing instruction or nested System inside it, exactly
 * one Channel element with text and no reference, exactly one EventID with
 * decimal digits only. Without markup tricks the first "</System>" then
 * ends the section, so what is read is what the parser would read. One
 * pass over the tags of the section.
 */
enum { SCAN_UNSURE = -1, SCAN_KEEP = 0, SCAN_SKIP = 1 };

static int prescan(const char *xml, size_t len) {
  const char *e = xml + len;
  if (len < 7 || memcmp(xml, "<Event", 6) != 0)
    return SCAN_UNSURE;
  const char *s = memchr(xml, '>', len);
  if (s == NULL)
    return SCAN_UNSURE;
  s++;
  while (s < e && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
    s++;
  if (!at(s, e, LIT("<System>")))
    return SCAN_UNSURE;
  s += 8;
  const char *chan = NULL;
  size_t chan_len = 0;
  unsigned long id = 0;
  int nchan = 0, nid = 0;
  for (;;) {
    const char *q = memchr(s, '<', (size_t)(e - s));
    if (q == NULL || q + 1 >= e)
      return SCAN_UNSURE;
    s = q + 1;
    char c = q[1];
    /* The second byte tells which test can match (not a call each). */
    if (c == '/') {
      if (e - q > 2 && q[2] == 'S' && at(q, e, LIT("</System>")))
        break;
    } else if (c == '!' || c == '?' || (c == 'S' && at(q, e, LIT("<System")))) {
      return SCAN_UNSURE;
    } else if (c == 'C' && at(q, e, LIT("<Channel"))) {
      if (++nchan > 1 || !at(q, e, LIT("<Channel>")))
        return SCAN_UNSURE;
      chan = q + 9;
      const char *ce = memchr(chan, '<', (size_t)(e - chan));
      if (ce == NULL || !at(ce, e, LIT("</Channel>")) ||
          memchr(chan, '&', (size_t)(ce - chan)) != NULL)
        return SCAN_UNSURE;
      chan_len = (size_t)(ce - chan);
      s = ce + 10;
    } else if (c == 'E' && at(q, e, LIT("<EventID"))) {
      const char *d = q + 8;
      if (++nid > 1 || d >= e || (*d != '>' && *d != ' '))
        return SCAN_UNSURE;
      d = memchr(d, '>', (size_t)(e - d));
      if (d == NULL)
        return SCAN_UNSURE;
      const char *de = ++d;
      while (de < e && *de >= '0' && *de <= '9' && de - d < 9)
        id = id * 10 + (unsigned long)(*de++ - '0');
      if (de == d || !at(de, e, LIT("</EventID>")))
        return SCAN_UNSURE;
      s = de + 10;
    }
  }
  if (nchan != 1 || nid != 1)
    return SCAN_UNSURE;
#define IS(name)                                                               \
  (chan_len == sizeof(name) - 1 && memcmp(chan, name, chan_len) == 0)
  if (IS("Microsoft-Windows-Backup"))
    return SCAN_KEEP; /* every Level 1 to 3 event of it counts */
  if (IS("Application"))
    return id != 12289 ? SCAN_SKIP : SCAN_KEEP;
  if (IS("System"))
    return id != 6005 && id != 12 ? SCAN_SKIP : SCAN_KEEP;
#undef IS
  return SCAN_SKIP; /* a channel the tracker never reads */
}

bool vg_event_prescan_skips(const char *xml, size_t len) {
  return prescan(xml, len) == SCAN_SKIP;
}

void vg_evparser_set_prescan(vg_evparser *p, bool on) {
  p->prescan = on;
}

void vg_evparser_set_fields(vg_evparser *p, const char *const *names,
                            size_t n) {
  p->fields = names;
  p->nfields = n;
}

/*
 * Parses a framed event with the pre-scan on: compacted first when it can
 * be (the parser reads the same things, event_compact.h). A compacted
 * event that fails is parsed again as it is, so the message names the
 * place in the event as it was written.
 */
static int parse_compact(vg_evparser *p, const char *ev, size_t len) {
  if (len <= VG_EVENT_MAX_BYTES && p->trim.cap < len + 1) {
    char *b = realloc(p->trim.p, len + 1);
    if (b == NULL)
      return parse_event(p, ev, len, false);
    p->trim.p = b;
    p->trim.cap = len + 1;
  }
  size_t n = len <= VG_EVENT_MAX_BYTES
                 ? vg_event_compact(ev, len, p->fields, p->nfields, p->trim.p)
                 : 0;
  if (n == 0 || parse_event(p, p->trim.p, n, false) != VG_OK)
    return parse_event(p, ev, len, false);
  return VG_OK;
}

uint64_t vg_evparser_passed(const vg_evparser *p) {
  return p->passed;
}

/* Logs and counts a skipped event that started at stream offset at. */
static void skip_byte(vg_evparser *p, uint64_t at, const char *why) {
  p->skipped++;
  unsigned long long byte = (unsigned long long)(at + 1);
  if (p->name != NULL)
    vg_log_warn(VG_EV_GENERIC, "%s: skipping malformed event at byte %llu: %s",
                p->name, byte, why);
  else
    vg_log_warn(VG_EV_GENERIC, "skipping malformed event at byte %llu: %s",
                byte, why);
}

static void pipe_skip(vg_evparser *p, uint64_t at, const char *why);
static void pipe_event(vg_evparser *p, const char *ev, size_t len);

/* A skipped event that started at buffer offset at, from the framing:
 * told at once, or in its turn when the file is read on two threads. */
static void skip(vg_evparser *p, size_t at, const char *why) {
  if (p->pipe != NULL)
    pipe_skip(p, p->base + at, why);
  else
    skip_byte(p, p->base + at, why);
}

vg_evparser *vg_evparser_new(vg_event_cb cb, void *ud) {
  vg_evparser *p = calloc(1, sizeof(*p));
  if (p == NULL)
    return NULL;
  p->cb = cb;
  p->ud = ud;
  if (vg_plat_random(&p->salt, sizeof(p->salt)) != VG_OK || p->salt == 0)
    p->salt = (unsigned long)(uintptr_t)p ^ 0x5bd1e995UL;
  p->xp = XML_ParserCreate("UTF-8");
  if (p->xp == NULL) {
    free(p);
    return NULL;
  }
  return p;
}

void vg_evparser_free(vg_evparser *p) {
  if (p == NULL)
    return;
  XML_ParserFree(p->xp);
  free(p->in.p);
  free(p->conv.p);
  free(p->trim.p);
  free(p->vals.p);
  free(p->text.p);
  free(p);
}

uint64_t vg_evparser_skipped(const vg_evparser *p) {
  return p->skipped;
}

int vg_evparser_parse_one(vg_evparser *p, const char *xml, size_t len) {
  if (parse_event(p, xml, len, true) != VG_OK) {
    p->skipped++;
    vg_log_warn(VG_EV_GENERIC, "skipping malformed event: %s", p->error);
    return VG_EINVAL;
  }
  return VG_OK;
}

/* Framing. */

static bool is_start_end(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '>';
}

/* 1 when the avail bytes at s start with the n bytes of lit, -1 when
 * they are a proper prefix of it, 0 otherwise. */
static int starts(const char *s, size_t avail, const char *lit, size_t n) {
  size_t k = avail < n ? avail : n;
  for (size_t i = 1; i < k; i++) /* s[0] is the '<' of both */
    if (s[i] != lit[i])
      return 0;
  return avail < n ? -1 : 1;
}

/*
 * Classifies the '<' at in.p[i]: 1 = "<Event" start of an event, 2 =
 * "</Event>", 3 = "<!--", 0 = something else, -1 = too few bytes to tell.
 */
static int classify(const vg_evparser *p, size_t i) {
  const char *s = p->in.p + i;
  size_t avail = p->in.len - i;
  int k;
  if (avail < 2)
    return -1;
  /* Most '<' open some other element: the second byte tells at once. */
  switch (s[1]) {
  case 'E':
    k = starts(s, avail, "<Event", 6);
    if (k <= 0)
      return k;
    if (avail < 7)
      return -1;
    return is_start_end(s[6]) ? 1 : 0;
  case '/': k = starts(s, avail, "</Event>", 8); return k > 0 ? 2 : k;
  case '!': k = starts(s, avail, "<!--", 4); return k > 0 ? 3 : k;
  default: return 0;
  }
}

/* The index of the next '<' at or after i, or in.len. */
static size_t next_lt(const vg_evparser *p, size_t i) {
  const char *q =
      i < p->in.len ? memchr(p->in.p + i, '<', p->in.len - i) : NULL;
  return q ? (size_t)(q - p->in.p) : p->in.len;
}

/* True when the '<' at in.p[at] may end a frame (or too few bytes
 * follow it to tell): only "<E" and "</E" can. */
#define MAY_END(p, at)                                                         \
  ((p)->in.len - (at) < 3 || (p)->in.p[(at) + 1] == 'E' ||                     \
   ((p)->in.p[(at) + 1] == '/' && (p)->in.p[(at) + 2] == 'E'))

/* A '<' at in.p[at] met while looking for the end of a frame: what ends
 * the search (as frame_scan returns), or 3 to go on. */
static int frame_lt(const vg_evparser *p, size_t at) {
  if (MAY_END(p, at)) {
    int k = classify(p, at);
    if (k == 1 || k == 2 || k == -1)
      return k;
  }
  /* Passed over (inside a frame a comment is as any other '<'). */
  return at + 1 - p->frame > VG_EVENT_MAX_BYTES ? 0 : 3;
}

/*
 * Looks for the end of the frame from in.p[*i] on. Returns the class of
 * the '<' that ends the search, with *i at it: 2 its end, 1 the start of
 * the next event, -1 too few bytes to tell (as classify), 0 a '<' passed
 * over beyond the size limit; or -2 when no '<' is left (*i = in.len).
 * Most '<' open or close an element of the event: their next bytes pass
 * them over. With SSE2 (every x86-64) 16 bytes are looked at together,
 * one mask of their '<', instead of a memchr call per '<'.
 */
static int frame_scan(const vg_evparser *p, size_t *i) {
  const char *b = p->in.p;
  size_t len = p->in.len, at = *i;
#if defined(__SSE2__) && defined(__GNUC__)
  const __m128i lt = _mm_set1_epi8('<');
  for (; at + 16 <= len; at += 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + at));
    unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, lt));
    for (; m != 0; m &= m - 1) {
      size_t j = at + (size_t)__builtin_ctz(m);
      if (!MAY_END(p, j) && j + 1 - p->frame <= VG_EVENT_MAX_BYTES)
        continue;
      int k = frame_lt(p, j);
      if (k != 3) {
        *i = j;
        return k;
      }
    }
  }
#endif
  for (;;) {
    const char *q = at < len ? memchr(b + at, '<', len - at) : NULL;
    if (q == NULL) {
      *i = len;
      return -2;
    }
    at = (size_t)(q - b);
    int k = frame_lt(p, at);
    if (k != 3) {
      *i = at;
      return k;
    }
    at++;
  }
}

/* Runs the framing over the buffered bytes as far as they go. */
static void frame_events(vg_evparser *p) {
  for (;;) {
    if (p->mode == M_COMMENT) {
      size_t i = p->pos;
      while (i + 3 <= p->in.len && memcmp(p->in.p + i, "-->", 3) != 0)
        i++;
      if (i + 3 > p->in.len) {
        p->pos = i;
        return;
      }
      p->pos = i + 3;
      p->mode = M_SEEK;
    } else if (p->mode == M_SEEK || p->mode == M_DISCARD) {
      size_t i = next_lt(p, p->pos);
      if (i == p->in.len) {
        p->pos = i;
        return;
      }
      int k = classify(p, i);
      if (k < 0) {
        p->pos = i;
        return;
      }
      if (k == 1) {
        p->mode = M_FRAME;
        p->frame = i;
        p->scan = i + 7;
      } else if (k == 3 && p->mode == M_SEEK) {
        p->mode = M_COMMENT;
        p->pos = i + 4;
      } else if (k == 2 && p->mode == M_DISCARD) {
        p->mode = M_SEEK;
        p->pos = i + 8;
      } else {
        p->pos = i + 1;
      }
    } else {
      size_t i = p->scan;
      int k = frame_scan(p, &i);
      if (k == -2) {
        p->scan = i;
      } else {
        if (k == 2) {
          size_t end = i + 8;
          const char *ev = p->in.p + p->frame;
          size_t evlen = end - p->frame;
          int scan = p->prescan ? prescan(ev, evlen) : SCAN_UNSURE;
          if (scan == SCAN_SKIP) {
            p->passed++;
          } else if (p->pipe != NULL) {
            pipe_event(p, ev, evlen);
          } else if ((p->prescan ? parse_compact(p, ev, evlen)
                                 : parse_event(p, ev, evlen, false)) != VG_OK) {
            skip(p, p->frame, p->error);
          }
          p->mode = M_SEEK;
          p->pos = end;
          continue;
        }
        if (k == 1) {
          skip(p, p->frame, "truncated: the next event starts before its end");
          p->frame = i;
          p->scan = i + 7;
          continue;
        }
        if (k == 0 || k == 3) {
          p->scan = i + 1;
          if (p->scan - p->frame <= VG_EVENT_MAX_BYTES)
            continue;
        } else {
          p->scan = i;
        }
      }
      if (p->in.len - p->frame > VG_EVENT_MAX_BYTES) {
        char why[80];
        snprintf(why, sizeof(why), "event larger than %d bytes",
                 VG_EVENT_MAX_BYTES);
        skip(p, p->frame, why);
        p->mode = M_DISCARD;
        p->pos = p->scan;
        continue;
      }
      return;
    }
  }
}

/* Drops the consumed bytes from the front of the buffer. */
static void compact(vg_evparser *p) {
  size_t keep = p->mode == M_FRAME ? p->frame : p->pos;
  if (keep == 0)
    return;
  memmove(p->in.p, p->in.p + keep, p->in.len - keep);
  p->in.len -= keep;
  p->base += keep;
  if (p->mode == M_FRAME) {
    p->scan -= keep;
    p->frame = 0;
  } else {
    p->pos = 0;
  }
}

/* Appends the bytes to the framing buffer and frames what it can. */
static int feed_utf8(vg_evparser *p, const char *buf, size_t len) {
  while (len > 0) {
    size_t n = len < FEED_PIECE ? len : FEED_PIECE;
    if (gbuf_add(&p->in, buf, n) != VG_OK)
      return VG_ENOMEM;
    buf += n;
    len -= n;
    frame_events(p);
    compact(p);
  }
  return VG_OK;
}

static void put_utf8(struct gbuf *b, uint32_t c, bool *oom) {
  char u[4];
  size_t n;
  if (c < 0x80) {
    u[0] = (char)c;
    n = 1;
  } else if (c < 0x800) {
    u[0] = (char)(0xC0 | (c >> 6));
    u[1] = (char)(0x80 | (c & 0x3F));
    n = 2;
  } else if (c < 0x10000) {
    u[0] = (char)(0xE0 | (c >> 12));
    u[1] = (char)(0x80 | ((c >> 6) & 0x3F));
    u[2] = (char)(0x80 | (c & 0x3F));
    n = 3;
  } else {
    u[0] = (char)(0xF0 | (c >> 18));
    u[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    u[3] = (char)(0x80 | (c & 0x3F));
    n = 4;
  }
  if (gbuf_add(b, u, n) != VG_OK)
    *oom = true;
}

/* Converts UTF-16LE to UTF-8 (a lone surrogate becomes U+FFFD) and frames
 * it; an incomplete unit or surrogate pair waits in carry. */
static int feed_utf16(vg_evparser *p, const unsigned char *buf, size_t len) {
  bool oom = false;
  while (len > 0 && !oom) {
    size_t n = len < FEED_PIECE ? len : FEED_PIECE;
    p->conv.len = 0;
    for (size_t i = 0; i < n; i++) {
      p->carry[p->ncarry++] = buf[i];
      if (p->ncarry == 2 || p->ncarry == 4) {
        uint32_t u = p->carry[0] | (uint32_t)p->carry[1] << 8;
        if (p->ncarry == 2 && u >= 0xD800 && u <= 0xDBFF)
          continue; /* a high surrogate: wait for its pair */
        p->ncarry = 0;
        if (u >= 0xD800 && u <= 0xDBFF) {
          uint32_t lo = p->carry[2] | (uint32_t)p->carry[3] << 8;
          if (lo >= 0xDC00 && lo <= 0xDFFF) {
            put_utf8(&p->conv, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00),
                     &oom);
            continue;
          }
          put_utf8(&p->conv, 0xFFFD, &oom);
          u = lo;
        }
        if (u >= 0xD800 && u <= 0xDFFF)
          u = 0xFFFD;
        put_utf8(&p->conv, u, &oom);
      }
    }
    buf += n;
    len -= n;
    if (!oom && p->conv.len > 0 &&
        feed_utf8(p, p->conv.p, p->conv.len) != VG_OK)
      oom = true;
  }
  return oom ? VG_ENOMEM : VG_OK;
}

int vg_evparser_feed(vg_evparser *p, const char *buf, size_t len) {
  const unsigned char *u = (const unsigned char *)buf;
  if (p->enc == ENC_UNKNOWN) {
    /* The first two bytes decide; hold one byte until the second comes. */
    while (len > 0 && p->ncarry < 2) {
      p->carry[p->ncarry++] = *u++;
      len--;
    }
    if (p->ncarry < 2)
      return VG_OK;
    p->ncarry = 0;
    if (p->carry[0] == 0xFF && p->carry[1] == 0xFE) {
      p->enc = ENC_UTF16LE;
      p->base = 2; /* offsets then count converted bytes after the mark */
    } else {
      p->enc = ENC_UTF8;
      char first[2] = {(char)p->carry[0], (char)p->carry[1]};
      int rc = feed_utf8(p, first, 2);
      if (rc != VG_OK)
        return rc;
    }
  }
  if (p->enc == ENC_UTF16LE)
    return feed_utf16(p, u, len);
  return feed_utf8(p, (const char *)u, len);
}

int vg_evparser_finish(vg_evparser *p) {
  if (p->enc == ENC_UNKNOWN && p->ncarry > 0) {
    /* A one-byte stream: frame it as it is. */
    char c = (char)p->carry[0];
    p->enc = ENC_UTF8;
    feed_utf8(p, &c, 1);
  }
  if (p->mode == M_FRAME)
    skip(p, p->frame, "truncated: the stream ends inside the event");
  p->mode = M_SEEK;
  p->in.len = 0;
  p->pos = p->frame = p->scan = 0;
  p->base = 0;
  p->enc = ENC_UNKNOWN;
  p->ncarry = 0;
  return VG_OK;
}

/*
 * A file read on two threads (parse_file with the pre-scan on): a reader
 * thread reads, frames, pre-scans and compacts; the caller's thread parses
 * with expat, calls back and logs, in the order of the file. The reader
 * hands over records (an event compacted and as it was, an event it
 * parsed itself while the caller's thread was behind, or a skip to tell)
 * in blocks, PIPE_BLOCKS at most in flight.
 */
#define PIPE_BLOCK (64 * 1024)
#define PIPE_BLOCKS 4

struct pblock {
  struct pblock *next;
  size_t len, cap; /* bytes of records used and room */
  char data[];
};

struct pipe {
  uv_mutex_t mu;
  uv_cond_t cv;               /* a block handed over or given back */
  struct pblock *head, *tail; /* blocks handed over, in order */
  struct pblock *spare;       /* blocks given back */
  unsigned nblocks;           /* allocated, in any of the three places */
  atomic_uint nready;         /* blocks handed over, not yet taken */
  bool done;                  /* the reader has handed over its last */
  int rc;                     /* the reader's result */
  struct pblock *cur;         /* the block the reader fills */
  FILE *f;
  vg_evparser *p;
  vg_evparser *rp; /* the reader's own parser, or NULL */
};

/* A record's head; clen bytes of the compacted event (none when nothing
 * was cut) and olen bytes of the event as it was follow, or (skip) olen
 * bytes of the reason to skip with its NUL, or (parsed) olen bytes of an
 * event the reader parsed (struct pev and its strings). */
enum { REC_EVENT, REC_SKIP, REC_PARSED };
struct prec {
  uint64_t at; /* stream offset of the event */
  uint32_t kind, clen, olen;
};

/* An event the reader parsed; channel, provider, computer, the named
 * fields (name, value) and the text follow, each with its NUL. */
struct pev {
  vg_wall_t time;
  uint64_t record_id;
  uint32_t event_id, time_100ns;
  int32_t level;
  uint32_t nfields;
};

/* Hands the reader's block over. */
static void pipe_push(struct pipe *q) {
  struct pblock *b = q->cur;
  q->cur = NULL;
  if (b == NULL || b->len == 0) {
    q->cur = b;
    return;
  }
  uv_mutex_lock(&q->mu);
  b->next = NULL;
  if (q->tail != NULL)
    q->tail->next = b;
  else
    q->head = b;
  q->tail = b;
  atomic_fetch_add(&q->nready, 1);
  uv_cond_broadcast(&q->cv);
  uv_mutex_unlock(&q->mu);
}

/* Room for need bytes in the reader's block, or NULL (out of memory). */
static char *pipe_room(struct pipe *q, size_t need) {
  if (q->cur != NULL && q->cur->cap - q->cur->len >= need)
    return q->cur->data + q->cur->len;
  pipe_push(q);
  struct pblock *b = q->cur; /* an empty one kept by pipe_push */
  if (b != NULL && b->cap < need) {
    free(b);
    b = NULL;
    uv_mutex_lock(&q->mu);
    q->nblocks--;
    uv_mutex_unlock(&q->mu);
  }
  if (b == NULL) {
    uv_mutex_lock(&q->mu);
    while (q->spare == NULL && q->nblocks >= PIPE_BLOCKS)
      uv_cond_wait(&q->cv, &q->mu);
    if (q->spare != NULL && q->spare->cap >= need) {
      b = q->spare;
      q->spare = b->next;
    } else {
      size_t cap = need > PIPE_BLOCK ? need : PIPE_BLOCK;
      if (q->spare != NULL) { /* too small for this one */
        struct pblock *s = q->spare;
        q->spare = s->next;
        free(s);
        q->nblocks--;
      }
      b = malloc(sizeof(*b) + cap);
      if (b != NULL) {
        b->cap = cap;
        q->nblocks++;
      }
    }
    uv_mutex_unlock(&q->mu);
    if (b == NULL)
      return NULL;
    b->len = 0;
  }
  q->cur = b;
  return b->data;
}

static void pipe_fail(vg_evparser *p) {
  if (p->pipe->rc == VG_OK)
    p->pipe->rc = VG_ENOMEM;
}

static void pipe_skip(vg_evparser *p, uint64_t at, const char *why) {
  struct pipe *q = p->pipe;
  size_t n = strlen(why) + 1;
  char *r = pipe_room(q, sizeof(struct prec) + n);
  if (r == NULL) {
    pipe_fail(p);
    return;
  }
  struct prec h = {.at = at, .kind = REC_SKIP, .olen = (uint32_t)n};
  memcpy(r, &h, sizeof(h));
  memcpy(r + sizeof(h), why, n);
  q->cur->len += sizeof(h) + n;
}

/* Copies the string str with its NUL to dst; returns the byte after. */
static char *put_str(char *dst, const char *str) {
  size_t n = strlen(str) + 1;
  memcpy(dst, str, n);
  return dst + n;
}

/* Copies the string at s with its NUL to dst; returns the byte after s's. */
static char *get_str(char *dst, char *s) {
  size_t n = strlen(s) + 1;
  memcpy(dst, s, n);
  return s + n;
}

/* The reader's parser's callback: the event goes over parsed. */
static void pipe_parsed(const struct vg_event *ev, void *ud) {
  struct pipe *q = ud;
  size_t need = sizeof(struct prec) + sizeof(struct pev) + strlen(ev->channel) +
                strlen(ev->provider) + strlen(ev->computer) + strlen(ev->text) +
                4;
  for (size_t i = 0; i < ev->nfields; i++)
    need += strlen(ev->fields[i].name) + strlen(ev->fields[i].value) + 2;
  char *r = pipe_room(q, need);
  if (r == NULL) {
    pipe_fail(q->p);
    return;
  }
  struct prec h = {.kind = REC_PARSED,
                   .olen = (uint32_t)(need - sizeof(struct prec))};
  struct pev e = {.time = ev->time,
                  .record_id = ev->record_id,
                  .event_id = ev->event_id,
                  .time_100ns = ev->time_100ns,
                  .level = ev->level,
                  .nfields = (uint32_t)ev->nfields};
  memcpy(r, &h, sizeof(h));
  memcpy(r + sizeof(h), &e, sizeof(e));
  char *s = r + sizeof(h) + sizeof(e);
#define PUT(str) (s = put_str(s, str))
  PUT(ev->channel);
  PUT(ev->provider);
  PUT(ev->computer);
  for (size_t i = 0; i < ev->nfields; i++) {
    PUT(ev->fields[i].name);
    PUT(ev->fields[i].value);
  }
  PUT(ev->text);
#undef PUT
  q->cur->len += need;
}

/* Parses the event on the reader thread; what goes over is the parsed
 * event (pipe_parsed) or the reason it was skipped. */
static void pipe_parse_here(vg_evparser *p, const char *ev, size_t len) {
  struct pipe *q = p->pipe;
  if (p->trim.cap < len + 1) {
    char *b = realloc(p->trim.p, len + 1);
    if (b == NULL) {
      pipe_fail(p);
      return;
    }
    p->trim.p = b;
    p->trim.cap = len + 1;
  }
  size_t n = vg_event_compact(ev, len, p->fields, p->nfields, p->trim.p);
  if ((n == 0 || parse_event(q->rp, p->trim.p, n, false) != VG_OK) &&
      parse_event(q->rp, ev, len, false) != VG_OK)
    pipe_skip(p, p->base + p->frame, q->rp->error);
}

static void pipe_event(vg_evparser *p, const char *ev, size_t len) {
  if (len > VG_EVENT_MAX_BYTES) {
    char why[80];
    snprintf(why, sizeof(why), "event larger than %d bytes",
             VG_EVENT_MAX_BYTES);
    pipe_skip(p, p->base + p->frame, why);
    return;
  }
  struct pipe *q = p->pipe;
  /* While the parsing thread has two blocks or more to do, the reader
   * parses too: the two threads share expat's work. */
  if (q->rp != NULL && atomic_load(&q->nready) >= 2) {
    pipe_parse_here(p, ev, len);
    return;
  }
  char *r = pipe_room(q, sizeof(struct prec) + 2 * len);
  if (r == NULL) {
    pipe_fail(p);
    return;
  }
  char *c = r + sizeof(struct prec);
  size_t clen = vg_event_compact(ev, len, p->fields, p->nfields, c);
  memcpy(c + clen, ev, len);
  struct prec h = {.at = p->base + p->frame,
                   .kind = REC_EVENT,
                   .clen = (uint32_t)clen,
                   .olen = (uint32_t)len};
  memcpy(r, &h, sizeof(h));
  q->cur->len += sizeof(h) + clen + len;
}

/* The reader thread: reads the file through the framing, which hands its
 * events and skips over. */
static void pipe_reader(void *arg) {
  struct pipe *q = arg;
  vg_evparser *p = q->p;
  char *chunk = malloc(FEED_PIECE);
  int rc = chunk == NULL ? VG_ENOMEM : VG_OK;
  while (rc == VG_OK && q->rc == VG_OK) {
    size_t got;
    if (p->enc == ENC_UTF8) {
      /* Once the stream is known to be UTF-8, read straight into the
       * framing buffer, in the pieces feed_utf8 would frame. */
      if ((rc = gbuf_room(&p->in, FEED_PIECE)) != VG_OK)
        break;
      got = fread(p->in.p + p->in.len, 1, FEED_PIECE, q->f);
      p->in.len += got;
      p->in.p[p->in.len] = '\0';
      if (got > 0) {
        frame_events(p);
        compact(p);
      }
    } else {
      got = fread(chunk, 1, FEED_PIECE, q->f);
      if (got > 0 && (rc = vg_evparser_feed(p, chunk, got)) != VG_OK)
        break;
    }
    if (got < FEED_PIECE) {
      if (ferror(q->f))
        rc = VG_EIO;
      break;
    }
  }
  free(chunk);
  vg_evparser_finish(p);
  pipe_push(q);
  uv_mutex_lock(&q->mu);
  if (q->rc == VG_OK)
    q->rc = rc;
  q->done = true;
  uv_cond_broadcast(&q->cv);
  uv_mutex_unlock(&q->mu);
}

/* Calls back with an event the reader parsed (a struct pev at r). */
static void deliver_parsed(vg_evparser *p, char *r) {
  struct pev e;
  memcpy(&e, r, sizeof(e));
  struct vg_event *ev = &p->ev;
  char *s = r + sizeof(e);
  /* Each string came from a struct vg_event: it fits. */
#define GET(dst) (s = get_str(dst, s))
  GET(ev->channel);
  GET(ev->provider);
  GET(ev->computer);
  ev->time = e.time;
  ev->record_id = e.record_id;
  ev->event_id = e.event_id;
  ev->time_100ns = e.time_100ns;
  ev->level = e.level;
  ev->nfields = e.nfields;
  for (size_t i = 0; i < ev->nfields; i++) {
    GET(ev->fields[i].name);
    ev->fields[i].value = s;
    s += strlen(s) + 1;
  }
#undef GET
  ev->text = s;
  p->cb(ev, p->ud);
}

/* The parsing side: one record. */
static void pipe_parse(vg_evparser *p, char *r) {
  struct prec h;
  memcpy(&h, r, sizeof(h));
  char *c = r + sizeof(h);
  if (h.kind == REC_SKIP) {
    skip_byte(p, h.at, c);
    return;
  }
  if (h.kind == REC_PARSED) {
    deliver_parsed(p, c);
    return;
  }
  if (h.clen > 0 && parse_event(p, c, h.clen, false) == VG_OK)
    return;
  /* Not cut, or failed once cut: as it was (for the place in the
   * message). */
  if (parse_event(p, c + h.clen, h.olen, false) != VG_OK)
    skip_byte(p, h.at, p->error);
}

/* Parses the file on two threads. Returns 0, VG_EIO or VG_ENOMEM. */
static int parse_file_piped(vg_evparser *p, FILE *f) {
  struct pipe q;
  memset(&q, 0, sizeof(q));
  atomic_init(&q.nready, 0);
  q.f = f;
  q.p = p;
  if (uv_mutex_init(&q.mu) != 0)
    return VG_ENOMEM;
  if (uv_cond_init(&q.cv) != 0) {
    uv_mutex_destroy(&q.mu);
    return VG_ENOMEM;
  }
  q.rp = vg_evparser_new(pipe_parsed, &q);
  if (q.rp != NULL)
    vg_evparser_set_fields(q.rp, p->fields, p->nfields);
  p->pipe = &q;
  uv_thread_t reader;
  int rc = VG_OK;
  if (uv_thread_create(&reader, pipe_reader, &q) != 0) {
    p->pipe = NULL;
    vg_evparser_free(q.rp);
    uv_cond_destroy(&q.cv);
    uv_mutex_destroy(&q.mu);
    return VG_ENOMEM;
  }
  for (;;) {
    uv_mutex_lock(&q.mu);
    while (q.head == NULL && !q.done)
      uv_cond_wait(&q.cv, &q.mu);
    struct pblock *b = q.head;
    if (b != NULL) {
      q.head = b->next;
      if (q.head == NULL)
        q.tail = NULL;
      atomic_fetch_sub(&q.nready, 1);
    }
    uv_mutex_unlock(&q.mu);
    if (b == NULL)
      break;
    for (size_t at = 0; at < b->len;) {
      struct prec h;
      memcpy(&h, b->data + at, sizeof(h));
      pipe_parse(p, b->data + at);
      at += sizeof(h) + h.clen + h.olen;
    }
    uv_mutex_lock(&q.mu);
    b->next = q.spare;
    q.spare = b;
    uv_cond_broadcast(&q.cv);
    uv_mutex_unlock(&q.mu);
  }
  uv_thread_join(&reader);
  p->pipe = NULL;
  vg_evparser_free(q.rp);
  rc = q.rc;
  free(q.cur);
  while (q.spare != NULL) {
    struct pblock *b = q.spare;
    q.spare = b->next;
    free(b);
  }
  uv_cond_destroy(&q.cv);
  uv_mutex_destroy(&q.mu);
  return rc;
}

int vg_evparser_parse_file(vg_evparser *p, const char *path) {
  FILE *f = vg_plat_fopen(path, "rb");
  if (f == NULL)
    return errno == ENOENT ? VG_ENOENT : VG_EIO;
  char *chunk = malloc(FEED_PIECE);
  if (chunk == NULL) {
    fclose(f);
    return VG_ENOMEM;
  }
  vg_evparser_finish(p);
  p->name = path;
  int rc = VG_OK;
  if (p->prescan) {
    free(chunk);
    rc = parse_file_piped(p, f);
    p->name = NULL;
    fclose(f);
    return rc;
  }
  for (;;) {
    size_t got = fread(chunk, 1, FEED_PIECE, f);
    if (got > 0 && (rc = vg_evparser_feed(p, chunk, got)) != VG_OK)
      break;
    if (got < FEED_PIECE) {
      if (ferror(f))
        rc = VG_EIO;
      break;
    }
  }
  vg_evparser_finish(p);
  p->name = NULL;
  free(chunk);
  fclose(f);
  return rc;
}
