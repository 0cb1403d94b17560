/*
 * The agent's FleetLock side (see fleet_agent.h). One request at a time:
 * a release and an acquire never cross on the wire, so a late release can
 * never undo a grant the agent acts on. The release is retried with
 * backoff (5 s doubling up to 5 min) until the server answers 200.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet_agent.h"
#include "vssguard/http.h"
#include "vssguard/log.h"
#include "vssguard/platform.h"

#define RELEASE_FIRST_MS 5000u
#define RELEASE_MAX_MS 300000u

struct vg_fleet_side {
  uv_loop_t *loop;
  struct vg_fleet_hooks hooks;
  uv_timer_t timer; /* the release retry */
  bool enabled;
  bool dry_run;
  bool configured; /* url, id and group are usable */
  char url[1025];
  char group[256];
  char id[256];
  int64_t retry_s;
  bool inflight;         /* a request is on the wire */
  bool inflight_acquire; /* ... and it is a pre-reboot */
  bool releasing;        /* a release is wanted until a 200 */
  bool release_granted;  /* ... of a slot really held: sent in dry run too */
  char rel_group[256];   /* ... of this group, as this id (the slot's own, */
  char rel_id[256];      /* which a reload does not change) */
  char release_why[96];
  uint64_t release_delay_ms;
  bool closing;
  bool timer_closed;
  uint64_t waiting_since_ms;        /* 0 = not waiting */
  char last_error[512];             /* the last lock error logged */
  char last_wait[512];              /* the last waiting answer logged */
  struct vg_metrics_fleet counters; /* errors by kind */
  uint64_t rng;
};

static void maybe_free(vg_fleet_side *f) {
  if (f->closing && f->timer_closed && !f->inflight)
    free(f);
}

static void on_timer_closed(uv_handle_t *h) {
  vg_fleet_side *f = h->data;
  f->timer_closed = true;
  maybe_free(f);
}

int vg_fleet_side_new(uv_loop_t *loop, const struct vg_fleet_hooks *hooks,
                      vg_fleet_side **out) {
  vg_fleet_side *f = calloc(1, sizeof(*f));
  *out = NULL;
  if (f == NULL)
    return VG_ENOMEM;
  f->loop = loop;
  f->hooks = *hooks;
  if (uv_timer_init(loop, &f->timer) != 0) {
    free(f);
    return VG_EIO;
  }
  f->timer.data = f;
  /* The timer alone never keeps the loop alive. */
  uv_unref((uv_handle_t *)&f->timer);
  if (vg_plat_random(&f->rng, sizeof(f->rng)) != 0 || f->rng == 0)
    f->rng = 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)f;
  f->retry_s = 60;
  *out = f;
  return 0;
}

void vg_fleet_side_close(vg_fleet_side *f) {
  if (f == NULL || f->closing)
    return;
  f->closing = true;
  uv_close((uv_handle_t *)&f->timer, on_timer_closed);
}

int vg_fleet_side_configure(vg_fleet_side *f, const struct vg_fleet_cfg *cfg,
                            bool dry_run) {
  f->enabled = cfg->enabled;
  f->dry_run = dry_run;
  f->configured = false;
  if (!cfg->enabled)
    return 0;
  snprintf(f->url, sizeof(f->url), "%s", cfg->url);
  snprintf(f->group, sizeof(f->group), "%s", cfg->group);
  f->retry_s = cfg->retry_s > 0 ? cfg->retry_s : 60;
  if (cfg->id[0] != '\0') {
    snprintf(f->id, sizeof(f->id), "%s", cfg->id);
  } else if (vg_fleet_default_id(f->id, sizeof(f->id)) != 0) {
    f->id[0] = '\0';
    vg_log_error(VG_EV_FLEET_ERROR,
                 "FleetLock: this machine's DNS name cannot be determined; "
                 "set fleet_lock.id in the policy (no reboot until then)");
    return VG_EINVAL;
  }
  f->configured = true;
  return 0;
}

