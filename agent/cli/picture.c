/*
 * The frame of the CLI's pictures (see picture.h): layout, time axis in the
 * policy's zone, count axis, bands, markers and legend.
 */
#include <errno.h>
#include <string.h>

#include "calendar.h"
#include "picture.h"

/* The plot area, in pixels; counts run from 0 at the bottom to YMAX. */
#define X0 70.0
#define X1 1170.0
#define YTOP 110.0
#define YBOT 470.0
#define YMAX 68

#define DAY 86400LL

static const char *const mark_class[PIC_NMARKS] = {
    "m-boot",   "m-calibration", "m-calibration-ignored",
    "m-reboot", "m-postponed",   "m-threshold",
    "m-limit"};

static const char *const month_names[12] = {"Jan", "Feb", "Mar", "Apr",
                                            "May", "Jun", "Jul", "Aug",
                                            "Sep", "Oct", "Nov", "Dec"};
static const char *const wday_names[7] = {"Sun", "Mon", "Tue", "Wed",
                                          "Thu", "Fri", "Sat"};

double pic_x(const struct picture *pc, vg_wall_t t) {
  if (t <= pc->t0)
    return X0;
  if (t >= pc->t1)
    return X1;
  return X0 + (X1 - X0) * (double)(t - pc->t0) / (double)(pc->t1 - pc->t0);
}

double pic_yd(double c) {
  return YBOT - (YBOT - YTOP) * c / YMAX;
}

double pic_y(int c) {
  return pic_yd((double)c);
}

/* Hatched fills: slots "/" in bluish green, blackouts crossed in vermillion,
 * so that the two differ without colour. */
static void defs(struct vg_svg *s) {
  vg_svg_raw(
      s,
      "<defs>\n"
      "<pattern id=\"p-slot\" width=\"8\" height=\"8\" "
      "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
      "<rect width=\"8\" height=\"8\" fill=\"#009E73\" fill-opacity=\"0.15\"/>"
      "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"8\" stroke=\"#009E73\" "
      "stroke-width=\"2\" stroke-opacity=\"0.6\"/></pattern>\n"
      "<pattern id=\"p-blackout\" width=\"8\" height=\"8\" "
      "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
      "<rect width=\"8\" height=\"8\" fill=\"#D55E00\" fill-opacity=\"0.12\"/>"
      "<path d=\"M0,0 V8 M0,0 H8\" stroke=\"#D55E00\" stroke-width=\"1.5\" "
      "stroke-opacity=\"0.55\"/></pattern>\n"
      "</defs>\n");
}

int pic_open(struct picture *pc, const char *path, const struct vg_zone *z,
             vg_wall_t t0, vg_wall_t t1, const char *title,
             const char *const lines[3]) {
  memset(pc, 0, sizeof(*pc));
  pc->path = path;
  pc->z = z;
  pc->t0 = t0;
  pc->t1 = t1 > t0 + DAY ? t1 : t0 + DAY;
  pc->f = fopen(path, "wb");
  if (pc->f == NULL) {
    fprintf(stderr, "vssguard: %s: cannot write the picture: %s\n", path,
            strerror(errno));
    return VG_EXIT_FAIL;
  }
  vg_svg_begin(&pc->svg, pc->f, PIC_WIDTH, PIC_HEIGHT, title);
  defs(&pc->svg);
  vg_svg_raw(&pc->svg, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
             PIC_WIDTH, PIC_HEIGHT);
  vg_svg_text(&pc->svg, X0, 30, "font-size=\"19\" font-weight=\"bold\"", "%s",
              title);
  for (int i = 0; i < 3; i++)
    if (lines[i] != NULL && lines[i][0] != '\0')
      vg_svg_text(&pc->svg, X0, 52 + 18 * i, "fill=\"#333333\"", "%s",
                  lines[i]);
  /* The scale, for readers and tests: y = ybottom - count * (ybottom -
   * ytop) / ymax; x = x0 + (t - t0) * (x1 - x0) / (t1 - t0). */
  vg_svg_raw(&pc->svg,
             "<g id=\"plot\" data-x0=\"%.1f\" data-x1=\"%.1f\" "
             "data-t0=\"%lld\" data-t1=\"%lld\" data-ytop=\"%.1f\" "
             "data-ybottom=\"%.1f\" data-ymax=\"%d\">\n",
             X0, X1, (long long)pc->t0, (long long)pc->t1, YTOP, YBOT, YMAX);
  return VG_EXIT_OK;
}

