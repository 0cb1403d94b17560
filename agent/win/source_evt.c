/*
 * The live event source on Windows: one EvtSubscribe push subscription per
 * channel (System, Microsoft-Windows-Backup, Application), each with its own
 * bookmark, and on first start or after a boot a backfill with EvtQuery
 * since the boot time. The subscriptions do not depend on that boot time
 * staying right, since the clock may be set back after the start: after a
 * bookmark they carry no time condition, and from a channel's oldest record
 * they ask for events from 48 h before it. A subscription after a bookmark
 * is strict: when the bookmarked record is gone (the log was cleared, or
 * overwritten when full, while the agent was stopped) it fails with
 * ERROR_NOT_FOUND instead of beginning after the newest record, and the
 * channel is read again from the time of the last event read from it (see
 * subscribe). A channel that does not exist (no
 * Windows Server Backup feature: error 15007) or fails does not stop the
 * others; it is retried on its own, from 30 s doubling up to 15 min, and added
 * when it appears. An error repeated identically is logged once.
 *
 * The subscription callback runs on a system thread. It renders the event
 * to XML, moves its channel's bookmark past it, renders the bookmark,
 * copies both into a locked queue and wakes the loop with uv_async_send.
 * Everything else (parsing, counting, state) happens on the loop thread:
 * for each queued event the channel's bookmark is handed to the agent first
 * and the event second, so that the state write the event causes holds the
 * count and the position together.
 *
 * Stopping does not rely on EvtClose waiting for a callback in progress
 * (undocumented): callbacks count themselves in and out, a closing flag
 * turns new ones away, and the source waits for the count to reach zero
 * before it closes its handles and frees its memory. Nothing here ends the
 * process.
 */
#include <windows.h>

#include <winevt.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vssguard/agent.h"
#include "vssguard/log.h"
#include "vssguard/platform.h"
#include "vssguard/run.h"
#include "vssguard/state.h"
#include "vssguard/zone.h"
#include "win.h"

#define RETRY_MIN_MS (30u * 1000u)
#define RETRY_MAX_MS (15u * 60u * 1000u)
/* Backfill and subscription start a little before the boot time, since the
 * boot time from GetTickCount64 is an estimate. */
#define BOOT_MARGIN_S 120
/* A subscription from a channel's oldest record (no position yet) asks for
 * events from this long before the boot time: the clock may be set back
 * after the start (a virtual machine whose clock starts hours ahead), and
 * the events logged after that must still come. The tracker takes those
 * from before the boot as stale. */
#define STEP_MARGIN_S (48 * 3600)
/* A state whose boot time differs by more than this is from another boot. */
#define BOOT_SAME_S 120
/* How long stopping waits for callbacks in progress. */
#define STOP_WAIT_MS 10000

/* The channels the agent reads, in backfill order. */
static const wchar_t *const channels_w[] = {
    L"System", L"Microsoft-Windows-Backup", L"Application"};
static const char *const channels[] = {"System", "Microsoft-Windows-Backup",
                                       "Application"};
#define NCHANNELS 3

/* The XPath selection of each channel, without the time condition. */
static const wchar_t *const selects[] = {
    L"(Provider[@Name='EventLog'] and EventID=6005) or "
    L"(Provider[@Name='Microsoft-Windows-Kernel-General'] and EventID=12)",
    L"Provider[@Name='Microsoft-Windows-Backup'] and "
    L"(EventID=1 or EventID=4 or EventID=5 or EventID=14 or "
    L"(Level>=1 and Level<=3))",
    L"Provider[@Name='VSS'] and EventID=12289"};

enum qkind { Q_EVENT, Q_ERROR, Q_RENDER };

struct qitem {
  struct qitem *next;
  enum qkind kind;
  int ch;           /* index of the subscription's channel */
  char *xml;        /* Q_EVENT: the event, UTF-8 */
  char *bookmark;   /* Q_EVENT: the channel's bookmark XML, or NULL */
  char channel[64]; /* Q_EVENT: the event's channel */
  vg_wall_t time;   /* Q_EVENT: the event's time, 0 when unreadable */
  DWORD error;      /* Q_ERROR, Q_RENDER: the error code */
  char *text;       /* Q_ERROR: EvtGetExtendedStatus text, or NULL */
};

