/*
 * Notifications to Alertmanager (see vssguard/notify.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vssguard/alertmanager.h"
#include "vssguard/http.h"
#include "vssguard/log.h"
#include "vssguard/notify.h"

static const char *const json_headers[] = {"Content-Type: application/json",
                                           NULL};

struct push {
  char name[64];
};

static void on_pushed(void *ud, const vg_http_resp *r) {
  struct push *p = ud;
  if (r->err != 0)
    vg_log_warn(VG_EV_NOTIFY_FAILED,
                "notification %s not sent to Alertmanager: %s", p->name,
                r->errmsg);
  else if (r->status != 200)
    vg_log_warn(VG_EV_NOTIFY_FAILED,
                "notification %s refused by Alertmanager: HTTP %ld", p->name,
                r->status);
  else
    vg_log_debug("notification %s sent to Alertmanager", p->name);
  free(p);
}

static int request(uv_loop_t *loop, const char *method, const char *url,
                   const char *body, vg_http_cb cb, void *ud) {
  vg_http_req req;
  memset(&req, 0, sizeof(req));
  req.method = method;
  req.url = url;
  req.headers = body != NULL ? json_headers : NULL;
  req.body = body;
  req.body_len = body != NULL ? strlen(body) : 0;
  req.connect_timeout_ms = VG_AM_CONNECT_MS;
  req.total_timeout_ms = VG_AM_TOTAL_MS;
  return vg_http_request(loop, &req, cb, ud);
}

void vg_notify_alert(uv_loop_t *loop, const struct vg_notify *n,
                     const char *instance, const char *name,
                     const char *summary, const char *description,
                     vg_wall_t now, vg_wall_t ends) {
  char url[VG_URL_MAX + 32];
  if (n == NULL || !n->set)
    return;
  if (vg_am_url(n->url, "api/v2/alerts", url, sizeof(url)) != 0)
    return;
  char *body =
      vg_am_alert_body(name, instance, n, summary, description, now, ends);
  struct push *p = calloc(1, sizeof(*p));
  if (body == NULL || p == NULL) {
    free(body);
    free(p);
    vg_log_warn(VG_EV_NOTIFY_FAILED, "notification %s not sent: out of memory",
                name);
    return;
  }
  snprintf(p->name, sizeof(p->name), "%s", name);
  int rc = request(loop, "POST", url, body, on_pushed, p);
  free(body);
  if (rc != 0) {
    vg_log_warn(VG_EV_NOTIFY_FAILED, "notification %s not sent: %s", name,
                vg_strerror(rc));
    free(p);
  }
}

struct sil {
  vg_silence_cb cb;
  vg_unsilence_cb ucb;
  void *ud;
};

static void on_silenced(void *ud, const vg_http_resp *r) {
  struct sil *s = ud;
  char id[64] = "";
  if (r->err != 0)
    vg_log_warn(VG_EV_NOTIFY_FAILED,
                "silence not created in Alertmanager: %s (the reboot goes "
                "ahead)",
                r->errmsg);
  else if (r->status != 200)
    vg_log_warn(VG_EV_NOTIFY_FAILED,
                "silence refused by Alertmanager: HTTP %ld (the reboot goes "
                "ahead)",
                r->status);
  else if (vg_am_silence_id(r->body, r->body_len, id, sizeof(id)) != 0)
    vg_log_warn(VG_EV_NOTIFY_FAILED,
                "Alertmanager's answer to the silence has no silence id");
  s->cb(s->ud, id);
  free(s);
}

int vg_notify_silence(uv_loop_t *loop, const struct vg_notify *n,
                      const char *instance, vg_wall_t now, const char *comment,
                      vg_silence_cb cb, void *ud) {
  char url[VG_URL_MAX + 32];
  if (n == NULL || !n->set || n->silence_s <= 0)
    return VG_EINVAL;
  if (vg_am_url(n->url, "api/v2/silences", url, sizeof(url)) != 0)
    return VG_ERANGE;
  char *body = vg_am_silence_body(instance, now, now + n->silence_s, comment);
  struct sil *s = calloc(1, sizeof(*s));
  if (body == NULL || s == NULL) {
    free(body);
    free(s);
    return VG_ENOMEM;
  }
  s->cb = cb;
  s->ud = ud;
  int rc = request(loop, "POST", url, body, on_silenced, s);
  free(body);
  if (rc != 0)
    free(s);
  return rc;
}

static void on_unsilenced(void *ud, const vg_http_resp *r) {
  struct sil *s = ud;
  bool gone = false;
  if (r->err != 0)
    vg_log_warn(VG_EV_NOTIFY_FAILED,
                "silence not expired in Alertmanager: %s (it ends by itself)",
                r->errmsg);
  else if (r->status == 200 || r->status == 404)
    gone = true;
  else
    vg_log_warn(VG_EV_NOTIFY_FAILED,
                "Alertmanager refused to expire the silence: HTTP %ld (it "
                "ends by itself)",
                r->status);
  s->ucb(s->ud, gone);
  free(s);
}

int vg_notify_unsilence(uv_loop_t *loop, const struct vg_notify *n,
                        const char *id, vg_unsilence_cb cb, void *ud) {
  char url[VG_URL_MAX + 128], path[96];
  if (n == NULL || !n->set)
    return VG_EINVAL;
  snprintf(path, sizeof(path), "api/v2/silence/%.63s", id);
  if (vg_am_url(n->url, path, url, sizeof(url)) != 0)
    return VG_ERANGE;
  struct sil *s = calloc(1, sizeof(*s));
  if (s == NULL)
    return VG_ENOMEM;
  s->ucb = cb;
  s->ud = ud;
  int rc = request(loop, "DELETE", url, NULL, on_unsilenced, s);
  if (rc != 0)
    free(s);
  return rc;
}
