/*
 * Runs the agent on its own libuv loop until it is told to stop: SIGHUP
 * reloads the policy, SIGTERM and SIGINT save the state and end the loop.
 * libuv's signal handles are portable (it emulates SIGINT, SIGHUP and
 * SIGBREAK on Windows); a Windows service control handler, which runs on a
 * foreign thread, uses vg_run_request_stop and vg_run_request_reload.
 */
#include <stdbool.h>
#include <signal.h>
#include <string.h>

#include "vssguard/log.h"
#include "vssguard/run.h"

#ifndef SIGHUP
#define SIGHUP 1
#endif

struct run_ctx {
  uv_loop_t loop;
  vg_agent *agent;
  uv_signal_t sigs[3];
  bool sig_open[3];
  uv_async_t async;
  bool stopping;
  bool stop_req;   /* set under lock by other threads */
  bool reload_req; /* set under lock by other threads */
};

static uv_once_t once = UV_ONCE_INIT;
static uv_mutex_t lock;
static struct run_ctx *current;

static void init_lock(void) {
  if (uv_mutex_init(&lock) != 0)
    vg_log_error(VG_EV_GENERIC, "cannot create the run lock");
}

/* Stops the agent and closes the run's own handles; the loop then ends. */
static void stop_all(struct run_ctx *c) {
  if (c->stopping)
    return;
  c->stopping = true;
  vg_agent_stop(c->agent);
  for (int i = 0; i < 3; i++)
    if (c->sig_open[i])
      uv_close((uv_handle_t *)&c->sigs[i], NULL);
  uv_close((uv_handle_t *)&c->async, NULL);
}

static void signal_cb(uv_signal_t *h, int signum) {
  struct run_ctx *c = h->data;
  if (c->stopping)
    return;
  if (signum == SIGHUP) {
    vg_log_info(VG_EV_GENERIC, "SIGHUP: reloading the policy");
    vg_agent_reload(c->agent);
    return;
  }
  vg_log_info(VG_EV_GENERIC, "signal %d: saving state and stopping", signum);
  stop_all(c);
}

static void async_cb(uv_async_t *h) {
  struct run_ctx *c = h->data;
  uv_mutex_lock(&lock);
  bool stop = c->stop_req, reload = c->reload_req;
  c->stop_req = c->reload_req = false;
  uv_mutex_unlock(&lock);
  if (c->stopping)
    return;
  if (reload)
    vg_agent_reload(c->agent);
  if (stop)
    stop_all(c);
}

static void request(bool stop) {
  uv_once(&once, init_lock);
  uv_mutex_lock(&lock);
  if (current != NULL) {
    if (stop)
      current->stop_req = true;
    else
      current->reload_req = true;
    uv_async_send(&current->async);
  }
  uv_mutex_unlock(&lock);
}

void vg_run_request_stop(void) {
  request(true);
}

void vg_run_request_reload(void) {
  request(false);
}

int vg_run(const struct vg_agent_config *cfg) {
  static const int signums[3] = {SIGHUP, SIGTERM, SIGINT};
  struct run_ctx c;
  memset(&c, 0, sizeof(c));
  uv_once(&once, init_lock);
  if (uv_loop_init(&c.loop) != 0)
    return VG_EIO;
  int rc = vg_agent_new(&c.loop, cfg, &c.agent);
  if (rc != 0) {
    uv_loop_close(&c.loop);
    return rc;
  }
  uv_async_init(&c.loop, &c.async, async_cb);
  c.async.data = &c;
  for (int i = 0; i < 3; i++) {
    uv_signal_init(&c.loop, &c.sigs[i]);
    c.sigs[i].data = &c;
    c.sig_open[i] = true;
    /* A signal the platform cannot deliver is simply not watched. */
    if (uv_signal_start(&c.sigs[i], signal_cb, signums[i]) != 0) {
      uv_close((uv_handle_t *)&c.sigs[i], NULL);
      c.sig_open[i] = false;
    }
  }
  uv_mutex_lock(&lock);
  current = &c;
  uv_mutex_unlock(&lock);

  rc = vg_agent_start(c.agent);
  if (rc != 0)
    stop_all(&c);
  uv_run(&c.loop, UV_RUN_DEFAULT);

  uv_mutex_lock(&lock);
  current = NULL;
  uv_mutex_unlock(&lock);
  if (uv_loop_close(&c.loop) != 0) {
    vg_log_error(VG_EV_GENERIC, "the event loop still had open handles");
    if (rc == 0)
      rc = VG_EBUSY;
  }
  vg_agent_free(c.agent);
  return rc;
}
