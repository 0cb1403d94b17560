/*
 * One HTTP client interface for the platform layer, used by the FleetLock
 * and Alertmanager modules: libcurl on the libuv thread pool on Linux
 * (agent/unix/http.c), WinHTTP on the thread pool on Windows
 * (agent/win/http.c, with the machine's WinHTTP proxy and SChannel).
 *
 * A request never blocks the loop thread. The callback runs on the loop
 * thread, exactly once, also on failure. The modules that use it only build
 * requests and interpret answers, so they are tested without sockets.
 */
#ifndef VSSGUARD_HTTP_H
#define VSSGUARD_HTTP_H

#include <stddef.h>

#include <uv.h>

#include "vssguard/common.h"

/* At most this many bytes of a response body are kept (the rest is read and
 * dropped). */
#define VG_HTTP_MAX_BODY (64u * 1024u)

/* Default timeouts, in milliseconds, used when a request gives 0. */
#define VG_HTTP_CONNECT_TIMEOUT_MS 10000u
#define VG_HTTP_TOTAL_TIMEOUT_MS 30000u

typedef struct vg_http_req {
  const char *method;         /* "GET", "POST", "DELETE" */
  const char *url;            /* absolute http:// or https:// URL */
  const char *const *headers; /* "Name: value", NULL-terminated, or NULL */
  const char *body;           /* may be NULL */
  size_t body_len;
  unsigned connect_timeout_ms; /* 0 = VG_HTTP_CONNECT_TIMEOUT_MS */
  unsigned total_timeout_ms;   /* 0 = VG_HTTP_TOTAL_TIMEOUT_MS */
} vg_http_req;

typedef struct vg_http_resp {
  int err;     /* 0 when an HTTP answer came; negative vg error otherwise:
                  VG_ETIMEOUT, VG_ENET (refused, DNS, TLS...), VG_ENOMEM */
  long status; /* HTTP status when err == 0 */
  char *body;  /* NUL-terminated (never NULL), at most VG_HTTP_MAX_BODY
                  bytes kept; owned by the module, valid during the cb */
  size_t body_len;
  char errmsg[256]; /* why, when err != 0 */
} vg_http_resp;

typedef void (*vg_http_cb)(void *ctx, const vg_http_resp *resp);

/*
 * Starts a request; copies everything in req. Returns 0, or a negative error
 * (VG_EINVAL for a missing method or a URL that is not http:// or https://,
 * VG_ENOMEM); then cb is never called. A pending request keeps the loop
 * alive until its callback has run.
 */
int vg_http_request(uv_loop_t *loop, const vg_http_req *req, vg_http_cb cb,
                    void *ctx);

/*
 * Makes every request in flight end soon (on POSIX within about a second,
 * on Windows at once) with VG_EIO "cancelled"; each callback still runs
 * once. Requests started afterwards are not affected. For a stopping
 * agent, whose loop would otherwise wait up to the total timeout. Safe
 * from the loop thread.
 */
void vg_http_cancel_all(void);

/* Checks that url is an absolute http:// or https:// URL with a host.
 * Returns 0 or VG_EINVAL. Shared by both implementations and the policy. */
int vg_http_url_ok(const char *url);

#endif
