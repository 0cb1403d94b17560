/*
 * The session tracker: applies events to the state and keeps the inferred
 * count of active VSS writer sessions.
 *
 * Rules (DESIGN.md, README "How it counts"):
 *   - Channel Microsoft-Windows-Backup: 1 starts a run; 4 ends it
 *     successfully, 5 as failed, 14 completes it (its HRESULT, when it has
 *     one, tells the outcome: 0 is success); any other event of Level 1 to 3
 *     is a failure. 4, 5 and 14 carry BackupTime, the run's start, and that
 *     is the run's identity: every end event with the same BackupTime is the
 *     same run, in any order and with any gap. The first end event of a run
 *     takes over the open run (started, not ended) when there is one, since
 *     WSB runs one backup at a time, however far its start event lies from
 *     its BackupTime. Only an end event without BackupTime falls back to
 *     time: the open run, else the latest run that started shortly before
 *     it, else a new run. A run counts once, when it first becomes
 *     countable: on success; on failure only when failed runs count; on 14
 *     without any known outcome (conservative). A failure that arrives after
 *     such a 14 takes the count back: a failed run never counts as a
 *     success through its 14.
 *   - Application, provider VSS, 12289: "Active sessions: N" in its text
 *     sets the count to N. The run in progress made one of those sessions,
 *     so it is marked counted.
 *   - System, EventLog 6005 or Kernel-General 12, or a platform boot time
 *     more than BOOT_SLACK later than the known one: a boot. The count and
 *     the runs reset; a pending reboot attempt is confirmed. Each boot logs
 *     one 6005 and one 12, a few records apart (at most 29 in the real logs
 *     of tests/data/real and SOURCES.md, 56 boots; the events of two boots
 *     45 and more apart), but not always close in time: the clock may step
 *     by hours between them (a virtual machine whose clock is set at
 *     boot), and boots may come a minute apart. So a boot event is the
 *     other event of a recent boot that lacks it when their record ids are
 *     at most BOOT_REC_PAIR apart, whatever their times; else of the
 *     current boot when it lacks it and came within BOOT_SLACK; else a new
 *     boot, also when its time is older than the current boot but its
 *     record id newer (the clock stepped back).
 *   - An event older than the boot (by more than STALE_SLACK) is stale; an
 *     event whose record id is not above the highest seen on its channel,
 *     and that is not newer than every event applied so far, is a
 *     duplicate. Both still move the channel's position forward.
 *   - A clock set back after the boot (a virtual machine whose clock starts
 *     hours ahead, set right by time sync; 4 of the 8 real System logs of
 *     tests/data/real/SOURCES.md) leaves the boot's events, and the boot
 *     time taken from them, in the future of the backups that follow. Live
 *     (vg_tracker_apply_live), the agent knows now and the platform's boot
 *     time by the clock as it is now (now - uptime). A boot time later
 *     than now (by more than STALE_SLACK) is impossible: before each event
 *     it is taken back to the platform's, so only an event older than the
 *     running boot by the platform is stale. A boot event logged later
 *     than now (by more than BOOT_SLACK) was logged before the clock was
 *     set back, by this boot or an earlier one, never by a boot to come:
 *     it is this boot's event when the boot lacks one of its kind and its
 *     record id is not older than the boot's, else stale; it resets
 *     nothing (the platform's boot id and uptime tell a new boot at
 *     start). A replay has no now: there a boot event comes at the
 *     earliest time of itself and the events after it in its channel
 *     (agent/replay.c, when the file keeps record order). A boot whose
 *     events are all logged ahead, and no later boot event earlier, still
 *     comes after the backups that followed it by the corrected clock and
 *     resets their count: in the events replay reads (the System log's
 *     others, the time change among them, are passed over) it cannot be
 *     told from a boot at the time it shows.
 */
#include <string.h>

#include "state_internal.h"
#include "vssguard/log.h"
#include "vssguard/tracker.h"

#define CH_BACKUP "Microsoft-Windows-Backup"
#define CH_APPLICATION "Application"
#define CH_SYSTEM "System"