bool vg_fleet_side_enabled(const vg_fleet_side *f) {
  return f->enabled;
}

const char *vg_fleet_side_id(const vg_fleet_side *f) {
  return f->id;
}

const char *vg_fleet_side_group(const vg_fleet_side *f) {
  return f->group;
}

bool vg_fleet_side_releasing(const vg_fleet_side *f) {
  return f->releasing;
}

bool vg_fleet_side_acquiring(const vg_fleet_side *f) {
  return f->inflight && f->inflight_acquire;
}

/* xorshift64*: jitter only, no security role. */
static uint64_t next_rand(vg_fleet_side *f) {
  f->rng ^= f->rng >> 12;
  f->rng ^= f->rng << 25;
  f->rng ^= f->rng >> 27;
  return f->rng * 2685821657736338717ull;
}

/* ms +-20%. */
static uint64_t jitter(vg_fleet_side *f, uint64_t ms) {
  uint64_t span = ms * 2 / 5; /* 40% */
  if (span == 0)
    return ms;
  return ms - ms / 5 + next_rand(f) % (span + 1);
}

uint64_t vg_fleet_side_retry_ms(vg_fleet_side *f) {
  return jitter(f, (uint64_t)f->retry_s * 1000u);
}

/* Counts one lock error of kind for the metrics. */
static void count_error(vg_fleet_side *f, const char *kind) {
  struct vg_metrics_fleet *c = &f->counters;
  for (size_t i = 0; i < c->nkinds; i++)
    if (strcmp(c->errors[i].kind, kind) == 0) {
      c->errors[i].count++;
      return;
    }
  size_t i = c->nkinds < VG_METRICS_FLEET_KINDS ? c->nkinds++
                                                : VG_METRICS_FLEET_KINDS - 1;
  if (i == VG_METRICS_FLEET_KINDS - 1 && c->nkinds == VG_METRICS_FLEET_KINDS &&
      strcmp(c->errors[i].kind, "other") != 0) {
    /* Full: the last row collects every further kind. */
    snprintf(c->errors[i].kind, sizeof(c->errors[i].kind), "other");
  } else if (c->errors[i].kind[0] == '\0') {
    snprintf(c->errors[i].kind, sizeof(c->errors[i].kind), "%s", kind);
  }
  c->errors[i].count++;
}

/* Logs a lock error once until a different one happens. */
static void log_error(vg_fleet_side *f, const char *op, const char *url,
                      const struct vg_fleet_answer *a, const char *then) {
  char line[512];
  if (a->status != 0)
    snprintf(line, sizeof(line), "%s to %.200s: HTTP %ld %.63s%s%.160s%s", op,
             url, a->status, a->kind, a->value[0] ? " (" : "", a->value,
             a->value[0] ? ")" : "");
  else
    snprintf(line, sizeof(line), "%s to %.200s: %.200s", op, url, a->value);
  count_error(f, a->kind);
  if (strcmp(line, f->last_error) == 0)
    return;
  snprintf(f->last_error, sizeof(f->last_error), "%s", line);
  vg_log_warn(VG_EV_FLEET_ERROR, "FleetLock error (%s): %s; %s", a->kind, line,
              then);
}

struct call {
  vg_fleet_side *f;
  enum vg_fleet_op op;
  char url[VG_FLEET_MAX_URL + 32];
  char group[256]; /* what the request was made for */
  char id[256];
};

static void release_now(vg_fleet_side *f);

static void on_release_timer(uv_timer_t *t) {
  vg_fleet_side *f = t->data;
  release_now(f);
}

static void schedule_release(vg_fleet_side *f, uint64_t ms) {
  if (f->closing)
    return;
  uv_update_time(f->loop);
  uv_timer_start(&f->timer, on_release_timer, ms, 0);
}

