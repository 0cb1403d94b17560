/*
 * The fleet_lock part of `plan` and `status`: the group, the id and
 * whether this machine holds a slot (from the state), in text and JSON.
 */
#include <string.h>

#include "cli_int.h"
#include "vssguard/fleetlock.h"

/* The id the agent would use; "" when it cannot be determined. */
static void fleet_id(const vg_policy *p, char *buf, size_t len) {
  const struct vg_fleet_cfg *f = vg_policy_fleet(p);
  if (f->id[0] != '\0')
    snprintf(buf, len, "%s", f->id);
  else if (vg_fleet_default_id(buf, len) != 0)
    buf[0] = '\0';
}

void vg_cli_json_fleet(struct vg_json *j, const vg_policy *p,
                       const vg_state *s) {
  struct vg_fleet_hold h;
  char id[VG_FLEET_MAX_ID + 1];
  memset(&h, 0, sizeof(h));
  if (s != NULL)
    vg_state_fleet_slot(s, &h);
  vg_json_key(j, "fleet_lock");
  if ((p == NULL || !vg_policy_fleet(p)->enabled) && !h.held) {
    vg_json_null(j);
    return;
  }
  vg_json_begin_object(j);
  if (p != NULL && vg_policy_fleet(p)->enabled) {
    const struct vg_fleet_cfg *f = vg_policy_fleet(p);
    fleet_id(p, id, sizeof(id));
    vg_json_key(j, "url");
    vg_json_string(j, f->url);
    vg_json_key(j, "group");
    vg_json_string(j, f->group);
    vg_json_key(j, "id");
    vg_json_string(j, id);
    vg_json_key(j, "retry_seconds");
    vg_json_int(j, f->retry_s);
  }
  vg_json_key(j, "held");
  vg_json_bool(j, h.held);
  vg_json_key(j, "held_since");
  vg_cli_json_time_or_null(j, h.held ? h.since : 0);
  if (h.held) {
    vg_json_key(j, "held_group");
    vg_json_string(j, h.group);
    vg_json_key(j, "held_id");
    vg_json_string(j, h.id);
  }
  vg_json_end_object(j);
}

void vg_cli_human_fleet(const char *label, const vg_policy *p,
                        const vg_state *s) {
  struct vg_fleet_hold h;
  char id[VG_FLEET_MAX_ID + 1], a[64];
  memset(&h, 0, sizeof(h));
  if (s != NULL)
    vg_state_fleet_slot(s, &h);
  bool on = p != NULL && vg_policy_fleet(p)->enabled;
  if (!on && !h.held)
    return;
  if (on) {
    fleet_id(p, id, sizeof(id));
    printf(
        "%sgroup %s, id %s, FleetLock %s\n", label, vg_policy_fleet(p)->group,
        id[0] ? id : "(unknown: set fleet_lock.id)", vg_policy_fleet(p)->url);
  }
  if (h.held) {
    static const struct vg_zone utc = {VG_ZONE_UTC, 0, NULL};
    vg_cli_fmt_human(h.since, p ? vg_policy_zone(p) : &utc, a, sizeof(a));
    printf("%sthis machine HOLDS a slot of group %s as %s since %s\n", label,
           h.group, h.id, a);
  } else if (s != NULL) {
    printf("%sthis machine holds no slot\n", label);
  }
}
