/*
 * A test-only wevtapi.dll for running vssguard.exe under Wine, whose own
 * wevtapi cannot subscribe. It serves the calls the agent makes from a
 * recorded event file (a wevtutil /f:xml export, path in VG_FAKE_EVENTS):
 *
 *   EvtSubscribe   plays the file's events of the queried channels through
 *                  the caller's callback, on a thread of its own, and keeps
 *                  following the file (events appended later are "new");
 *                  honours ToFutureEvents, StartAtOldestRecord and
 *                  StartAfterBookmark, and a TimeCreated[@SystemTime>='..']
 *                  condition; a bookmarked record that is not in the file
 *                  (the log was cleared or wrapped) fails the call with
 *                  ERROR_NOT_FOUND under EvtSubscribeStrict, else the
 *                  subscription begins after the record closest to it
 *                  (EVT_SUBSCRIBE_FLAGS, learn.microsoft.com);
 *   EvtQuery/Next  the same selection for one channel, as a result set;
 *   EvtRender      the recorded XML of an event, or a bookmark's XML;
 *   bookmarks      hold a record id per channel.
 *
 * Like the real API, each call sets or clears the calling thread's
 * extended status (EvtGetExtendedStatus): only the thread that failed, and
 * only before its next Evt call, gets the text.
 *
 * Test knobs, from the environment or, for a service (whose environment
 * comes from the service manager), from NAME=VALUE lines in
 * wevtapi-knobs.txt beside this dll, read again at each use:
 *   VG_FAKE_TRACE=1           prints each call to stderr;
 *   VG_FAKE_FAIL_SUBSCRIBE=N  makes the first N EvtSubscribe calls fail;
 *   VG_FAKE_ACTION_ERROR=K    reports EvtSubscribeActionError once, after K
 *                             events were delivered;
 *   VG_FAKE_MISSING=A,B       channels that do not exist (15007);
 *   VG_FAKE_FAIL_BOOKMARK=1   EvtCreateBookmark fails;
 *   VG_FAKE_LATE_MS=N         a callback outlives EvtClose: EvtClose does
 *                             not wait for it, and rendering an event in a
 *                             callback takes N ms;
 *   VG_FAKE_MARK=PATH         appends "returned RID" to PATH each time a
 *                             callback returns.
 */
#include <windows.h>

#include <winevt.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CHANNELS 16

enum kind { K_SUB = 0x53554231, K_QUERY, K_EVENT, K_BOOKMARK };

struct record {
  char channel[128];
  unsigned long long rid;
  char time[64];
  char *xml;
};

struct mark {
  char channel[128];
  unsigned long long rid;
};

struct handle {
  enum kind kind;
  /* K_EVENT */
  struct record rec;
  /* K_BOOKMARK */
  struct mark marks[MAX_CHANNELS];
  int nmarks;
  int current;
  /* K_QUERY and K_SUB */
  char channels[MAX_CHANNELS][128];
  int nchannels;
  char since[64];
  struct record *recs;
  size_t nrecs, pos;
  /* K_SUB */
  HANDLE thread;
  volatile LONG stop;
  EVT_SUBSCRIBE_CALLBACK cb;
  void *ctx;
  DWORD flags;
  struct mark after[MAX_CHANNELS];
  int nafter;
};

static LONG subscribe_calls;
/* The calling thread's extended status, and whether it is a player. */
static __thread wchar_t ext_status[256];
static __thread int in_player;
static LONG delivered;
static LONG action_error_sent;

static const char *knob(const char *name);

static void trace(const char *fmt, ...) {
  va_list ap;
  if (knob("VG_FAKE_TRACE") == NULL)
    return;
  va_start(ap, fmt);
  fprintf(stderr, "wevtapi: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  fflush(stderr);
  va_end(ap);
}

static char *to_utf8(const wchar_t *w) {
  int n;
  char *s;
  if (w == NULL)
    return NULL;
  n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
  s = malloc(n > 0 ? (size_t)n : 1);
  if (s == NULL)
    return NULL;
  if (n <= 0 || WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL) <= 0)
    s[0] = '\0';
  return s;
}

/* Copies the text of <tag>...</tag> inside [p, end) into out. */
static void tag_text(const char *p, const char *end, const char *tag, char *out,
                     size_t len) {
  char open[64];
  const char *s, *e;
  out[0] = '\0';
  snprintf(open, sizeof(open), "<%s>", tag);
  s = strstr(p, open);
  if (s == NULL || s >= end)
    return;
  s += strlen(open);
  e = strchr(s, '<');
  if (e == NULL || e > end || (size_t)(e - s) >= len)
    return;
  memcpy(out, s, (size_t)(e - s));
  out[e - s] = '\0';
}

