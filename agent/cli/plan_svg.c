/*
 * The picture of "plan --svg": from now, the projected count at the
 * backup cadence up to the threshold and to 64, with and without the
 * planned reboot; the allowed slots (windows minus blackouts) as hatched
 * green bands, the blackouts as cross-hatched red bands, the planned
 * reboot, and the projection warning (event 1017) when the slots are too
 * sparse.
 */
#include <stdlib.h>
#include <string.h>

#include "picture.h"

#define DAY 86400LL

/* The count projected at t from count at now, capped at 64. */
static double proj_count(const struct plan_pic_info *in, vg_wall_t from,
                         double count, vg_wall_t t) {
  double c = count + in->rpd * (double)(t - from) / (double)DAY;
  return c > VG_HARD_LIMIT ? VG_HARD_LIMIT : c;
}

/* The instant the projected count reaches c from count at from. */
static vg_wall_t proj_time(const struct plan_pic_info *in, vg_wall_t from,
                           double count, double c) {
  if (c <= count)
    return from;
  return from + (vg_wall_t)((c - count) / in->rpd * (double)DAY);
}

/* The end of the time axis: past the limit and the reboot, a week to two
 * years. */
static vg_wall_t axis_end(const struct plan_pic_info *in) {
  vg_wall_t end = in->now;
  if (in->proj != NULL && in->proj->limit_at > end)
    end = in->proj->limit_at;
  if (in->have && in->slot_end > end)
    end = in->slot_end;
  vg_wall_t span = (end - in->now) + (end - in->now) / 8;
  if (span < 7 * DAY)
    span = 7 * DAY;
  if (span > 730 * DAY)
    span = 730 * DAY;
  return in->now + span;
}

/* Allowed slots and blackouts over the axis. */
static void bands(struct picture *pc, const vg_policy *p) {
  char a[64], b[64], d[32], tip[256];
  struct vg_slot slots[64];
  vg_wall_t from = pc->t0;
  for (int round = 0; round < 200 && from < pc->t1; round++) {
    size_t n = 0;
    if (vg_plan_slots(p, from, slots, 64, &n) != 0 || n == 0)
      break;
    for (size_t i = 0; i < n && slots[i].start < pc->t1; i++) {
      vg_cli_fmt_human(slots[i].start, pc->z, a, sizeof(a));
      vg_cli_fmt_human(slots[i].end, pc->z, b, sizeof(b));
      vg_cli_fmt_dur(slots[i].end - slots[i].start, d, sizeof(d));
      snprintf(tip, sizeof(tip), "allowed slot: %s to %s (%s)", a, b, d);
      pic_band(pc, "slot", slots[i].start, slots[i].end, tip);
    }
    from = slots[n - 1].end;
    if (n < 64)
      break;
  }
  pic_blackouts(pc, p);
}

/* A straight segment of the projection from (a, ca) to (b, cb). */
static void segment(struct picture *pc, const char *cls, vg_wall_t a, double ca,
                    vg_wall_t b, double cb) {
  const char *style = strcmp(cls, "line-count") == 0
                          ? "stroke=\"#0072B2\" stroke-width=\"2.5\""
                          : "stroke=\"#555555\" stroke-width=\"2\" "
                            "stroke-dasharray=\"3 3\"";
  vg_svg_raw(&pc->svg,
             "<path class=\"%s\" d=\"M%.1f,%.1f L%.1f,%.1f\" fill=\"none\" "
             "%s/>\n",
             cls, pic_x(pc, a), pic_yd(ca), pic_x(pc, b), pic_yd(cb), style);
}

/* The projection: without a reboot up to 64, and with the planned reboot
 * (back to 0, then climbing again up to the threshold). */
static void projection(struct picture *pc, const struct plan_pic_info *in,
                       int threshold) {
  double c0 = in->count;
  vg_wall_t lim = proj_time(in, in->now, c0, VG_HARD_LIMIT);
  if (lim > pc->t1)
    lim = pc->t1;
  segment(pc, "line-noreboot", in->now, c0, lim,
          proj_count(in, in->now, c0, lim));
  if (lim < pc->t1)
    segment(pc, "line-noreboot", lim, VG_HARD_LIMIT, pc->t1, VG_HARD_LIMIT);
  if (!in->have || in->at > pc->t1)
    return;
  double cat = proj_count(in, in->now, c0, in->at);
  segment(pc, "line-count", in->now, c0, in->at, cat);
  segment(pc, "line-count", in->at, cat, in->at, 0);
  vg_wall_t again = proj_time(in, in->at, 0, threshold);
  if (again > pc->t1)
    again = pc->t1;
  segment(pc, "line-count", in->at, 0, again, proj_count(in, in->at, 0, again));
}

