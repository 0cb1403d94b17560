/*
 * The platform interface: everything the core needs from the operating
 * system. agent/unix and agent/win each implement it; CMake picks one.
 *
 * The agent reaches the clocks, the boot time and the reboot call through a
 * struct vg_plat_ops so that tests can drive it with a fake clock; the real
 * operations are in vg_plat_default_ops.
 */
#ifndef VSSGUARD_PLATFORM_H
#define VSSGUARD_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vssguard/common.h"

/* What the single reboot module is asked to do. */
struct vg_reboot_req {
  const char *message;   /* shown to users; bounded to 511 characters */
  uint32_t warning_s;    /* countdown; 0 = none (cannot be aborted) */
  bool force_close_apps; /* close applications without asking */
  uint32_t reason;       /* SHTDN_REASON_* code, never 0 */
  const char *command;   /* POSIX only: argv[0] of --reboot-command, or NULL */
};

struct vg_plat_ops {
  vg_wall_t (*now)(void *ud);                 /* wall clock */
  vg_mono_t (*mono)(void *ud);                /* monotonic clock */
  int (*boot_time)(void *ud, vg_wall_t *out); /* when this OS booted */
  /* The running boot's uptime and id (NULL: the agent judges boots by the
   * wall-clock boot time alone). */
  int (*boot_ident)(void *ud, struct vg_boot_ident *out);
  /*
   * Initiates the reboot. Returns 0 when the OS accepted it, VG_EBUSY when a
   * shutdown is already pending, VG_EAGAIN when it should be retried soon,
   * another negative error otherwise.
   */
  int (*reboot)(void *ud, const struct vg_reboot_req *req);
  void *ud;
};

extern const struct vg_plat_ops vg_plat_default_ops;

/* Direct forms of the default operations. */
vg_wall_t vg_plat_now(void);
vg_mono_t vg_plat_mono(void);
int vg_plat_boot_time(vg_wall_t *out);
/*
 * The uptime in seconds (time asleep included) and the boot id: on Linux
 * /proc/sys/kernel/random/boot_id, on Windows a random id the first call in
 * a boot draws and keeps in the volatile registry key
 * HKLM\SOFTWARE\VssGuard\Boot (so only the agent calls this, never a
 * command); "" when it cannot be had. Returns 0 or VG_EIO.
 */
int vg_plat_boot_ident(struct vg_boot_ident *out);
int vg_plat_reboot(const struct vg_reboot_req *req);

/*
 * Cancels a pending shutdown countdown (AbortSystemShutdownW). Returns 0,
 * VG_ENOENT when none is pending, VG_ENOSYS where unsupported (POSIX).
 */
int vg_plat_abort_reboot(void);

/* Offset east of UTC of the system's local zone at instant t. */
int vg_plat_local_offset(vg_wall_t t, int32_t *offset_s);

/*
 * Opens a file named by a UTF-8 path, like fopen (mode is ASCII). On
 * Windows the path goes through the wide API (_wfopen), so that names
 * outside the ANSI code page open too. NULL with errno set on failure.
 */
FILE *vg_plat_fopen(const char *path, const char *mode);

/* What vg_plat_stat tells of a file. */
struct vg_plat_stat {
  bool is_dir;
  int64_t size; /* bytes */
};

/*
 * stat() of a UTF-8 path (the wide API on Windows). Returns 0, VG_ENOENT
 * (the file or a directory above it is missing) or VG_EIO, with errno set.
 */
int vg_plat_stat(const char *path, struct vg_plat_stat *out);

/* Removes a file named by a UTF-8 path. Returns 0 or VG_EIO. */
int vg_plat_remove(const char *path);

/*
 * Replaces the command line given to main by its UTF-8 form: on Windows,
 * main's argv is in the ANSI code page, so it is rebuilt from
 * GetCommandLineW; elsewhere argv is left as it is. Call first in main.
 */
void vg_plat_utf8_args(int *argc, char ***argv);

/* Flushes an open file to stable storage (fsync / FlushFileBuffers). */
int vg_plat_fsync(FILE *f);

/* Atomically replaces dst by src (rename / MoveFileExW REPLACE_EXISTING). */
int vg_plat_replace_file(const char *src, const char *dst);

/*
 * Checks that a policy file may be trusted: writable only by administrators
 * (POSIX: owned by root or the agent's user, not group or world writable;
 * Windows: write access only for SYSTEM, Administrators, TrustedInstaller).
 * Returns 0, or VG_EPERM with the reason in why.
 */
int vg_plat_check_file_secure(const char *path, char *why, size_t len);

