/*
 * The HTTP interface on POSIX: one libcurl easy handle per request, run on
 * libuv's thread pool (uv_queue_work), so the loop thread never blocks on a
 * transfer. The agent has at most a few requests in flight (one FleetLock
 * call, the Alertmanager probes), each bounded by its timeouts, so they
 * never hold the pool for long. libcurl honours the usual http_proxy and
 * https_proxy environment variables and verifies TLS peers with the
 * system's CA store.
 */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "vssguard/http.h"

struct job {
  uv_work_t work;
  vg_http_cb cb;
  void *ctx;
  char *method;
  char *url;
  char **headers; /* NULL-terminated copies */
  char *body;
  size_t body_len;
  unsigned connect_ms, total_ms;
  vg_http_resp resp;
  size_t body_cap;
  unsigned gen; /* cancel_gen when it started */
};

/* vg_http_cancel_all ends the requests started before it (progress
 * callback, below). */
static unsigned cancel_gen;
static uv_mutex_t gen_lock;
static uv_once_t gen_once = UV_ONCE_INIT;

static void gen_init(void) {
  uv_mutex_init(&gen_lock);
}

static unsigned current_gen(void) {
  uv_once(&gen_once, gen_init);
  uv_mutex_lock(&gen_lock);
  unsigned g = cancel_gen;
  uv_mutex_unlock(&gen_lock);
  return g;
}

void vg_http_cancel_all(void) {
  uv_once(&gen_once, gen_init);
  uv_mutex_lock(&gen_lock);
  cancel_gen++;
  uv_mutex_unlock(&gen_lock);
}

/* Called by libcurl about once a second and on progress: non-zero aborts
 * the transfer (CURLE_ABORTED_BY_CALLBACK). */
static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow,
                       curl_off_t ultotal, curl_off_t ulnow) {
  struct job *j = ud;
  (void)dltotal;
  (void)dlnow;
  (void)ultotal;
  (void)ulnow;
  return current_gen() != j->gen;
}

static uv_once_t global_once = UV_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init(void) {
  global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static char *dup_n(const char *s, size_t n) {
  char *d = malloc(n + 1);
  if (d == NULL)
    return NULL;
  if (n)
    memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

static void job_free(struct job *j) {
  if (j == NULL)
    return;
  free(j->method);
  free(j->url);
  if (j->headers) {
    for (char **h = j->headers; *h; h++)
      free(*h);
    free(j->headers);
  }
  free(j->body);
  free(j->resp.body);
  free(j);
}

/* Keeps at most VG_HTTP_MAX_BODY bytes; the rest is read and dropped, so a
 * large answer never fails the transfer. */
static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud) {
  struct job *j = ud;
  size_t n = size * nmemb;
  size_t room = VG_HTTP_MAX_BODY - j->resp.body_len;
  size_t take = n < room ? n : room;
  if (take == 0)
    return n;
  if (j->resp.body_len + take + 1 > j->body_cap) {
    size_t cap = j->body_cap ? j->body_cap : 1024;
    while (cap < j->resp.body_len + take + 1)
      cap *= 2;
    if (cap > VG_HTTP_MAX_BODY + 1)
      cap = VG_HTTP_MAX_BODY + 1;
    char *b = realloc(j->resp.body, cap);
    if (b == NULL)
      return 0; /* makes libcurl fail with CURLE_WRITE_ERROR */
    j->resp.body = b;
    j->body_cap = cap;
  }
  memcpy(j->resp.body + j->resp.body_len, ptr, take);
  j->resp.body_len += take;
  j->resp.body[j->resp.body_len] = '\0';
  return n;
}

/*
 * Removes libcurl's elapsed times (" after 0 ms", " after 30001
 * milliseconds") from an error text in place. The same failure then gives
 * the same text each time, so that the callers' "logged once until it
 * changes" holds (a refused connection took 0 ms, then 1 ms on a loaded
 * machine: logged again).
 */
static void drop_elapsed(char *s) {
  static const char *const units[] = {" ms", " milliseconds"};
  char *p = s;
  while ((p = strstr(p, " after ")) != NULL) {
    char *d = p + 7, *e = d;
    while (*e >= '0' && *e <= '9')
      e++;
    size_t u = 0, n = 0;
    if (e > d)
      for (u = 0; u < 2; u++) {
        n = strlen(units[u]);
        if (strncmp(e, units[u], n) == 0 && (e[n] < 'a' || e[n] > 'z'))
          break;
      }
    if (e == d || u == 2) {
      p = d;
      continue;
    }
    memmove(p, e + n, strlen(e + n) + 1);
  }
}

static void fail(struct job *j, int err, const char *what, const char *detail) {
  j->resp.err = err;
  snprintf(j->resp.errmsg, sizeof(j->resp.errmsg), "%s%s%s", what,
           detail && *detail ? ": " : "", detail ? detail : "");
  drop_elapsed(j->resp.errmsg);
}

/* Runs on a thread-pool thread: the whole transfer, blocking. */
static void do_work(uv_work_t *w) {
  struct job *j = w->data;
  char errbuf[CURL_ERROR_SIZE] = "";
  struct curl_slist *hdrs = NULL;
  CURL *c;

  if (global_rc != CURLE_OK) {
    fail(j, VG_ENET, "libcurl initialisation failed",
         curl_easy_strerror(global_rc));
    return;
  }
  c = curl_easy_init();
  if (c == NULL) {
    fail(j, VG_ENOMEM, "curl_easy_init failed", NULL);
    return;
  }
  for (char **h = j->headers; h && *h; h++) {
    struct curl_slist *n = curl_slist_append(hdrs, *h);
    if (n == NULL) {
      fail(j, VG_ENOMEM, "curl_slist_append failed", NULL);
      goto out;
    }
    hdrs = n;
  }
  /* libcurl adds "Expect: 100-continue" to some POSTs; servers need not
   * support it, and the bodies here are small. */
  struct curl_slist *n = curl_slist_append(hdrs, "Expect:");
  if (n == NULL) {
    fail(j, VG_ENOMEM, "curl_slist_append failed", NULL);
    goto out;
  }
  hdrs = n;

  curl_easy_setopt(c, CURLOPT_URL, j->url);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)j->connect_ms);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)j->total_ms);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, j);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "vssguard/" VG_VERSION);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, j);
  if (strcmp(j->method, "GET") == 0) {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else if (strcmp(j->method, "POST") == 0) {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
  } else {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, j->method);
  }
  if (j->body != NULL) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)j->body_len);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, j->body);
  }

  CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK) {
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &j->resp.status);
    j->resp.err = 0;
  } else if (rc == CURLE_ABORTED_BY_CALLBACK) {
    fail(j, VG_EIO, "request cancelled", "the agent is stopping");
  } else if (rc == CURLE_OPERATION_TIMEDOUT) {
    fail(j, VG_ETIMEOUT, curl_easy_strerror(rc), errbuf);
  } else if (rc == CURLE_OUT_OF_MEMORY) {
    fail(j, VG_ENOMEM, curl_easy_strerror(rc), errbuf);
  } else {
    fail(j, VG_ENET, curl_easy_strerror(rc), errbuf);
  }