/* The planned reboot, threshold and limit markers. */
static void markers(struct picture *pc, const struct plan_pic_info *in,
                    int threshold) {
  char a[64], b[64], tip[512];
  const struct vg_projection *pr = in->proj;
  if (pr != NULL && pr->threshold_at <= pc->t1) {
    vg_cli_fmt_human(pr->threshold_at, pc->z, a, sizeof(a));
    snprintf(tip, sizeof(tip), "%s: the count %s the threshold %d", a,
             in->count >= threshold ? "is at" : "is projected to reach",
             threshold);
    pic_mark(pc, PIC_THRESHOLD, pr->threshold_at,
             proj_count(in, in->now, in->count, pr->threshold_at), tip);
  }
  if (pr != NULL && pr->limit_at <= pc->t1) {
    vg_cli_fmt_human(pr->limit_at, pc->z, a, sizeof(a));
    snprintf(tip, sizeof(tip),
             "%s: without a reboot the count is projected to reach %d, and "
             "every backup then logs VSS 12289",
             a, VG_HARD_LIMIT);
    pic_mark(pc, PIC_LIMIT, pr->limit_at, VG_HARD_LIMIT, tip);
  }
  if (!in->have || in->at > pc->t1)
    return;
  double x = pic_x(pc, in->at);
  vg_svg_raw(&pc->svg,
             "<line class=\"planned\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
             "y2=\"%.1f\" stroke=\"#D55E00\" stroke-dasharray=\"2 2\"/>\n",
             x, pic_y(VG_HARD_LIMIT + 3), x, pic_y(0));
  vg_cli_fmt_human(in->at, pc->z, a, sizeof(a));
  vg_cli_fmt_human(in->slot_end, pc->z, b, sizeof(b));
  snprintf(tip, sizeof(tip), "%s: planned reboot (slot until %s)", a, b);
  pic_mark(pc, PIC_REBOOT, in->at, proj_count(in, in->now, in->count, in->at),
           tip);
  bool left = x > PIC_WIDTH - 400;
  vg_svg_text(&pc->svg, left ? x - 8 : x + 8, pic_y(24),
              left ? "text-anchor=\"end\" fill=\"#a04000\""
                   : "fill=\"#a04000\"",
              "planned reboot %s", a);
}

/* The projection warning (event 1017) and the lock, as banners. */
static void banners(struct picture *pc, const struct plan_pic_info *in) {
  const char *msg[2] = {NULL, NULL};
  if (in->proj != NULL && in->proj->too_sparse)
    msg[0] = "WARNING (event 1017): the first usable slot after the threshold "
             "comes after the projected hard limit of 64: add windows, lower "
             "the threshold or shorten blackouts.";
  if (in->locked)
    msg[1] = "LOCKED: reboots are locked after attempts without a boot; run "
             "'vssguard reset'.";
  double y = pic_y(VG_HARD_LIMIT - 6);
  for (int i = 0; i < 2; i++) {
    if (msg[i] == NULL)
      continue;
    vg_svg_raw(&pc->svg,
               "<rect class=\"warning\" x=\"80\" y=\"%.1f\" width=\"1080\" "
               "height=\"22\" fill=\"#fff3cd\" stroke=\"#D55E00\" "
               "stroke-width=\"2\"/>\n",
               y - 15);
    vg_svg_text(&pc->svg, 88, y, "font-weight=\"bold\" fill=\"#7a2e00\"", "%s",
                msg[i]);
    y += 28;
  }
}

static const struct pic_legend legend[] = {
    {"line-count", "projected count with the planned reboot"},
    {"line-noreboot", "projected count without a reboot"},
    {"threshold", "policy threshold"},
    {"limit", "hard limit 64"},
    {"band-slot", "allowed slot (window, no blackout)"},
    {"band-blackout", "blackout (no reboot)"},
    {"m-reboot", "planned reboot"},
    {"m-threshold", "threshold reached"},
    {"m-limit", "64 reached without a reboot"},
};

static int open_picture(struct picture *pc, const char *path,
                        const struct plan_pic_info *in) {
  const struct vg_zone *z = vg_policy_zone(in->p);
  char title[512], l0[900], l1[512], l2[256], sum[512], a[64], zb[32];
  snprintf(title, sizeof(title), "Reboot plan%s%s",
           in->server[0] ? " for " : "", in->server);
  vg_policy_summary(in->p, sum, sizeof(sum));
  snprintf(l0, sizeof(l0), "Policy %s: %s", in->policy_path, sum);
  vg_cli_fmt_human(in->now, z, a, sizeof(a));
  snprintf(l1, sizeof(l1),
           "From %s: count %d of threshold %d (%s), %.2f backup runs a day "
           "(%s)",
           a, in->count, vg_policy_threshold(in->p), in->count_label, in->rpd,
           in->cadence_label);
  vg_zone_format(z, zb, sizeof(zb));
  snprintf(l2, sizeof(l2),
           "Times in the policy's zone (%s). Point at a band or marker for "
           "details.",
           zb);
  const char *lines[3] = {l0, l1, l2};
  return pic_open(pc, path, z, in->now, axis_end(in), title, lines);
}

int plan_pic_write(const char *path, const struct plan_pic_info *in) {
  struct picture pc;
  int threshold = vg_policy_threshold(in->p);
  int rc = open_picture(&pc, path, in);
  if (rc != 0)
    return rc;
  bands(&pc, in->p);
  pic_axes(&pc, threshold);
  projection(&pc, in, threshold);
  markers(&pc, in, threshold);
  banners(&pc, in);
  pic_legend(&pc, legend, sizeof(legend) / sizeof(legend[0]));
  return pic_close(&pc);
}
