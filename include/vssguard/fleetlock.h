/*
 * The FleetLock protocol (Zincati's fleet-lock, served by airlock and
 * poseidon/fleetlock), without sockets: builds the two requests and
 * interprets the answers. The agent sends them through vssguard/http.h.
 *
 *   POST <base>v1/pre-reboot    take a slot of the group before a reboot
 *   POST <base>v1/steady-state  release it once the machine is back
 *   header  fleet-lock-protocol: true
 *   body    {"client_params":{"id":"<id>","group":"<group>"}}
 *
 * 200 is success; anything else is "not granted", with a JSON
 * {"kind":...,"value":...} body when the server gives one. A transport
 * failure (refused, timeout, not HTTP) is an error: the caller fails closed.
 */
#ifndef VSSGUARD_FLEETLOCK_H
#define VSSGUARD_FLEETLOCK_H

#include <stdbool.h>
#include <stddef.h>

#include "vssguard/common.h"
#include "vssguard/http.h"

#define VG_FLEET_MAX_URL 1024
#define VG_FLEET_MAX_ID 255
#define VG_FLEET_MAX_GROUP 255

enum vg_fleet_op {
  VG_FLEET_PRE_REBOOT = 0, /* v1/pre-reboot: take a slot */
  VG_FLEET_STEADY_STATE    /* v1/steady-state: release it */
};

/* The path of op relative to the base URL ("v1/pre-reboot"...). */
const char *vg_fleet_op_path(enum vg_fleet_op op);

/* One request, ready for vg_http_request (vg_fleet_http_req fills one). */
struct vg_fleet_call {
  char url[VG_FLEET_MAX_URL + 32];
  char body[VG_FLEET_MAX_ID * 6 + VG_FLEET_MAX_GROUP + 64];
  size_t body_len;
};

/*
 * Builds the request of op for id in group against base_url. The base is
 * taken as a directory: a missing trailing '/' is added, so
 * "http://h:3333" and "http://h:3333/" both give "http://h:3333/v1/...".
 * Returns 0, or VG_EINVAL when the URL, id or group is not valid.
 */
int vg_fleet_build(const char *base_url, enum vg_fleet_op op, const char *id,
                   const char *group, struct vg_fleet_call *out);

/* The HTTP request of a built call (headers included); valid while call
 * lives. */
void vg_fleet_http_req(const struct vg_fleet_call *call, vg_http_req *out);

/* True when group matches ^[a-zA-Z0-9.-]+$ and is at most 255 bytes. */
bool vg_fleet_group_ok(const char *group);

/* True when id is non-empty, at most 255 bytes, printable (no control
 * characters). */
bool vg_fleet_id_ok(const char *id);

enum vg_fleet_outcome {
  VG_FLEET_GRANTED = 0, /* 200 */
  VG_FLEET_DENIED,      /* a non-200 answer: the slot is not ours (yet) */
  VG_FLEET_REJECTED,    /* a 4xx answer other than 409/423/429: the server
                           refuses this client (bad id, unknown group...) */
  VG_FLEET_ERROR        /* no usable HTTP answer: refused, timeout... */
};

struct vg_fleet_answer {
  enum vg_fleet_outcome outcome;
  long status;     /* HTTP status, 0 without an answer */
  char kind[64];   /* the body's "kind", or a name of our own: "http_423",
                      "timeout", "network" ... never empty unless GRANTED */
  char value[256]; /* the body's "value", or the transport error text */
};

/* Interprets an HTTP answer (or failure) to a FleetLock request. */
void vg_fleet_interpret(const vg_http_resp *resp, struct vg_fleet_answer *out);

/*
 * The default client id: the machine's DNS name (host.domain) in lower
 * case, from the platform. Returns 0 or a negative error.
 */
int vg_fleet_default_id(char *buf, size_t len);

#endif
