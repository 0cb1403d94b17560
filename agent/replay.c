/*
 * Replay of a recorded event history in simulated time, through the same
 * tracker and the same decision function (vg_decide) as the live agent.
 * See include/vssguard/replay.h for the model.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vssguard/decide.h"
#include "vssguard/replay.h"
#include "vssguard/tracker.h"

/* A bound on decisions between two events, against a decision that loops. */
#define MAX_STEPS_PER_EVENT 10000

struct vg_replay {
  const vg_policy *policy;
  uint64_t seed;
  vg_replay_cb cb;
  void *ud;
  vg_state *state;
  bool started;      /* the first event set the simulated clock */
  bool dirty;        /* the state changed since the last decision */
  bool idle;         /* the last decision needs no time to pass */
  vg_wall_t wake;    /* the last decision's next instant (when !idle) */
  bool locked_told;  /* LOCKED reported since the last change */
  bool noslot_told;  /* NO_SLOT reported since the last change */
  bool diverged;     /* a simulated reboot, no recorded boot since */
  bool ignored_told; /* CALIBRATION_IGNORED reported since that reboot */
  char last_postpone[256];
  size_t rcap;
  int err; /* first error met inside the parser callback */
  struct vg_replay_stats st;
};

const char *vg_replay_kind_name(enum vg_replay_kind k) {
  switch (k) {
  case VG_REPLAY_RUN_COUNTED: return "run counted";
  case VG_REPLAY_RUN_FAILED: return "failed run not counted";
  case VG_REPLAY_CALIBRATED: return "calibrated";
  case VG_REPLAY_BOOT: return "boot";
  case VG_REPLAY_SCHEDULED: return "reboot scheduled";
  case VG_REPLAY_POSTPONED: return "postponed";
  case VG_REPLAY_REBOOT: return "would reboot";
  case VG_REPLAY_REBOOT_BOOT: return "boot after reboot";
  case VG_REPLAY_LOCKED: return "locked";
  case VG_REPLAY_NO_SLOT: return "no slot";
  case VG_REPLAY_CALIBRATION_IGNORED: return "calibration ignored";
  case VG_REPLAY_VERIFIED: return "remediation verified";
  case VG_REPLAY_FOREIGN: return "foreign sessions";
  }
  return "?";
}

int vg_replay_new(const vg_policy *policy, uint64_t seed, vg_replay_cb cb,
                  void *ud, vg_replay **out) {
  *out = NULL;
  if (policy == NULL)
    return VG_EINVAL;
  vg_replay *r = calloc(1, sizeof(*r));
  if (r == NULL)
    return VG_ENOMEM;
  r->state = vg_state_new();
  if (r->state == NULL) {
    free(r);
    return VG_ENOMEM;
  }
  r->policy = policy;
  r->seed = seed;
  r->cb = cb;
  r->ud = ud;
  r->dirty = true;
  *out = r;
  return 0;
}

void vg_replay_free(vg_replay *r) {
  if (r == NULL)
    return;
  vg_state_free(r->state);
  free(r->st.reboots);
  free(r);
}

const struct vg_replay_stats *vg_replay_stats(const vg_replay *r) {
  return &r->st;
}

const vg_state *vg_replay_state(const vg_replay *r) {
  return r->state;
}

/* Fills the common fields of an entry and hands it to the callback. */
static void emit(vg_replay *r, struct vg_replay_entry *e) {
  int c = vg_state_count(r->state);
  if (c > r->st.max_count)
    r->st.max_count = c;
  r->st.final_count = c;
  if (r->cb == NULL)
    return;
  e->at = e->at ? e->at : r->st.now;
  e->threshold = vg_policy_threshold(r->policy);
  r->cb(e, r->ud);
}

static void note_change(vg_replay *r) {
  r->dirty = true;
  r->locked_told = false;
  r->noslot_told = false;
}