static void on_answer(void *ctx, const vg_http_resp *resp) {
  struct call *c = ctx;
  vg_fleet_side *f = c->f;
  struct vg_fleet_answer a;
  enum vg_fleet_op op = c->op;
  vg_fleet_interpret(resp, &a);
  f->inflight = false;
  f->inflight_acquire = false;
  if (f->closing) {
    free(c);
    maybe_free(f);
    return;
  }
  if (op == VG_FLEET_STEADY_STATE) {
    if (a.outcome == VG_FLEET_GRANTED) {
      f->releasing = false;
      f->release_granted = false;
      f->release_delay_ms = 0;
      f->last_error[0] = '\0';
      vg_log_info(VG_EV_FLEET_RELEASED,
                  "FleetLock slot released: group %s, id %s (%s)", c->group,
                  c->id, f->release_why);
      if (f->hooks.released)
        f->hooks.released(f->hooks.ud, c->group, c->id);
      free(c);
      return;
    }
    uint64_t d =
        f->release_delay_ms ? f->release_delay_ms * 2 : RELEASE_FIRST_MS;
    if (d > RELEASE_MAX_MS)
      d = RELEASE_MAX_MS;
    f->release_delay_ms = d;
    char then[96];
    snprintf(then, sizeof(then), "releasing again in about %llu s",
             (unsigned long long)(d / 1000));
    log_error(f, "steady-state", c->url, &a, then);
    free(c);
    schedule_release(f, jitter(f, d));
    return;
  }
  /* pre-reboot */
  uint64_t now = uv_now(f->loop);
  if (a.outcome == VG_FLEET_GRANTED) {
    f->last_error[0] = '\0';
    f->last_wait[0] = '\0';
    vg_log_info(VG_EV_FLEET_ACQUIRED,
                "FleetLock slot acquired: group %s, id %s", c->group, c->id);
  } else {
    char then[96];
    if (f->waiting_since_ms == 0)
      f->waiting_since_ms = now ? now : 1;
    snprintf(then, sizeof(then),
             "no reboot; asking again in about %lld s while the slot allows",
             (long long)f->retry_s);
    if (a.outcome == VG_FLEET_DENIED) {
      char line[512];
      snprintf(line, sizeof(line), "%ld %.63s%s%.200s%s", a.status, a.kind,
               a.value[0] ? " (" : "", a.value, a.value[0] ? ")" : "");
      if (strcmp(line, f->last_wait) != 0) {
        snprintf(f->last_wait, sizeof(f->last_wait), "%s", line);
        vg_log_info(VG_EV_FLEET_WAITING,
                    "waiting for a FleetLock slot of group %s: %s; asking "
                    "again in about %lld s",
                    c->group, line, (long long)f->retry_s);
      }
    } else {
      log_error(f, "pre-reboot", c->url, &a, then);
    }
  }
  if (f->hooks.acquired)
    f->hooks.acquired(f->hooks.ud, a.outcome, c->group, c->id);
  free(c);
}

/* Sends op for group as id; returns 0 or an error (then nothing is in
 * flight). */
static int send_op(vg_fleet_side *f, enum vg_fleet_op op, const char *group,
                   const char *id) {
  struct vg_fleet_call call;
  int rc = vg_fleet_build(f->url, op, id, group, &call);
  if (rc != 0)
    return rc;
  if (f->dry_run && !(op == VG_FLEET_STEADY_STATE && f->release_granted)) {
    vg_log_info(VG_EV_FLEET_DRY_RUN, "dry run: would send POST %s %s", call.url,
                call.body);
    return VG_ENOSYS;
  }
  struct call *c = calloc(1, sizeof(*c));
  if (c == NULL)
    return VG_ENOMEM;
  c->f = f;
  c->op = op;
  snprintf(c->url, sizeof(c->url), "%s", call.url);
  snprintf(c->group, sizeof(c->group), "%s", group);
  snprintf(c->id, sizeof(c->id), "%s", id);
  vg_http_req req;
  vg_fleet_http_req(&call, &req);
  rc = vg_http_request(f->loop, &req, on_answer, c);
  if (rc != 0) {
    free(c);
    return rc;
  }
  f->inflight = true;
  f->inflight_acquire = op == VG_FLEET_PRE_REBOOT;
  return 0;
}