/* The count axis: grid every 8 sessions, labels, the axis title. */
static void count_axis(struct picture *pc) {
  struct vg_svg *s = &pc->svg;
  for (int c = 0; c <= 64; c += 8) {
    vg_svg_raw(s,
               "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
               "y2=\"%.1f\" stroke=\"#dddddd\"/>\n",
               X0, pic_y(c), X1, pic_y(c));
    vg_svg_text(s, X0 - 8, pic_y(c) + 4, "text-anchor=\"end\"", "%d", c);
  }
  vg_svg_text(s, 18, (YTOP + YBOT) / 2,
              "text-anchor=\"middle\" transform=\"rotate(-90 18 290)\"",
              "active VSS writer sessions");
}

/* The tick spacing for a span: days, weeks (Mondays), months, quarters. */
enum tick_unit { T_DAY, T_WEEK, T_MONTH, T_QUARTER };

static enum tick_unit tick_unit(vg_wall_t span) {
  if (span <= 16 * DAY)
    return T_DAY;
  if (span <= 110 * DAY)
    return T_WEEK;
  if (span <= 800 * DAY)
    return T_MONTH;
  return T_QUARTER;
}

/* The first tick date at or after civil day d (days since 1970). */
static int64_t first_tick(enum tick_unit u, int64_t d) {
  int y, m, md;
  vg_civil_from_days(d, &y, &m, &md);
  switch (u) {
  case T_DAY: return d;
  case T_WEEK: return d + (8 - ((d + 4) % 7 + 7) % 7) % 7; /* next Monday */
  case T_MONTH:
  case T_QUARTER:
    if (md == 1 && (u == T_MONTH || (m - 1) % 3 == 0))
      return d;
    do {
      m++;
      if (m > 12) {
        m = 1;
        y++;
      }
    } while (u == T_QUARTER && (m - 1) % 3 != 0);
    return vg_days_from_civil(y, m, 1);
  }
  return d;
}

static int64_t next_tick(enum tick_unit u, int64_t d) {
  int y, m, md;
  if (u == T_DAY)
    return d + 1;
  if (u == T_WEEK)
    return d + 7;
  vg_civil_from_days(d, &y, &m, &md);
  m += u == T_MONTH ? 1 : 3;
  if (m > 12) {
    m -= 12;
    y++;
  }
  return vg_days_from_civil(y, m, 1);
}

/* What the second row of labels names: the month for day and week ticks,
 * the year for month and quarter ticks. */
static int row2_key(enum tick_unit u, const struct vg_civil *c) {
  return u == T_MONTH || u == T_QUARTER ? c->year : c->year * 12 + c->mon;
}

/* One tick at local midnight of day d: its line and label; the second row
 * names the month or year where it changes (*last is the last named;
 * *first_x becomes the x of the first such name). */
static void tick(struct picture *pc, enum tick_unit u, int64_t d, int *last,
                 double *first_x) {
  struct vg_civil c = {0};
  vg_civil_from_days(d, &c.year, &c.mon, &c.mday);
  vg_wall_t t;
  if (vg_zone_from_civil(pc->z, &c, &t) != 0 || t < pc->t0 || t > pc->t1)
    return;
  double x = pic_x(pc, t);
  struct vg_svg *s = &pc->svg;
  vg_svg_raw(s,
             "<line class=\"tick\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
             "y2=\"%.1f\" stroke=\"#eeeeee\"/>\n",
             x, YTOP, x, YBOT);
  const char *mid = "text-anchor=\"middle\"";
  int wd = (int)(((d + 4) % 7 + 7) % 7);
  if (u == T_DAY)
    vg_svg_text(s, x, YBOT + 26, mid, "%s %d", wday_names[wd], c.mday);
  else if (u == T_WEEK)
    vg_svg_text(s, x, YBOT + 26, mid, "%d %s", c.mday, month_names[c.mon - 1]);
  else
    vg_svg_text(s, x, YBOT + 26, mid, "%s", month_names[c.mon - 1]);
  if (row2_key(u, &c) == *last)
    return;
  if (*first_x < 0)
    *first_x = x;
  const char *bold = "text-anchor=\"middle\" font-weight=\"bold\"";
  if (u == T_MONTH || u == T_QUARTER)
    vg_svg_text(s, x, YBOT + 44, bold, "%d", c.year);
  else
    vg_svg_text(s, x, YBOT + 44, bold, "%s %d", month_names[c.mon - 1], c.year);
  *last = row2_key(u, &c);
}