struct vg_source;

/* One channel: its subscription, bookmark and retry timer. */
struct channel {
  struct vg_source *s;
  int i;
  EVT_HANDLE sub;
  EVT_HANDLE bookmark; /* touched by the callback thread while sub is open */
  bool have_position;  /* the bookmark points at a record of this boot */
  vg_wall_t last_time; /* time of the last event read on it, 0: unknown */
  bool gone_logged;    /* its bookmarked record was found gone: logged */
  uv_timer_t retry;
  uint64_t backoff_ms;
  uint64_t logged; /* hash of the last error logged, 0: none */
};

struct vg_source {
  vg_agent *agent;
  uv_loop_t *loop;
  uv_async_t async;
  int open_handles;
  CRITICAL_SECTION lock;
  struct qitem *head, **tail; /* guarded by lock */
  struct channel ch[NCHANNELS];
  vg_wall_t boot;  /* the current boot time, 0 when unknown */
  vg_wall_t since; /* events before this are not asked for */
  bool stopping;
  bool leak;              /* a callback never ended: keep the memory */
  volatile LONG inflight; /* callbacks running */
  volatile LONG closing;  /* set when stopping: callbacks turn back */
};

/* ---- small XML helpers (rendered events and bookmarks) ---- */

/* Copies the text of the first <tag>...</tag> into out. */
static bool xml_text(const char *xml, const char *tag, char *out, size_t len) {
  char open[64];
  const char *s, *e;
  snprintf(open, sizeof(open), "<%s>", tag);
  s = strstr(xml, open);
  if (s == NULL)
    return false;
  s += strlen(open);
  e = strchr(s, '<');
  if (e == NULL || (size_t)(e - s) >= len)
    return false;
  memcpy(out, s, (size_t)(e - s));
  out[e - s] = '\0';
  return true;
}

/* The value of attribute name (quoted with ' or ") after p, into out. */
static bool xml_attr(const char *p, const char *name, char *out, size_t len) {
  char pat[64];
  const char *s, *e;
  snprintf(pat, sizeof(pat), "%s=", name);
  s = strstr(p, pat);
  if (s == NULL)
    return false;
  s += strlen(pat);
  if (*s != '\'' && *s != '"')
    return false;
  e = strchr(s + 1, *s);
  if (e == NULL || (size_t)(e - s - 1) >= len)
    return false;
  memcpy(out, s + 1, (size_t)(e - s - 1));
  out[e - s - 1] = '\0';
  return true;
}

/*
 * The <Bookmark .../> element of channel in a rendered BookmarkList,
 * wrapped in a BookmarkList of its own that also records the boot time it
 * belongs to and the time of the bookmarked event (attributes Boot and
 * Time, seconds UTC; read back by restore_bookmarks only), malloc'd; NULL
 * when absent.
 */
static char *bookmark_for(const char *list, const char *channel, vg_wall_t boot,
                          vg_wall_t time) {
  const char *p = list;
  while ((p = strstr(p, "<Bookmark ")) != NULL) {
    const char *end = strstr(p, "/>");
    char ch[128];
    if (end == NULL)
      return NULL;
    if (xml_attr(p, "Channel", ch, sizeof(ch)) && strstr(p, "Channel=") < end &&
        strcmp(ch, channel) == 0) {
      size_t n = (size_t)(end + 2 - p);
      char *out = malloc(n + 96);
      if (out == NULL)
        return NULL;
      snprintf(out, n + 96,
               "<BookmarkList Boot='%lld' Time='%lld'>%.*s</BookmarkList>",
               (long long)boot, (long long)time, (int)n, p);
      return out;
    }
    p = end;
  }
  return NULL;
}

/* ---- rendering (any thread) ---- */