/* Copies the quoted value of attr= found after p (before end) into out. */
static int attr_value(const char *p, const char *end, const char *attr,
                      char *out, size_t len) {
  char pat[64];
  const char *s, *e;
  out[0] = '\0';
  snprintf(pat, sizeof(pat), "%s=", attr);
  s = strstr(p, pat);
  if (s == NULL || (end != NULL && s >= end))
    return 0;
  s += strlen(pat);
  if (*s != '\'' && *s != '"')
    return 0;
  e = strchr(s + 1, *s);
  if (e == NULL || (size_t)(e - s - 1) >= len)
    return 0;
  memcpy(out, s + 1, (size_t)(e - s - 1));
  out[e - s - 1] = '\0';
  return 1;
}

/*
 * The event file: VG_FAKE_EVENTS, else the path written in wevtapi.txt
 * beside this dll (a service gets its environment from the service
 * manager, not from the test).
 */
static const char *events_path(void) {
  static char path[MAX_PATH * 3];
  const char *env = getenv("VG_FAKE_EVENTS");
  HMODULE self = NULL;
  char cfg[MAX_PATH + 16], *slash;
  FILE *f;

  if (env != NULL)
    return env;
  if (!GetModuleHandleExA(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS |
                              GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                          (LPCSTR)events_path, &self) ||
      GetModuleFileNameA(self, cfg, MAX_PATH) == 0)
    return NULL;
  slash = strrchr(cfg, '\\');
  if (slash == NULL)
    return NULL;
  strcpy(slash + 1, "wevtapi.txt");
  f = fopen(cfg, "r");
  if (f == NULL)
    return NULL;
  if (fgets(path, sizeof(path), f) == NULL)
    path[0] = '\0';
  fclose(f);
  path[strcspn(path, "\r\n")] = '\0';
  return path[0] ? path : NULL;
}

/*
 * A test knob: the environment variable name, else its line in
 * wevtapi-knobs.txt beside this dll. The string stays valid until the next
 * call from the same thread.
 */
static const char *knob(const char *name) {
  static __thread char value[MAX_PATH * 3];
  const char *env = getenv(name);
  HMODULE self = NULL;
  char cfg[MAX_PATH + 32], line[MAX_PATH * 3 + 64], *slash;
  size_t n = strlen(name);
  const char *found = NULL;
  FILE *f;

  if (env != NULL)
    return env;
  if (!GetModuleHandleExA(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS |
                              GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                          (LPCSTR)knob, &self) ||
      GetModuleFileNameA(self, cfg, MAX_PATH) == 0)
    return NULL;
  slash = strrchr(cfg, '\\');
  if (slash == NULL)
    return NULL;
  strcpy(slash + 1, "wevtapi-knobs.txt");
  f = fopen(cfg, "r");
  if (f == NULL)
    return NULL;
  while (fgets(line, sizeof(line), f) != NULL) {
    line[strcspn(line, "\r\n")] = '\0';
    if (strncmp(line, name, n) == 0 && line[n] == '=') {
      snprintf(value, sizeof(value), "%s", line + n + 1);
      found = value;
    }
  }
  fclose(f);
  return found;
}

/* A numeric knob, or def when unset. */
static long knob_long(const char *name, long def) {
  const char *v = knob(name);
  return v != NULL ? atol(v) : def;
}

/* Sets the calling thread's extended status ("" clears it). */
static void set_status(const char *text) {
  MultiByteToWideChar(CP_UTF8, 0, text, -1, ext_status, 256);
  ext_status[255] = L'\0';
}

/* Is channel listed in VG_FAKE_MISSING? */
static int missing(const char *channel) {
  const char *list = knob("VG_FAKE_MISSING");
  size_t n = strlen(channel);
  for (const char *p = list; p != NULL && *p != '\0';) {
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    if (len == n && strncmp(p, channel, n) == 0)
      return 1;
    p = e ? e + 1 : NULL;
  }
  return 0;
}

/* Fails a call on a missing channel of h the way the real API does. */
static int fail_missing(const struct handle *h) {
  for (int i = 0; i < h->nchannels; i++) {
    if (missing(h->channels[i])) {
      char text[256];
      snprintf(text, sizeof(text),
               "The specified channel could not be found: %s", h->channels[i]);
      trace("channel %s missing", h->channels[i]);
      set_status(text);
      SetLastError(ERROR_EVT_CHANNEL_NOT_FOUND);
      return 1;
    }
  }
  return 0;
}

