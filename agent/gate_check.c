/*
 * The gates at the due moment (see vssguard/gate_check.h), run as a small
 * chain: sessions -> processes -> command -> alertmanager -> answer. The
 * synchronous probes run at once; the command and the HTTP request call
 * back on the loop thread and the chain goes on from there.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vssguard/alertmanager.h"
#include "vssguard/gate_check.h"
#include "vssguard/http.h"
#include "vssguard/log.h"
#include "vssguard/notify.h"
#include "vssguard/policy_gates.h"
#include "vssguard/probe.h"
#include "vssguard/regex.h"

struct vg_gate_check {
  bool busy;
  struct vg_gate_input in;
  /* The gates as the check started: a reload frees the policy meanwhile. */
  struct vg_gates cfg;
  char instance[256];
  struct vg_gate_result res;
  vg_gate_cb cb;
  void *ud;
  vg_cmd_proc *proc;
  /* The last warning logged; a warning that holds across checks is logged
   * once, again when it changes, and forgotten after a check without one. */
  char last_warn[512];
  bool warned;
  /* Interactive sessions seen since, in the slot starting at sessions_slot. */
  vg_wall_t sessions_slot, sessions_since;
};

bool vg_gates_configured(const vg_policy *p) {
  const struct vg_gates *g = vg_policy_gates(p);
  return g->sessions || g->nprocesses > 0 || g->alertmanager.set ||
         g->command.set;
}

vg_gate_check *vg_gate_check_new(void) {
  return calloc(1, sizeof(struct vg_gate_check));
}

void vg_gate_check_free(vg_gate_check *g) {
  free(g);
}

bool vg_gate_check_busy(const vg_gate_check *g) {
  return g->busy;
}

void vg_gate_check_cancel(vg_gate_check *g) {
  if (g != NULL && g->proc != NULL)
    vg_cmd_kill(g->proc);
}

/* Adds "gate: reason" to the result and marks it blocking. */
static void block(vg_gate_check *g, const char *gate, const char *fmt, ...)
    VG_PRINTF(3, 4);

static void block(vg_gate_check *g, const char *gate, const char *fmt, ...) {
  char reason[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof(reason), fmt, ap);
  va_end(ap);
  size_t used = strlen(g->res.why);
  snprintf(g->res.why + used, sizeof(g->res.why) - used, "%s%s: %s",
           used > 0 ? "; " : "", gate, reason);
  g->res.allow = false;
}

static void warn(vg_gate_check *g, const char *fmt, ...) VG_PRINTF(2, 3);

static void warn(vg_gate_check *g, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  g->warned = true;
  if (strcmp(msg, g->last_warn) == 0)
    return;
  snprintf(g->last_warn, sizeof(g->last_warn), "%s", msg);
  vg_log_warn(VG_EV_GATE_WARNING, "%s", msg);
}

/* True when the chain should stop (a gate blocked and this is no rehearsal). */
static bool stop_here(const vg_gate_check *g) {
  return !g->res.allow && !g->in.dry_run;
}

static void finish(vg_gate_check *g) {
  g->busy = false;
  if (!g->warned)
    g->last_warn[0] = '\0';
  g->proc = NULL;
  struct vg_gate_result res = g->res;
  g->cb(g->ud, &res);
}

static void step_alertmanager(vg_gate_check *g);

/* "30m", "1h30m", "45s". */
static void fmt_dur(int64_t s, char *buf, size_t len) {
  if (s % 3600 == 0 && s > 0)
    snprintf(buf, len, "%lldh", (long long)(s / 3600));
  else if (s % 60 == 0 && s > 0)
    snprintf(buf, len, "%lldm", (long long)(s / 60));
  else
    snprintf(buf, len, "%llds", (long long)s);
}

static void check_sessions(vg_gate_check *g) {
  const struct vg_gates *c = &g->cfg;
  if (!c->sessions)
    return;
  char who[512];
  int n = vg_plat_active_sessions(who, sizeof(who));
  if (n < 0) {
    warn(g,
         "interactive sessions could not be listed (%s); the gate does "
         "not hold the reboot",
         vg_strerror(n));
    return;
  }
  if (n == 0) {
    g->sessions_since = 0;
    return;
  }
  if (g->sessions_since == 0 || g->sessions_slot != g->in.slot_start) {
    g->sessions_since = g->in.now;
    g->sessions_slot = g->in.slot_start;
  }
  char w[32];
  fmt_dur(c->sessions_wait_s, w, sizeof(w));
  if (g->in.now - g->sessions_since >= c->sessions_wait_s) {
    vg_log_warn(VG_EV_SESSIONS_WAIT_OVER,
                "interactive sessions still active after %s: %s; the reboot "
                "goes ahead (the users get the countdown)",
                w, who);
    return;
  }
  block(g, "interactive_sessions", "%d active (%s); waiting up to %s", n, who,
        w);
}