/* Renders an event or a bookmark to UTF-8 (the two-call size pattern). */
static char *render(EVT_HANDLE h, DWORD flags) {
  DWORD used = 0, props = 0;
  wchar_t *buf;
  char *out;

  if (EvtRender(NULL, h, flags, 0, NULL, &used, &props))
    return NULL; /* an empty rendering is of no use */
  if (GetLastError() != ERROR_INSUFFICIENT_BUFFER || used == 0)
    return NULL;
  buf = malloc(used + sizeof(wchar_t));
  if (buf == NULL)
    return NULL;
  if (!EvtRender(NULL, h, flags, used, buf, &used, &props)) {
    free(buf);
    return NULL;
  }
  buf[used / sizeof(wchar_t)] = L'\0';
  out = vg_win_utf8(buf);
  free(buf);
  return out;
}

/*
 * The calling thread's extended status text (EvtGetExtendedStatus, which
 * returns ERROR_SUCCESS when it gives one), malloc'd, or NULL. Call it on
 * the thread of the failed Evt call, before any other Evt call.
 */
static char *extended_status(void) {
  wchar_t w[512];
  DWORD used = 0;
  if (EvtGetExtendedStatus(512, w, &used) != ERROR_SUCCESS || used <= 1)
    return NULL;
  w[511] = L'\0';
  return vg_win_utf8(w);
}

static vg_wall_t event_time(const char *xml) {
  const char *p = strstr(xml, "<TimeCreated");
  char t[64];
  vg_wall_t w = 0;
  if (p != NULL && xml_attr(p, "SystemTime", t, sizeof(t)))
    (void)vg_time_parse(t, NULL, &w);
  return w;
}

/*
 * Turns one event handle into a queue item: its XML, its channel, its time
 * and the bookmark past it. Updates bm. NULL when the event cannot be
 * rendered.
 */
static struct qitem *make_item(EVT_HANDLE bm, EVT_HANDLE ev, vg_wall_t boot,
                               int ch) {
  struct qitem *it = calloc(1, sizeof(*it));
  char *list;
  if (it == NULL)
    return NULL;
  it->kind = Q_EVENT;
  it->ch = ch;
  it->xml = render(ev, EvtRenderEventXml);
  if (it->xml == NULL) {
    free(it);
    return NULL;
  }
  if (!xml_text(it->xml, "Channel", it->channel, sizeof(it->channel)))
    it->channel[0] = '\0';
  it->time = event_time(it->xml);
  if (bm != NULL && EvtUpdateBookmark(bm, ev)) {
    list = render(bm, EvtRenderBookmark);
    if (list != NULL && it->channel[0] != '\0')
      it->bookmark = bookmark_for(list, it->channel, boot, it->time);
    free(list);
  }
  return it;
}

static void free_item(struct qitem *it) {
  free(it->xml);
  free(it->bookmark);
  free(it->text);
  free(it);
}

static bool closing(vg_source *s) {
  return InterlockedCompareExchange(&s->closing, 0, 0) != 0;
}

static void push(vg_source *s, struct qitem *it) {
  EnterCriticalSection(&s->lock);
  *s->tail = it;
  s->tail = &it->next;
  LeaveCriticalSection(&s->lock);
  /* While closing, the loop no longer reads the queue; stop frees it. */
  if (!closing(s))
    uv_async_send(&s->async);
}

/* The subscription callback, on a system thread. */
static DWORD WINAPI on_event(EVT_SUBSCRIBE_NOTIFY_ACTION action, PVOID ctx,
                             EVT_HANDLE ev) {
  struct channel *c = ctx;
  vg_source *s = c->s;
  struct qitem *it = NULL;

  InterlockedIncrement(&s->inflight);
  if (closing(s)) {
    InterlockedDecrement(&s->inflight);
    return 0;
  }
  if (action == EvtSubscribeActionError) {
    /* The status text belongs to this thread: read it first. */
    char *text = extended_status();
    it = calloc(1, sizeof(*it));
    if (it != NULL) {
      it->kind = Q_ERROR;
      it->ch = c->i;
      it->text = text;
      it->error = (DWORD)(ULONG_PTR)ev;
      if (it->error == 0)
        it->error = ERROR_GEN_FAILURE;
    } else {
      free(text);
    }
  } else if (action == EvtSubscribeActionDeliver) {
    it = make_item(c->bookmark, ev, s->boot, c->i);
    if (it == NULL) {
      DWORD err = GetLastError();
      it = calloc(1, sizeof(*it));
      if (it != NULL) {
        /* A rendering failure is reported but does not resubscribe. */
        it->kind = Q_RENDER;
        it->ch = c->i;
        it->error = err ? err : ERROR_GEN_FAILURE;
      }
    }
  }
  if (it != NULL)
    push(s, it);
  InterlockedDecrement(&s->inflight);
  return 0;
}