/* A BackupTime and the start of a run not keyed by one (a state written by
 * an older agent, a start event seen out of order) are the same run within
 * this. */
#define MATCH_WINDOW 600
/* Boot events and boot times this close to the known boot are that boot. */
#define BOOT_SLACK 120
/* The 6005 and the 12 of one boot are at most this many System records
 * apart (see the rules above). */
#define BOOT_REC_PAIR 40
/* Events this much older than the boot are still taken as from this boot. */
#define STALE_SLACK 60
/* A run ended without identity and a BackupTime this close are one run. */
#define ADOPT_WINDOW (6 * 3600)
/* An open run older than this is taken as lost. */
#define OPEN_MAX_AGE 86400
/* An end event without BackupTime may belong to a run this much older. */
#define ENDED_MATCH_AGE (12 * 3600)
/* Largest count a VSS 12289 may set. */
#define CALIBRATION_MAX 1000000

enum outcome { OUT_OK, OUT_FAILED, OUT_UNKNOWN };

const char *vg_track_kind_name(enum vg_track_kind k) {
  switch (k) {
  case VG_TRACK_IGNORED: return "ignored";
  case VG_TRACK_DUPLICATE: return "duplicate";
  case VG_TRACK_STALE: return "stale";
  case VG_TRACK_RUN_STARTED: return "run started";
  case VG_TRACK_RUN_COUNTED: return "run counted";
  case VG_TRACK_RUN_ENDED: return "run ended";
  case VG_TRACK_CALIBRATED: return "calibrated";
  case VG_TRACK_BOOT: return "boot";
  }
  return "unknown";
}

static vg_wall_t absdiff(vg_wall_t a, vg_wall_t b) {
  return a > b ? a - b : b - a;
}

/* Same BackupTime: 4, 5 and 14 of one run carry the same value; a second
 * of slack covers a rendering that rounds instead of truncating. */
#define SAME_BACKUP_TIME 1

/* The run identified by BackupTime bt, if one was seen. */
static struct vg_run *run_by_backup_time(vg_state *s, vg_wall_t bt) {
  for (size_t i = 0; i < s->nruns; i++) {
    struct vg_run *r = &s->runs[i];
    if ((r->flags & VG_RUN_KEYED) && absdiff(r->start, bt) <= SAME_BACKUP_TIME)
      return r;
  }
  return NULL;
}

/* The run not keyed by a BackupTime whose start is nearest to t, if within
 * MATCH_WINDOW (a state written before runs were keyed, or a run made from
 * a start event); runs whose start event was seen are skipped when
 * unstarted_only. */
static struct vg_run *run_near(vg_state *s, vg_wall_t t, bool unstarted_only) {
  struct vg_run *best = NULL;
  for (size_t i = 0; i < s->nruns; i++) {
    struct vg_run *r = &s->runs[i];
    if ((r->flags & VG_RUN_KEYED) ||
        (unstarted_only && (r->flags & VG_RUN_STARTED)))
      continue;
    if (absdiff(r->start, t) <= MATCH_WINDOW &&
        (best == NULL || absdiff(r->start, t) < absdiff(best->start, t)))
      best = r;
  }
  return best;
}

/* The latest run that started in [t - age, t + MATCH_WINDOW]; only open ones
 * when open_only. */
static struct vg_run *run_before(vg_state *s, vg_wall_t t, vg_wall_t age,
                                 bool open_only) {
  for (size_t i = s->nruns; i > 0; i--) {
    struct vg_run *r = &s->runs[i - 1];
    if (r->start > t + MATCH_WINDOW)
      continue;
    if (r->start < t - age)
      break;
    if (!open_only ||
        ((r->flags & VG_RUN_STARTED) && !(r->flags & VG_RUN_ENDED)))
      return r;
  }
  return NULL;
}

/*
 * The latest run that started by t and has no identity yet although an end
 * event without BackupTime ended it (a failure such as 50, out of space,
 * logged before the run's 5), when it started within ADOPT_WINDOW of bt.
 */
