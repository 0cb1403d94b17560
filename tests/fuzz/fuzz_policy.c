/*
 * Fuzz target of the YAML policy loader (vg_policy_load_string): any input
 * either loads into a policy that passes vg_policy_validate, or fails with
 * at least one diagnostic whose line and column are sane; never a crash, a
 * leak or undefined behaviour. A loaded policy is also summarized and
 * planned once, so the planner sees loader-made policies too.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "policy_int.h"
#include "vssguard/planner.h"
#include "vssguard/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_quiet();
  vg_policy *p = NULL;
  vg_diags d = {0};
  int rc = vg_policy_load_string("fuzz.yaml", (const char *)data, size, &p, &d);
  for (size_t i = 0; i < d.n; i++) {
    FZ_CHECK(d.items[i].line >= 0 && d.items[i].col >= 0);
    FZ_CHECK(memchr(d.items[i].msg, '\0', sizeof(d.items[i].msg)) != NULL);
    char line[768];
    vg_diag_format(&d.items[i], line, sizeof(line));
  }
  if (rc != VG_OK) {
    FZ_CHECK(p == NULL);
    FZ_CHECK(rc == VG_ENOMEM || d.n > 0);
    vg_diags_free(&d);
    return 0;
  }
  FZ_CHECK(p != NULL);
  FZ_CHECK(d.n == 0);
  FZ_CHECK(vg_policy_validate(p, "fuzz.yaml", &d) == VG_OK);
  FZ_CHECK(d.n == 0);
  int t = vg_policy_threshold(p);
  FZ_CHECK(t >= 1 && t < VG_HARD_LIMIT);
  FZ_CHECK(vg_policy_window_count(p) >= 1);
  for (size_t i = 0; i < vg_policy_window_count(p); i++) {
    const struct vg_window *win = vg_policy_window(p, i);
    const struct vg_weekly *w = &win->w;
    if (win->kind == VG_WINDOW_MONTHLY) {
      FZ_CHECK(vg_monthly_check(&win->m, false, NULL, 0) == VG_OK);
      continue;
    }
    if (win->kind == VG_WINDOW_ONCE) {
      FZ_CHECK(win->end > win->start);
      continue;
    }
    FZ_CHECK(w->days != 0 && (w->days & ~VG_ALL_DAYS) == 0);
    FZ_CHECK(w->start_s >= 0 && w->start_s < 86400);
    FZ_CHECK(w->duration_s > 0);
  }
  const struct vg_reboot_cfg *rc_cfg = vg_policy_reboot(p);
  FZ_CHECK(memchr(rc_cfg->message, '\0', sizeof(rc_cfg->message)) != NULL);
  FZ_CHECK(rc_cfg->reason != 0);
  char sum[512];
  vg_policy_summary(p, sum, sizeof(sum));
  /* Only fixed zones: the local zone would make runs depend on the host. */
  if (vg_policy_zone(p)->kind != VG_ZONE_LOCAL) {
    struct vg_slot s;
    vg_wall_t from = 1798761600; /* 2027-01-01T00:00:00Z */
    if (vg_plan_next_slot(p, from, &s) == VG_OK)
      FZ_CHECK(s.end > s.start && s.end > from);
  }
  vg_policy_free(p);
  vg_diags_free(&d);
  return 0;
}