/* The time axis: ticks at local midnights, in the policy's zone. */
static void time_axis(struct picture *pc) {
  enum tick_unit u = tick_unit(pc->t1 - pc->t0);
  struct vg_civil c0;
  if (vg_zone_to_civil(pc->z, pc->t0, &c0) != 0)
    return;
  int last = row2_key(u, &c0);
  double first_x = -1;
  int64_t d = first_tick(u, vg_days_from_civil(c0.year, c0.mon, c0.mday));
  for (int i = 0; i < 2000; i++, d = next_tick(u, d)) {
    if (d * DAY > (int64_t)pc->t1 + 2 * DAY)
      break;
    tick(pc, u, d, &last, &first_x);
  }
  /* The month (or year) of the start at the left edge, unless the first
   * change is so close that the two would overlap. */
  if (first_x >= 0 && first_x < X0 + 90)
    return;
  if (u == T_MONTH || u == T_QUARTER)
    vg_svg_text(&pc->svg, X0, YBOT + 44, "font-weight=\"bold\"", "%d", c0.year);
  else
    vg_svg_text(&pc->svg, X0, YBOT + 44, "font-weight=\"bold\"", "%s %d",
                month_names[c0.mon - 1], c0.year);
}

void pic_axes(struct picture *pc, int threshold) {
  struct vg_svg *s = &pc->svg;
  count_axis(pc);
  time_axis(pc);
  vg_svg_raw(s,
             "<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
             "height=\"%.1f\" fill=\"none\" stroke=\"#888888\"/>\n",
             X0, YTOP, X1 - X0, YBOT - YTOP);
  vg_svg_raw(s,
             "<line id=\"limit\" data-count=\"%d\" x1=\"%.1f\" y1=\"%.1f\" "
             "x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000000\" "
             "stroke-width=\"1.5\"/>\n",
             VG_HARD_LIMIT, X0, pic_y(VG_HARD_LIMIT), X1, pic_y(VG_HARD_LIMIT));
  vg_svg_text(s, X0 + 6, pic_y(VG_HARD_LIMIT) - 5, "",
              "hard limit %d: VSS 12289 errors from here", VG_HARD_LIMIT);
  vg_svg_raw(s,
             "<line id=\"threshold\" data-count=\"%d\" x1=\"%.1f\" "
             "y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#E69F00\" "
             "stroke-width=\"2\" stroke-dasharray=\"9 4\"/>\n",
             threshold, X0, pic_y(threshold), X1, pic_y(threshold));
  vg_svg_text(s, X0 + 6, pic_y(threshold) - 5, "fill=\"#8a5a00\"",
              "threshold %d: reboot in the next allowed slot", threshold);
}

void pic_band(struct picture *pc, const char *cls, vg_wall_t a, vg_wall_t b,
              const char *tip) {
  if (b <= pc->t0 || a >= pc->t1)
    return;
  double xa = pic_x(pc, a), xb = pic_x(pc, b);
  if (xb - xa < 1.5) { /* keep a short band visible */
    xa -= 0.75;
    xb = xa + 1.5;
  }
  vg_svg_raw(&pc->svg,
             "<rect class=\"band-%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
             "height=\"%.1f\" fill=\"url(#p-%s)\">",
             cls, xa, YTOP, xb - xa, YBOT - YTOP, cls);
  vg_svg_title(&pc->svg, "%s", tip);
  vg_svg_raw(&pc->svg, "</rect>\n");
}

void pic_window_tick(struct picture *pc, vg_wall_t a, vg_wall_t b) {
  if (b <= pc->t0 || a >= pc->t1)
    return;
  double xa = pic_x(pc, a), xb = pic_x(pc, b);
  if (xb - xa < 1.5)
    xb = xa + 1.5;
  vg_svg_raw(&pc->svg,
             "<rect class=\"window\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
             "height=\"7\" fill=\"#009E73\"/>\n",
             xa, YBOT + 2, xb - xa);
}

/* The shape of marker m centred on (x, y). */
static void shape(struct vg_svg *s, enum pic_mark m, double x, double y) {
  switch (m) {
  case PIC_BOOT:
    vg_svg_raw(s, "<path d=\"M%.1f,%.1f l6.5,11 h-13 z\" fill=\"#000000\"/>", x,
               y - 7);
    break;
  case PIC_CALIBRATED:
    vg_svg_raw(s,
               "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"#56B4E9\" "
               "stroke=\"#000000\"/>",
               x, y);
    break;
  case PIC_CAL_IGNORED:
    vg_svg_raw(s,
               "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"#ffffff\" "
               "stroke=\"#555555\"/><path d=\"M%.1f,%.1f l7,-7\" "
               "stroke=\"#555555\"/>",
               x, y, x - 3.5, y + 3.5);
    break;
  case PIC_REBOOT:
    vg_svg_raw(s,
               "<path d=\"M%.1f,%.1f l8,8 l-8,8 l-8,-8 z\" fill=\"#D55E00\" "
               "stroke=\"#000000\"/>",
               x, y - 8);
    break;
  case PIC_POSTPONED:
    vg_svg_raw(s,
               "<path d=\"M%.1f,%.1f h10 l-10,12 h10 z\" fill=\"#CC79A7\" "
               "stroke=\"#000000\" stroke-width=\"0.8\"/>",
               x - 5, y - 6);
    break;
  case PIC_THRESHOLD:
    vg_svg_raw(s,
               "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"6\" fill=\"#E69F00\" "
               "stroke=\"#000000\"/>",
               x, y);
    break;
  case PIC_LIMIT:
    vg_svg_raw(s,
               "<rect x=\"%.1f\" y=\"%.1f\" width=\"11\" height=\"11\" "
               "fill=\"#F0E442\" stroke=\"#000000\"/>",
               x - 5.5, y - 5.5);
    break;
  case PIC_NMARKS: break;
  }
}

