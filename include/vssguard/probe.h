/*
 * The local gates' probes, one implementation per platform
 * (agent/unix/probe.c, agent/win/probe.c): who is signed in interactively,
 * and whether a named program runs. Both are quick, synchronous calls made
 * on the loop thread at the due moment.
 */
#ifndef VSSGUARD_PROBE_H
#define VSSGUARD_PROBE_H

#include <stddef.h>

#include "vssguard/common.h"
#include "vssguard/policy_gates.h"

/*
 * Counts active interactive sessions and lists their users in who
 * ("alice (console), bob (RDP-Tcp#3)" on Windows, "alice (pts/0)" on POSIX).
 * Windows: WTSEnumerateSessionsW, sessions in state WTSActive with a user
 * name (console and Remote Desktop; disconnected ones do not count).
 * POSIX: the utmp database's USER_PROCESS entries whose process is alive
 * (terminal and SSH logins). Returns the count, or a negative error.
 */
int vg_plat_active_sessions(char *who, size_t len);

/*
 * Looks for a running process whose program file name is one of names
 * (compared without regard to ASCII case). Windows: a Toolhelp snapshot
 * (szExeFile). POSIX: /proc/<pid>/comm and the file name of argv[0].
 * Returns 1 with the matching name in found, 0 when none runs, or a
 * negative error.
 */
int vg_plat_process_running(const char (*names)[VG_PROCESS_NAME_MAX + 1],
                            size_t n, char *found, size_t len);

#endif
