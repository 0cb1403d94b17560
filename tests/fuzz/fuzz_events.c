/*
 * Fuzz target of the event XML parser and the session tracker.
 *
 * The input after a 4-byte header is an event stream. It is fed to one
 * parser whole and to another in chunks of random sizes (the header seeds
 * the split, as a followed file is read in whatever pieces the writer
 * left): both must produce the same events. Each event is applied to a
 * state with vg_tracker_apply; after every event the count must follow the
 * counting rules exactly (one more for a counted run, 0 after a boot, the
 * observed value for a calibration, unchanged otherwise), never negative
 * and never above the bound those rules give (one less when a failure
 * takes back a run counted through its 14). A well-ordered stream applied
 * a second time must change nothing (every event is a duplicate), and the
 * state must survive a save and load round trip. A third parser with the
 * pre-scan on (vg_evparser_set_prescan) must give exactly the events that
 * matter (backup channel; Application 12289; System 6005 and 12) that the
 * full parse gives: the pre-scan may pass over only events that cannot,
 * and what it cuts from the events it keeps must change nothing the
 * parser reads. Half the inputs (by a header bit) also ask that parser
 * for the fields replay reads only (vg_evparser_set_fields): it must give
 * exactly those of the full parse.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "vssguard/event.h"
#include "vssguard/state.h"
#include "vssguard/tracker.h"

/* Largest count a VSS 12289 event may set (the tracker's limit). */
#define CALIBRATION_MAX 1000000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A growable text of the events one parser produced. */
struct trace {
  char *p;
  size_t len, cap;
  size_t n;
};

static void trace_add(struct trace *t, const char *s, size_t n) {
  if (t->len + n + 1 > t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 4096;
    while (cap < t->len + n + 1)
      cap *= 2;
    t->p = realloc(t->p, cap);
    FZ_CHECK(t->p != NULL);
    t->cap = cap;
  }
  memcpy(t->p + t->len, s, n);
  t->len += n;
  t->p[t->len] = '\0';
}

/* The fields replay reads (kept_fields in agent/replay.c). */
static const char *const replay_fields[] = {"BackupTime", "HRESULT"};
#define NREPLAY_FIELDS 2

/* True when field i of ev is traced: every field, or with only those
 * replay reads, one of them. */
static bool traced(const struct vg_event *ev, size_t i, bool only) {
  if (!only)
    return true;
  for (size_t k = 0; k < NREPLAY_FIELDS; k++)
    if (strcmp(ev->fields[i].name, replay_fields[k]) == 0)
      return true;
  return false;
}

/* Adds the event to the trace, with every field or (only) those replay
 * reads. */
static void trace_fields(struct trace *t, const struct vg_event *ev,
                         bool only) {
  size_t nf = 0;
  for (size_t i = 0; i < ev->nfields; i++)
    nf += traced(ev, i, only);
  char head[512];
  int n = snprintf(head, sizeof(head), "%s|%s|%u|%d|%llu|%lld.%07u|%zu\n",
                   ev->channel, ev->provider, (unsigned)ev->event_id, ev->level,
                   (unsigned long long)ev->record_id, (long long)ev->time,
                   (unsigned)ev->time_100ns, nf);
  FZ_CHECK(n > 0);
  trace_add(t, head, strlen(head));
  for (size_t i = 0; i < ev->nfields; i++) {
    if (!traced(ev, i, only))
      continue;
    trace_add(t, ev->fields[i].name, strlen(ev->fields[i].name));
    trace_add(t, "=", 1);
    trace_add(t, ev->fields[i].value, strlen(ev->fields[i].value));
    trace_add(t, "\n", 1);
  }
  trace_add(t, ev->text, strlen(ev->text));
  trace_add(t, "\n", 1);
  t->n++;
}

static void trace_event(struct trace *t, const struct vg_event *ev) {
  trace_fields(t, ev, false);
}

/* What the tracker side remembers across events. */
struct run {
  struct trace trace;
  vg_state *state;
  bool count_failed;
  long bound;   /* the largest count the rules allow right now */
  bool ordered; /* record ids rise per channel and times never fall */
  vg_wall_t last_time;
  uint64_t last_rec[3];
  bool replay; /* second pass: every event must be a duplicate */
};