void pic_blackouts(struct picture *pc, const vg_policy *p) {
  struct vg_ivbuf b = {0};
  char a[64], e[64], tip[256];
  if (vg_cal_blackouts(p, pc->t0, pc->t1, &b) == 0) {
    vg_ivbuf_sort(&b);
    for (size_t i = 0; i < b.n; i++) {
      const struct vg_blackout *bo = vg_policy_blackout(p, (size_t)b.v[i].src);
      vg_cli_fmt_human(b.v[i].start, pc->z, a, sizeof(a));
      vg_cli_fmt_human(b.v[i].end, pc->z, e, sizeof(e));
      snprintf(tip, sizeof(tip), "blackout '%s': %s to %s", bo ? bo->name : "",
               a, e);
      pic_band(pc, "blackout", b.v[i].start, b.v[i].end, tip);
    }
  }
  vg_ivbuf_free(&b);
}

void pic_mark(struct picture *pc, enum pic_mark m, vg_wall_t t, double count,
              const char *tip) {
  vg_svg_raw(&pc->svg, "<g class=\"%s\">", mark_class[m]);
  vg_svg_title(&pc->svg, "%s", tip);
  shape(&pc->svg, m, pic_x(pc, t), pic_yd(count));
  vg_svg_raw(&pc->svg, "</g>\n");
}

/* The sample of one legend item at (x, y), its left middle. */
static void sample(struct vg_svg *s, const char *cls, double x, double y) {
  for (int m = 0; m < PIC_NMARKS; m++)
    if (strcmp(cls, mark_class[m]) == 0) {
      shape(s, (enum pic_mark)m, x + 11, y);
      return;
    }
  if (strncmp(cls, "band-", 5) == 0)
    vg_svg_raw(s,
               "<rect x=\"%.1f\" y=\"%.1f\" width=\"22\" height=\"14\" "
               "fill=\"url(#p-%s)\" stroke=\"#888888\"/>",
               x, y - 7, cls + 5);
  else if (strcmp(cls, "window") == 0)
    vg_svg_raw(s,
               "<rect x=\"%.1f\" y=\"%.1f\" width=\"22\" height=\"7\" "
               "fill=\"#009E73\"/>",
               x, y - 3.5);
  else if (strcmp(cls, "threshold") == 0)
    vg_svg_raw(s,
               "<path d=\"M%.1f,%.1f h22\" stroke=\"#E69F00\" "
               "stroke-width=\"2\" stroke-dasharray=\"9 4\"/>",
               x, y);
  else if (strcmp(cls, "limit") == 0)
    vg_svg_raw(s,
               "<path d=\"M%.1f,%.1f h22\" stroke=\"#000000\" "
               "stroke-width=\"1.5\"/>",
               x, y);
  else if (strcmp(cls, "line-count") == 0)
    vg_svg_raw(s,
               "<path d=\"M%.1f,%.1f h22\" stroke=\"#0072B2\" "
               "stroke-width=\"2.5\"/>",
               x, y);
  else if (strcmp(cls, "line-noreboot") == 0)
    vg_svg_raw(s,
               "<path d=\"M%.1f,%.1f h22\" stroke=\"#555555\" "
               "stroke-width=\"2\" stroke-dasharray=\"3 3\"/>",
               x, y);
}

void pic_legend(struct picture *pc, const struct pic_legend *items, size_t n) {
  struct vg_svg *s = &pc->svg;
  vg_svg_raw(s, "<g class=\"legend\">\n");
  for (size_t i = 0; i < n; i++) {
    double x = X0 + (double)(i % 3) * 370;
    double y = YBOT + 76 + (double)(i / 3) * 22;
    sample(s, items[i].cls, x, y);
    vg_svg_text(s, x + 30, y + 4.5, "", "%s", items[i].label);
  }
  vg_svg_raw(s, "</g>\n");
}

int pic_close(struct picture *pc) {
  vg_svg_raw(&pc->svg, "</g>\n");
  int rc = vg_svg_end(&pc->svg);
  if (fclose(pc->f) != 0)
    rc = VG_EIO;
  if (rc != 0) {
    fprintf(stderr, "vssguard: %s: writing the picture failed\n", pc->path);
    return VG_EXIT_FAIL;
  }
  return VG_EXIT_OK;
}
