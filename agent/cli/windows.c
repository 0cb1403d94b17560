/*
 * vssguard windows: the next allowed reboot slots (inside a maintenance
 * window, outside every blackout), as text or JSON.
 */
#include <stdlib.h>

#include "cli_int.h"
#include "vssguard/planner.h"

/* Prints the found slots in text or as the "slots" array of the JSON. */
static void print_slots(const struct vg_slot *slots, size_t found,
                        const struct vg_zone *z, struct vg_json *j) {
  for (size_t i = 0; i < found; i++) {
    struct vg_slot s = slots[i];
    if (j != NULL) {
      vg_json_begin_object(j);
      vg_json_key(j, "start");
      vg_json_time(j, s.start);
      vg_json_key(j, "end");
      vg_json_time(j, s.end);
      vg_json_key(j, "local_start");
      vg_cli_json_local(j, s.start, z);
      vg_json_key(j, "local_end");
      vg_cli_json_local(j, s.end, z);
      vg_json_end_object(j);
    } else {
      char a[64], b[64], d[32];
      vg_cli_fmt_human(s.start, z, a, sizeof(a));
      vg_cli_fmt_human(s.end, z, b, sizeof(b));
      vg_cli_fmt_dur(s.end - s.start, d, sizeof(d));
      printf("  %s  ->  %s  (%s)\n", a, b, d);
    }
  }
}

/* Lists count slots from the moment from. Returns an exit code. */
static int list_slots(const vg_policy *p, vg_wall_t from, uint64_t count,
                      bool json) {
  const struct vg_zone *z = vg_policy_zone(p);
  struct vg_json j;
  if (json) {
    vg_cli_json_start(&j);
    vg_json_key(&j, "slots");
    vg_json_begin_array(&j);
  } else {
    char zb[32];
    vg_zone_format(z, zb, sizeof(zb));
    printf("Next %llu allowed slots (policy zone %s):\n",
           (unsigned long long)count, zb);
  }
  /* Consecutive slots in one pass: no overlap, even where a window is
   * always open and a slot runs to the search horizon. */
  struct vg_slot *slots = malloc((size_t)count * sizeof(*slots));
  size_t found = 0;
  if (slots == NULL)
    return VG_EXIT_FAIL;
  if (vg_plan_slots(p, from, slots, (size_t)count, &found) != 0)
    found = 0;
  print_slots(slots, found, z, json ? &j : NULL);
  free(slots);
  if (json) {
    vg_json_end_array(&j);
    vg_json_end_object(&j);
    return vg_cli_json_finish(&j);
  }
  if (found == 0)
    printf("  none within %lld days\n", VG_PLAN_HORIZON_S / 86400);
  return VG_EXIT_OK;
}

static int cmd_windows(const struct cmd *c, int argc, char **argv) {
  struct opt o[] = {{"policy", true, NULL, false},
                    {"from", true, NULL, false},
                    {"count", true, NULL, false},
                    {"json", false, NULL, false}};
  size_t no = sizeof(o) / sizeof(o[0]);
  char *pos[1] = {NULL};
  int npos;
  char defp[1024];
  int rc;
  if (vg_cli_parse_cmd(c, argc, argv, o, no, pos, 0, &npos, &rc))
    return rc;
  uint64_t count = 5;
  struct opt *ocount = vg_cli_opt(o, no, "count");
  if (ocount->seen && (vg_cli_parse_u64(ocount->arg, &count) != 0 ||
                       count < 1 || count > 10000))
    return vg_cli_usage_error(
        c->name, "--count '%s' must be a number from 1 to 10000", ocount->arg);
  const char *ppath = vg_cli_opt(o, no, "policy")->arg;
  if (ppath == NULL)
    ppath = vg_policy_default_path(defp, sizeof(defp));
  vg_policy *p;
  rc = vg_cli_load_policy(ppath, &p);
  if (rc != 0)
    return rc;
  vg_wall_t from = vg_plat_now();
  struct opt *ofrom = vg_cli_opt(o, no, "from");
  if (ofrom->seen)
    rc = vg_cli_parse_when(c->name, "--from", ofrom->arg, vg_policy_zone(p),
                           &from);
  if (rc == 0)
    rc = list_slots(p, from, count, vg_cli_opt(o, no, "json")->seen);
  vg_policy_free(p);
  return rc;
}

const struct cmd vg_cli_cmd_windows = {
    "windows", cmd_windows,
    "[--policy FILE] [--from TIME] [--count K] [--json]",
    "list the next allowed reboot slots",
    "Lists the next K (default 5) allowed slots: inside a maintenance window\n"
    "and outside every blackout, from TIME (default now; civil times are in\n"
    "the policy's zone). --json prints\n"
    "{\"slots\":[{\"start\",\"end\",\"local_start\",\"local_end\"}]}.\n"};