/* ---- loop thread ---- */

static void feed(vg_source *s, struct qitem *it) {
  struct channel *c = &s->ch[it->ch];
  if (it->bookmark != NULL && it->channel[0] != '\0') {
    int rc = vg_agent_set_bookmark(s->agent, it->channel, it->bookmark);
    if (rc != 0)
      vg_log_warn(VG_EV_STATE_ERROR, "the %s bookmark cannot be kept: %s",
                  it->channel, vg_strerror(rc));
    else if (strcmp(it->channel, channels[c->i]) == 0)
      c->have_position = true;
  }
  if (strcmp(it->channel, channels[c->i]) == 0) {
    if (it->time != 0)
      c->last_time = it->time;
    c->gone_logged = false;
  }
  c->backoff_ms = RETRY_MIN_MS;
  (void)vg_agent_feed_xml(s->agent, it->xml, strlen(it->xml));
}

static void subscribe(struct channel *c);

static void on_retry(uv_timer_t *t) {
  struct channel *c = t->data;
  if (!c->s->stopping)
    subscribe(c);
}

/* FNV-1a of what identifies an error: what failed, the code, the text. */
static uint64_t error_hash(const char *what, DWORD err, const char *text) {
  uint64_t h = 14695981039346656037u;
  char code[16];
  const char *parts[3] = {what, code, text ? text : ""};
  snprintf(code, sizeof(code), "%lu", (unsigned long)err);
  for (int i = 0; i < 3; i++) {
    for (const char *p = parts[i]; *p; p++)
      h = (h ^ (unsigned char)*p) * 1099511628211u;
    h = (h ^ 0xff) * 1099511628211u;
  }
  return h == 0 ? 1 : h;
}

/*
 * Logs a failure of channel c (unless it is the same as the last one
 * logged for it), closes its subscription and retries after the backoff,
 * which then doubles. text is the extended status, or NULL.
 */
static void channel_failed(struct channel *c, const char *what, DWORD err,
                           const char *text) {
  uint64_t h = error_hash(what, err, text);
  if (h != c->logged) {
    vg_log_error(VG_EV_SOURCE_ERROR,
                 "%s failed: error %lu%s%s; retrying in %lu s", what,
                 (unsigned long)err, text ? ": " : "", text ? text : "",
                 (unsigned long)(c->backoff_ms / 1000));
    c->logged = h;
  } else {
    vg_log_debug("%s failed again: error %lu; retrying in %lu s", what,
                 (unsigned long)err, (unsigned long)(c->backoff_ms / 1000));
  }
  if (c->sub != NULL) {
    EvtClose(c->sub);
    c->sub = NULL;
  }
  uv_timer_start(&c->retry, on_retry, c->backoff_ms, 0);
  c->backoff_ms *= 2;
  if (c->backoff_ms > RETRY_MAX_MS)
    c->backoff_ms = RETRY_MAX_MS;
}

static void on_async(uv_async_t *a) {
  vg_source *s = a->data;
  struct qitem *list, *next;
  struct qitem *errors[NCHANNELS] = {NULL};

  EnterCriticalSection(&s->lock);
  list = s->head;
  s->head = NULL;
  s->tail = &s->head;
  LeaveCriticalSection(&s->lock);

  for (; list != NULL; list = next) {
    next = list->next;
    if (s->stopping) {
    } else if (list->kind == Q_EVENT) {
      feed(s, list);
    } else if (list->kind == Q_RENDER) {
      vg_log_warn(VG_EV_SOURCE_ERROR,
                  "an event of the %s log could not be rendered: error %lu; "
                  "skipped",
                  channels[list->ch], (unsigned long)list->error);
    } else if (errors[list->ch] == NULL) {
      errors[list->ch] = list;
      continue;
    }
    free_item(list);
  }
  for (int i = 0; i < NCHANNELS; i++) {
    struct qitem *e = errors[i];
    if (e == NULL)
      continue;
    if (!s->stopping && s->ch[i].sub != NULL) {
      char what[128];
      snprintf(what, sizeof(what), "the %s subscription", channels[i]);
      channel_failed(&s->ch[i], what, e->error, e->text);
    }
    free_item(e);
  }
}

