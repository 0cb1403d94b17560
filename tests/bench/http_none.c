/*
 * For scripts/bench's static Linux build of the agent (its idle-memory
 * stand-in for the static vssguard.exe, which uses the system's WinHTTP):
 * the HTTP interface without libcurl, whose static dependencies Debian
 * does not ship. Linked before libvg_core.a, so agent/unix/http.c is not
 * pulled in. Every request fails at once; nothing in that benchmark makes
 * one.
 */
#include "vssguard/http.h"

int vg_http_request(uv_loop_t *loop, const vg_http_req *req, vg_http_cb cb,
                    void *ctx) {
  (void)loop;
  (void)req;
  (void)cb;
  (void)ctx;
  return VG_ENOSYS;
}

void vg_http_cancel_all(void) {}