/* Records the reboot the decision asked for and simulates the boot after it. */
static int do_reboot(vg_replay *r, const struct vg_decision *d) {
  int count = vg_state_count(r->state);
  struct vg_sched sched;
  vg_state_scheduled(r->state, &sched);
  if (vg_state_record_attempt(r->state, r->st.now) == VG_ELOCKED) {
    r->st.locked = true;
    if (!r->locked_told) {
      struct vg_replay_entry e = {.kind = VG_REPLAY_LOCKED,
                                  .count_before = count,
                                  .count_after = count,
                                  .why = "reboot attempts exhausted"};
      emit(r, &e);
      r->locked_told = true;
    }
    return 0;
  }
  if (r->st.nreboots == r->rcap) {
    size_t cap = r->rcap ? r->rcap * 2 : 16;
    struct vg_replay_reboot *rb = realloc(r->st.reboots, cap * sizeof(*rb));
    if (rb == NULL)
      return VG_ENOMEM;
    r->st.reboots = rb;
    r->rcap = cap;
  }
  r->st.reboots[r->st.nreboots].at = r->st.now;
  r->st.reboots[r->st.nreboots].count = count;
  r->st.nreboots++;
  struct vg_replay_entry e = {.kind = VG_REPLAY_REBOOT,
                              .count_before = count,
                              .count_after = count,
                              .sched = sched,
                              .why = d->why};
  emit(r, &e);

  struct vg_sched none;
  memset(&none, 0, sizeof(none));
  vg_state_set_scheduled(r->state, &none);
  r->st.now += VG_REPLAY_BOOT_DELAY_S;
  struct vg_track_result tr;
  memset(&tr, 0, sizeof(tr));
  vg_tracker_boot_time(r->state, r->st.now, &tr);
  struct vg_replay_entry b = {.kind = VG_REPLAY_REBOOT_BOOT,
                              .count_before = count,
                              .count_after = vg_state_count(r->state)};
  emit(r, &b);
  note_change(r);
  r->diverged = true;
  r->ignored_told = false;
  r->last_postpone[0] = '\0';
  return 0;
}

/*
 * Runs the decisions from the simulated clock up to until: each WAIT whose
 * instant is not after until moves the clock there and decides again.
 */
static int decide_until(vg_replay *r, vg_wall_t until) {
  if (!r->dirty && (r->idle || r->wake > until))
    return 0;
  for (int step = 0; step < MAX_STEPS_PER_EVENT; step++) {
    struct vg_decide_input in = {.policy = r->policy,
                                 .state = r->state,
                                 .now = r->st.now,
                                 .boot_time = vg_state_boot_time(r->state),
                                 .seed = r->seed};
    struct vg_decision d;
    memset(&d, 0, sizeof(d));
    int rc = vg_decide(&in, &d);
    r->dirty = false;
    if (rc == VG_ENOSLOT) {
      if (!r->noslot_told) {
        int c = vg_state_count(r->state);
        struct vg_replay_entry e = {.kind = VG_REPLAY_NO_SLOT,
                                    .count_before = c,
                                    .count_after = c,
                                    .why = d.why};
        emit(r, &e);
        r->noslot_told = true;
      }
      /* The horizon moves with time: look again a day later. */
      r->idle = false;
      r->wake = r->st.now + 86400;
      return 0;
    }
    if (rc < 0)
      return rc;
    if (d.reschedule) {
      vg_state_set_scheduled(r->state, &d.sched);
      if (d.sched.set) {
        int c = vg_state_count(r->state);
        r->st.schedules++;
        struct vg_replay_entry e = {.kind = VG_REPLAY_SCHEDULED,
                                    .count_before = c,
                                    .count_after = c,
                                    .sched = d.sched,
                                    .plan = &d.plan,
                                    .why = d.why};
        emit(r, &e);
      }
    }
    switch (d.action) {
    case VG_ACT_IDLE: r->idle = true; return 0;
    case VG_ACT_LOCKED:
      r->st.locked = true;
      r->idle = true;
      if (!r->locked_told) {
        int c = vg_state_count(r->state);
        struct vg_replay_entry e = {.kind = VG_REPLAY_LOCKED,
                                    .count_before = c,
                                    .count_after = c,
                                    .why = d.why};
        emit(r, &e);
        r->locked_told = true;
      }
      return 0;
    case VG_ACT_WAIT:
      if (d.postponed && strcmp(d.why, r->last_postpone) != 0) {
        int c = vg_state_count(r->state);
        r->st.postponements++;
        snprintf(r->last_postpone, sizeof(r->last_postpone), "%s", d.why);
        struct vg_replay_entry e = {.kind = VG_REPLAY_POSTPONED,
                                    .count_before = c,
                                    .count_after = c,
                                    .why = d.why};
        emit(r, &e);
      }
      r->idle = false;
      r->wake = d.next;
      if (d.next > r->st.now && d.next <= until) {
        r->st.now = d.next;
        continue;
      }
      return 0;
    case VG_ACT_REBOOT:
      rc = do_reboot(r, &d);
      if (rc != 0)
        return rc;
      if (r->st.locked && r->locked_told) {
        r->idle = true;
        return 0;
      }
      continue;
    }
    return 0;
  }
  return 0;
}