/* Formats t for an XPath SystemTime comparison. */
static void xpath_time(vg_wall_t t, wchar_t *out, size_t len) {
  struct vg_civil c;
  struct vg_zone utc = {VG_ZONE_UTC, 0, NULL};
  vg_zone_to_civil(&utc, t, &c);
  _snwprintf(out, len, L"%04d-%02d-%02dT%02d:%02d:%02d.000Z", c.year, c.mon,
             c.mday, c.hour, c.min, c.sec);
  out[len - 1] = L'\0';
}

/* The XPath of channel i, with the time condition when since != 0. */
static void channel_xpath(int i, vg_wall_t since, wchar_t *out, size_t len) {
  wchar_t t[40];
  if (since != 0) {
    xpath_time(since, t, 40);
    _snwprintf(out, len,
               L"*[System[(%ls) and TimeCreated[@SystemTime>='%ls']]]",
               selects[i], t);
  } else {
    _snwprintf(out, len, L"*[System[%ls]]", selects[i]);
  }
  out[len - 1] = L'\0';
}

/*
 * Subscribes channel c after its bookmark (after) or from its oldest record
 * with the time condition from (0: none). After a bookmark there is no time
 * condition: it would drop the events logged after the clock was set back
 * below it. The subscription is strict: a bookmarked record that is gone
 * (the log was cleared or wrapped) fails the call with ERROR_NOT_FOUND;
 * without EvtSubscribeStrict it would begin after the record closest to it,
 * after a clear the newest one, and skip every event logged since the clear
 * (EVT_SUBSCRIBE_FLAGS, learn.microsoft.com).
 */
static EVT_HANDLE try_subscribe(struct channel *c, bool after, vg_wall_t from,
                                DWORD *err, char **text) {
  wchar_t xp[512];
  EVT_HANDLE h;
  channel_xpath(c->i, after ? 0 : from, xp, 512);
  h = EvtSubscribe(NULL, NULL, channels_w[c->i], xp, after ? c->bookmark : NULL,
                   c, on_event,
                   after ? EvtSubscribeStartAfterBookmark | EvtSubscribeStrict
                         : EvtSubscribeStartAtOldestRecord);
  if (h == NULL) {
    *err = GetLastError();
    /* Before any other Evt call on this thread. */
    *text = extended_status();
  }
  return h;
}

/*
 * Where channel c is read from when its bookmarked record is gone: the
 * time of the last event read from it, or the boot's backfill time when
 * that is later or the time unknown. Every record the log holds then was
 * logged after the bookmarked one (a cleared log restarts its record ids, a
 * full one drops its oldest records), so nothing is skipped; the tracker
 * takes a lower record id on a newer event for a cleared log, and a run read
 * again keeps its identity (BackupTime), so nothing counts twice.
 */
static vg_wall_t gone_from(const struct channel *c) {
  vg_wall_t since = c->s->since;
  return c->last_time > since ? c->last_time : since;
}

/*
 * Subscribes channel c: after its bookmark when it has one, else from its
 * oldest record since STEP_MARGIN_S before the boot (the XPath's time
 * condition). A bookmarked record that is gone is logged once (event
 * LOG_CLEARED) and the channel read from gone_from instead.
 */
