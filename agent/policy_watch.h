/*
 * Watching the policy file for changes (the agent uses it while it has no
 * valid policy, to load the fixed file as soon as it is written).
 */
#ifndef VSSGUARD_AGENT_POLICY_WATCH_H
#define VSSGUARD_AGENT_POLICY_WATCH_H

#include <uv.h>

typedef struct vg_policy_watch vg_policy_watch;

/*
 * Watches the directory of path on loop and calls cb on the loop thread
 * once the file named by path was created, written, renamed or removed and
 * then left alone for half a second (an editor or a copy writes in several
 * steps). Returns 0 (*out set) or a negative error (the directory cannot be
 * watched).
 */
int vg_policy_watch_start(uv_loop_t *loop, const char *path,
                          void (*cb)(void *ud), void *ud,
                          vg_policy_watch **out);

/* Stops watching; the handles close and the watch frees itself on the
 * loop. NULL is ignored. */
void vg_policy_watch_stop(vg_policy_watch *w);

#endif