out:
  curl_slist_free_all(hdrs);
  curl_easy_cleanup(c);
}

/* Back on the loop thread: the callback, exactly once. */
static void after_work(uv_work_t *w, int status) {
  struct job *j = w->data;
  if (status != 0 && j->resp.err == 0 && j->resp.status == 0)
    fail(j, VG_EIO, "request cancelled", uv_strerror(status));
  if (j->resp.err != 0)
    j->resp.status = 0;
  j->cb(j->ctx, &j->resp);
  job_free(j);
}

int vg_http_request(uv_loop_t *loop, const vg_http_req *req, vg_http_cb cb,
                    void *ctx) {
  if (loop == NULL || req == NULL || cb == NULL || req->method == NULL ||
      req->method[0] == '\0' || vg_http_url_ok(req->url) != 0 ||
      (req->body == NULL && req->body_len != 0))
    return VG_EINVAL;
  uv_once(&global_once, global_init);

  struct job *j = calloc(1, sizeof(*j));
  if (j == NULL)
    return VG_ENOMEM;
  j->cb = cb;
  j->ctx = ctx;
  j->gen = current_gen();
  j->connect_ms = req->connect_timeout_ms ? req->connect_timeout_ms
                                          : VG_HTTP_CONNECT_TIMEOUT_MS;
  j->total_ms =
      req->total_timeout_ms ? req->total_timeout_ms : VG_HTTP_TOTAL_TIMEOUT_MS;
  j->method = dup_n(req->method, strlen(req->method));
  j->url = dup_n(req->url, strlen(req->url));
  j->resp.body = calloc(1, 1);
  j->body_cap = 1;
  if (req->body != NULL) {
    j->body = dup_n(req->body, req->body_len);
    j->body_len = req->body_len;
  }
  size_t nh = 0;
  while (req->headers && req->headers[nh])
    nh++;
  j->headers = calloc(nh + 1, sizeof(char *));
  if (j->method == NULL || j->url == NULL || j->resp.body == NULL ||
      j->headers == NULL || (req->body != NULL && j->body == NULL)) {
    job_free(j);
    return VG_ENOMEM;
  }
  for (size_t i = 0; i < nh; i++) {
    j->headers[i] = dup_n(req->headers[i], strlen(req->headers[i]));
    if (j->headers[i] == NULL) {
      job_free(j);
      return VG_ENOMEM;
    }
  }
  j->work.data = j;
  int rc = uv_queue_work(loop, &j->work, do_work, after_work);
  if (rc != 0) {
    job_free(j);
    return VG_EIO;
  }
  return VG_OK;
}