static int channel_index(const char *ch) {
  if (strcmp(ch, "Microsoft-Windows-Backup") == 0)
    return 0;
  if (strcmp(ch, "Application") == 0)
    return 1;
  if (strcmp(ch, "System") == 0)
    return 2;
  return -1;
}

static void check_event(const struct vg_event *ev) {
  FZ_CHECK(memchr(ev->channel, '\0', sizeof(ev->channel)) != NULL);
  FZ_CHECK(memchr(ev->provider, '\0', sizeof(ev->provider)) != NULL);
  FZ_CHECK(ev->nfields <= VG_EVENT_MAX_FIELDS);
  FZ_CHECK(ev->text != NULL);
  for (size_t i = 0; i < ev->nfields; i++) {
    FZ_CHECK(memchr(ev->fields[i].name, '\0', sizeof(ev->fields[i].name)));
    FZ_CHECK(ev->fields[i].value != NULL);
    FZ_CHECK(vg_event_field(ev, ev->fields[i].name) != NULL);
  }
}

/* An event the pre-scan must never pass over. */
static bool matters(const struct vg_event *ev) {
  int ci = channel_index(ev->channel);
  return ci == 0 || (ci == 1 && ev->event_id == 12289) ||
         (ci == 2 && (ev->event_id == 6005 || ev->event_id == 12));
}

/* The full parse: every event, and apart the events that matter (with
 * only the fields replay reads when only_fields). */
struct whole {
  struct trace all, matter;
  bool only_fields;
};

static void on_event_whole(const struct vg_event *ev, void *ud) {
  struct whole *w = ud;
  check_event(ev);
  trace_event(&w->all, ev);
  if (matters(ev))
    trace_fields(&w->matter, ev, w->only_fields);
}

/* The parse with the pre-scan: the events that matter. */
static void on_event_prescan(const struct vg_event *ev, void *ud) {
  check_event(ev);
  if (matters(ev))
    trace_event(ud, ev);
}

static void on_event_chunked(const struct vg_event *ev, void *ud) {
  struct run *r = ud;
  check_event(ev);
  if (!r->replay)
    trace_event(&r->trace, ev);

  int ci = channel_index(ev->channel);
  if (!r->replay && ci >= 0) {
    if (ev->record_id == 0 || ev->record_id <= r->last_rec[ci] ||
        ev->time < r->last_time)
      r->ordered = false;
    r->last_rec[ci] = ev->record_id;
    r->last_time = ev->time;
  }

  struct vg_track_result res;
  int before = vg_state_count(r->state);
  int rc = vg_tracker_apply(r->state, ev, r->count_failed, &res);
  int after = vg_state_count(r->state);
  if (rc != VG_OK) {
    FZ_CHECK(rc == VG_EINVAL && ev->channel[0] == '\0');
    FZ_CHECK(after == before);
    return;
  }
  FZ_CHECK(res.count_before == before && res.count_after == after);
  switch (res.kind) {
  case VG_TRACK_RUN_COUNTED:
    FZ_CHECK(after == before + 1);
    r->bound++;
    break;
  case VG_TRACK_BOOT:
    FZ_CHECK(after == 0);
    r->bound = 0;
    break;
  case VG_TRACK_CALIBRATED:
    FZ_CHECK(after <= CALIBRATION_MAX);
    r->bound = after;
    break;
  case VG_TRACK_RUN_ENDED:
    if (res.uncounted) {
      FZ_CHECK(after == before - 1);
      r->bound--;
    } else {
      FZ_CHECK(after == before);
    }
    break;
  default: FZ_CHECK(after == before); break;
  }
  FZ_CHECK(after >= 0);
  FZ_CHECK(after <= r->bound);
  if (r->replay)
    FZ_CHECK(res.kind == VG_TRACK_DUPLICATE || res.kind == VG_TRACK_IGNORED);
}