static void subscribe(struct channel *c) {
  DWORD err = 0;
  char *text = NULL;
  char what[128];
  bool after = c->have_position;
  vg_wall_t from = c->s->since == 0 ? 0 : c->s->since - STEP_MARGIN_S;
  bool gone = false;

  c->sub = try_subscribe(c, after, from, &err, &text);
  if (c->sub == NULL && after && err == ERROR_NOT_FOUND) {
    char t[40] = "its oldest record";
    gone = true;
    from = gone_from(c);
    if (from != 0)
      vg_time_format(from, NULL, t, sizeof(t));
    if (!c->gone_logged)
      vg_log_warn(VG_EV_LOG_CLEARED,
                  "the %s log no longer holds the event of the saved "
                  "bookmark: it was cleared, or overwritten when full, "
                  "while the agent was stopped; reading it from %s",
                  channels[c->i], t);
    c->gone_logged = true;
    free(text);
    text = NULL;
    after = false;
    c->sub = try_subscribe(c, false, from, &err, &text);
  } else if (c->sub == NULL && after) {
    /* The bookmark may be unusable: fall back to the time condition. */
    vg_log_warn(VG_EV_SOURCE_ERROR,
                "subscribing to the %s log after the saved bookmark failed "
                "(error %lu%s%s); reading since the boot instead",
                channels[c->i], (unsigned long)err, text ? ": " : "",
                text ? text : "");
    free(text);
    text = NULL;
    after = false;
    c->sub = try_subscribe(c, false, from, &err, &text);
  }
  if (c->sub == NULL) {
    snprintf(what, sizeof(what), "subscribing to the %s log", channels[c->i]);
    channel_failed(c, what, err, text);
    free(text);
    return;
  }
  c->logged = 0;
  vg_log_info(VG_EV_GENERIC, "subscribed to the %s log (%s)", channels[c->i],
              after  ? "after the saved bookmark"
              : gone ? "from the last event read, its bookmarked event gone"
                     : "since the boot");
}

/* ---- backfill ---- */

struct bitem {
  struct qitem *it;
  vg_wall_t time; /* the merge key (see backfill) */
  size_t seq;
  int ch;
};