/* True for the boot events of an export (EventLog 6005, Kernel-General 12). */
static bool is_boot_event(const struct vg_event *ev) {
  return (ev->event_id == 6005 && strcmp(ev->provider, "EventLog") == 0) ||
         (ev->event_id == 12 && strstr(ev->provider, "Kernel-General"));
}

/* True for a VSS 12289 event (a calibration when it holds a count). */
static bool is_calibration(const struct vg_event *ev) {
  return ev->event_id == 12289 && strcmp(ev->channel, "Application") == 0 &&
         strcmp(ev->provider, "VSS") == 0;
}

int vg_replay_advance(vg_replay *r, vg_wall_t until) {
  if (!r->started || until <= r->st.now)
    return 0;
  int rc = decide_until(r, until);
  if (rc != 0)
    return rc;
  if (until > r->st.now)
    r->st.now = until;
  r->st.final_count = vg_state_count(r->state);
  return 0;
}

/* The verified remediation and foreign sessions a tracker result tells. */
static void replay_remediation(vg_replay *r, const struct vg_track_result *tr,
                               vg_wall_t at) {
  char why[160];
  struct vg_replay_entry e = {.at = at,
                              .count_before = tr->count_before,
                              .count_after = tr->count_after,
                              .run_start = tr->run_start,
                              .why = why};
  if (tr->verified) {
    e.kind = VG_REPLAY_VERIFIED;
    snprintf(why, sizeof(why),
             "the first backup run after the reboot ended without VSS 12289");
    emit(r, &e);
  }
  if (tr->foreign) {
    e.kind = VG_REPLAY_FOREIGN;
    snprintf(why, sizeof(why),
             "%d active sessions with only %d run(s) since the boot: another "
             "VSS requestor leaks sessions",
             tr->count_after, tr->runs_since_boot);
    emit(r, &e);
  }
}

