/*
 * The agent: owns the policy, the state and the timers on a libuv loop.
 * Sources (a followed file on POSIX, the Event Log subscription on Windows)
 * hand it raw event XML or parsed events on the loop thread; it counts,
 * schedules, and at the slot checks again before it calls the platform's
 * reboot operation.
 */
#ifndef VSSGUARD_AGENT_H
#define VSSGUARD_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "vssguard/common.h"
#include "vssguard/event.h"
#include "vssguard/platform.h"

struct vg_agent_config {
  const char *policy_path;
  const char *state_path;
  const char *events_follow;  /* POSIX: the growing event file to follow */
  const char *reboot_command; /* POSIX: program run to reboot (no shell) */
  bool dry_run;               /* --dry-run: never reboot, whatever the policy */
  uint64_t seed;              /* splay seed; 0 = from the OS */
  const struct vg_plat_ops *ops; /* NULL = vg_plat_default_ops */
  bool no_source; /* start no platform event source: events come only
                     through vg_agent_feed_xml / vg_agent_on_event (tests) */
};

typedef struct vg_agent vg_agent;

/*
 * Creates the agent on loop: loads the policy and the state (a missing one
 * starts fresh, a corrupt one is quarantined and rebuilt). A missing or
 * invalid policy is logged (event 1004) and the agent runs in count-only
 * mode: it counts and saves, schedules no reboot, and takes the first valid
 * policy a reload or a change of the file brings. Does not start sources
 * or timers: see vg_agent_start.
 */
int vg_agent_new(uv_loop_t *loop, const struct vg_agent_config *cfg,
                 vg_agent **out);

/* Starts the event sources, checks the boot time and arms the timer. */
int vg_agent_start(vg_agent *a);

/* Feeds raw event XML (a stream chunk) on the loop thread. */
int vg_agent_feed_xml(vg_agent *a, const char *buf, size_t len);

/*
 * Ends the stream fed so far (the followed file was replaced or truncated):
 * a partial event left over is dropped and the next feed starts afresh.
 */
void vg_agent_end_stream(vg_agent *a);

/*
 * Records the Event Log bookmark XML of channel (Windows live source). It
 * is saved in the same atomic state write as the count the next feed
 * produces, so call it before feeding the event it points at. Returns 0,
 * VG_ERANGE or VG_ENOMEM.
 */
int vg_agent_set_bookmark(vg_agent *a, const char *channel, const char *xml);

/* Applies one parsed event on the loop thread. */
void vg_agent_on_event(vg_agent *a, const struct vg_event *ev);

/*
 * Reloads the policy; on failure logs every error (unless the same errors
 * were the last logged) and keeps the last valid policy, or stays in
 * count-only mode.
 */
int vg_agent_reload(vg_agent *a);

/* Re-evaluates the plan now (timer callback, clock change, tests). */
void vg_agent_evaluate(vg_agent *a);

/* Saves state and closes every handle; the loop then ends by itself. */
void vg_agent_stop(vg_agent *a);

/* Frees the agent after the loop ended. */
void vg_agent_free(vg_agent *a);

#endif
