/*
 * vssguard fleet-lock id | unlock: this machine's FleetLock id, and the
 * runbook for a slot that a server which died while holding it never
 * released (FleetLock slots do not expire): a steady-state request for
 * this machine, or for another one's id, sent to the policy's server.
 */
#include <string.h>

#include <uv.h>

#include "cli_int.h"
#include "vssguard/fleetlock.h"
#include "vssguard/http.h"

struct unlock_result {
  bool done;
  struct vg_fleet_answer a;
};

static void on_unlock(void *ctx, const vg_http_resp *resp) {
  struct unlock_result *r = ctx;
  r->done = true;
  vg_fleet_interpret(resp, &r->a);
}

/* The id the agent uses: fleet_lock.id, or the DNS name in lower case. */
static int effective_id(const vg_policy *p, char *buf, size_t len) {
  const struct vg_fleet_cfg *f = p ? vg_policy_fleet(p) : NULL;
  if (f != NULL && f->id[0] != '\0') {
    snprintf(buf, len, "%s", f->id);
    return 0;
  }
  return vg_fleet_default_id(buf, len);
}

static int cmd_id(const char *ppath) {
  vg_policy *p = NULL;
  char id[VG_FLEET_MAX_ID + 1];
  if (ppath != NULL) {
    int rc = vg_cli_load_policy(ppath, &p);
    if (rc != 0)
      return rc;
  }
  int rc = effective_id(p, id, sizeof(id));
  vg_policy_free(p);
  if (rc != 0) {
    fprintf(stderr,
            "vssguard: this machine's DNS name cannot be determined (%s); "
            "set fleet_lock.id in the policy\n",
            vg_strerror(rc));
    return VG_EXIT_FAIL;
  }
  printf("%s\n", id);
  return VG_EXIT_OK;
}

static int cmd_unlock(const char *ppath, const char *id_opt) {
  vg_policy *p = NULL;
  char id[VG_FLEET_MAX_ID + 1];
  int rc = vg_cli_load_policy(ppath, &p);
  if (rc != 0)
    return rc;
  const struct vg_fleet_cfg *f = vg_policy_fleet(p);
  if (!f->enabled) {
    fprintf(stderr, "vssguard: %s has no fleet_lock section\n", ppath);
    vg_policy_free(p);
    return VG_EXIT_INPUT;
  }
  if (id_opt != NULL)
    snprintf(id, sizeof(id), "%s", id_opt);
  else if (effective_id(p, id, sizeof(id)) != 0) {
    fprintf(stderr, "vssguard: this machine's DNS name cannot be "
                    "determined; give --id\n");
    vg_policy_free(p);
    return VG_EXIT_FAIL;
  }
  struct vg_fleet_call call;
  if (vg_fleet_build(f->url, VG_FLEET_STEADY_STATE, id, f->group, &call) != 0) {
    fprintf(stderr, "vssguard: '%s' is not a usable FleetLock id\n", id);
    vg_policy_free(p);
    return VG_EXIT_USAGE;
  }
  uv_loop_t loop;
  struct unlock_result r;
  memset(&r, 0, sizeof(r));
  vg_http_req req;
  vg_fleet_http_req(&call, &req);
  if (uv_loop_init(&loop) != 0 ||
      vg_http_request(&loop, &req, on_unlock, &r) != 0) {
    fprintf(stderr, "vssguard: cannot start the request\n");
    vg_policy_free(p);
    return VG_EXIT_FAIL;
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  if (r.a.outcome == VG_FLEET_GRANTED) {
    printf("released: id %s, group %s (POST %s answered 200)\n", id, f->group,
           call.url);
    rc = VG_EXIT_OK;
  } else if (r.a.status != 0) {
    fprintf(stderr, "vssguard: %s answered %ld %s%s%s%s: not released\n",
            call.url, r.a.status, r.a.kind, r.a.value[0] ? " (" : "", r.a.value,
            r.a.value[0] ? ")" : "");
    rc = VG_EXIT_FAIL;
  } else {
    fprintf(stderr, "vssguard: %s: %s (%s): not released\n", call.url,
            r.a.value, r.a.kind);
    rc = VG_EXIT_FAIL;
  }
  vg_policy_free(p);
  return rc;
}

static int cmd_fleet_lock(const struct cmd *c, int argc, char **argv) {
  struct opt o[] = {{"policy", true, NULL, false}, {"id", true, NULL, false}};
  size_t no = sizeof(o) / sizeof(o[0]);
  char *pos[1] = {NULL};
  int npos = 0;
  int rc;
  if (vg_cli_parse_cmd(c, argc, argv, o, no, pos, 1, &npos, &rc))
    return rc;
  const char *ppath = vg_cli_opt(o, no, "policy")->arg;
  const char *id = vg_cli_opt(o, no, "id")->arg;
  if (npos != 1)
    return vg_cli_usage_error(c->name, "say 'id' or 'unlock'");
  if (strcmp(pos[0], "id") == 0) {
    if (id != NULL)
      return vg_cli_usage_error(c->name, "--id goes with 'unlock'");
    return cmd_id(ppath);
  }
  if (strcmp(pos[0], "unlock") == 0) {
    if (ppath == NULL)
      return vg_cli_usage_error(c->name, "unlock needs --policy FILE");
    return cmd_unlock(ppath, id);
  }
  return vg_cli_usage_error(c->name, "unknown action '%s' (id or unlock)",
                            pos[0]);
}

const struct cmd vg_cli_cmd_fleet_lock = {
    "fleet-lock", cmd_fleet_lock,
    "id [--policy FILE] | unlock --policy FILE [--id ID]",
    "print this machine's FleetLock id, or release a slot",
    "id      prints the id this machine uses with the FleetLock server:\n"
    "        fleet_lock.id of the policy, else the DNS name in lower case.\n"
    "unlock  sends steady-state to the policy's FleetLock server for this\n"
    "        machine, or for --id ID: the runbook for a server that died\n"
    "        while holding a slot (slots never expire). Exit 0 when the\n"
    "        server answered 200.\n"};