static void check_processes(vg_gate_check *g) {
  const struct vg_gates *c = &g->cfg;
  if (c->nprocesses == 0)
    return;
  char found[VG_PROCESS_NAME_MAX + 1];
  int rc = vg_plat_process_running(c->processes, c->nprocesses, found,
                                   sizeof(found));
  if (rc < 0) {
    warn(g, "processes could not be listed (%s)", vg_strerror(rc));
    block(g, "processes", "the process list could not be read (%s)",
          vg_strerror(rc));
  } else if (rc == 1) {
    block(g, "processes", "%s is running", found);
  }
}

static void on_command(void *ud, const struct vg_cmd_result *r) {
  vg_gate_check *g = ud;
  g->proc = NULL;
  if (r->outcome == VG_CMD_EXITED && r->exit_status == 0) {
    /* allowed */
  } else if (r->outcome == VG_CMD_EXITED &&
             r->exit_status == VG_CMD_EXIT_POSTPONE) {
    block(g, "command", "exit status 75 (postpone)");
  } else {
    warn(g, "gate command: %s (postponed; 0 allows, 75 postpones)",
         r->describe);
    block(g, "command", "%s", r->describe);
  }
  if (stop_here(g)) {
    finish(g);
    return;
  }
  step_alertmanager(g);
}

static void step_command(vg_gate_check *g) {
  const struct vg_gates *c = &g->cfg;
  if (!c->command.set) {
    step_alertmanager(g);
    return;
  }
  int rc = vg_cmd_start(g->in.loop, &c->command, &g->in.env, on_command, g,
                        &g->proc);
  if (rc != 0) {
    warn(g, "gate command not started: %s", vg_strerror(rc));
    block(g, "command", "not started (%s)", vg_strerror(rc));
    if (stop_here(g)) {
      finish(g);
      return;
    }
    step_alertmanager(g);
  }
}

/* Alertmanager could not give an answer: on_error decides. */
static void am_error(vg_gate_check *g, const char *why) {
  const struct vg_am_gate *am = &g->cfg.alertmanager;
  warn(g, "Alertmanager could not be asked: %s (%s)", why,
       am->block_on_error ? "on_error: block" : "on_error: allow");
  if (am->block_on_error)
    block(g, "alertmanager", "could not be asked (%s)", why);
}

static void on_alerts(void *ud, const vg_http_resp *r) {
  vg_gate_check *g = ud;
  const struct vg_am_gate *am = &g->cfg.alertmanager;
  char why[300];
  if (r->err != 0) {
    am_error(g, r->errmsg);
  } else if (r->status != 200) {
    snprintf(why, sizeof(why), "HTTP %ld", r->status);
    am_error(g, why);
  } else {
    vg_regex *re = NULL;
    if (am->filter[0] != '\0' &&
        vg_regex_compile(am->filter, &re, NULL, 0) != 0) {
      am_error(g, "alert_filter_regexp does not compile");
    } else {
      struct vg_am_verdict v;
      if (vg_am_check_alerts(r->body, r->body_len, am, re, g->instance, &v) !=
          0)
        am_error(g, "the answer is not a list of alerts");
      else if (v.blocking > 0)
        block(g, "alertmanager", "%d alert%s firing: %s", v.blocking,
              v.blocking == 1 ? "" : "s", v.names);
    }
    vg_regex_free(re);
  }
  finish(g);
}

static void step_alertmanager(vg_gate_check *g) {
  const struct vg_am_gate *am = &g->cfg.alertmanager;
  if (!am->set) {
    finish(g);
    return;
  }
  char url[VG_URL_MAX + 80];
  if (vg_am_url(am->url, VG_AM_ALERTS_QUERY, url, sizeof(url)) != 0) {
    am_error(g, "the URL is too long");
    finish(g);
    return;
  }
  vg_http_req req;
  memset(&req, 0, sizeof(req));
  req.method = "GET";
  req.url = url;
  req.connect_timeout_ms = VG_AM_CONNECT_MS;
  req.total_timeout_ms = VG_AM_TOTAL_MS;
  int rc = vg_http_request(g->in.loop, &req, on_alerts, g);
  if (rc != 0) {
    am_error(g, vg_strerror(rc));
    finish(g);
  }
}

int vg_gate_check_run(vg_gate_check *g, const struct vg_gate_input *in,
                      vg_gate_cb cb, void *ud) {
  if (g->busy)
    return VG_EBUSY;
  g->busy = true;
  g->in = *in;
  g->cfg = *vg_policy_gates(in->policy);
  g->in.policy = NULL; /* read here only */
  snprintf(g->instance, sizeof(g->instance), "%s",
           in->instance != NULL ? in->instance : "");
  g->in.instance = g->instance;
  memset(&g->res, 0, sizeof(g->res));
  g->res.allow = true;
  g->cb = cb;
  g->ud = ud;
  g->warned = false;
  check_sessions(g);
  if (!stop_here(g))
    check_processes(g);
  if (stop_here(g)) {
    finish(g);
    return 0;
  }
  step_command(g);
  return 0;
}