static int cmp_bitem(const void *a, const void *b) {
  const struct bitem *x = a, *y = b;
  if (x->time != y->time)
    return x->time < y->time ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Reads every channel since s->since with EvtQuery, then feeds the events
 * to the agent each after its bookmark: each channel in record order (the
 * query's, as the subscriptions deliver it), the channels merged by time.
 * An event's merge key is the earliest time of itself and the events after
 * it in its channel, so a clock set back between two events of a channel
 * does not reorder them (an older VSS 12289 applied last would set the
 * count back, and its bookmark, saved last, would read the newer one
 * again); agent/replay.c merges a file's channels the same way. A channel
 * that cannot be queried (the Backup channel does not exist without
 * Windows Server Backup) is logged and skipped.
 */
static void backfill(vg_source *s) {
  struct bitem *items = NULL;
  size_t n = 0, cap = 0;
  size_t fed = 0;

  for (int i = 0; i < NCHANNELS; i++) {
    wchar_t xp[512];
    EVT_HANDLE q;
    channel_xpath(i, s->since, xp, 512);
    q = EvtQuery(NULL, channels_w[i], xp,
                 EvtQueryChannelPath | EvtQueryForwardDirection);
    if (q == NULL) {
      DWORD err = GetLastError();
      char *text = extended_status();
      vg_log_warn(VG_EV_SOURCE_ERROR,
                  "cannot read the %s log since the boot: error %lu%s%s",
                  channels[i], (unsigned long)err, text ? ": " : "",
                  text ? text : "");
      free(text);
      continue;
    }
    for (;;) {
      EVT_HANDLE evs[32];
      DWORD got = 0;
      if (!EvtNext(q, 32, evs, INFINITE, 0, &got)) {
        DWORD err = GetLastError();
        if (err != ERROR_NO_MORE_ITEMS)
          vg_log_warn(VG_EV_SOURCE_ERROR, "reading the %s log: error %lu",
                      channels[i], (unsigned long)err);
        break;
      }
      for (DWORD k = 0; k < got; k++) {
        struct qitem *it = make_item(s->ch[i].bookmark, evs[k], s->boot, i);
        EvtClose(evs[k]);
        if (it == NULL)
          continue;
        if (n == cap) {
          size_t ncap = cap ? cap * 2 : 256;
          struct bitem *b = realloc(items, ncap * sizeof(*b));
          if (b == NULL) {
            free_item(it);
            continue;
          }
          items = b;
          cap = ncap;
        }
        items[n].it = it;
        items[n].time = it->time;
        items[n].seq = n;
        items[n].ch = i;
        n++;
      }
    }
    EvtClose(q);
  }
  /* Each channel's items are together, in record order: from its last,
   * the earliest time so far is the key (a time that could not be read,
   * 0, moves nothing). */
  vg_wall_t earliest = 0;
  for (size_t k = n; k > 0; k--) {
    struct bitem *b = &items[k - 1];
    if (k == n || b->ch != items[k].ch)
      earliest = 0;
    if (b->time != 0 && (earliest == 0 || b->time < earliest))
      earliest = b->time;
    b->time = earliest;
  }
  if (n > 0)
    qsort(items, n, sizeof(*items), cmp_bitem);
  for (size_t i = 0; i < n; i++) {
    feed(s, items[i].it);
    free_item(items[i].it);
    fed++;
  }
  free(items);
  vg_log_info(VG_EV_GENERIC, "read %lu event(s) logged since the boot",
              (unsigned long)fed);
}

/*
 * Restores each channel's bookmark from the state: its saved <Bookmark/>
 * element in a BookmarkList of its own. Returns false, and restores none,
 * when a saved position is from another boot (everything since this boot
 * is then read again); a channel without a usable one starts from its
 * oldest record of this boot.
 */
static bool restore_bookmarks(vg_source *s, const vg_state *st) {
  bool any = false;
  for (int i = 0; i < NCHANNELS; i++) {
    const char *saved = vg_state_bookmark(st, channels[i]);
    const char *b, *e;
    char bt[32];
    if (saved == NULL || (b = strstr(saved, "<Bookmark ")) == NULL ||
        (e = strstr(b, "/>")) == NULL)
      continue;
    if (!xml_attr(saved, "Boot", bt, sizeof(bt)) || s->boot == 0 ||
        llabs(strtoll(bt, NULL, 10) - (long long)s->boot) > BOOT_SAME_S)
      return false;
  }
  for (int i = 0; i < NCHANNELS; i++) {
    struct channel *c = &s->ch[i];
    const char *saved = vg_state_bookmark(st, channels[i]);
    const char *b, *e;
    char xml[1024], bt[32];
    wchar_t *w;
    EVT_HANDLE bm;
    if (saved == NULL || (b = strstr(saved, "<Bookmark ")) == NULL ||
        (e = strstr(b, "/>")) == NULL || (size_t)(e + 2 - b) + 64 > sizeof(xml))
      continue;
    snprintf(xml, sizeof(xml), "<BookmarkList>%.*s</BookmarkList>",
             (int)(e + 2 - b), b);
    w = vg_win_wide(xml);
    if (w == NULL)
      continue;
    bm = EvtCreateBookmark(w);
    free(w);
    if (bm == NULL) {
      vg_log_warn(VG_EV_SOURCE_ERROR,
                  "the saved %s bookmark is not usable (error %lu); reading "
                  "that log since the boot",
                  channels[i], (unsigned long)GetLastError());
      continue;
    }
    EvtClose(c->bookmark);
    c->bookmark = bm;
    c->have_position = true;
    /* The bookmarked event's time (a state of an older agent has none). */
    c->last_time =
        xml_attr(saved, "Time", bt, sizeof(bt)) ? strtoll(bt, NULL, 10) : 0;
    any = true;
  }
  return any;
}

/* Called as each handle closes: the last one frees the source. */
static void release(vg_source *s) {
  if (--s->open_handles > 0)
    return;
  if (s->leak)
    return; /* a callback may still use it */
  EnterCriticalSection(&s->lock);
  while (s->head != NULL) {
    struct qitem *it = s->head;
    s->head = it->next;
    free_item(it);
  }
  LeaveCriticalSection(&s->lock);
  DeleteCriticalSection(&s->lock);
  free(s);
}

static void on_async_closed(uv_handle_t *h) {
  release(h->data);
}

static void on_retry_closed(uv_handle_t *h) {
  struct channel *c = h->data;
  release(c->s);
}

int vg_source_start(vg_agent *a, uv_loop_t *loop,
                    const struct vg_agent_config *cfg, vg_source **out) {
  vg_source *s;
  vg_state *st = NULL;
  char err[256];
  bool any = false;

  *out = NULL;
  s = calloc(1, sizeof(*s));
  if (s == NULL)
    return VG_ENOMEM;
  s->agent = a;
  s->loop = loop;
  s->tail = &s->head;
  InitializeCriticalSection(&s->lock);
  for (int i = 0; i < NCHANNELS; i++) {
    struct channel *c = &s->ch[i];
    c->s = s;
    c->i = i;
    c->backoff_ms = RETRY_MIN_MS;
    c->bookmark = EvtCreateBookmark(NULL);
    if (c->bookmark == NULL) {
      DWORD e = GetLastError();
      char *text = extended_status();
      vg_log_error(VG_EV_SOURCE_ERROR,
                   "EvtCreateBookmark failed: error %lu%s%s; the Event Log "
                   "service may not be available",
                   (unsigned long)e, text ? ": " : "", text ? text : "");
      free(text);
      for (int k = 0; k < i; k++)
        EvtClose(s->ch[k].bookmark);
      DeleteCriticalSection(&s->lock);
      free(s);
      return VG_EIO;
    }
  }
  uv_async_init(loop, &s->async, on_async);
  s->async.data = s;
  for (int i = 0; i < NCHANNELS; i++) {
    uv_timer_init(loop, &s->ch[i].retry);
    s->ch[i].retry.data = &s->ch[i];
  }
  s->open_handles = 1 + NCHANNELS;

  if (vg_plat_boot_time(&s->boot) == VG_OK)
    s->since = s->boot - BOOT_MARGIN_S;
  else
    s->boot = 0;
  /* The positions saved with the state the agent just loaded; bookmarks
   * taken during another boot are not used (backfill instead). */
  if (cfg->state_path != NULL &&
      vg_state_load(cfg->state_path, &st, err, sizeof(err)) == VG_OK) {
    any = restore_bookmarks(s, st);
    vg_state_free(st);
  }
  if (!any)
    backfill(s);
  for (int i = 0; i < NCHANNELS; i++)
    subscribe(&s->ch[i]);
  *out = s;
  return VG_OK;
}

void vg_source_stop(vg_source *s) {
  int waited = 0;
  if (s == NULL || s->stopping)
    return;
  s->stopping = true;
  InterlockedExchange(&s->closing, 1);
  for (int i = 0; i < NCHANNELS; i++) {
    if (s->ch[i].sub != NULL) {
      EvtClose(s->ch[i].sub);
      s->ch[i].sub = NULL;
    }
  }
  /* A callback that started before the flag was set may still run after
   * EvtClose returned: wait for it before what it uses goes away. */
  while (InterlockedCompareExchange(&s->inflight, 0, 0) != 0 &&
         waited < STOP_WAIT_MS) {
    Sleep(10);
    waited += 10;
  }
  if (InterlockedCompareExchange(&s->inflight, 0, 0) != 0) {
    vg_log_error(VG_EV_SOURCE_ERROR,
                 "an Event Log callback did not end within %d s; its memory "
                 "is left allocated",
                 STOP_WAIT_MS / 1000);
    s->leak = true;
  } else if (waited > 0) {
    vg_log_debug("waited %d ms for an Event Log callback to end", waited);
  }
  for (int i = 0; i < NCHANNELS; i++) {
    if (!s->leak && s->ch[i].bookmark != NULL) {
      EvtClose(s->ch[i].bookmark);
      s->ch[i].bookmark = NULL;
    }
    uv_timer_stop(&s->ch[i].retry);
    uv_close((uv_handle_t *)&s->ch[i].retry, on_retry_closed);
  }
  uv_close((uv_handle_t *)&s->async, on_async_closed);
}