/* Reads the event file: every <Event ...>...</Event> element. */
static struct record *load_events(size_t *n) {
  const char *path = events_path();
  FILE *f;
  long size;
  char *buf, *p;
  struct record *recs = NULL;
  size_t cap = 0;

  *n = 0;
  if (path == NULL || (f = fopen(path, "rb")) == NULL)
    return NULL;
  fseek(f, 0, SEEK_END);
  size = ftell(f);
  fseek(f, 0, SEEK_SET);
  buf = malloc((size_t)size + 1);
  if (buf == NULL) {
    fclose(f);
    return NULL;
  }
  size = (long)fread(buf, 1, (size_t)size, f);
  buf[size] = '\0';
  fclose(f);
  for (p = buf; (p = strstr(p, "<Event")) != NULL;) {
    char *end;
    if (p[6] != ' ' && p[6] != '>') {
      p += 6;
      continue;
    }
    end = strstr(p, "</Event>");
    if (end == NULL)
      break; /* a partial event at the end: next time */
    end += 8;
    if (*n == cap) {
      cap = cap ? cap * 2 : 64;
      recs = realloc(recs, cap * sizeof(*recs));
    }
    struct record *r = &recs[*n];
    char rid[32], *tc;
    memset(r, 0, sizeof(*r));
    r->xml = malloc((size_t)(end - p) + 1);
    memcpy(r->xml, p, (size_t)(end - p));
    r->xml[end - p] = '\0';
    tag_text(p, end, "Channel", r->channel, sizeof(r->channel));
    tag_text(p, end, "EventRecordID", rid, sizeof(rid));
    r->rid = strtoull(rid, NULL, 10);
    tc = strstr(p, "<TimeCreated");
    if (tc != NULL && tc < end)
      attr_value(tc, end, "SystemTime", r->time, sizeof(r->time));
    (*n)++;
    p = end;
  }
  free(buf);
  return recs;
}

static void free_records(struct record *recs, size_t n) {
  for (size_t i = 0; i < n; i++)
    free(recs[i].xml);
  free(recs);
}

/* Reads the channels (Select Path) and the time condition of a query. */
static void parse_query(struct handle *h, const char *path, const char *q) {
  const char *p;
  h->nchannels = 0;
  if (path != NULL && path[0] != '\0')
    snprintf(h->channels[h->nchannels++], 128, "%s", path);
  for (p = q; p != NULL && (p = strstr(p, "Path=")) != NULL; p += 5)
    if (h->nchannels < MAX_CHANNELS &&
        attr_value(p - 0, NULL, "Path", h->channels[h->nchannels], 128))
      h->nchannels++;
  h->since[0] = '\0';
  if (q != NULL && (p = strstr(q, "@SystemTime>=")) != NULL)
    attr_value(p, NULL, "@SystemTime>", h->since, sizeof(h->since));
}

static int selected(const struct handle *h, const struct record *r) {
  int in = 0;
  for (int i = 0; i < h->nchannels; i++)
    if (strcmp(h->channels[i], r->channel) == 0)
      in = 1;
  if (!in)
    return 0;
  if (h->since[0] != '\0' && strcmp(r->time, h->since) < 0)
    return 0;
  return 1;
}

static struct handle *event_handle(const struct record *r) {
  struct handle *e = calloc(1, sizeof(*e));
  e->kind = K_EVENT;
  e->rec = *r;
  e->rec.xml = _strdup(r->xml);
  return e;
}

static void close_handle(struct handle *h) {
  if (h->kind == K_EVENT)
    free(h->rec.xml);
  if (h->recs != NULL)
    free_records(h->recs, h->nrecs);
  h->kind = 0;
  free(h);
}

/* Is r after the subscription's bookmark? */
static int after_bookmark(const struct handle *s, const struct record *r) {
  for (int i = 0; i < s->nafter; i++)
    if (strcmp(s->after[i].channel, r->channel) == 0)
      return r->rid > s->after[i].rid;
  return 1;
}

/* Notes in VG_FAKE_MARK that a callback returned. */
static void mark(unsigned long long rid) {
  const char *path = knob("VG_FAKE_MARK");
  FILE *f;
  if (path == NULL || (f = fopen(path, "ab")) == NULL)
    return;
  fprintf(f, "returned %llu\n", rid);
  fclose(f);
}