static struct vg_run *run_ended_unkeyed(vg_state *s, vg_wall_t t,
                                        vg_wall_t bt) {
  struct vg_run *r = run_before(s, t, OPEN_MAX_AGE, false);
  if (r == NULL || (r->flags & VG_RUN_KEYED) || !(r->flags & VG_RUN_ENDED) ||
      absdiff(r->start, bt) > ADOPT_WINDOW)
    return NULL;
  return r;
}

/* Gives run the identity bt (its BackupTime) and moves it to its place in
 * start order. Returns the run at its new place. */
static struct vg_run *rekey(vg_state *s, struct vg_run *run, vg_wall_t bt) {
  unsigned flags = run->flags | VG_RUN_KEYED;
  size_t i = (size_t)(run - s->runs);
  memmove(&s->runs[i], &s->runs[i + 1], (s->nruns - i - 1) * sizeof(*run));
  s->nruns--;
  /* A slot was just freed: adding cannot drop a run. */
  return vg_state__add_run(s, bt, flags);
}

/* Resets the count for a boot at t and confirms a pending reboot attempt. */
static void boot(vg_state *s, vg_wall_t t, struct vg_track_result *r) {
  r->kind = VG_TRACK_BOOT;
  s->boot_time = t;
  /* A new entry for its events, the oldest dropped when full. */
  if (s->nboot_recs == VG_BOOT_RECS_MAX) {
    memmove(s->boot_recs, s->boot_recs + 1,
            (VG_BOOT_RECS_MAX - 1) * sizeof(s->boot_recs[0]));
    s->nboot_recs--;
  }
  memset(&s->boot_recs[s->nboot_recs++], 0, sizeof(s->boot_recs[0]));
  s->count = 0;
  s->nruns = 0;
  memset(&s->sched, 0, sizeof(s->sched));
  /* Verified remediation: awaited after a boot that confirms our reboot
   * (and still after another boot before any run). */
  s->verify_pending = s->verify_pending || s->attempts > 0;
  s->verified_at = 0;
  if (s->attempts > 0) {
    r->remediated = true;
    s->attempts = 0;
    for (size_t i = s->nhist; i > 0; i--) {
      struct vg_reboot_rec *h = &s->hist[i - 1];
      if (!h->confirmed && h->at <= t + BOOT_SLACK) {
        h->confirmed = true;
        break;
      }
    }
  }
  r->count_after = 0;
}

static void run_start(vg_state *s, vg_wall_t t, struct vg_track_result *r) {
  struct vg_run *run = NULL;
  if (t < s->last_event_time) {
    /* Out of order: the run's end events may have come first. The start
     * event then joins the nearest run whose start was not seen. */
    for (size_t i = 0; i < s->nruns; i++) {
      struct vg_run *c = &s->runs[i];
      if (!(c->flags & VG_RUN_STARTED) &&
          absdiff(c->start, t) <= OPEN_MAX_AGE &&
          (run == NULL || absdiff(c->start, t) < absdiff(run->start, t)))
        run = c;
    }
  }
  if (run == NULL)
    run = run_near(s, t, true);
  if (run == NULL) {
    /* WSB runs one backup at a time: an older run still open was lost. */
    for (size_t i = 0; i < s->nruns; i++)
      if (s->runs[i].start < t && (s->runs[i].flags & VG_RUN_STARTED))
        s->runs[i].flags |= VG_RUN_ENDED;
    run = vg_state__add_run(s, t, 0);
    if (run == NULL)
      return;
  }
  run->flags |= VG_RUN_STARTED;
  r->kind = VG_TRACK_RUN_STARTED;
  r->run_start = run->start;
}

/*
 * The run an end event belongs to. With a BackupTime bt: the run of that
 * BackupTime; else the open run (its start event seen, no end yet), which
 * takes bt as its identity; else a run not yet keyed whose start is within
 * MATCH_WINDOW of bt; else a new run keyed by bt. Without one: the open
 * run; else the latest run that started shortly before; else a new run at
 * the event's time. NULL when the run would be older than every run kept.
 */
