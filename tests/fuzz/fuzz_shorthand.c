/*
 * Fuzz target of the shorthand grammar shared by YAML strings and Group
 * Policy values: vg_parse_duration, vg_parse_weekly, vg_parse_window,
 * vg_parse_blackout and
 * vg_policy_override. The first input byte picks the entry point, the rest
 * is the text (for overrides: the value name's index, then items separated
 * by newlines). Whatever parses must be in range, a duration must survive a
 * format and parse round trip, and an error must come with a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "policy_int.h"
#include "vssguard/policy.h"

#define MAX_TEXT 4096
#define MAX_ITEMS 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_weekly(const struct vg_weekly *w) {
  FZ_CHECK(w->days != 0 && (w->days & ~VG_ALL_DAYS) == 0);
  FZ_CHECK(w->start_s >= 0 && w->start_s < 86400);
  FZ_CHECK(w->duration_s > 0);
}

static void fuzz_duration(const char *s) {
  int64_t v = -1, again = -1;
  if (vg_parse_duration(s, &v) != VG_OK)
    return;
  FZ_CHECK(v >= 0);
  char buf[64];
  vg_format_duration(v, buf, sizeof(buf));
  FZ_CHECK(vg_parse_duration(buf, &again) == VG_OK);
  FZ_CHECK(again == v);
}

static void check_window(const struct vg_window *w) {
  switch (w->kind) {
  case VG_WINDOW_WEEKLY: check_weekly(&w->w); break;
  case VG_WINDOW_MONTHLY:
    FZ_CHECK(vg_monthly_check(&w->m, false, NULL, 0) == VG_OK);
    break;
  case VG_WINDOW_ONCE:
    FZ_CHECK(w->end > w->start && w->end - w->start <= 7 * 86400);
    break;
  default: FZ_CHECK(!"unknown window kind");
  }
}

static void fuzz_weekly(const char *s, uint8_t arg) {
  struct vg_weekly w;
  struct vg_window win;
  struct vg_zone z = {VG_ZONE_UTC, 0, NULL};
  char err[256];
  err[0] = '\0';
  memset(&w, 0, sizeof(w));
  if (arg & 1) {
    if (vg_parse_window(s, &z, &win, err, sizeof(err)) == VG_OK)
      check_window(&win);
    else
      FZ_CHECK(err[0] != '\0');
    return;
  }
  if (vg_parse_weekly(s, &w, err, sizeof(err)) == VG_OK)
    check_weekly(&w);
  else
    FZ_CHECK(err[0] != '\0');
}

static void fuzz_blackout(const char *s, uint8_t zbyte) {
  struct vg_zone z;
  memset(&z, 0, sizeof(z));
  z.kind = (zbyte & 1) ? VG_ZONE_FIXED : VG_ZONE_UTC;
  z.offset_s = ((int32_t)(zbyte >> 1) - 64) * 900 % (14 * 3600);
  struct vg_blackout b;
  char err[256];
  err[0] = '\0';
  if (vg_parse_blackout(s, &z, &b, err, sizeof(err)) != VG_OK) {
    FZ_CHECK(err[0] != '\0');
    return;
  }
  FZ_CHECK(memchr(b.name, '\0', sizeof(b.name)) != NULL);
  switch (b.kind) {
  case VG_BLACKOUT_ABSOLUTE: FZ_CHECK(b.end > b.start); break;
  case VG_BLACKOUT_MONTHLY:
    FZ_CHECK(b.from_day != 0 && b.from_day >= -31 && b.from_day <= 31);
    FZ_CHECK(b.to_day != 0 && b.to_day >= -31 && b.to_day <= 31);
    break;
  case VG_BLACKOUT_WEEKLY: check_weekly(&b.w); break;
  case VG_BLACKOUT_NTH:
    FZ_CHECK(b.m.nth != 0 && vg_monthly_check(&b.m, true, NULL, 0) == VG_OK);
    break;
  default: FZ_CHECK(!"unknown blackout kind");
  }
}

static void fuzz_override(char *s, uint8_t which) {
  size_t nnames = 0;
  while (vg_policy_override_names[nnames] != NULL)
    nnames++;
  const char *name = vg_policy_override_names[which % (nnames + 1)];
  if (name == NULL)
    name = "NoSuchValue";
  const char *items[MAX_ITEMS];
  size_t n = 0;
  char *p = s;
  while (n < MAX_ITEMS) {
    items[n++] = p;
    char *nl = strchr(p, '\n');
    if (nl == NULL)
      break;
    *nl = '\0';
    p = nl + 1;
  }
  vg_policy *pol = vg_policy_new();
  FZ_CHECK(pol != NULL);
  vg_diags d = {0};
  int rc = vg_policy_override(pol, name, items, n, &d);
  if (rc != VG_OK) {
    FZ_CHECK(d.n > 0);
  } else {
    /* A policy made only of overrides may still lack a window. */
    vg_diags_free(&d);
    vg_policy_validate(pol, "gpo", &d);
    int t = vg_policy_threshold(pol);
    FZ_CHECK(t >= 1 && t < VG_HARD_LIMIT);
    for (size_t i = 0; i < vg_policy_window_count(pol); i++)
      check_window(vg_policy_window(pol, i));
    FZ_CHECK(strlen(vg_policy_reboot(pol)->message) <
             sizeof(vg_policy_reboot(pol)->message));
  }
  vg_diags_free(&d);
  vg_policy_free(pol);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_quiet();
  if (size < 2 || size > MAX_TEXT)
    return 0;
  uint8_t op = data[0], arg = data[1];
  char *s = malloc(size - 1);
  FZ_CHECK(s != NULL);
  memcpy(s, data + 2, size - 2);
  s[size - 2] = '\0';
  switch (op % 4) {
  case 0: fuzz_duration(s); break;
  case 1: fuzz_weekly(s, arg); break;
  case 2: fuzz_blackout(s, arg); break;
  default: fuzz_override(s, arg); break;
  }
  free(s);
  return 0;
}