static void deliver(struct handle *s, const struct record *r) {
  struct handle *e = event_handle(r);
  LONG n;
  trace("deliver %s #%llu", r->channel, r->rid);
  s->cb(EvtSubscribeActionDeliver, s->ctx, (EVT_HANDLE)e);
  mark(r->rid);
  close_handle(e);
  n = InterlockedIncrement(&delivered);
  long k = knob_long("VG_FAKE_ACTION_ERROR", -1);
  if (n == k && InterlockedExchange(&action_error_sent, 1) == 0) {
    trace("action error");
    set_status("The query result is stale: test action error");
    s->cb(EvtSubscribeActionError, s->ctx,
          (EVT_HANDLE)(ULONG_PTR)ERROR_EVT_QUERY_RESULT_STALE);
  }
}

/* The subscription's player: the existing events, then appended ones. */
static DWORD WINAPI player(void *arg) {
  struct handle *s = arg;
  size_t done = 0, n;
  struct record *recs = load_events(&n);
  DWORD mode = s->flags & 3;

  in_player = 1;
  if (mode == EvtSubscribeToFutureEvents)
    done = n;
  for (; done < n && !s->stop; done++)
    if (selected(s, &recs[done]) && (mode != EvtSubscribeStartAfterBookmark ||
                                     after_bookmark(s, &recs[done])))
      deliver(s, &recs[done]);
  free_records(recs, n);
  while (!s->stop) {
    Sleep(100);
    recs = load_events(&n);
    for (; done < n && !s->stop; done++)
      if (selected(s, &recs[done]))
        deliver(s, &recs[done]);
    free_records(recs, n);
  }
  return 0;
}

/*
 * Checks that the bookmarked record of each queried channel is in the file.
 * When one is not (the log was cleared or wrapped): with EvtSubscribeStrict
 * fails (ERROR_NOT_FOUND, returns 0); without it moves that channel's start
 * to the record closest to the bookmarked one by record id (the subscription
 * begins after it), as EVT_SUBSCRIBE_FLAGS says of both.
 */
static int find_bookmarked(struct handle *s) {
  size_t n;
  struct record *recs = load_events(&n);
  int ok = 1;
  for (int i = 0; i < s->nafter && ok; i++) {
    struct mark *m = &s->after[i];
    unsigned long long best = 0, dist = 0;
    int found = 0, any = 0, queried = 0;
    for (int k = 0; k < s->nchannels; k++)
      if (strcmp(s->channels[k], m->channel) == 0)
        queried = 1;
    if (!queried)
      continue;
    for (size_t k = 0; k < n; k++) {
      unsigned long long d;
      if (strcmp(recs[k].channel, m->channel) != 0)
        continue;
      if (recs[k].rid == m->rid) {
        found = 1;
        break;
      }
      d = recs[k].rid > m->rid ? recs[k].rid - m->rid : m->rid - recs[k].rid;
      if (!any || d < dist) {
        best = recs[k].rid;
        dist = d;
        any = 1;
      }
    }
    if (found)
      continue;
    if (s->flags & EvtSubscribeStrict) {
      trace("  bookmarked %s #%llu not found (strict)", m->channel, m->rid);
      set_status("Element not found: the bookmarked event does not exist");
      SetLastError(ERROR_NOT_FOUND);
      ok = 0;
    } else if (any) {
      trace("  bookmarked %s #%llu not found: after the closest, #%llu",
            m->channel, m->rid, best);
      m->rid = best;
    }
  }
  free_records(recs, n);
  return ok;
}

