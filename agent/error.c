/*
 * Error names and the diagnostics list shared by every loader.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vssguard/common.h"

const char *vg_strerror(int err) {
  switch (err) {
  case VG_OK: return "success";
  case VG_EINVAL: return "invalid input";
  case VG_ENOMEM: return "out of memory";
  case VG_EIO: return "input/output error";
  case VG_ENOENT: return "no such file or item";
  case VG_ENOSLOT: return "no allowed slot within the horizon";
  case VG_ECORRUPT: return "corrupt file";
  case VG_EPERM: return "permission denied";
  case VG_EAGAIN: return "try again later";
  case VG_ERANGE: return "value out of range";
  case VG_EBUSY: return "operation already pending";
  case VG_ENOSYS: return "not supported on this platform";
  case VG_ELOCKED: return "reboots locked until reset";
  case VG_ENET: return "network error";
  case VG_ETIMEOUT: return "timed out";
  default: return "unknown error";
  }
}

int vg_diags_add(vg_diags *d, const char *file, int line, int col,
                 const char *fmt, ...) {
  if (d->n == d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 8;
    struct vg_diag *items = realloc(d->items, cap * sizeof(*items));
    if (items == NULL)
      return VG_ENOMEM;
    d->items = items;
    d->cap = cap;
  }
  struct vg_diag *g = &d->items[d->n++];
  memset(g, 0, sizeof(*g));
  snprintf(g->file, sizeof(g->file), "%s", file ? file : "");
  g->line = line;
  g->col = col;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(g->msg, sizeof(g->msg), fmt, ap);
  va_end(ap);
  return VG_OK;
}

void vg_diags_free(vg_diags *d) {
  free(d->items);
  d->items = NULL;
  d->n = d->cap = 0;
}

void vg_diag_format(const struct vg_diag *d, char *buf, size_t len) {
  if (d->line > 0 && d->col > 0)
    snprintf(buf, len, "%s:%d:%d: %s", d->file, d->line, d->col, d->msg);
  else if (d->line > 0)
    snprintf(buf, len, "%s:%d: %s", d->file, d->line, d->msg);
  else
    snprintf(buf, len, "%s: %s", d->file, d->msg);
}