int vg_replay_event(vg_replay *r, const struct vg_event *ev) {
  if (!r->started) {
    r->started = true;
    r->st.now = ev->time;
    r->st.first_event = ev->time;
    /* The simulated machine booted at the first event, unless that event is
     * the boot itself. */
    if (!is_boot_event(ev)) {
      struct vg_track_result tr;
      vg_tracker_boot_time(r->state, ev->time, &tr);
    }
  }
  if (r->st.last_event != 0 && ev->time < r->st.last_event)
    r->st.out_of_order++;
  if (ev->time > r->st.last_event)
    r->st.last_event = ev->time;
  if (ev->time > r->st.now) {
    int rc = decide_until(r, ev->time);
    if (rc != 0)
      return rc;
    if (ev->time > r->st.now)
      r->st.now = ev->time;
  }

  struct vg_track_result tr;
  memset(&tr, 0, sizeof(tr));
  r->st.events++;
  if (r->diverged && is_calibration(ev)) {
    r->st.calibrations_ignored++;
    if (!r->ignored_told) {
      int c = vg_state_count(r->state);
      struct vg_replay_entry e = {
          .kind = VG_REPLAY_CALIBRATION_IGNORED,
          .at = ev->time,
          .count_before = c,
          .count_after = c,
          .why = "recorded on the server that did not reboot; not applied "
                 "until the next recorded boot"};
      emit(r, &e);
      r->ignored_told = true;
    }
    return 0;
  }
  int rc =
      vg_tracker_apply(r->state, ev, vg_policy_count_failed(r->policy), &tr);
  if (rc != 0) {
    r->st.ignored++;
    return 0;
  }
  struct vg_replay_entry e = {.at = ev->time,
                              .count_before = tr.count_before,
                              .count_after = tr.count_after,
                              .run_start = tr.run_start};
  switch (tr.kind) {
  case VG_TRACK_IGNORED: r->st.ignored++; return 0;
  case VG_TRACK_DUPLICATE: r->st.duplicates++; return 0;
  case VG_TRACK_STALE: r->st.stale++; return 0;
  case VG_TRACK_RUN_STARTED: note_change(r); break;
  case VG_TRACK_RUN_COUNTED:
    note_change(r);
    r->st.runs_counted++;
    e.kind = VG_REPLAY_RUN_COUNTED;
    emit(r, &e);
    break;
  case VG_TRACK_RUN_ENDED:
    note_change(r);
    if (tr.uncounted && r->st.runs_counted > 0)
      r->st.runs_counted--;
    if (tr.newly_failed && !vg_policy_count_failed(r->policy)) {
      r->st.runs_failed_ignored++;
      e.kind = VG_REPLAY_RUN_FAILED;
      emit(r, &e);
    }
    break;
  case VG_TRACK_CALIBRATED:
    note_change(r);
    r->st.calibrations++;
    e.kind = VG_REPLAY_CALIBRATED;
    emit(r, &e);
    break;
  case VG_TRACK_BOOT:
    note_change(r);
    r->diverged = false;
    r->st.boots++;
    r->last_postpone[0] = '\0';
    e.kind = VG_REPLAY_BOOT;
    emit(r, &e);
    break;
  }
  replay_remediation(r, &tr, ev->time);
  r->st.final_count = vg_state_count(r->state);
  return 0;
}

const char *vg_replay_order_name(enum vg_replay_order o) {
  switch (o) {
  case VG_REPLAY_ORDER_NONE: return "none";
  case VG_REPLAY_ORDER_OLDEST_FIRST: return "oldest first";
  case VG_REPLAY_ORDER_NEWEST_FIRST: return "newest first";
  case VG_REPLAY_ORDER_INTERLEAVED: return "interleaved";
  }
  return "?";
}

/*
 * A compact copy of the parts of an event the tracker reads, for sorting.
 * Channel and provider are interned; the named fields the tracker reads and
 * the text are kept in one string arena (field, value, ..., text, each
 * field by its place in kept_fields counted from 1), only when there are
 * any.
 */
struct cev {
  vg_wall_t time;
  uint64_t record_id;
  uint64_t seq;  /* position in the file: the last tie-break */
  size_t strs;   /* offset in the arena, or NO_STRS */
  uint32_t frac; /* 100 ns units */
  uint32_t event_id;
  uint16_t channel, provider;
  uint16_t chrank; /* the channel name's place in name order (for sorting) */
  uint8_t level;
  uint8_t nfields;
};

#define NO_STRS ((size_t)-1)
#define MAX_NAMES 256

/* The named fields the tracker reads (vg_event_field in tracker.c). */
static const char *const kept_fields[] = {"BackupTime", "HRESULT"};
#define NKEPT (sizeof(kept_fields) / sizeof(kept_fields[0]))

struct collect {
  struct cev *ev;
  size_t n, cap;
  char *arena;
  size_t alen, acap;
  char *names[MAX_NAMES];
  size_t nnames;
  int err;
  /* The file's order, judged on the sort key of consecutive events. */
  bool have_prev;
  struct cev prev;
  uint64_t descents, ascents;
};

/* The index of name in the intern table, adding it. */
static int intern(struct collect *c, const char *name, uint16_t *out) {
  for (size_t i = 0; i < c->nnames; i++)
    if (strcmp(c->names[i], name) == 0) {
      *out = (uint16_t)i;
      return 0;
    }
  if (c->nnames == MAX_NAMES)
    return VG_ERANGE;
  size_t len = strlen(name) + 1;
  char *copy = malloc(len);
  if (copy == NULL)
    return VG_ENOMEM;
  memcpy(copy, name, len);
  c->names[c->nnames] = copy;
  *out = (uint16_t)c->nnames++;
  return 0;
}

