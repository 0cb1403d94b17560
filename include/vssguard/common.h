/*
 * Shared vocabulary of VSS Session Guard: error codes, the two clock types
 * and the diagnostics list used by every loader.
 */
#ifndef VSSGUARD_COMMON_H
#define VSSGUARD_COMMON_H

#include <stddef.h>
#include <stdint.h>

#define VG_VERSION "0.1.0"

/* The hard limit of active VSS writer sessions on Windows Server 2008/R2. */
#define VG_HARD_LIMIT 64

/* Errors are negative; 0 is success. vg_strerror() names each one. */
enum {
  VG_OK = 0,
  VG_EINVAL = -1,   /* bad input (policy, arguments, event) */
  VG_ENOMEM = -2,   /* out of memory */
  VG_EIO = -3,      /* an I/O operation failed */
  VG_ENOENT = -4,   /* file or item does not exist */
  VG_ENOSLOT = -5,  /* no allowed slot within the search horizon */
  VG_ECORRUPT = -6, /* a stored file does not parse */
  VG_EPERM = -7,    /* permission denied or file not secure */
  VG_EAGAIN = -8,   /* try again later */
  VG_ERANGE = -9,   /* value out of range */
  VG_EBUSY = -10,   /* an operation of the same kind is already pending */
  VG_ENOSYS = -11,  /* not supported on this platform */
  VG_ELOCKED = -12, /* reboots are locked until an administrator resets */
  VG_ENET = -13,    /* network error: refused, name, TLS, protocol */
  VG_ETIMEOUT = -14 /* a network operation timed out */
};

const char *vg_strerror(int err);

/*
 * Wall-clock time: seconds since 1970-01-01T00:00:00Z. It can jump (NTP, an
 * administrator), so it is only used to compute plans, never to measure
 * durations.
 */
typedef int64_t vg_wall_t;

/*
 * Monotonic time in milliseconds from an arbitrary origin. A distinct struct
 * type so that it cannot be mixed with wall-clock seconds by accident.
 */
typedef struct {
  uint64_t ms;
} vg_mono_t;

/* One diagnostic: "file:line:col: message", line and col 1-based (0 = none). */
struct vg_diag {
  char file[256];
  int line;
  int col;
  char msg[256];
};

/* A growable list of diagnostics; zero-initialise, release with vg_diags_free.
 */
typedef struct {
  struct vg_diag *items;
  size_t n;
  size_t cap;
} vg_diags;

/* Appends a printf-formatted diagnostic. Returns 0 or VG_ENOMEM. */
/*
 * printf format checking; mingw's "printf" archetype is the MS one, while the
 * build uses the C99-conforming mingw stdio, hence gnu_printf there.
 */
#if defined(__MINGW32__)
#define VG_PRINTF(a, b) __attribute__((format(gnu_printf, a, b)))
#elif defined(__GNUC__)
#define VG_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define VG_PRINTF(a, b)
#endif

int vg_diags_add(vg_diags *d, const char *file, int line, int col,
                 const char *fmt, ...) VG_PRINTF(5, 6);
void vg_diags_free(vg_diags *d);

/* Formats one diagnostic as "file:line:col: message" into buf. */
void vg_diag_format(const struct vg_diag *d, char *buf, size_t len);

/*
 * What tells one boot of the machine from the next without the wall clock:
 * the time since boot (time asleep included: CLOCK_BOOTTIME,
 * GetTickCount64) and the boot's id (Linux /proc/sys/kernel/random/boot_id,
 * Windows a random id in a volatile registry key; "" when unknown).
 */
#define VG_BOOT_ID_MAX 40
struct vg_boot_ident {
  uint64_t uptime_s;
  char id[VG_BOOT_ID_MAX];
};

#endif
