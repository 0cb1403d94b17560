/*
 * The picture of "replay --svg": the inferred count over the recorded
 * history as a step line, the threshold and the hard limit, boots,
 * calibrations, reboots and postponements as markers with tooltips,
 * blackouts as hatched bands and the maintenance windows as ticks under
 * the time axis.
 */
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "picture.h"

/* A change of the count, for the step line. */
struct step {
  vg_wall_t at;
  int before, after;
};

/* An entry drawn as a marker. */
struct mark {
  enum vg_replay_kind kind;
  vg_wall_t at;
  int before, after;
  vg_wall_t slot_start, slot_end;
  char *why; /* owned, or NULL */
};

struct replay_pic {
  struct step *steps;
  size_t nsteps, capsteps;
  struct mark *marks;
  size_t nmarks, capmarks;
};

replay_pic *replay_pic_new(void) {
  return calloc(1, sizeof(replay_pic));
}

void replay_pic_free(replay_pic *rp) {
  if (rp == NULL)
    return;
  for (size_t i = 0; i < rp->nmarks; i++)
    free(rp->marks[i].why);
  free(rp->marks);
  free(rp->steps);
  free(rp);
}

/* Makes room for one more element of size sz in *v. Returns 0 or ENOMEM. */
static int grow(void **v, size_t n, size_t *cap, size_t sz) {
  if (n < *cap)
    return 0;
  size_t c = *cap ? *cap * 2 : 256;
  void *p = realloc(*v, c * sz);
  if (p == NULL)
    return VG_ENOMEM;
  *v = p;
  *cap = c;
  return 0;
}

static int add_mark(replay_pic *rp, const struct vg_replay_entry *e) {
  if (grow((void **)&rp->marks, rp->nmarks, &rp->capmarks,
           sizeof(*rp->marks)) != 0)
    return VG_ENOMEM;
  struct mark *m = &rp->marks[rp->nmarks];
  memset(m, 0, sizeof(*m));
  m->kind = e->kind;
  m->at = e->at;
  m->before = e->count_before;
  m->after = e->count_after;
  m->slot_start = e->sched.slot_start;
  m->slot_end = e->sched.slot_end;
  if (e->why != NULL && (m->why = malloc(strlen(e->why) + 1)) != NULL)
    memcpy(m->why, e->why, strlen(e->why) + 1);
  rp->nmarks++;
  return 0;
}

int replay_pic_add(replay_pic *rp, const struct vg_replay_entry *e) {
  switch (e->kind) {
  case VG_REPLAY_BOOT:
  case VG_REPLAY_CALIBRATED:
  case VG_REPLAY_CALIBRATION_IGNORED:
  case VG_REPLAY_REBOOT:
  case VG_REPLAY_POSTPONED:
    if (add_mark(rp, e) != 0)
      return VG_ENOMEM;
    break;
  default: break;
  }
  if (e->count_before == e->count_after && rp->nsteps > 0)
    return 0;
  if (grow((void **)&rp->steps, rp->nsteps, &rp->capsteps,
           sizeof(*rp->steps)) != 0)
    return VG_ENOMEM;
  rp->steps[rp->nsteps++] =
      (struct step){e->at, e->count_before, e->count_after};
  return 0;
}

/* The part of the step line within one column of half a pixel: the
 * counts it visits, drawn as one vertical stroke, and the last one. */
struct column {
  double x;
  int lo, hi, last;
};

static void flush_column(struct vg_svg *s, const struct column *c, int *cur) {
  vg_svg_raw(s, " H%.1f", c->x);
  int ends[3] = {c->lo, c->hi, c->last};
  if (c->last == c->lo) { /* end at the low end: visit the high end first */
    ends[0] = c->hi;
    ends[1] = c->lo;
  }
  for (int i = 0; i < 3; i++)
    if (ends[i] != *cur) {
      vg_svg_raw(s, " V%.1f", pic_y(ends[i]));
      *cur = ends[i];
    }
}

/* The count as a step line: flat until a change, then up or down. Changes
 * within half a pixel of each other share one vertical stroke, so that the
 * picture of a million events stays small. */
static void step_line(struct picture *pc, const replay_pic *rp, int final) {
  struct vg_svg *s = &pc->svg;
  int cur = rp->nsteps ? rp->steps[0].before : final;
  vg_svg_raw(s, "<path class=\"line-count\" d=\"M%.1f,%.1f", pic_x(pc, pc->t0),
             pic_y(cur));
  struct column c = {-1, cur, cur, cur};
  bool open = false;
  for (size_t i = 0; i < rp->nsteps; i++) {
    const struct step *st = &rp->steps[i];
    double x = (double)(long long)(pic_x(pc, st->at) * 2 + 0.5) / 2;
    if (open && x != c.x)
      flush_column(s, &c, &cur);
    if (!open || x != c.x)
      c = (struct column){x, c.last, c.last, c.last};
    open = true;
    int lo = st->before < st->after ? st->before : st->after;
    int hi = st->before < st->after ? st->after : st->before;
    c.lo = lo < c.lo ? lo : c.lo;
    c.hi = hi > c.hi ? hi : c.hi;
    c.last = st->after;
  }
  if (open)
    flush_column(s, &c, &cur);
  vg_svg_raw(s,
             " H%.1f\" fill=\"none\" stroke=\"#0072B2\" stroke-width=\"2.5\" "
             "stroke-linejoin=\"round\"/>\n",
             pic_x(pc, pc->t1));
}

