/*
 * Veto commands and hooks on the loop (see vssguard/command.h): uv_spawn
 * with a uv_timer for the timeout. Both handles live in one allocation that
 * is freed after both are closed; the callback runs after that.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vssguard/command.h"
#include "vssguard/zone.h"
#include "vssguard/platform.h"

struct vg_cmd_proc {
  uv_process_t proc;
  uv_timer_t timer;
  int open; /* handles not yet closed */
  vg_cmd_cb cb;
  void *ud;
  bool timed_out;
  bool exited;
  uint64_t start_ms;
  struct vg_cmd_result res;
};

static void on_close(uv_handle_t *h) {
  struct vg_cmd_proc *r = h->data;
  if (--r->open > 0)
    return;
  vg_cmd_cb cb = r->cb;
  void *ud = r->ud;
  struct vg_cmd_result res = r->res;
  free(r);
  cb(ud, &res);
}

static void on_exit_cb(uv_process_t *p, int64_t status, int sig) {
  struct vg_cmd_proc *r = p->data;
  r->exited = true;
  r->res.elapsed_s = (double)(uv_now(p->loop) - r->start_ms) / 1000.0;
  if (r->timed_out) {
    r->res.outcome = VG_CMD_TIMEOUT;
    snprintf(r->res.describe, sizeof(r->res.describe),
             "killed after its %.0f s timeout", r->res.elapsed_s);
  } else if (sig != 0) {
    r->res.outcome = VG_CMD_SIGNALED;
    r->res.term_signal = sig;
    snprintf(r->res.describe, sizeof(r->res.describe), "killed by signal %d",
             sig);
  } else {
    r->res.outcome = VG_CMD_EXITED;
    r->res.exit_status = status;
    snprintf(r->res.describe, sizeof(r->res.describe), "exit status %lld",
             (long long)status);
  }
  uv_close((uv_handle_t *)&r->proc, on_close);
  uv_close((uv_handle_t *)&r->timer, on_close);
}

static void on_timeout(uv_timer_t *t) {
  struct vg_cmd_proc *r = t->data;
  r->timed_out = true;
  /* SIGKILL: TerminateProcess on Windows. The exit callback follows. */
  uv_process_kill(&r->proc, SIGKILL);
}

/* Builds the child's environment: the agent's without VSSGUARD_*, plus ours. */
static char **make_env(const struct vg_cmd_env *e) {
  uv_env_item_t *items = NULL;
  int n = 0;
  if (uv_os_environ(&items, &n) != 0) {
    items = NULL;
    n = 0;
  }
  char **env = calloc((size_t)n + 6, sizeof(char *));
  if (env == NULL) {
    uv_os_free_environ(items, n);
    return NULL;
  }
  size_t k = 0;
  bool ok = true;
  for (int i = 0; i < n && ok; i++) {
    if (strncmp(items[i].name, "VSSGUARD_", 9) == 0 || items[i].name[0] == '\0')
      continue;
    size_t len = strlen(items[i].name) + strlen(items[i].value) + 2;
    env[k] = malloc(len);
    if (env[k] == NULL) {
      ok = false;
      break;
    }
    snprintf(env[k], len, "%s=%s", items[i].name, items[i].value);
    k++;
  }
  uv_os_free_environ(items, n);
  char slot[40] = "";
  if (e->slot_end != 0)
    vg_time_format(e->slot_end, NULL, slot, sizeof(slot));
  char buf[5][320];
  snprintf(buf[0], sizeof(buf[0]), "VSSGUARD_COUNT=%d", e->count);
  snprintf(buf[1], sizeof(buf[1]), "VSSGUARD_THRESHOLD=%d", e->threshold);
  snprintf(buf[2], sizeof(buf[2]), "VSSGUARD_SLOT_END=%s", slot);
  snprintf(buf[3], sizeof(buf[3]), "VSSGUARD_DRY_RUN=%d", e->dry_run ? 1 : 0);
  snprintf(buf[4], sizeof(buf[4]), "VSSGUARD_GROUP=%s",
           e->group != NULL ? e->group : "");
  int nours = e->group != NULL && e->group[0] != '\0' ? 5 : 4;
  for (int i = 0; i < nours && ok; i++) {
    env[k] = malloc(strlen(buf[i]) + 1);
    if (env[k] == NULL)
      ok = false;
    else
      strcpy(env[k++], buf[i]);
  }
  if (!ok) {
    for (size_t i = 0; i < k; i++)
      free(env[i]);
    free(env);
    return NULL;
  }
  return env;
}

