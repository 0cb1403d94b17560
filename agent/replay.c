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
  vg_wall_t last_failed_run; /* RUN_FAILED reported for this run start */
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
    if (tr.failed && !vg_policy_count_failed(r->policy) &&
        tr.run_start != r->last_failed_run) {
      r->last_failed_run = tr.run_start;
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
  r->st.final_count = vg_state_count(r->state);
  return 0;
}

static void on_event(const struct vg_event *ev, void *ud) {
  vg_replay *r = ud;
  if (r->err != 0)
    return;
  int rc = vg_replay_event(r, ev);
  if (rc != 0)
    r->err = rc;
}

int vg_replay_file(vg_replay *r, const char *path) {
  vg_evparser *p = vg_evparser_new(on_event, r);
  if (p == NULL)
    return VG_ENOMEM;
  int rc = vg_evparser_parse_file(p, path);
  r->st.malformed += vg_evparser_skipped(p);
  vg_evparser_free(p);
  if (rc == 0)
    rc = r->err;
  r->st.final_count = vg_state_count(r->state);
  return rc;
}

/*
 * A compact copy of the parts of an event the tracker reads, for sorting.
 * Channel and provider are interned; BackupTime and the text are kept only
 * when present.
 */
struct cev {
  vg_wall_t time;
  uint64_t record_id;
  uint64_t seq; /* position in the file: keeps the sort stable */
  uint32_t event_id;
  int level;
  uint16_t channel, provider;
  char *backup_time;
  char *text;
};

#define MAX_NAMES 256

struct collect {
  struct cev *ev;
  size_t n, cap;
  char *names[MAX_NAMES];
  size_t nnames;
  int err;
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

static char *dup_or_null(const char *s) {
  if (s == NULL || *s == '\0')
    return NULL;
  size_t len = strlen(s) + 1;
  char *d = malloc(len);
  if (d != NULL)
    memcpy(d, s, len);
  return d;
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
  e->record_id = ev->record_id;
  e->seq = c->n;
  e->event_id = ev->event_id;
  e->level = ev->level;
  int rc = intern(c, ev->channel, &e->channel);
  if (rc == 0)
    rc = intern(c, ev->provider, &e->provider);
  if (rc != 0) {
    c->err = rc;
    return;
  }
  const char *bt = vg_event_field(ev, "BackupTime");
  e->backup_time = dup_or_null(bt);
  e->text = dup_or_null(ev->text);
  if ((bt != NULL && *bt != '\0' && e->backup_time == NULL) ||
      (ev->text != NULL && *ev->text != '\0' && e->text == NULL)) {
    c->err = VG_ENOMEM;
    return;
  }
  c->n++;
}

static int cev_cmp(const void *a, const void *b) {
  const struct cev *x = a, *y = b;
  if (x->time != y->time)
    return x->time < y->time ? -1 : 1;
  return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

static void collect_free(struct collect *c) {
  for (size_t i = 0; i < c->n; i++) {
    free(c->ev[i].backup_time);
    free(c->ev[i].text);
  }
  free(c->ev);
  for (size_t i = 0; i < c->nnames; i++)
    free(c->names[i]);
}

int vg_replay_file_sorted(vg_replay *r, const char *path) {
  struct collect c;
  memset(&c, 0, sizeof(c));
  vg_evparser *p = vg_evparser_new(on_collect, &c);
  if (p == NULL)
    return VG_ENOMEM;
  int rc = vg_evparser_parse_file(p, path);
  r->st.malformed += vg_evparser_skipped(p);
  vg_evparser_free(p);
  if (rc == 0)
    rc = c.err;
  if (rc == 0 && c.n > 1)
    qsort(c.ev, c.n, sizeof(*c.ev), cev_cmp);
  for (size_t i = 0; rc == 0 && i < c.n; i++) {
    const struct cev *e = &c.ev[i];
    struct vg_event ev;
    memset(&ev, 0, sizeof(ev));
    snprintf(ev.channel, sizeof(ev.channel), "%s", c.names[e->channel]);
    snprintf(ev.provider, sizeof(ev.provider), "%s", c.names[e->provider]);
    ev.event_id = e->event_id;
    ev.level = e->level;
    ev.record_id = e->record_id;
    ev.time = e->time;
    if (e->backup_time != NULL) {
      snprintf(ev.fields[0].name, sizeof(ev.fields[0].name), "BackupTime");
      ev.fields[0].value = e->backup_time;
      ev.nfields = 1;
    }
    ev.text = e->text != NULL ? e->text : "";
    rc = vg_replay_event(r, &ev);
  }
  collect_free(&c);
  r->st.final_count = vg_state_count(r->state);
  return rc;
}