static struct vg_run *run_of_end(vg_state *s, const struct vg_event *ev) {
  vg_wall_t bt = 0;
  const char *bts = vg_event_field(ev, "BackupTime");
  if (bts != NULL && vg_event_parse_time(bts, &bt) == VG_OK && bt > 0) {
    struct vg_run *run = run_by_backup_time(s, bt);
    if (run != NULL)
      return run;
    run = run_before(s, ev->time, OPEN_MAX_AGE, true);
    if (run == NULL)
      run = run_ended_unkeyed(s, ev->time, bt);
    if (run == NULL)
      run = run_near(s, bt, false);
    if (run != NULL)
      return rekey(s, run, bt);
    return vg_state__add_run(s, bt, VG_RUN_KEYED);
  }
  struct vg_run *run = run_before(s, ev->time, OPEN_MAX_AGE, true);
  if (run == NULL)
    run = run_before(s, ev->time, ENDED_MATCH_AGE, false);
  if (run == NULL)
    run = vg_state__add_run(s, ev->time, 0);
  return run;
}

/* The outcome event 14 reports in its HRESULT: 0 is success. */
static enum outcome completion_outcome(const struct vg_event *ev) {
  const char *h = vg_event_field(ev, "HRESULT");
  if (h == NULL)
    return OUT_UNKNOWN;
  while (*h == ' ')
    h++;
  bool hex = h[0] == '0' && (h[1] == 'x' || h[1] == 'X');
  const char *d = hex ? h + 2 : h;
  if (*d == '\0')
    return OUT_UNKNOWN;
  bool zero = true;
  for (; *d != '\0' && *d != ' '; d++) {
    bool digit =
        (*d >= '0' && *d <= '9') ||
        (hex && ((*d >= 'a' && *d <= 'f') || (*d >= 'A' && *d <= 'F')));
    if (!digit)
      return OUT_UNKNOWN;
    if (*d != '0')
      zero = false;
  }
  return zero ? OUT_OK : OUT_FAILED;
}

static bool countable(unsigned flags, bool count_failed) {
  bool known = flags & (VG_RUN_OK | VG_RUN_FAILED);
  return (flags & VG_RUN_OK) || ((flags & VG_RUN_FAILED) && count_failed) ||
         (!known && (flags & VG_RUN_COMPLETED));
}

/*
 * The first run to end after a boot that confirmed our reboot verifies the
 * remediation when no VSS 12289 came during it (it is not calibrated).
 */
static void verify_remediation(vg_state *s, const struct vg_run *run,
                               vg_wall_t t, struct vg_track_result *r) {
  if (!s->verify_pending || (run->flags & VG_RUN_CALIBRATED))
    return;
  s->verify_pending = false;
  s->verified_at = t;
  r->verified = true;
}

static void run_end(vg_state *s, const struct vg_event *ev, enum outcome o,
                    bool count_failed, struct vg_track_result *r) {
  struct vg_run *run = run_of_end(s, ev);
  if (run == NULL)
    return; /* older than every run kept: long gone */

  bool was_failed = (run->flags & VG_RUN_FAILED) != 0;
  bool was_ended = (run->flags & VG_RUN_ENDED) != 0;
  /* The first outcome reported wins; 14 reports one through its HRESULT. */
  if (o == OUT_UNKNOWN) {
    run->flags |= VG_RUN_COMPLETED;
    o = completion_outcome(ev);
  }
  if (o == OUT_OK && !(run->flags & VG_RUN_FAILED))
    run->flags |= VG_RUN_OK;
  else if (o == OUT_FAILED && !(run->flags & VG_RUN_OK))
    run->flags |= VG_RUN_FAILED;
  run->flags |= VG_RUN_ENDED;

  r->run_start = run->start;
  r->failed = (run->flags & VG_RUN_FAILED) != 0;
  r->newly_failed = r->failed && !was_failed;
  bool now = countable(run->flags, count_failed);
  if (now && !(run->flags & VG_RUN_COUNTED)) {
    run->flags |= VG_RUN_COUNTED;
    s->count++;
    r->kind = VG_TRACK_RUN_COUNTED;
  } else if (!now && (run->flags & VG_RUN_COUNTED) &&
             !(run->flags & VG_RUN_CALIBRATED) && s->count > 0) {
    /* Counted through a 14 that did not say how the run went; its failure
     * came after it. A failed run counts only when failed runs count. */
    run->flags &= ~(unsigned)VG_RUN_COUNTED;
    s->count--;
    r->kind = VG_TRACK_RUN_ENDED;
    r->uncounted = true;
  } else {
    r->kind = VG_TRACK_RUN_ENDED;
  }
  if (!was_ended)
    verify_remediation(s, run, ev->time, r);
}