static void free_env(char **env) {
  for (size_t i = 0; env != NULL && env[i] != NULL; i++)
    free(env[i]);
  free(env);
}

/* Reports a start failure through the callback on the next loop turn. */
static void fail_later(uv_loop_t *loop, struct vg_cmd_proc *r, int err) {
  r->res.outcome = VG_CMD_FAILED;
  r->res.err = err;
  snprintf(r->res.describe, sizeof(r->res.describe), "could not be started: %s",
           uv_strerror(err));
  /* The process handle was never initialised when uv_spawn failed before
   * creating it; libuv still requires closing it (documented). */
  r->open = 2;
  uv_timer_init(loop, &r->timer);
  r->timer.data = r;
  uv_close((uv_handle_t *)&r->proc, on_close);
  uv_close((uv_handle_t *)&r->timer, on_close);
}

int vg_cmd_run(uv_loop_t *loop, const struct vg_command *cmd,
               const struct vg_cmd_env *env, vg_cmd_cb cb, void *ud) {
  return vg_cmd_start(loop, cmd, env, cb, ud, NULL);
}

void vg_cmd_kill(vg_cmd_proc *r) {
  if (r == NULL || r->res.outcome == VG_CMD_FAILED || r->exited)
    return;
  r->timed_out = true;
  uv_process_kill(&r->proc, SIGKILL);
}

int vg_cmd_start(uv_loop_t *loop, const struct vg_command *cmd,
                 const struct vg_cmd_env *env, vg_cmd_cb cb, void *ud,
                 vg_cmd_proc **out) {
  if (out != NULL)
    *out = NULL;
  if (cmd == NULL || !cmd->set || cb == NULL || env == NULL)
    return VG_EINVAL;
  struct vg_cmd_proc *r = calloc(1, sizeof(*r));
  if (r == NULL)
    return VG_ENOMEM;
  r->cb = cb;
  r->ud = ud;
  r->proc.data = r;
  char *argv[VG_CMD_MAX_ARGS + 2];
  argv[0] = (char *)cmd->path;
  for (size_t i = 0; i < cmd->nargs; i++)
    argv[i + 1] = (char *)cmd->args[i];
  argv[cmd->nargs + 1] = NULL;
  char **envp = make_env(env);
  if (envp == NULL) {
    free(r);
    return VG_ENOMEM;
  }
  uv_stdio_container_t stdio[3];
  stdio[0].flags = UV_IGNORE;
  stdio[1].flags = UV_INHERIT_FD;
  stdio[1].data.fd = 1;
  stdio[2].flags = UV_INHERIT_FD;
  stdio[2].data.fd = 2;
  uv_process_options_t o;
  memset(&o, 0, sizeof(o));
  o.exit_cb = on_exit_cb;
  o.file = cmd->path;
  o.args = argv;
  o.env = envp;
  o.stdio = stdio;
  o.stdio_count = 3;
  o.flags = UV_PROCESS_WINDOWS_HIDE;
  r->start_ms = uv_now(loop);
  int e = uv_spawn(loop, &r->proc, &o);
  free_env(envp);
  if (e != 0) {
    fail_later(loop, r, e);
    return 0;
  }
  if (out != NULL)
    *out = r;
  r->open = 2;
  uv_timer_init(loop, &r->timer);
  r->timer.data = r;
  uint64_t ms = (uint64_t)(cmd->timeout_s > 0 ? cmd->timeout_s : 60) * 1000u;
  uv_timer_start(&r->timer, on_timeout, ms, 0);
  return 0;
}
