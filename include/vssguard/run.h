/*
 * Running the agent: vg_run owns a libuv loop, the agent and its signal
 * handling; each platform supplies the event source the agent is fed from
 * (a followed file on POSIX, the Event Log subscription on Windows).
 */
#ifndef VSSGUARD_RUN_H
#define VSSGUARD_RUN_H

#include <uv.h>

#include "vssguard/agent.h"

/*
 * Runs the agent until SIGTERM or SIGINT (or vg_run_request_stop): creates
 * a loop and the agent, reloads the policy on SIGHUP, saves the state and
 * closes every handle on stop. Returns 0 after a clean stop, or the error of
 * vg_agent_new / vg_agent_start (VG_EINVAL for a bad policy).
 */
int vg_run(const struct vg_agent_config *cfg);

/*
 * Asks the running vg_run to stop (save state, exit) or to reload the
 * policy. Safe from any thread (a service control handler); a no-op when no
 * agent runs.
 */
void vg_run_request_stop(void);
void vg_run_request_reload(void);

/* An event source, implemented once per platform. */
typedef struct vg_source vg_source;

/*
 * Starts feeding agent a on loop from the platform's source as configured
 * in cfg. *out may be set to NULL when the configuration names no source.
 * Returns 0 or a negative error.
 */
int vg_source_start(vg_agent *a, uv_loop_t *loop,
                    const struct vg_agent_config *cfg, vg_source **out);

/*
 * Stops the source and closes its handles; it frees itself once they are
 * closed and will not call the agent again. NULL is a no-op.
 */
void vg_source_stop(vg_source *s);

#endif