static void release_now(vg_fleet_side *f) {
  if (!f->releasing || f->closing)
    return;
  if (!f->enabled || !f->configured) {
    f->releasing = false;
    return;
  }
  if (f->inflight) {
    /* After the current request; its answer does not start one. */
    schedule_release(f, 1000);
    return;
  }
  int rc = send_op(f, VG_FLEET_STEADY_STATE, f->rel_group, f->rel_id);
  if (rc == VG_ENOSYS) { /* dry run: logged, nothing held */
    f->releasing = false;
  } else if (rc != 0) {
    vg_log_error(VG_EV_FLEET_ERROR, "FleetLock: cannot send steady-state: %s",
                 vg_strerror(rc));
    schedule_release(f, RELEASE_MAX_MS);
  }
}

/* Asks for the release of group as id; held: the slot is really held,
 * so the steady-state is sent also in dry run. */
static void release(vg_fleet_side *f, const char *group, const char *id,
                    const char *why, int64_t after_s, bool held) {
  if (!f->enabled || !f->configured || f->closing)
    return;
  if (f->releasing) {
    if (strcmp(group, f->rel_group) != 0 || strcmp(id, f->rel_id) != 0)
      return; /* another slot's release goes first */
    f->release_granted = f->release_granted || held;
    /* A release waits (a delay at start, or a backoff): one asked for now,
     * after a boot, goes out now. */
    if (after_s == 0 && uv_is_active((uv_handle_t *)&f->timer)) {
      uv_timer_stop(&f->timer);
      snprintf(f->release_why, sizeof(f->release_why), "%s", why);
      release_now(f);
    }
    return;
  }
  f->releasing = true;
  f->release_granted = held;
  f->release_delay_ms = 0;
  /* Copies first: group and id may be f->group and f->id. */
  snprintf(f->rel_group, sizeof(f->rel_group), "%s", group);
  snprintf(f->rel_id, sizeof(f->rel_id), "%s", id);
  snprintf(f->release_why, sizeof(f->release_why), "%s", why);
  if (after_s > 0)
    schedule_release(f, (uint64_t)after_s * 1000u);
  else
    release_now(f);
}

void vg_fleet_side_release(vg_fleet_side *f, const char *why, int64_t after_s) {
  release(f, f->group, f->id, why, after_s, false);
}

void vg_fleet_side_release_slot(vg_fleet_side *f, const char *group,
                                const char *id, const char *why,
                                int64_t after_s) {
  release(f, group, id, why, after_s, true);
}

int vg_fleet_side_acquire(vg_fleet_side *f) {
  if (!f->enabled || !f->configured)
    return VG_EINVAL;
  if (f->inflight || f->releasing || f->closing)
    return VG_EBUSY;
  int rc = send_op(f, VG_FLEET_PRE_REBOOT, f->group, f->id);
  if (rc == VG_ENOSYS)
    return 1; /* dry run: logged, nothing sent, no callback */
  return rc;
}

void vg_fleet_side_wait_over(vg_fleet_side *f) {
  f->waiting_since_ms = 0;
  f->last_wait[0] = '\0';
}

void vg_fleet_side_metrics(const vg_fleet_side *f, uint64_t now_ms,
                           struct vg_metrics_fleet *out) {
  *out = f->counters;
  out->enabled = f->enabled;
  out->held = false;
  out->waiting_s = f->waiting_since_ms && now_ms > f->waiting_since_ms
                       ? (int64_t)((now_ms - f->waiting_since_ms) / 1000u)
                       : 0;
}