/* Fills buf with random bytes from the OS. */
int vg_plat_random(void *buf, size_t len);

typedef struct vg_policy vg_policy;

/*
 * Applies the platform's administrative overrides to a loaded policy: on
 * Windows the Group Policy values under HKLM\SOFTWARE\Policies\VssGuard
 * (through vg_policy_override), elsewhere nothing. Errors go to d and name
 * the value. Returns 0 or VG_EINVAL.
 */
int vg_plat_policy_overrides(vg_policy *p, vg_diags *d);

/* The policy file the administrator named by policy (GPO PolicyFile), or
 * NULL for the default. */
const char *vg_plat_policy_file(void);

/*
 * This machine's DNS name: "host.domain" where the system knows its domain
 * (Windows: the fully qualified DNS name; POSIX: the host name as set).
 * Returns 0, VG_ERANGE when it does not fit, or VG_EIO.
 */
int vg_plat_dns_name(char *buf, size_t len);

/*
 * Whether Windows needs a restart anyway (the policy's piggyback): on Windows
 * when the key RebootRequired of Windows Update or RebootPending of
 * Component Based Servicing exists, or PendingFileRenameOperations is not
 * empty. Returns 1 with the reason in why, 0 when none is pending, or a
 * negative error. On POSIX there is no such thing; a test hook stands in:
 * when the environment variable VSSGUARD_TEST_RESTART_PENDING names a file
 * that exists, a restart is pending and the file's first line is the reason
 * (for tests only).
 */
int vg_plat_restart_pending(char *why, size_t len);

/* Directory for defaults: "%ProgramData%\VssGuard" or "/var/lib/vssguard". */
const char *vg_plat_default_dir(void);

/*
 * A wall-clock alarm on a libuv loop: cb runs on the loop thread once the
 * system's wall clock reaches the instant it was armed for, however the
 * clock moves meanwhile; in between the process does not wake up.
 *   Linux: a timerfd on CLOCK_REALTIME armed with TFD_TIMER_ABSTIME |
 *   TFD_TIMER_CANCEL_ON_SET, watched by a uv_poll. When the clock is set
 *   (stepped), it fires at once with clock_set true, so that the caller
 *   computes its plan again from the new time.
 *   Windows: an absolute waitable timer (SetWaitableTimer with a FILETIME),
 *   which Windows moves with every change of the system time; a thread waits
 *   on it and wakes the loop with a uv_async. clock_set is always false.
 * The alarm fires once per arming; arming again replaces the instant.
 */
typedef struct vg_alarm vg_alarm;
typedef void (*vg_alarm_cb)(void *ud, bool clock_set);

/* libuv's uv_loop_t, declared here so that this header does not pull in
 * <uv.h> (and on Windows <windows.h>) for every user. */
struct uv_loop_s;

/* Creates a disarmed alarm on loop. Returns 0, VG_ENOMEM or VG_EIO. */
int vg_alarm_new(struct uv_loop_s *loop, vg_alarm_cb cb, void *ud,
                 vg_alarm **out);

/* Arms the alarm for wall-clock instant at (an instant already past fires
 * at once). Returns 0 or VG_EIO. */
int vg_alarm_arm(vg_alarm *al, vg_wall_t at);

/* Disarms the alarm: cb does not run until it is armed again. */
void vg_alarm_disarm(vg_alarm *al);

/* Closes the alarm; it is freed once the loop has run its handles' close
 * callbacks. cb never runs after this call. NULL is allowed. */
void vg_alarm_close(vg_alarm *al);

/*
 * An advisory, exclusive lock on a file of its own (created when missing,
 * never removed), held from vg_plat_lock_try until vg_plat_unlock. Two
 * holders exclude each other whether they are two processes or two calls
 * in one process. POSIX: flock(LOCK_EX | LOCK_NB) on a descriptor opened
 * O_NOFOLLOW (a new file gets mode 0600). Windows: LockFileEx(EXCLUSIVE |
 * FAIL_IMMEDIATELY) on byte 0 of a handle opened through the wide API with
 * every share mode, so that other holders can open it too; a new file gets
 * the DACL of the state file (SYSTEM and Administrators only). The lock
 * goes with the process: a holder that dies releases it.
 * Returns 0 (*out holds the lock), VG_EBUSY when someone else holds it
 * (nothing waits), or VG_EIO when the file cannot be opened or locked
 * (errno set).
 */
typedef struct vg_plat_lock vg_plat_lock;
int vg_plat_lock_try(const char *path, vg_plat_lock **out);
/* Releases and frees the lock. NULL is allowed. */
void vg_plat_unlock(vg_plat_lock *l);

#endif
