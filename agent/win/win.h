/*
 * Functions shared by the files of the Windows side (agent/win): the Event
 * Log sink, the Group Policy registry layer, the service and the state
 * directory. Not part of the public interface.
 */
#ifndef VSSGUARD_WIN_H
#define VSSGUARD_WIN_H

#include <stdbool.h>
#include <stddef.h>

#include "vssguard/common.h"
#include "vssguard/policy.h"

/* The Event Log source name, registered by the MSI and `service install`. */
#define VG_WIN_EVENT_SOURCE L"VssGuard"
/* The service name. */
#define VG_WIN_SERVICE_NAME L"VssGuard"
/* The Group Policy key under HKEY_LOCAL_MACHINE. */
#define VG_WIN_GPO_KEY L"SOFTWARE\\Policies\\VssGuard"

/*
 * Installs the log sink that writes each line to the Windows Event Log
 * (source VssGuard) and, when also_stderr is true, to stderr. Debug lines go
 * to stderr only. Returns 0, or VG_EIO when the source cannot be registered
 * (the sink then writes to stderr only).
 */
int vg_win_eventlog_open(bool also_stderr);

/* Restores the default sink and deregisters the source. */
void vg_win_eventlog_close(void);

/* The full message id (with severity bits) of event_id in the message table
 * compiled into the executable, or 0 when the table lacks it. */
unsigned long vg_win_message_id(int event_id);

/*
 * Converts between UTF-8 and UTF-16. Both return a malloc'd string, or NULL
 * when out of memory or when the input is not valid.
 */
wchar_t *vg_win_wide(const char *utf8);
char *vg_win_utf8(const wchar_t *wide);

/* Group Policy values read from HKLM\SOFTWARE\Policies\VssGuard. */
struct vg_win_gpo {
  bool present;           /* the key exists */
  bool enabled_set;       /* Enabled was set */
  bool enabled;           /* Enabled != 0 */
  char policy_file[1024]; /* PolicyFile, environment expanded; "" = unset */
};

/*
 * Reads Enabled and PolicyFile. Returns 0 (with out->present false when the
 * key does not exist) or VG_EIO.
 */
int vg_win_gpo_read(struct vg_win_gpo *out);

/*
 * Applies every override value present under the key to p with
 * vg_policy_override; the caller then validates the whole policy. Errors
 * name the value and go to d. Returns 0, VG_EINVAL (errors in d) or VG_EIO.
 */
int vg_win_gpo_apply(vg_policy *p, vg_diags *d);

/*
 * Watches the key for changes on a thread of its own: cb runs on that
 * thread once half a second passed without a new change (Group Policy
 * writes come in bursts), and again for any change after that, so the last
 * reload always sees the last write. cb must be thread-safe, like
 * vg_run_request_reload.
 */
typedef struct vg_win_gpo_watch vg_win_gpo_watch;
int vg_win_gpo_watch_start(void (*cb)(void *ud), void *ud,
                           vg_win_gpo_watch **out);
void vg_win_gpo_watch_stop(vg_win_gpo_watch *w);

/*
 * Whether a SID (a PSID) is SYSTEM, Administrators, TrustedInstaller or the
 * account of this process: the principals that may own or write the files
 * the agent trusts. vg_win_sid_name writes its account name or SID string.
 */
int vg_win_sid_trusted(void *sid);
void vg_win_sid_name(void *sid, char *buf, size_t len);

/*
 * Creates dir (and %ProgramData%\VssGuard above it) with a DACL that gives
 * full control to SYSTEM and Administrators only. An existing directory is
 * left as it is unless its owner is not trusted (vg_win_sid_trusted): an
 * owner may always rewrite the DACL, so the owner is then set to
 * Administrators and the DACL reset. Returns 0, VG_EIO, or VG_EPERM when an
 * untrusted owner cannot be replaced (logged as 1014).
 */
int vg_win_secure_dir(const char *dir);

/*
 * Makes the state file at path safe to load and replace: a leftover
 * path.tmp is deleted (it may be a hard link planted to make the agent
 * overwrite another file); path itself is removed when it has more than one
 * link or is a reparse point, and otherwise gets Administrators as its owner
 * when its owner is not trusted, and the SYSTEM/Administrators DACL. The
 * state's lock file (path.lock) is treated the same way.
 * Returns 0, or VG_EPERM when a file could be neither secured nor removed
 * (logged as 1014).
 */
int vg_win_secure_state(const char *path);

/* Restricts an existing file to SYSTEM and Administrators. Returns 0 or
 * VG_EIO. */
int vg_win_secure_file(const char *path);

/*
 * Resets the DACL of an existing directory to SYSTEM and Administrators
 * only, inherited by what it holds. For the agent's own data directory,
 * which an MSI creates with ProgramData's inherited, wider ACL.
 */
int vg_win_secure_existing_dir(const char *dir);

/*
 * The running boot's id (agent/win/boot_id.c): 32 lowercase hex digits kept
 * in the volatile key HKLM\SOFTWARE\VssGuard\Boot, created by the first
 * call in a boot; "" when that key cannot be used (logged once). Only the
 * agent calls it (vg_plat_boot_ident), never a CLI command.
 */
const char *vg_win_boot_id(void);

/*
 * Protects the agent's data before the agent starts, as the service does
 * and `vssguard run` in a console too: the state's directory through
 * vg_win_secure_dir, the default directory also through
 * vg_win_secure_existing_dir, the state file through vg_win_secure_state.
 * Returns 0, or the first error (each logged as 1014).
 */
int vg_win_secure_data(const char *state_path);

/* Whether the process acts as Administrators (LocalSystem, or an elevated
 * console): what vg_win_secure_data needs to set owners and DACLs. */
bool vg_win_is_admin(void);

/*
 * `vssguard service run|install|uninstall|start|stop`; argv[2] is the verb
 * and options follow. Each returns the process exit code.
 */
int vg_win_service_run(int argc, char **argv);
int vg_win_service_install_args(int argc, char **argv);
int vg_win_service_uninstall(void);
int vg_win_service_start(void);
int vg_win_service_stop(void);

#endif