/* splitmix64, for the chunk sizes. */
static uint64_t next_rand(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static void feed_chunked(vg_evparser *p, const char *buf, size_t len,
                         uint64_t seed, unsigned maxlog) {
  size_t off = 0;
  while (off < len) {
    size_t n = 1 + (size_t)(next_rand(&seed) % ((size_t)1 << maxlog));
    if (n > len - off)
      n = len - off;
    FZ_CHECK(vg_evparser_feed(p, buf + off, n) == VG_OK);
    off += n;
  }
  FZ_CHECK(vg_evparser_finish(p) == VG_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_quiet();
  if (size < 4)
    return 0;
  uint64_t seed = (uint64_t)data[0] | (uint64_t)data[1] << 8;
  unsigned maxlog = data[2] % 12; /* chunks of 1 .. 4096 bytes */
  uint8_t flags = data[3];
  const char *xml = (const char *)data + 4;
  size_t len = size - 4;

  struct whole w;
  memset(&w, 0, sizeof(w));
  w.only_fields = flags & 4;
  struct trace whole = {0};
  vg_evparser *pw = vg_evparser_new(on_event_whole, &w);
  FZ_CHECK(pw != NULL);
  FZ_CHECK(vg_evparser_feed(pw, xml, len) == VG_OK);
  FZ_CHECK(vg_evparser_finish(pw) == VG_OK);
  whole = w.all;

  struct trace pre = {0};
  vg_evparser *pp = vg_evparser_new(on_event_prescan, &pre);
  FZ_CHECK(pp != NULL);
  vg_evparser_set_prescan(pp, true);
  if (w.only_fields)
    vg_evparser_set_fields(pp, replay_fields, NREPLAY_FIELDS);
  feed_chunked(pp, xml, len, seed + 7, maxlog);
  if (w.matter.len != pre.len ||
      (pre.len > 0 && memcmp(w.matter.p, pre.p, pre.len) != 0)) {
    fprintf(stderr,
            "the pre-scan lost or changed an event that matters (%zu vs %zu "
            "events)\n--- full parse:\n%s\n--- with the pre-scan:\n%s\n",
            w.matter.n, pre.n, w.matter.p ? w.matter.p : "",
            pre.p ? pre.p : "");
    abort();
  }
  FZ_CHECK(vg_evparser_skipped(pp) <= vg_evparser_skipped(pw));
  vg_evparser_free(pp);
  free(pre.p);
  free(w.matter.p);

  struct run r;
  memset(&r, 0, sizeof(r));
  r.state = vg_state_new();
  FZ_CHECK(r.state != NULL);
  r.count_failed = flags & 1;
  r.ordered = true;
  if (flags & 2) {
    /* An agent that knows its boot time before the first event. */
    struct vg_track_result res;
    vg_tracker_boot_time(r.state, 1700000000 + (vg_wall_t)(flags >> 2) * 86400,
                         &res);
    FZ_CHECK(vg_state_count(r.state) == 0);
  }
  vg_evparser *pc = vg_evparser_new(on_event_chunked, &r);
  FZ_CHECK(pc != NULL);
  feed_chunked(pc, xml, len, seed, maxlog);

  if (whole.len != r.trace.len ||
      (whole.len > 0 && memcmp(whole.p, r.trace.p, whole.len) != 0)) {
    fprintf(stderr,
            "chunked parse differs from the whole parse (%zu vs %zu "
            "events)\n--- whole:\n%s\n--- chunked:\n%s\n",
            whole.n, r.trace.n, whole.p ? whole.p : "",
            r.trace.p ? r.trace.p : "");
    abort();
  }
  FZ_CHECK(vg_evparser_skipped(pc) == vg_evparser_skipped(pw));

  if (r.ordered) {
    r.replay = true;
    int before = vg_state_count(r.state);
    feed_chunked(pc, xml, len, seed + 1, maxlog);
    FZ_CHECK(vg_state_count(r.state) == before);
  }

  char *a = vg_state_serialize(r.state);
  FZ_CHECK(a != NULL);
  vg_state *s2 = NULL;
  char err[256];
  if (vg_state_load_string("fuzz.state", a, strlen(a), &s2, err, sizeof(err)) !=
      VG_OK) {
    fprintf(stderr, "state made by the tracker does not load: %s\n%s\n", err,
            a);
    abort();
  }
  FZ_CHECK(vg_state_count(s2) == vg_state_count(r.state));
  vg_state_free(s2);
  free(a);

  vg_evparser_free(pc);
  vg_evparser_free(pw);
  vg_state_free(r.state);
  free(whole.p);
  free(r.trace.p);
  return 0;
}