/* Finds "Active sessions:\s*(\d+)" in text. */
static bool active_sessions(const char *text, int *n) {
  static const char key[] = "Active sessions:";
  for (const char *p = strstr(text, key); p; p = strstr(p + 1, key)) {
    const char *q = p + sizeof(key) - 1;
    while (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
      q++;
    if (*q < '0' || *q > '9')
      continue;
    long v = 0;
    while (*q >= '0' && *q <= '9' && v <= CALIBRATION_MAX)
      v = v * 10 + (*q++ - '0');
    if (v > CALIBRATION_MAX)
      return false;
    *n = (int)v;
    return true;
  }
  return false;
}

/*
 * Our requestor (Windows Server Backup) leaves one session per run: soon
 * after a boot, far more active sessions than runs since it means another
 * VSS requestor leaks them too.
 */
static void check_foreign(const vg_state *s, vg_wall_t t, int n,
                          struct vg_track_result *r) {
  int runs = (int)s->nruns;
  if (s->boot_time == 0 || t - s->boot_time > VG_FOREIGN_WINDOW_S ||
      n <= runs + VG_FOREIGN_MARGIN)
    return;
  r->foreign = true;
  r->runs_since_boot = runs;
}

static void calibrate(vg_state *s, const struct vg_event *ev,
                      struct vg_track_result *r) {
  int n;
  if (ev->text == NULL || !active_sessions(ev->text, &n))
    return;
  check_foreign(s, ev->time, n, r);
  s->count = n;
  r->kind = VG_TRACK_CALIBRATED;
  struct vg_run *run = run_before(s, ev->time, OPEN_MAX_AGE, true);
  if (run != NULL) {
    run->flags |= VG_RUN_COUNTED | VG_RUN_CALIBRATED;
    r->run_start = run->start;
  }
}

static bool is_boot_event(const struct vg_event *ev) {
  return (ev->event_id == 6005 && strcmp(ev->provider, "EventLog") == 0) ||
         (ev->event_id == 12 &&
          strcmp(ev->provider, "Microsoft-Windows-Kernel-General") == 0);
}

static uint64_t rec_dist(uint64_t a, uint64_t b) {
  return a > b ? a - b : b - a;
}

/* Applies a boot event (EventLog 6005 or Kernel-General 12) by the rules
 * above. */
static void boot_event(vg_state *s, const struct vg_event *ev,
                       const struct vg_live *live, struct vg_track_result *r) {
  int k = ev->event_id == 6005 ? 0 : 1, o = 1 - k;
  uint64_t rec = ev->record_id;
  struct vg_boot_recs *cur =
      s->nboot_recs > 0 ? &s->boot_recs[s->nboot_recs - 1] : NULL;
  if (rec != 0) {
    /* The other event of a recent boot, or this event again. */
    for (size_t i = s->nboot_recs; i > 0; i--) {
      struct vg_boot_recs *b = &s->boot_recs[i - 1];
      if (b->rec[k] == rec)
        return;
      if (b->rec[k] == 0 && b->rec[o] != 0 &&
          rec_dist(rec, b->rec[o]) <= BOOT_REC_PAIR) {
        b->rec[k] = rec;
        return;
      }
    }
  }
  /* Newer than the current boot's events on the System channel: after that
   * boot, whatever the clock says. */
  uint64_t cur_max =
      cur ? (cur->rec[0] > cur->rec[1] ? cur->rec[0] : cur->rec[1]) : 0;
  if (live != NULL && live->now != 0 && ev->time > live->now + BOOT_SLACK) {
    /* Live, logged later than now: before the clock was set back, by this
     * boot or an earlier one, never by a boot still to come. This boot's
     * event when its boot lacks one of its kind, else stale. */
    if (cur != NULL && (cur->rec[k] != 0 || (rec != 0 && rec < cur_max))) {
      r->kind = VG_TRACK_STALE;
      return;
    }
    if (cur == NULL) {
      memset(&s->boot_recs[0], 0, sizeof(s->boot_recs[0]));
      s->nboot_recs = 1;
      cur = &s->boot_recs[0];
    }
    cur->rec[k] = rec;
    return;
  }
  bool newer = rec != 0 && cur_max != 0 && rec > cur_max;
  if (s->boot_time != 0 && ev->time < s->boot_time - STALE_SLACK && !newer) {
    r->kind = VG_TRACK_STALE;
    return;
  }
  /* The current boot's other event, close in time. Without record ids
   * (events built by hand), closeness in time alone decides. */
  bool same = s->boot_time != 0 && ev->time <= s->boot_time + BOOT_SLACK &&
              ev->time >= s->boot_time - STALE_SLACK;
  if (same && rec != 0 && cur != NULL)
    same = cur->rec[k] == 0 &&
           (cur->rec[o] == 0 || rec_dist(rec, cur->rec[o]) <= BOOT_REC_PAIR);
  if (!same) {
    boot(s, ev->time, r);
    cur = &s->boot_recs[s->nboot_recs - 1];
  } else if (cur == NULL) {
    /* The boot was known before this agent ran (a loaded state). */
    memset(&s->boot_recs[0], 0, sizeof(s->boot_recs[0]));
    s->nboot_recs = 1;
    cur = &s->boot_recs[0];
  }
  if (rec != 0)
    cur->rec[k] = rec;
}

/* Live: a boot time later than now came from a clock set back since: the
 * running boot's start by the clock as it is now replaces it (see the rules
 * above). */
static void clamp_boot(vg_state *s, const struct vg_live *live) {
  if (live == NULL || live->now == 0 || s->boot_time <= live->now + STALE_SLACK)
    return;
  s->boot_time = live->boot_est > 0 && live->boot_est <= live->now
                     ? live->boot_est
                     : live->now;
}

static int apply(vg_state *s, const struct vg_event *ev, bool count_failed,
                 const struct vg_live *live, struct vg_track_result *r) {
  memset(r, 0, sizeof(*r));
  r->kind = VG_TRACK_IGNORED;
  r->count_before = r->count_after = s->count;
  if (ev == NULL || ev->channel[0] == '\0')
    return VG_EINVAL;

  bool backup = strcmp(ev->channel, CH_BACKUP) == 0;
  bool app = strcmp(ev->channel, CH_APPLICATION) == 0;
  bool sys = strcmp(ev->channel, CH_SYSTEM) == 0;
  if (!backup && !app && !sys)
    return VG_OK;

  /* Position and duplicates. A duplicate was applied before, so it cannot
   * be newer than every event applied; a lower record id on a newer event
   * means the log was cleared and numbering restarted. */
  struct vg_chan *c = vg_state__chan(s, ev->channel, true);
  if (c != NULL && ev->record_id != 0) {
    if (ev->record_id <= c->last_record && ev->time <= s->last_event_time) {
      r->kind = VG_TRACK_DUPLICATE;
      return VG_OK;
    }
    c->last_record = ev->record_id;
  }
  if (ev->time > s->last_event_time)
    s->last_event_time = ev->time;

  bool from_backup = backup && (ev->provider[0] == '\0' ||
                                strcmp(ev->provider, CH_BACKUP) == 0);
  bool vss = app && ev->event_id == 12289 && strcmp(ev->provider, "VSS") == 0;
  bool boot_ev = sys && is_boot_event(ev);
  if (!from_backup && !vss && !boot_ev)
    return VG_OK;
  clamp_boot(s, live);
  if (boot_ev) {
    boot_event(s, ev, live, r);
    clamp_boot(s, live);
    r->count_after = s->count;
    return VG_OK;
  }
  if (s->boot_time != 0 && ev->time < s->boot_time - STALE_SLACK) {
    r->kind = VG_TRACK_STALE;
    return VG_OK;
  }

  if (vss) {
    calibrate(s, ev, r);
  } else {
    switch (ev->event_id) {
    case 1: run_start(s, ev->time, r); break;
    case 4: run_end(s, ev, OUT_OK, count_failed, r); break;
    case 5: run_end(s, ev, OUT_FAILED, count_failed, r); break;
    case 14: run_end(s, ev, OUT_UNKNOWN, count_failed, r); break;
    default:
      if (ev->level >= 1 && ev->level <= 3)
        run_end(s, ev, OUT_FAILED, count_failed, r);
    }
  }
  r->count_after = s->count;
  return VG_OK;
}

int vg_tracker_apply(vg_state *s, const struct vg_event *ev, bool count_failed,
                     struct vg_track_result *r) {
  return apply(s, ev, count_failed, NULL, r);
}

int vg_tracker_apply_live(vg_state *s, const struct vg_event *ev,
                          bool count_failed, const struct vg_live *live,
                          struct vg_track_result *r) {
  return apply(s, ev, count_failed, live, r);
}

int vg_tracker_boot_time(vg_state *s, vg_wall_t boot_time,
                         struct vg_track_result *r) {
  memset(r, 0, sizeof(*r));
  r->kind = VG_TRACK_IGNORED;
  r->count_before = r->count_after = s->count;
  if (s->boot_time == 0) {
    /* First boot time known. Counted events all older than it belong to an
     * earlier boot. */
    if ((s->count > 0 || s->nruns > 0) &&
        s->last_event_time < boot_time - STALE_SLACK)
      boot(s, boot_time, r);
    else
      s->boot_time = boot_time;
  } else if (boot_time > s->boot_time + BOOT_SLACK) {
    boot(s, boot_time, r);
  }
  r->count_after = s->count;
  return VG_OK;
}

int vg_tracker_boot_ident(vg_state *s, vg_wall_t now, vg_wall_t boot_time,
                          const struct vg_boot_ident *bi,
                          struct vg_track_result *r) {
  vg_wall_t at;
  struct vg_boot_ident was;
  if (!vg_state_boot_ident(s, &at, &was)) {
    vg_tracker_boot_time(s, boot_time, r);
  } else {
    memset(r, 0, sizeof(*r));
    r->kind = VG_TRACK_IGNORED;
    r->count_before = r->count_after = s->count;
    bool new_boot;
    if (was.id[0] != '\0' && bi->id[0] != '\0') {
      new_boot = strcmp(was.id, bi->id) != 0;
    } else {
      /* Uptime only grows within a boot. Since the record, the wall clock
       * says now - at passed: an uptime below that means the machine booted
       * after the record, unless the clock stepped forward by more than the
       * uptime it had then. */
      int64_t up = (int64_t)bi->uptime_s, then = (int64_t)was.uptime_s;
      new_boot = up + BOOT_SLACK < then || up + BOOT_SLACK < now - at;
    }
    if (new_boot) {
      boot(s, boot_time, r);
    } else if (s->boot_time == 0 || boot_time < s->boot_time) {
      /* Same boot. After a step of the clock the estimate moves; the
       * earliest one keeps every event of this boot from looking stale. */
      s->boot_time = boot_time;
    }
    r->count_after = s->count;
  }
  vg_state_set_boot_ident(s, now, bi);
  return VG_OK;
}
