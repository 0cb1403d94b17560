/*
 * The frame that the pictures of "replay --svg" and "plan --svg" share: a
 * time axis in the policy's zone with labels adapted to the span (days,
 * weeks, months or quarters), a count axis from 0 past the hard limit of
 * 64, the threshold and limit lines, shaded bands, markers with tooltips
 * and a legend. Colours are the Okabe-Ito palette, and every colour also
 * differs in shape or pattern, so colour-blind readers and grey-scale
 * prints tell them apart. Internal to the CLI.
 */
#ifndef VSSGUARD_CLI_PICTURE_H
#define VSSGUARD_CLI_PICTURE_H

#include "cli_int.h"
#include "vssguard/planner.h"
#include "vssguard/replay.h"
#include "vssguard/svg.h"

#define PIC_WIDTH 1200
#define PIC_HEIGHT 640

/* Marker shapes; each has its class name ("m-boot", ...) and legend. */
enum pic_mark {
  PIC_BOOT,        /* triangle: a recorded boot */
  PIC_CALIBRATED,  /* filled circle: VSS 12289 applied */
  PIC_CAL_IGNORED, /* hollow circle with a bar: VSS 12289 not applied */
  PIC_REBOOT,      /* diamond: a reboot the agent initiates */
  PIC_POSTPONED,   /* hourglass: a reboot postponed */
  PIC_THRESHOLD,   /* circle on the threshold: threshold reached */
  PIC_LIMIT,       /* square: the count reaches 64 */
  PIC_NMARKS
};

struct picture {
  struct vg_svg svg;
  FILE *f;
  const char *path;
  const struct vg_zone *z;
  vg_wall_t t0, t1; /* the time axis */
};

/*
 * Opens path and writes the header: title (bold, escaped) and up to three
 * lines below it. The axis spans [t0, t1] (at least a day). Returns 0 or an
 * exit code after printing why.
 */
int pic_open(struct picture *pc, const char *path, const struct vg_zone *z,
             vg_wall_t t0, vg_wall_t t1, const char *title,
             const char *const lines[3]);

/* Writes the axes, the grid and the threshold and limit lines. */
void pic_axes(struct picture *pc, int threshold);

/* The x of instant t (clamped to the plot) and the y of count c. */
double pic_x(const struct picture *pc, vg_wall_t t);
double pic_y(int c);
double pic_yd(double c);

/* A band over the plot's height from a to b (clipped): cls is "blackout" or
 * "slot"; the tooltip says what it is. */
void pic_band(struct picture *pc, const char *cls, vg_wall_t a, vg_wall_t b,
              const char *tip);

/* A window occurrence: a thin tick under the time axis. */
void pic_window_tick(struct picture *pc, vg_wall_t a, vg_wall_t b);

/* The blackouts of p over the time axis: hatched bands, each with its name
 * and span in the tooltip. */
void pic_blackouts(struct picture *pc, const vg_policy *p);

/* A marker at (t, count) with a tooltip (escaped). */
void pic_mark(struct picture *pc, enum pic_mark m, vg_wall_t t, double count,
              const char *tip);

/* The legend under the axis: the items named, in the order given. */
struct pic_legend {
  const char *cls; /* "line-count", "line-proj", "band-slot", "m-boot"... */
  const char *label;
};
void pic_legend(struct picture *pc, const struct pic_legend *items, size_t n);

/* Ends the document and closes the file. Returns an exit code. */
int pic_close(struct picture *pc);

/* ---- The pictures ------------------------------------------------------- */

/* What "replay --svg" collects from the timeline (replay_svg.c). */
typedef struct replay_pic replay_pic;

replay_pic *replay_pic_new(void);
void replay_pic_free(replay_pic *rp);

/* Records one timeline entry. Returns 0 or VG_ENOMEM. */
int replay_pic_add(replay_pic *rp, const struct vg_replay_entry *e);

/* What the replay picture names in its title. */
struct replay_pic_info {
  const char *events_path;
  const char *policy_path;
  const char *server; /* or "" when unknown */
  const vg_policy *p;
  const struct vg_replay_stats *s;
};

/* Writes the picture to path. Returns an exit code. */
int replay_pic_write(replay_pic *rp, const char *path,
                     const struct replay_pic_info *in);

/* What "plan --svg" draws (plan_svg.c). */
struct plan_pic_info {
  const vg_policy *p;
  const char *policy_path;
  const char *server;      /* or "" */
  const char *count_label; /* where the count came from */
  const char *cadence_label;
  vg_wall_t now;
  int count;
  double rpd;
  const struct vg_projection *proj; /* or NULL when there is none */
  bool have; /* a next reboot: at, in [slot_start, slot_end) */
  vg_wall_t at, slot_start, slot_end;
  bool locked;
};

/* Writes the plan's picture to path. Returns an exit code. */
int plan_pic_write(const char *path, const struct plan_pic_info *in);

#endif
