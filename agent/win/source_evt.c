/*
 * The live event source on Windows: one EvtSubscribe push subscription over
 * the Application, Microsoft-Windows-Backup and System channels (a
 * structured QueryList), and on first start or after a boot a backfill with
 * EvtQuery since the boot time.
 *
 * The subscription callback runs on a system thread. It renders the event
 * to XML, moves the subscription's bookmark past it, renders the bookmark,
 * copies both into a locked queue and wakes the loop with uv_async_send.
 * Everything else (parsing, counting, state) happens on the loop thread:
 * for each queued event the channel's bookmark is handed to the agent first
 * and the event second, so that the state write the event causes holds the
 * count and the position together.
 *
 * A failed subscription, or an error the callback reports, is logged and
 * retried with a timer, from 30 s doubling up to 15 min, resuming after the
 * last bookmark. Nothing here ends the process.
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
/* A state whose boot time differs by more than this is from another boot. */
#define BOOT_SAME_S 120

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

struct qitem {
  struct qitem *next;
  char *xml;        /* the event, UTF-8; NULL for an error item */
  char *bookmark;   /* the channel's bookmark XML, or NULL */
  char channel[64]; /* the event's channel */
  DWORD error;      /* EvtSubscribeActionError: the error code */
};

struct vg_source {
  vg_agent *agent;
  uv_loop_t *loop;
  uv_async_t async;
  uv_timer_t retry;
  int open_handles;
  CRITICAL_SECTION lock;
  struct qitem *head, **tail; /* guarded by lock */
  EVT_HANDLE sub;
  EVT_HANDLE bookmark; /* touched by the callback thread while sub is open */
  bool have_position;  /* bookmark holds at least one channel */
  vg_wall_t boot;      /* the current boot time, 0 when unknown */
  vg_wall_t since;     /* events before this are not asked for */
  uint64_t backoff_ms;
  bool stopping;
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
 * belongs to (attribute Boot, seconds UTC; read back by restore_bookmark
 * only), malloc'd; NULL when absent.
 */
static char *bookmark_for(const char *list, const char *channel,
                          vg_wall_t boot) {
  const char *p = list;
  while ((p = strstr(p, "<Bookmark ")) != NULL) {
    const char *end = strstr(p, "/>");
    char ch[128];
    if (end == NULL)
      return NULL;
    if (xml_attr(p, "Channel", ch, sizeof(ch)) && strstr(p, "Channel=") < end &&
        strcmp(ch, channel) == 0) {
      size_t n = (size_t)(end + 2 - p);
      char *out = malloc(n + 64);
      if (out == NULL)
        return NULL;
      snprintf(out, n + 64, "<BookmarkList Boot='%lld'>%.*s</BookmarkList>",
               (long long)boot, (int)n, p);
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
 * Turns one event handle into a queue item: its XML, its channel and the
 * bookmark past it. Updates bm. NULL when the event cannot be rendered.
 */
static struct qitem *make_item(EVT_HANDLE bm, EVT_HANDLE ev, vg_wall_t boot) {
  struct qitem *it = calloc(1, sizeof(*it));
  char *list;
  if (it == NULL)
    return NULL;
  it->xml = render(ev, EvtRenderEventXml);
  if (it->xml == NULL) {
    free(it);
    return NULL;
  }
  if (!xml_text(it->xml, "Channel", it->channel, sizeof(it->channel)))
    it->channel[0] = '\0';
  if (bm != NULL && EvtUpdateBookmark(bm, ev)) {
    list = render(bm, EvtRenderBookmark);
    if (list != NULL && it->channel[0] != '\0')
      it->bookmark = bookmark_for(list, it->channel, boot);
    free(list);
  }
  return it;
}

static void free_item(struct qitem *it) {
  free(it->xml);
  free(it->bookmark);
  free(it);
}

static void push(vg_source *s, struct qitem *it) {
  EnterCriticalSection(&s->lock);
  *s->tail = it;
  s->tail = &it->next;
  LeaveCriticalSection(&s->lock);
  uv_async_send(&s->async);
}

/* The subscription callback, on a system thread. */
static DWORD WINAPI on_event(EVT_SUBSCRIBE_NOTIFY_ACTION action, PVOID ctx,
                             EVT_HANDLE ev) {
  vg_source *s = ctx;
  struct qitem *it;
  if (action == EvtSubscribeActionError) {
    it = calloc(1, sizeof(*it));
    if (it == NULL)
      return 0;
    it->error = (DWORD)(ULONG_PTR)ev;
    if (it->error == 0)
      it->error = ERROR_GEN_FAILURE;
    push(s, it);
    return 0;
  }
  if (action != EvtSubscribeActionDeliver)
    return 0;
  it = make_item(s->bookmark, ev, s->boot);
  if (it == NULL) {
    it = calloc(1, sizeof(*it));
    if (it == NULL)
      return 0;
    it->error = GetLastError() ? GetLastError() : ERROR_GEN_FAILURE;
    /* A rendering failure is reported but does not resubscribe. */
    it->channel[0] = '!';
  }
  push(s, it);
  return 0;
}

/* ---- loop thread ---- */

static void feed(vg_source *s, struct qitem *it) {
  if (it->bookmark != NULL && it->channel[0] != '\0') {
    int rc = vg_agent_set_bookmark(s->agent, it->channel, it->bookmark);
    if (rc != 0)
      vg_log_warn(VG_EV_STATE_ERROR, "the %s bookmark cannot be kept: %s",
                  it->channel, vg_strerror(rc));
    s->have_position = true;
  }
  s->backoff_ms = RETRY_MIN_MS;
  (void)vg_agent_feed_xml(s->agent, it->xml, strlen(it->xml));
}

static void subscribe(vg_source *s);

static void on_retry(uv_timer_t *t) {
  vg_source *s = t->data;
  if (!s->stopping)
    subscribe(s);
}

/* Logs err and tries again after the backoff, which then doubles. */
static void schedule_retry(vg_source *s, const char *what, DWORD err) {
  wchar_t wtext[512];
  DWORD used = 0;
  char *text = NULL;

  if (EvtGetExtendedStatus(512, wtext, &used) && used > 1)
    text = vg_win_utf8(wtext);
  vg_log_error(VG_EV_SOURCE_ERROR,
               "%s failed: error %lu%s%s; retrying in %lu s", what,
               (unsigned long)err, text ? ": " : "", text ? text : "",
               (unsigned long)(s->backoff_ms / 1000));
  free(text);
  if (s->sub != NULL) {
    EvtClose(s->sub);
    s->sub = NULL;
  }
  uv_timer_start(&s->retry, on_retry, s->backoff_ms, 0);
  s->backoff_ms *= 2;
  if (s->backoff_ms > RETRY_MAX_MS)
    s->backoff_ms = RETRY_MAX_MS;
}

static void on_async(uv_async_t *a) {
  vg_source *s = a->data;
  struct qitem *list, *next;
  DWORD error = 0;

  EnterCriticalSection(&s->lock);
  list = s->head;
  s->head = NULL;
  s->tail = &s->head;
  LeaveCriticalSection(&s->lock);

  for (; list != NULL; list = next) {
    next = list->next;
    if (s->stopping) {
    } else if (list->xml != NULL) {
      feed(s, list);
    } else if (list->channel[0] == '!') {
      vg_log_warn(VG_EV_SOURCE_ERROR,
                  "an event could not be rendered: error %lu; skipped",
                  (unsigned long)list->error);
    } else {
      error = list->error;
    }
    free_item(list);
  }
  if (error != 0 && !s->stopping && s->sub != NULL)
    schedule_retry(s, "the event subscription", error);
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

/* The structured query over the three channels. */
static void query_list(vg_wall_t since, wchar_t *out, size_t len) {
  size_t n;
  wchar_t xp[512];
  _snwprintf(out, len, L"<QueryList><Query Id=\"0\">");
  for (int i = 0; i < NCHANNELS; i++) {
    n = wcslen(out);
    channel_xpath(i, since, xp, 512);
    _snwprintf(out + n, len - n, L"<Select Path=\"%ls\">%ls</Select>",
               channels_w[i], xp);
  }
  n = wcslen(out);
  _snwprintf(out + n, len - n, L"</Query></QueryList>");
  out[len - 1] = L'\0';
}

static void subscribe(vg_source *s) {
  wchar_t query[2048];
  DWORD flags;

  query_list(s->since, query, 2048);
  flags = s->have_position ? EvtSubscribeStartAfterBookmark
                           : EvtSubscribeStartAtOldestRecord;
  s->sub =
      EvtSubscribe(NULL, NULL, NULL, query,
                   s->have_position ? s->bookmark : NULL, s, on_event, flags);
  bool after = s->have_position;
  if (s->sub == NULL && s->have_position) {
    /* The bookmark may be unusable: fall back to the time condition. */
    vg_log_warn(VG_EV_SOURCE_ERROR,
                "subscribing after the saved bookmark failed (error %lu); "
                "reading since the boot instead",
                (unsigned long)GetLastError());
    s->sub = EvtSubscribe(NULL, NULL, NULL, query, NULL, s, on_event,
                          EvtSubscribeStartAtOldestRecord);
    after = false;
  }
  if (s->sub == NULL) {
    schedule_retry(s, "EvtSubscribe", GetLastError());
    return;
  }
  vg_log_info(VG_EV_GENERIC, "subscribed to the Event Log (%s)",
              after ? "after the saved bookmark" : "since the boot");
}

/* ---- backfill ---- */

struct bitem {
  struct qitem *it;
  vg_wall_t time;
  size_t seq;
};

static int cmp_bitem(const void *a, const void *b) {
  const struct bitem *x = a, *y = b;
  if (x->time != y->time)
    return x->time < y->time ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
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
 * Reads every channel since s->since with EvtQuery, then feeds the events
 * to the agent in time order (a channel's own order kept), each after its
 * bookmark. A channel that cannot be queried (the Backup channel does not
 * exist without Windows Server Backup) is logged and skipped.
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
      vg_log_warn(VG_EV_SOURCE_ERROR,
                  "cannot read the %s log since the boot: error %lu",
                  channels[i], (unsigned long)GetLastError());
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
        struct qitem *it = make_item(s->bookmark, evs[k], s->boot);
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
        items[n].time = event_time(it->xml);
        items[n].seq = n;
        n++;
      }
    }
    EvtClose(q);
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
 * Restores the subscription's bookmark from the saved per-channel ones:
 * their <Bookmark/> elements joined in one BookmarkList. Returns true when
 * the bookmark holds at least one channel.
 */
static bool restore_bookmark(vg_source *s, const vg_state *st) {
  char xml[4096];
  size_t len;
  bool any = false;
  wchar_t *w;
  EVT_HANDLE bm;

  snprintf(xml, sizeof(xml), "<BookmarkList>");
  for (int i = 0; i < NCHANNELS; i++) {
    const char *saved = vg_state_bookmark(st, channels[i]);
    const char *b, *e;
    char bt[32];
    if (saved == NULL || (b = strstr(saved, "<Bookmark ")) == NULL ||
        (e = strstr(b, "/>")) == NULL)
      continue;
    /* A position from another boot: read everything since this boot. */
    if (!xml_attr(saved, "Boot", bt, sizeof(bt)) || s->boot == 0 ||
        llabs(strtoll(bt, NULL, 10) - (long long)s->boot) > BOOT_SAME_S)
      return false;
    len = strlen(xml);
    if (len + (size_t)(e + 2 - b) + 32 >= sizeof(xml))
      break;
    snprintf(xml + len, sizeof(xml) - len, "%.*s", (int)(e + 2 - b), b);
    any = true;
  }
  if (!any)
    return false;
  len = strlen(xml);
  snprintf(xml + len, sizeof(xml) - len, "</BookmarkList>");
  w = vg_win_wide(xml);
  if (w == NULL)
    return false;
  bm = EvtCreateBookmark(w);
  free(w);
  if (bm == NULL) {
    vg_log_warn(VG_EV_SOURCE_ERROR,
                "the saved bookmark is not usable (error %lu); reading "
                "since the boot",
                (unsigned long)GetLastError());
    return false;
  }
  EvtClose(s->bookmark);
  s->bookmark = bm;
  return true;
}

int vg_source_start(vg_agent *a, uv_loop_t *loop,
                    const struct vg_agent_config *cfg, vg_source **out) {
  vg_source *s;
  vg_state *st = NULL;
  char err[256];

  *out = NULL;
  s = calloc(1, sizeof(*s));
  if (s == NULL)
    return VG_ENOMEM;
  s->agent = a;
  s->loop = loop;
  s->backoff_ms = RETRY_MIN_MS;
  s->tail = &s->head;
  InitializeCriticalSection(&s->lock);
  s->bookmark = EvtCreateBookmark(NULL);
  if (s->bookmark == NULL) {
    vg_log_error(VG_EV_SOURCE_ERROR,
                 "EvtCreateBookmark failed: error %lu; the Event Log "
                 "service may not be available",
                 (unsigned long)GetLastError());
    DeleteCriticalSection(&s->lock);
    free(s);
    return VG_EIO;
  }
  uv_async_init(loop, &s->async, on_async);
  uv_timer_init(loop, &s->retry);
  s->async.data = s;
  s->retry.data = s;
  s->open_handles = 2;

  if (vg_plat_boot_time(&s->boot) == VG_OK)
    s->since = s->boot - BOOT_MARGIN_S;
  else
    s->boot = 0;
  /* The positions saved with the state the agent just loaded; bookmarks
   * taken during another boot are not used (backfill instead). */
  if (cfg->state_path != NULL &&
      vg_state_load(cfg->state_path, &st, err, sizeof(err)) == VG_OK) {
    s->have_position = restore_bookmark(s, st);
    vg_state_free(st);
  }
  if (!s->have_position)
    backfill(s);
  subscribe(s);
  *out = s;
  return VG_OK;
}

static void on_closed(uv_handle_t *h) {
  vg_source *s = h->data;
  if (--s->open_handles > 0)
    return;
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

void vg_source_stop(vg_source *s) {
  if (s == NULL || s->stopping)
    return;
  s->stopping = true;
  /* EvtClose waits for a callback in progress; none runs after it. */
  if (s->sub != NULL) {
    EvtClose(s->sub);
    s->sub = NULL;
  }
  if (s->bookmark != NULL) {
    EvtClose(s->bookmark);
    s->bookmark = NULL;
  }
  uv_timer_stop(&s->retry);
  uv_close((uv_handle_t *)&s->retry, on_closed);
  uv_close((uv_handle_t *)&s->async, on_closed);
}
