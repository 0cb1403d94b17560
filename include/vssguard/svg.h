/*
 * A small SVG writer: plain text output to a FILE, with every piece of text
 * that comes from outside (server names, blackout names, reasons) escaped
 * for XML. The pictures of "replay --svg" and "plan --svg" are written
 * through it; they need no script, font file or network access to open.
 */
#ifndef VSSGUARD_SVG_H
#define VSSGUARD_SVG_H

#include <stdio.h>

#include "vssguard/common.h"

struct vg_svg {
  FILE *f;
  int err; /* VG_EIO once a write failed */
};

/*
 * Starts a document of width x height pixels on f (which stays the
 * caller's) with its <title> (escaped).
 */
void vg_svg_begin(struct vg_svg *s, FILE *f, int width, int height,
                  const char *title);

/* Ends the document and flushes f. Returns 0 or VG_EIO. */
int vg_svg_end(struct vg_svg *s);

/* Writes markup as is: only for text the program wrote itself. */
void vg_svg_raw(struct vg_svg *s, const char *fmt, ...) VG_PRINTF(2, 3);

/*
 * Writes text escaped for element content and attribute values: & < > "
 * and ' become entities, and control characters that XML 1.0 forbids
 * become '?'.
 */
void vg_svg_escaped(struct vg_svg *s, const char *text);

/* <text x y ATTRS>formatted text, escaped</text>; attrs may be "". */
void vg_svg_text(struct vg_svg *s, double x, double y, const char *attrs,
                 const char *fmt, ...) VG_PRINTF(5, 6);

/* <title>formatted text, escaped</title>: a tooltip on the parent element. */
void vg_svg_title(struct vg_svg *s, const char *fmt, ...) VG_PRINTF(2, 3);

#endif
