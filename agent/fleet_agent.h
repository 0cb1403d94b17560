/*
 * The agent's FleetLock side: sends pre-reboot and steady-state through the
 * HTTP interface, one request at a time, on the agent's loop; retries the
 * release with backoff until it succeeds; logs events 1030-1034 (each lock
 * error once until it changes) and keeps the figures for the metrics. The
 * agent (agent.c) decides when to ask and keeps "slot held" in its state.
 * Internal to the agent.
 */
#ifndef VSSGUARD_FLEET_AGENT_H
#define VSSGUARD_FLEET_AGENT_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "vssguard/fleetlock.h"
#include "vssguard/metrics.h"
#include "vssguard/policy.h"

typedef struct vg_fleet_side vg_fleet_side;

struct vg_fleet_hooks {
  /* The answer to vg_fleet_side_acquire: VG_FLEET_GRANTED, _DENIED,
   * _REJECTED or _ERROR (never called after vg_fleet_side_close), for the
   * group and id the request was made for: a reload may have changed the
   * settings while it was in flight. */
  void (*acquired)(void *ud, enum vg_fleet_outcome outcome, const char *group,
                   const char *id);
  /* A steady-state for group as id was answered 200: that slot, if this
   * machine held it, is free. */
  void (*released)(void *ud, const char *group, const char *id);
  void *ud;
};

/* Creates the side on loop; it does nothing until configured. */
int vg_fleet_side_new(uv_loop_t *loop, const struct vg_fleet_hooks *hooks,
                      vg_fleet_side **out);

/*
 * Takes the policy's fleet_lock settings (on load and reload). An empty id
 * becomes this machine's DNS name in lower case. dry_run: requests are
 * logged (event 1033), never sent. Returns 0, or
 * VG_EINVAL when the id cannot be determined (then the side stays off and
 * acquire answers ERROR).
 */
int vg_fleet_side_configure(vg_fleet_side *f, const struct vg_fleet_cfg *cfg,
                            bool dry_run);

/* True when the policy has fleet_lock. */
bool vg_fleet_side_enabled(const vg_fleet_side *f);
/* The effective id and group (valid while configured). */
const char *vg_fleet_side_id(const vg_fleet_side *f);
const char *vg_fleet_side_group(const vg_fleet_side *f);

/*
 * Asks for release (steady-state) until a 200: at start, after a boot, or
 * when a held slot was not used. why goes into the log. after_s > 0 delays
 * the first request. While one is pending, a call with after_s 0 sends it
 * at once if it was waiting; otherwise it does nothing.
 */
void vg_fleet_side_release(vg_fleet_side *f, const char *why, int64_t after_s);

/* The same for the slot of group as id, which this machine holds (it may
 * have been granted under settings a reload has changed since): as the
 * slot is really held, the steady-state is sent also in dry run. A release
 * pending for another slot goes on, and this one is not asked for. */
void vg_fleet_side_release_slot(vg_fleet_side *f, const char *group,
                                const char *id, const char *why,
                                int64_t after_s);

/* True while a release is pending (not yet answered 200). */
bool vg_fleet_side_releasing(const vg_fleet_side *f);

/*
 * Sends pre-reboot; hooks.acquired gets the answer. Returns 0; 1 in a dry
 * run (the request was logged, not sent, and no callback follows); VG_EBUSY
 * while a request is in flight or a release is pending (ask again later);
 * VG_EINVAL when not configured.
 */
int vg_fleet_side_acquire(vg_fleet_side *f);

/* True while a pre-reboot request is in flight. */
bool vg_fleet_side_acquiring(const vg_fleet_side *f);

/* Marks the end of a wait for a slot (granted, or the slot ended). */
void vg_fleet_side_wait_over(vg_fleet_side *f);

/* The waiting delay: retry +-20%, in milliseconds. */
uint64_t vg_fleet_side_retry_ms(vg_fleet_side *f);

/* Fills the fleet part of the metrics (held comes from the state). */
void vg_fleet_side_metrics(const vg_fleet_side *f, uint64_t now_ms,
                           struct vg_metrics_fleet *out);

/* Stops timers; the side frees itself once no request is in flight. */
void vg_fleet_side_close(vg_fleet_side *f);

#endif
