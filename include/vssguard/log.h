/*
 * Logging in the style of OpenBSD's log.c: every message has a level and a
 * documented event id; the platform decides where it goes (stderr, syslog or
 * the Windows Event Log). The event ids are the ones in docs/events.md and in
 * the message table packaging/windows/vssguard.mc.
 */
#ifndef VSSGUARD_LOG_H
#define VSSGUARD_LOG_H

#include <stdarg.h>

#include "vssguard/common.h"

enum vg_log_level {
  VG_LOG_ERROR = 0,
  VG_LOG_WARN = 1,
  VG_LOG_INFO = 2,
  VG_LOG_DEBUG = 3
};

/* Documented event ids (Windows Event Log "Event ID" of source VssGuard). */
enum vg_event_id {
  VG_EV_GENERIC = 1000,            /* anything without an id of its own */
  VG_EV_STARTED = 1001,            /* agent started */
  VG_EV_STOPPED = 1002,            /* agent stopped, state saved */
  VG_EV_POLICY_LOADED = 1003,      /* policy loaded (summary) */
  VG_EV_POLICY_INVALID = 1004,     /* policy invalid, last good one kept */
  VG_EV_RUN_COUNTED = 1005,        /* backup run counted (count/threshold) */
  VG_EV_CALIBRATED = 1006,         /* count set from VSS 12289 */
  VG_EV_BOOT = 1007,               /* boot detected, count reset */
  VG_EV_SCHEDULED = 1008,          /* reboot scheduled (slot and window) */
  VG_EV_POSTPONED = 1009,          /* reboot postponed (why) */
  VG_EV_REBOOT_INITIATED = 1010,   /* InitiateSystemShutdownExW accepted */
  VG_EV_REMEDIATED = 1011,         /* boot after our reboot: confirmed */
  VG_EV_REBOOT_FAILED = 1012,      /* the reboot call failed */
  VG_EV_LOCKED = 1013,             /* reboot guard: attempts exhausted */
  VG_EV_STATE_ERROR = 1014,        /* state file could not be read/written */
  VG_EV_SOURCE_ERROR = 1015,       /* event source failed, retrying */
  VG_EV_POLICY_INSECURE = 1016,    /* policy file writable by non-admins */
  VG_EV_PROJECTION_WARNING = 1017, /* windows too sparse to stay under 64 */
  VG_EV_ABORTED = 1018,            /* pending reboot aborted by an admin */
  VG_EV_RESET = 1019,              /* reboot guard reset by an admin */
  VG_EV_DRY_RUN = 1020,            /* dry run: reboot would happen now */
  /* Windows service (issue 10): 1021-1024. */
  VG_EV_SERVICE_CONFIG = 1021, /* a service setting could not be applied */
  /* Counting (issue 9): 1025-1029. */
  VG_EV_RUN_UNCOUNTED = 1025, /* a run counted through its 14 failed */
  VG_EV_LOG_CLEARED = 1026,   /* a log cleared: read it again */
  /* Fleet coordination (issue 11): 1030-1034. */
  VG_EV_FLEET_WAITING = 1030,  /* waiting for a FleetLock slot */
  VG_EV_FLEET_ACQUIRED = 1031, /* FleetLock slot acquired */
  VG_EV_FLEET_RELEASED = 1032, /* FleetLock slot released */
  VG_EV_FLEET_DRY_RUN = 1033,  /* dry run: FleetLock request not sent */
  VG_EV_FLEET_ERROR = 1034,    /* FleetLock error: no reboot (fail closed) */
  /* Gates, hooks and notifications (issue 12): 1035-1044. */
  VG_EV_GATE_WARNING = 1035,       /* gate unanswered or veto failed */
  VG_EV_HOOK_RAN = 1036,           /* hook ran, exit 0 */
  VG_EV_HOOK_FAILED = 1037,        /* hook failed */
  VG_EV_NOTIFY_FAILED = 1038,      /* notification not sent */
  VG_EV_SILENCE = 1039,            /* silence created or expired */
  VG_EV_GATES_DRY_RUN = 1040,      /* dry run: gates rehearsed */
  VG_EV_SESSIONS_WAIT_OVER = 1041, /* sessions wait over */
  /* Calendar and administrators (issue 13): 1045-1054. */
  VG_EV_PIGGYBACK = 1045,            /* Windows needs a restart: slot planned */
  VG_EV_REBOOT_REQUESTED = 1046,     /* vssguard reboot --next-slot */
  VG_EV_PAUSED = 1047,               /* vssguard pause: no reboot until then */
  VG_EV_RESUMED = 1048,              /* vssguard resume */
  VG_EV_REMEDIATION_VERIFIED = 1049, /* a run after our reboot: no 12289 */
  VG_EV_FOREIGN_SESSIONS = 1050      /* another VSS requestor leaks sessions */
};

/* Where log lines go. The default sink writes "vssguard: LEVEL: msg" to stderr.
 */
typedef void (*vg_log_sink)(enum vg_log_level level, int event_id,
                            const char *msg, void *ud);

void vg_log_set_sink(vg_log_sink sink, void *ud);
void vg_log_set_level(enum vg_log_level max_level);

void vg_log(enum vg_log_level level, int event_id, const char *fmt, ...)
    VG_PRINTF(3, 4);
void vg_logv(enum vg_log_level level, int event_id, const char *fmt, va_list ap)
    VG_PRINTF(3, 0);

#define vg_log_error(id, ...) vg_log(VG_LOG_ERROR, (id), __VA_ARGS__)
#define vg_log_warn(id, ...) vg_log(VG_LOG_WARN, (id), __VA_ARGS__)
#define vg_log_info(id, ...) vg_log(VG_LOG_INFO, (id), __VA_ARGS__)
#define vg_log_debug(...) vg_log(VG_LOG_DEBUG, VG_EV_GENERIC, __VA_ARGS__)

#endif