/* One marker with its tooltip in plain words. */
static void draw_mark(struct picture *pc, const struct mark *m) {
  char when[64], a[64], b[64], tip[1024];
  vg_cli_fmt_human(m->at, pc->z, when, sizeof(when));
  const char *why = m->why ? m->why : "";
  switch (m->kind) {
  case VG_REPLAY_BOOT:
    snprintf(tip, sizeof(tip), "%s: boot recorded; the count goes from %d to 0",
             when, m->before);
    pic_mark(pc, PIC_BOOT, m->at, m->before, tip);
    break;
  case VG_REPLAY_CALIBRATED:
    snprintf(tip, sizeof(tip),
             "%s: VSS 12289 reports %d active sessions; the count goes from "
             "%d to %d",
             when, m->after, m->before, m->after);
    pic_mark(pc, PIC_CALIBRATED, m->at, m->after, tip);
    break;
  case VG_REPLAY_CALIBRATION_IGNORED:
    snprintf(tip, sizeof(tip), "%s: VSS 12289 not applied: %s", when, why);
    pic_mark(pc, PIC_CAL_IGNORED, m->at, m->after, tip);
    break;
  case VG_REPLAY_REBOOT:
    vg_cli_fmt_short(m->slot_start, pc->z, a, sizeof(a));
    vg_cli_fmt_short(m->slot_end, pc->z, b, sizeof(b));
    snprintf(tip, sizeof(tip),
             "%s: the agent would reboot the server at count %d (slot %s to "
             "%s)",
             when, m->after, a, b + 11);
    pic_mark(pc, PIC_REBOOT, m->at, m->after, tip);
    break;
  case VG_REPLAY_POSTPONED:
    snprintf(tip, sizeof(tip), "%s: reboot postponed: %s", when, why);
    pic_mark(pc, PIC_POSTPONED, m->at, m->after, tip);
    break;
  default: break;
  }
}

/* Blackouts as hatched bands and windows as ticks over the time axis. */
static void calendar(struct picture *pc, const vg_policy *p) {
  pic_blackouts(pc, p);
  struct vg_ivbuf w = {0};
  if (vg_cal_windows(p, pc->t0, pc->t1, &w) == 0)
    for (size_t i = 0; i < w.n; i++)
      pic_window_tick(pc, w.v[i].start, w.v[i].end);
  vg_ivbuf_free(&w);
}

static const struct pic_legend legend[] = {
    {"line-count", "inferred active sessions"},
    {"threshold", "policy threshold"},
    {"limit", "hard limit 64"},
    {"m-boot", "boot recorded (count back to 0)"},
    {"m-calibration", "VSS 12289 count applied"},
    {"m-calibration-ignored", "VSS 12289 not applied"},
    {"m-reboot", "reboot the agent would initiate"},
    {"m-postponed", "reboot postponed"},
    {"band-blackout", "blackout (no reboot)"},
    {"window", "maintenance window"},
};

/* The title and the lines under it. */
static int open_picture(struct picture *pc, const char *path,
                        const struct replay_pic_info *in, vg_wall_t t0,
                        vg_wall_t t1) {
  const struct vg_replay_stats *s = in->s;
  const struct vg_zone *z = vg_policy_zone(in->p);
  const char *base = strrchr(in->events_path, '/');
  const char *b2 = strrchr(base ? base : in->events_path, '\\');
  base = b2 ? b2 + 1 : base ? base + 1 : in->events_path;
  char title[512], l0[900], l1[512], l2[256], sum[512], a[64], b[64], zb[32];
  snprintf(title, sizeof(title), "VSS writer sessions%s%s: replay of %s",
           in->server[0] ? " on " : "", in->server, base);
  vg_policy_summary(in->p, sum, sizeof(sum));
  snprintf(l0, sizeof(l0), "Policy %s: %s", in->policy_path, sum);
  vg_cli_fmt_human(t0, z, a, sizeof(a));
  vg_cli_fmt_human(t1, z, b, sizeof(b));
  snprintf(l1, sizeof(l1),
           "%s to %s: %llu runs counted, %llu calibration%s, %llu boot%s "
           "recorded, %zu reboot%s the agent would have initiated",
           a, b, (unsigned long long)s->runs_counted,
           (unsigned long long)s->calibrations, s->calibrations == 1 ? "" : "s",
           (unsigned long long)s->boots, s->boots == 1 ? "" : "s", s->nreboots,
           s->nreboots == 1 ? "" : "s");
  vg_zone_format(z, zb, sizeof(zb));
  snprintf(l2, sizeof(l2),
           "Times in the policy's zone (%s). Point at a marker for details.",
           zb);
  const char *lines[3] = {l0, l1, l2};
  return pic_open(pc, path, z, t0, t1, title, lines);
}

int replay_pic_write(replay_pic *rp, const char *path,
                     const struct replay_pic_info *in) {
  const struct vg_replay_stats *s = in->s;
  vg_wall_t t0 = s->first_event, t1 = s->now;
  if (t0 == 0 || t1 < t0)
    t0 = t1 = s->now ? s->now : vg_plat_now();
  struct picture pc;
  int rc = open_picture(&pc, path, in, t0, t1);
  if (rc != 0)
    return rc;
  calendar(&pc, in->p);
  pic_axes(&pc, vg_policy_threshold(in->p));
  step_line(&pc, rp, s->final_count);
  for (size_t i = 0; i < rp->nmarks; i++)
    draw_mark(&pc, &rp->marks[i]);
  pic_legend(&pc, legend, sizeof(legend) / sizeof(legend[0]));
  return pic_close(&pc);
}