EVT_HANDLE WINAPI EvtSubscribe(EVT_HANDLE session, HANDLE signal, LPCWSTR path,
                               LPCWSTR query, EVT_HANDLE bookmark, PVOID ctx,
                               EVT_SUBSCRIBE_CALLBACK cb, DWORD flags) {
  struct handle *s, *bm = (struct handle *)bookmark;
  char *p8 = to_utf8(path), *q8 = to_utf8(query);
  long fail = knob_long("VG_FAKE_FAIL_SUBSCRIBE", 0);
  LONG call = InterlockedIncrement(&subscribe_calls);

  (void)session;
  (void)signal;
  set_status("");
  trace("EvtSubscribe flags=%lu bookmark=%s path=%s query=%s",
        (unsigned long)flags, bm != NULL ? "yes" : "no", p8 ? p8 : "",
        q8 ? q8 : "");
  if (call <= fail) {
    free(p8);
    free(q8);
    set_status("The specified channel could not be found: test failure");
    SetLastError(ERROR_EVT_CHANNEL_NOT_FOUND);
    return NULL;
  }
  if (cb == NULL || ((flags & 3) == EvtSubscribeStartAfterBookmark &&
                     (bm == NULL || bm->kind != K_BOOKMARK))) {
    free(p8);
    free(q8);
    SetLastError(ERROR_INVALID_PARAMETER);
    return NULL;
  }
  s = calloc(1, sizeof(*s));
  s->kind = K_SUB;
  s->cb = cb;
  s->ctx = ctx;
  s->flags = flags;
  parse_query(s, p8, q8);
  free(p8);
  free(q8);
  if (fail_missing(s)) {
    free(s);
    return NULL;
  }
  if ((flags & 3) == EvtSubscribeStartAfterBookmark) {
    memcpy(s->after, bm->marks, sizeof(s->after));
    s->nafter = bm->nmarks;
    if (!find_bookmarked(s)) {
      free(s);
      return NULL;
    }
    for (int i = 0; i < s->nafter; i++)
      trace("  after %s #%llu", s->after[i].channel, s->after[i].rid);
  }
  s->thread = CreateThread(NULL, 0, player, s, 0, NULL);
  return (EVT_HANDLE)s;
}

EVT_HANDLE WINAPI EvtQuery(EVT_HANDLE session, LPCWSTR path, LPCWSTR query,
                           DWORD flags) {
  struct handle *q = calloc(1, sizeof(*q));
  char *p8 = to_utf8(path), *q8 = to_utf8(query);
  struct record *recs;
  size_t n;

  (void)session;
  (void)flags;
  set_status("");
  q->kind = K_QUERY;
  parse_query(q, p8, q8);
  trace("EvtQuery %s since '%s'", p8 ? p8 : "", q->since);
  free(p8);
  free(q8);
  if (fail_missing(q)) {
    free(q);
    return NULL;
  }
  recs = load_events(&n);
  q->recs = calloc(n ? n : 1, sizeof(*q->recs));
  for (size_t i = 0; i < n; i++) {
    if (selected(q, &recs[i])) {
      q->recs[q->nrecs] = recs[i];
      q->recs[q->nrecs].xml = _strdup(recs[i].xml);
      q->nrecs++;
    }
  }
  free_records(recs, n);
  return (EVT_HANDLE)q;
}

BOOL WINAPI EvtNext(EVT_HANDLE rs, DWORD size, EVT_HANDLE *events,
                    DWORD timeout, DWORD flags, PDWORD returned) {
  struct handle *q = (struct handle *)rs;
  DWORD k = 0;
  (void)timeout;
  (void)flags;
  set_status("");
  if (q == NULL || q->kind != K_QUERY) {
    SetLastError(ERROR_INVALID_HANDLE);
    return FALSE;
  }
  while (k < size && q->pos < q->nrecs)
    events[k++] = (EVT_HANDLE)event_handle(&q->recs[q->pos++]);
  *returned = k;
  if (k == 0) {
    SetLastError(ERROR_NO_MORE_ITEMS);
    return FALSE;
  }
  return TRUE;
}

EVT_HANDLE WINAPI EvtCreateBookmark(LPCWSTR xml) {
  struct handle *b;
  char *x;
  set_status("");
  if (knob("VG_FAKE_FAIL_BOOKMARK") != NULL) {
    set_status("The Event Log service is not available: test failure");
    SetLastError(RPC_S_SERVER_UNAVAILABLE);
    return NULL;
  }
  b = calloc(1, sizeof(*b));
  x = to_utf8(xml);
  b->kind = K_BOOKMARK;
  b->current = -1;
  if (x != NULL) {
    const char *p = x;
    if (strstr(x, "<BookmarkList") == NULL) {
      free(x);
      free(b);
      SetLastError(ERROR_INVALID_PARAMETER);
      return NULL;
    }
    while ((p = strstr(p, "<Bookmark ")) != NULL && b->nmarks < MAX_CHANNELS) {
      const char *end = strstr(p, "/>");
      char rid[32];
      struct mark *m = &b->marks[b->nmarks];
      if (end == NULL || !attr_value(p, end, "Channel", m->channel, 128) ||
          !attr_value(p, end, "RecordId", rid, sizeof(rid))) {
        free(x);
        free(b);
        SetLastError(ERROR_INVALID_PARAMETER);
        return NULL;
      }
      m->rid = strtoull(rid, NULL, 10);
      b->nmarks++;
      p = end;
    }
    trace("EvtCreateBookmark %s", x);
    free(x);
  }
  return (EVT_HANDLE)b;
}