static int arena_add(struct collect *c, const char *str) {
  size_t len = strlen(str) + 1;
  if (c->alen + len > c->acap) {
    size_t cap = c->acap ? c->acap : 64 * 1024;
    while (c->alen + len > cap)
      cap *= 2;
    char *a = realloc(c->arena, cap);
    if (a == NULL)
      return VG_ENOMEM;
    c->arena = a;
    c->acap = cap;
  }
  memcpy(c->arena + c->alen, str, len);
  c->alen += len;
  return 0;
}

/* The sort key: TimeCreated to 100 ns, then channel name, then record id.
 * Channel names (not their intern order, which depends on the file) keep
 * the order the same for every form of one history. */
static int key_cmp(const struct cev *x, const struct cev *y,
                   char *const *names) {
  if (x->time != y->time)
    return x->time < y->time ? -1 : 1;
  if (x->frac != y->frac)
    return x->frac < y->frac ? -1 : 1;
  if (x->channel != y->channel) {
    int c = strcmp(names[x->channel], names[y->channel]);
    if (c != 0)
      return c;
  }
  if (x->record_id != y->record_id)
    return x->record_id < y->record_id ? -1 : 1;
  return 0;
}

static void on_collect(const struct vg_event *ev, void *ud) {
  struct collect *c = ud;
  if (c->err != 0)
    return;
  if (c->n == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 1024;
    struct cev *e = realloc(c->ev, cap * sizeof(*e));
    if (e == NULL) {
      c->err = VG_ENOMEM;
      return;
    }
    c->ev = e;
    c->cap = cap;
  }
  struct cev *e = &c->ev[c->n];
  memset(e, 0, sizeof(*e));
  e->time = ev->time;
  e->frac = ev->time_100ns;
  e->record_id = ev->record_id;
  e->seq = c->n;
  e->event_id = ev->event_id;
  e->level = (uint8_t)(ev->level < 0 ? 0 : ev->level > 255 ? 255 : ev->level);
  e->strs = NO_STRS;
  int rc = intern(c, ev->channel, &e->channel);
  if (rc == 0)
    rc = intern(c, ev->provider, &e->provider);
  bool text = ev->text != NULL && ev->text[0] != '\0';
  for (size_t i = 0; rc == 0 && i < NKEPT; i++) {
    const char *v = vg_event_field(ev, kept_fields[i]);
    if (v == NULL)
      continue;
    if (e->strs == NO_STRS)
      e->strs = c->alen;
    /* The field by its place in kept_fields (from 1: never a NUL). */
    char idx[2] = {(char)(i + 1), '\0'};
    rc = arena_add(c, idx);
    if (rc == 0)
      rc = arena_add(c, v);
    e->nfields++;
  }
  if (rc == 0 && (text || e->strs != NO_STRS)) {
    if (e->strs == NO_STRS)
      e->strs = c->alen;
    rc = arena_add(c, text ? ev->text : "");
  }
  if (rc != 0) {
    c->err = rc;
    return;
  }
  if (c->have_prev) {
    int k = key_cmp(e, &c->prev, c->names);
    c->descents += k < 0;
    c->ascents += k > 0;
  }
  c->prev = *e;
  c->have_prev = true;
  c->n++;
}

