/*
 * Notifications to Alertmanager (policy notify.alertmanager): pushes the
 * agent's alerts and creates and expires the silence that covers this
 * machine during a reboot. Every request runs off the loop thread through
 * vg_http_request with short timeouts; a failure is logged (event 1038)
 * and never blocks or causes a reboot.
 */
#ifndef VSSGUARD_NOTIFY_H
#define VSSGUARD_NOTIFY_H

#include <stdbool.h>

#include <uv.h>

#include "vssguard/common.h"
#include "vssguard/policy_gates.h"

/* Connect and total timeouts of every Alertmanager request, in ms. */
#define VG_AM_CONNECT_MS 5000u
#define VG_AM_TOTAL_MS 10000u

/*
 * Pushes alert name for instance, active from now until ends. Fire and
 * forget: returns at once; the outcome is logged. Does nothing when
 * notifications are off.
 */
void vg_notify_alert(uv_loop_t *loop, const struct vg_notify *n,
                     const char *instance, const char *name,
                     const char *summary, const char *description,
                     vg_wall_t now, vg_wall_t ends);

/* Called with the new silence's id, or "" when it could not be created. */
typedef void (*vg_silence_cb)(void *ud, const char *id);

/*
 * Creates a silence for instance from now for n->silence_s (all of the
 * machine's alerts except the agent's own VssGuard* alerts). The callback
 * runs exactly once. Returns 0, or a negative error (then cb never runs).
 */
int vg_notify_silence(uv_loop_t *loop, const struct vg_notify *n,
                      const char *instance, vg_wall_t now, const char *comment,
                      vg_silence_cb cb, void *ud);

/* Called when the expiry ends: true when the silence is gone (expired now,
 * or unknown to Alertmanager), false when it should be tried again. */
typedef void (*vg_unsilence_cb)(void *ud, bool gone);

/* Expires silence id (DELETE api/v2/silence/<id>). */
int vg_notify_unsilence(uv_loop_t *loop, const struct vg_notify *n,
                        const char *id, vg_unsilence_cb cb, void *ud);

#endif