BOOL WINAPI EvtUpdateBookmark(EVT_HANDLE bookmark, EVT_HANDLE event) {
  struct handle *b = (struct handle *)bookmark, *e = (struct handle *)event;
  int i;
  set_status("");
  if (b == NULL || e == NULL || b->kind != K_BOOKMARK || e->kind != K_EVENT) {
    SetLastError(ERROR_INVALID_HANDLE);
    return FALSE;
  }
  for (i = 0; i < b->nmarks; i++)
    if (strcmp(b->marks[i].channel, e->rec.channel) == 0)
      break;
  if (i == b->nmarks) {
    if (b->nmarks == MAX_CHANNELS) {
      SetLastError(ERROR_NOT_ENOUGH_MEMORY);
      return FALSE;
    }
    snprintf(b->marks[i].channel, 128, "%s", e->rec.channel);
    b->nmarks++;
  }
  b->marks[i].rid = e->rec.rid;
  b->current = i;
  return TRUE;
}

BOOL WINAPI EvtRender(EVT_HANDLE context, EVT_HANDLE fragment, DWORD flags,
                      DWORD size, PVOID buffer, PDWORD used, PDWORD count) {
  struct handle *h = (struct handle *)fragment;
  char *text = NULL;
  int n;
  DWORD need;

  (void)context;
  set_status("");
  if (count != NULL)
    *count = 0;
  if (h == NULL) {
    SetLastError(ERROR_INVALID_HANDLE);
    return FALSE;
  }
  if (flags == EvtRenderEventXml && h->kind == K_EVENT) {
    long late = knob_long("VG_FAKE_LATE_MS", -1);
    if (late >= 0 && in_player) {
      trace("slow render of #%llu", h->rec.rid);
      Sleep((DWORD)late);
    }
    text = _strdup(h->rec.xml);
  } else if (flags == EvtRenderBookmark && h->kind == K_BOOKMARK) {
    size_t cap = 64 + (size_t)h->nmarks * 200;
    text = malloc(cap);
    snprintf(text, cap, "<BookmarkList>\r\n");
    for (int i = 0; i < h->nmarks; i++) {
      size_t len = strlen(text);
      snprintf(text + len, cap - len,
               "  <Bookmark Channel='%s' RecordId='%llu'%s/>\r\n",
               h->marks[i].channel, h->marks[i].rid,
               i == h->current ? " IsCurrent='true'" : "");
    }
    strcat(text, "</BookmarkList>");
  } else {
    SetLastError(ERROR_INVALID_PARAMETER);
    return FALSE;
  }
  n = MultiByteToWideChar(CP_UTF8, 0, text, -1, NULL, 0);
  need = (DWORD)n * sizeof(wchar_t);
  *used = need;
  if (buffer == NULL || size < need) {
    free(text);
    SetLastError(ERROR_INSUFFICIENT_BUFFER);
    return FALSE;
  }
  MultiByteToWideChar(CP_UTF8, 0, text, -1, buffer, n);
  free(text);
  return TRUE;
}

BOOL WINAPI EvtClose(EVT_HANDLE object) {
  struct handle *h = (struct handle *)object;
  set_status("");
  if (h == NULL)
    return TRUE;
  if (h->kind == K_SUB && knob("VG_FAKE_LATE_MS") != NULL) {
    /* The player may be inside a callback: return without waiting, and
     * leave the handle to it (a test-only leak). */
    InterlockedExchange(&h->stop, 1);
    trace("EvtClose subscription (not waiting)");
    return TRUE;
  }
  if (h->kind == K_SUB) {
    InterlockedExchange(&h->stop, 1);
    if (h->thread != NULL && GetThreadId(h->thread) != GetCurrentThreadId())
      WaitForSingleObject(h->thread, INFINITE);
    if (h->thread != NULL)
      CloseHandle(h->thread);
    trace("EvtClose subscription");
  }
  close_handle(h);
  return TRUE;
}

/* The calling thread's status text; ERROR_SUCCESS, like the real one. */
DWORD WINAPI EvtGetExtendedStatus(DWORD size, LPWSTR buffer, PDWORD used) {
  DWORD n = (DWORD)wcslen(ext_status) + 1;
  *used = n;
  if (buffer == NULL || size < n)
    return ERROR_INSUFFICIENT_BUFFER;
  memcpy(buffer, ext_status, n * sizeof(wchar_t));
  return ERROR_SUCCESS;
}