/* key_cmp with the channel's rank in name order, then the file position. */
static int cev_cmp(const void *a, const void *b) {
  const struct cev *x = a, *y = b;
  if (x->time != y->time)
    return x->time < y->time ? -1 : 1;
  if (x->frac != y->frac)
    return x->frac < y->frac ? -1 : 1;
  if (x->chrank != y->chrank)
    return x->chrank < y->chrank ? -1 : 1;
  if (x->record_id != y->record_id)
    return x->record_id < y->record_id ? -1 : 1;
  return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

/* Channel rank, then record id, then file position. */
static int rec_cmp(const void *a, const void *b) {
  const struct cev *x = a, *y = b;
  if (x->chrank != y->chrank)
    return x->chrank < y->chrank ? -1 : 1;
  if (x->record_id != y->record_id)
    return x->record_id < y->record_id ? -1 : 1;
  return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

/*
 * True when every event has a record id and, in file order, the record ids
 * of each channel never rise after falling nor fall after rising (each
 * channel oldest first or newest first, as every export keeps them). A
 * cleared log (ids start again), a duplicate written later or a shuffled
 * file breaks it.
 */
static bool channels_in_record_order(const struct collect *c) {
  uint64_t last[MAX_NAMES];
  signed char dir[MAX_NAMES]; /* 0 = not known yet, 1 = rising, -1 = falling */
  bool seen[MAX_NAMES];
  memset(seen, 0, sizeof(seen));
  memset(dir, 0, sizeof(dir));
  for (size_t i = 0; i < c->n; i++) {
    const struct cev *e = &c->ev[i];
    if (e->record_id == 0)
      return false;
    uint16_t ch = e->channel;
    if (seen[ch] && e->record_id != last[ch]) {
      signed char d = e->record_id > last[ch] ? 1 : -1;
      if (dir[ch] == -d)
        return false;
      dir[ch] = d;
    }
    seen[ch] = true;
    last[ch] = e->record_id;
  }
  return true;
}

/* EventLog 6005 or Kernel-General 12 of the System log (is_boot_event). */
static bool cev_is_boot(const struct collect *c, const struct cev *e) {
  if (e->event_id != 6005 && e->event_id != 12)
    return false;
  const char *prov = c->names[e->provider];
  return strcmp(c->names[e->channel], "System") == 0 &&
         (e->event_id == 6005 ? strcmp(prov, "EventLog") == 0
                              : strstr(prov, "Kernel-General") != NULL);
}

/* The time by which an event had been logged, to merge channels on. */
struct by_time {
  vg_wall_t time;
  uint32_t frac;
};

/*
 * Each channel in record order, the channels merged by time. Windows
 * numbers a channel's records in the order it logs them, while its clock
 * may step by hours (a virtual machine's clock set at boot): a record was
 * logged no later than any record after it, so a channel's event is merged
 * at the earliest time of itself and the events after it in the channel
 * (ties by channel name). A boot logged before the clock stepped back so
 * stays before the events that followed it, and takes that time as its
 * own. False when out of memory (nothing changed).
 */
static bool merge_channels(struct collect *c) {
  struct cev *out = malloc(c->n * sizeof(*out));
  struct by_time *at = malloc(c->n * sizeof(*at));
  if (out == NULL || at == NULL) {
    free(out);
    free(at);
    return false;
  }
  qsort(c->ev, c->n, sizeof(*c->ev), rec_cmp);
  size_t pos[MAX_NAMES], end[MAX_NAMES], ngroups = 0;
  for (size_t i = 0; i < c->n; i++) {
    if (i == 0 || c->ev[i].chrank != c->ev[i - 1].chrank) {
      if (ngroups > 0)
        end[ngroups - 1] = i;
      pos[ngroups++] = i;
    }
  }
  end[ngroups - 1] = c->n;
  for (size_t g = 0; g < ngroups; g++) {
    struct by_time m = {c->ev[end[g] - 1].time, c->ev[end[g] - 1].frac};
    for (size_t i = end[g]; i-- > pos[g];) {
      struct cev *e = &c->ev[i];
      if (e->time < m.time || (e->time == m.time && e->frac < m.frac))
        m = (struct by_time){e->time, e->frac};
      at[i] = m;
      /* A boot logged before the clock was set back is the boot of the
       * events after it, at that time: its own would leave them stale. */
      if (cev_is_boot(c, e)) {
        e->time = m.time;
        e->frac = m.frac;
      }
    }
  }
  for (size_t k = 0; k < c->n; k++) {
    size_t best = SIZE_MAX;
    for (size_t g = 0; g < ngroups; g++) {
      if (pos[g] == end[g])
        continue;
      if (best == SIZE_MAX) {
        best = g;
        continue;
      }
      const struct by_time *h = &at[pos[g]], *b = &at[pos[best]];
      if (h->time < b->time || (h->time == b->time && h->frac < b->frac))
        best = g; /* equal times: the lower rank, found first, stays */
    }
    out[k] = c->ev[pos[best]++];
  }
  free(at);
  free(c->ev);
  c->ev = out;
  c->cap = c->n;
  return true;
}

/* Orders the events collected: each channel in record order merged by time
 * when the file keeps every channel in record order (returns true); else
 * by cev_cmp. */
static bool sort_events(struct collect *c) {
  uint16_t rank[MAX_NAMES];
  for (size_t i = 0; i < c->nnames; i++) {
    size_t below = 0;
    for (size_t j = 0; j < c->nnames; j++)
      below += strcmp(c->names[j], c->names[i]) < 0;
    rank[i] = (uint16_t)below;
  }
  for (size_t i = 0; i < c->n; i++)
    c->ev[i].chrank = rank[c->ev[i].channel];
  if (channels_in_record_order(c) && merge_channels(c))
    return true;
  qsort(c->ev, c->n, sizeof(*c->ev), cev_cmp);
  return false;
}

static void collect_free(struct collect *c) {
  free(c->ev);
  free(c->arena);
  for (size_t i = 0; i < c->nnames; i++)
    free(c->names[i]);
}

/* Copies the string src into dst of size n, cut to fit. */
static void copy_cut(char *dst, size_t n, const char *src) {
  size_t len = strlen(src);
  if (len >= n)
    len = n - 1;
  memcpy(dst, src, len);
  dst[len] = '\0';
}

/* Rebuilds the event of e for the tracker, over the last one: the parts
 * it never sets stay as they were. */
static void expand(const struct collect *c, const struct cev *e,
                   struct vg_event *ev) {
  copy_cut(ev->channel, sizeof(ev->channel), c->names[e->channel]);
  copy_cut(ev->provider, sizeof(ev->provider), c->names[e->provider]);
  ev->event_id = e->event_id;
  ev->level = e->level;
  ev->record_id = e->record_id;
  ev->time = e->time;
  ev->time_100ns = e->frac;
  ev->text = "";
  ev->nfields = 0;
  if (e->strs == NO_STRS)
    return;
  char *p = c->arena + e->strs;
  for (size_t i = 0; i < e->nfields; i++) {
    copy_cut(ev->fields[i].name, sizeof(ev->fields[i].name),
             kept_fields[p[0] - 1]);
    p += 2;
    ev->fields[i].value = p;
    p += strlen(p) + 1;
  }
  ev->nfields = e->nfields;
  ev->text = p;
}

int vg_replay_file(vg_replay *r, const char *path) {
  struct collect c;
  memset(&c, 0, sizeof(c));
  vg_evparser *p = vg_evparser_new(on_collect, &c);
  if (p == NULL)
    return VG_ENOMEM;
  vg_evparser_set_prescan(p, true);
  vg_evparser_set_fields(p, kept_fields, NKEPT);
  int rc = vg_evparser_parse_file(p, path);
  r->st.malformed += vg_evparser_skipped(p);
  r->st.passed_over += vg_evparser_passed(p);
  vg_evparser_free(p);
  if (rc == 0)
    rc = c.err;
  if (c.n > 0)
    r->st.order = c.descents == 0  ? VG_REPLAY_ORDER_OLDEST_FIRST
                  : c.ascents == 0 ? VG_REPLAY_ORDER_NEWEST_FIRST
                                   : VG_REPLAY_ORDER_INTERLEAVED;
  if (rc == 0 && c.n > 1 && c.descents > 0)
    r->st.by_record = sort_events(&c);
  struct vg_event ev; /* what expand does not set stays zero */
  memset(&ev, 0, sizeof(ev));
  for (size_t i = 0; rc == 0 && i < c.n; i++) {
    const struct cev *e = &c.ev[i];
    /* Sorted, the copies of one record are next to each other. */
    const struct cev *q = i > 0 ? &c.ev[i - 1] : NULL;
    if (q != NULL && e->record_id != 0 && e->record_id == q->record_id &&
        e->channel == q->channel && e->time == q->time && e->frac == q->frac) {
      r->st.events++;
      r->st.duplicates++;
      continue;
    }
    expand(&c, e, &ev);
    rc = vg_replay_event(r, &ev);
  }
  r->st.out_of_order = c.descents;
  collect_free(&c);
  r->st.final_count = vg_state_count(r->state);
  return rc;
}
