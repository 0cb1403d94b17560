/*
 * The HTTP interface on Windows: WinHTTP (winhttp.dll, on every Windows
 * since 2000), run synchronously on libuv's thread pool (uv_queue_work), so
 * the loop thread never blocks on a transfer. The session uses the
 * machine's WinHTTP proxy (netsh winhttp set proxy) and SChannel for TLS;
 * TLS 1.1 and 1.2 are asked for explicitly, since WinHTTP on Server 2008
 * SP2 / 2008 R2 offers only SSL 3.0 and TLS 1.0 by default (see
 * docs/fleet.md for the updates that add TLS 1.2). Redirects are not
 * followed, like the libcurl side.
 *
 * Timeouts: resolving and connecting are bounded by the connect timeout;
 * sending and each receive by the total timeout, and the elapsed time is
 * checked between reads, so a request ends soon after its total timeout.
 */
#include <windows.h>
#include <winhttp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vssguard/http.h"
#include "win.h"

#define WIDEN2(x) L##x
#define WIDEN(x) WIDEN2(x)

struct job {
  uv_work_t work;
  vg_http_cb cb;
  void *ctx;
  wchar_t *method;
  wchar_t *url;
  wchar_t *headers; /* "Name: value\r\n" joined, or NULL */
  char *body;
  size_t body_len;
  unsigned connect_ms, total_ms;
  vg_http_resp resp;
  /* Cancellation (vg_http_cancel_all), under list_lock: */
  HINTERNET req;    /* the request handle while the worker uses it */
  bool cancelled;   /* closed by vg_http_cancel_all */
  struct job *next; /* the list of jobs in flight */
};

/* The jobs in flight, for vg_http_cancel_all. Closing a request handle
 * from another thread ends the synchronous call using it
 * (ERROR_WINHTTP_OPERATION_CANCELLED). */
static uv_mutex_t list_lock;
static uv_once_t list_once = UV_ONCE_INIT;
static struct job *in_flight;

static void list_init(void) {
  uv_mutex_init(&list_lock);
}

static void list_add(struct job *j) {
  uv_once(&list_once, list_init);
  uv_mutex_lock(&list_lock);
  j->next = in_flight;
  in_flight = j;
  uv_mutex_unlock(&list_lock);
}

static void list_remove(struct job *j) {
  uv_mutex_lock(&list_lock);
  for (struct job **p = &in_flight; *p; p = &(*p)->next)
    if (*p == j) {
      *p = j->next;
      break;
    }
  uv_mutex_unlock(&list_lock);
}

void vg_http_cancel_all(void) {
  uv_once(&list_once, list_init);
  uv_mutex_lock(&list_lock);
  for (struct job *j = in_flight; j; j = j->next) {
    j->cancelled = true;
    if (j->req != NULL) {
      WinHttpCloseHandle(j->req);
      j->req = NULL;
    }
  }
  uv_mutex_unlock(&list_lock);
}

/* Publishes the request handle; false when the job was cancelled first
 * (the handle is then closed here). */
static bool publish_req(struct job *j, HINTERNET req) {
  uv_mutex_lock(&list_lock);
  bool ok = !j->cancelled;
  if (ok)
    j->req = req;
  uv_mutex_unlock(&list_lock);
  if (!ok)
    WinHttpCloseHandle(req);
  return ok;
}

/* Takes the request handle back for closing; NULL when a cancel closed it. */
static HINTERNET take_req(struct job *j) {
  uv_mutex_lock(&list_lock);
  HINTERNET req = j->req;
  j->req = NULL;
  uv_mutex_unlock(&list_lock);
  return req;
}

static void job_free(struct job *j) {
  if (j == NULL)
    return;
  free(j->method);
  free(j->url);
  free(j->headers);
  free(j->body);
  free(j->resp.body);
  free(j);
}

/* WSAETIMEDOUT: Wine's WinHTTP passes the socket's error through. */
#define SOCKET_TIMEDOUT 10060

/* Names of the WinHTTP errors met in practice (winhttp.h). */
static const char *winhttp_error_name(DWORD e) {
  switch (e) {
  case ERROR_WINHTTP_TIMEOUT: return "timed out";
  case SOCKET_TIMEDOUT: return "timed out";
  case ERROR_WINHTTP_NAME_NOT_RESOLVED: return "host name not resolved";
  case ERROR_WINHTTP_CANNOT_CONNECT: return "cannot connect";
  case ERROR_WINHTTP_CONNECTION_ERROR: return "connection reset";
  case ERROR_WINHTTP_INVALID_SERVER_RESPONSE: return "invalid server response";
  case ERROR_WINHTTP_SECURE_FAILURE:
    return "TLS certificate or handshake error";
  case ERROR_WINHTTP_INVALID_URL: return "invalid URL";
  case ERROR_WINHTTP_UNRECOGNIZED_SCHEME: return "unrecognised URL scheme";
  case ERROR_NOT_ENOUGH_MEMORY: return "out of memory";
  default: return "WinHTTP error";
  }
}

static void fail_win(struct job *j, const char *op, DWORD e) {
  if (e == ERROR_WINHTTP_TIMEOUT || e == SOCKET_TIMEDOUT)
    j->resp.err = VG_ETIMEOUT;
  else if (e == ERROR_NOT_ENOUGH_MEMORY)
    j->resp.err = VG_ENOMEM;
  else
    j->resp.err = VG_ENET;
  snprintf(j->resp.errmsg, sizeof(j->resp.errmsg), "%s: %s (error %lu)", op,
           winhttp_error_name(e), (unsigned long)e);
}

static void fail_msg(struct job *j, int err, const char *msg) {
  j->resp.err = err;
  snprintf(j->resp.errmsg, sizeof(j->resp.errmsg), "%s", msg);
}

/* Reads the whole body, keeping at most VG_HTTP_MAX_BODY bytes. Returns 0
 * or fills the error. */
static int read_body(struct job *j, HINTERNET req, ULONGLONG deadline) {
  size_t cap = 1024;
  char *buf = malloc(cap);
  char sink[4096];
  if (buf == NULL) {
    fail_msg(j, VG_ENOMEM, "out of memory");
    return -1;
  }
  buf[0] = '\0';
  free(j->resp.body);
  j->resp.body = buf;
  j->resp.body_len = 0;
  for (;;) {
    DWORD got = 0;
    char *dst = sink;
    DWORD want = sizeof(sink);
    size_t room = VG_HTTP_MAX_BODY - j->resp.body_len;
    if (GetTickCount64() > deadline) {
      fail_win(j, "WinHttpReadData", ERROR_WINHTTP_TIMEOUT);
      return -1;
    }
    if (room > 0) {
      if (cap - 1 == j->resp.body_len) {
        size_t ncap = cap * 4;
        if (ncap > VG_HTTP_MAX_BODY + 1)
          ncap = VG_HTTP_MAX_BODY + 1;
        char *nb = realloc(j->resp.body, ncap);
        if (nb == NULL) {
          fail_msg(j, VG_ENOMEM, "out of memory");
          return -1;
        }
        j->resp.body = nb;
        cap = ncap;
      }
      /* cap never exceeds VG_HTTP_MAX_BODY + 1, so this fits in room. */
      dst = j->resp.body + j->resp.body_len;
      want = (DWORD)(cap - 1 - j->resp.body_len);
    }
    if (!WinHttpReadData(req, dst, want, &got)) {
      fail_win(j, "WinHttpReadData", GetLastError());
      return -1;
    }
    if (got == 0)
      break;
    if (dst != sink) {
      j->resp.body_len += got;
      j->resp.body[j->resp.body_len] = '\0';
    }
  }
  return 0;
}

/* Runs on a thread-pool thread: the whole transfer, blocking. */
static void do_work(uv_work_t *w) {
  struct job *j = w->data;
  HINTERNET ses = NULL, con = NULL, req = NULL;
  URL_COMPONENTS uc;
  wchar_t host[256];
  ULONGLONG deadline = GetTickCount64() + j->total_ms;

  memset(&uc, 0, sizeof(uc));
  uc.dwStructSize = sizeof(uc);
  uc.lpszHostName = host;
  uc.dwHostNameLength = sizeof(host) / sizeof(host[0]);
  uc.dwUrlPathLength = (DWORD)-1;
  uc.dwExtraInfoLength = (DWORD)-1;
  if (!WinHttpCrackUrl(j->url, 0, 0, &uc)) {
    fail_win(j, "WinHttpCrackUrl", GetLastError());
    return;
  }
  /* The path with its query: lpszUrlPath points into j->url and runs on to
   * the end of the string (the fragment, if any, is never sent). */
  wchar_t *path = uc.dwUrlPathLength ? uc.lpszUrlPath : (wchar_t *)L"/";
  wchar_t *hash = wcschr(path, L'#');
  if (hash != NULL)
    *hash = L'\0';

  ses = WinHttpOpen(L"vssguard/" WIDEN(VG_VERSION),
                    WINHTTP_ACCESS_TYPE_DEFAULT_PROXY, WINHTTP_NO_PROXY_NAME,
                    WINHTTP_NO_PROXY_BYPASS, 0);
  if (ses == NULL) {
    fail_win(j, "WinHttpOpen", GetLastError());
    goto out;
  }
  /* Best effort: older systems without the TLS 1.1/1.2 update reject the
   * flags and keep their defaults. */
  DWORD protos = WINHTTP_FLAG_SECURE_PROTOCOL_TLS1 |
                 WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_1 |
                 WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_2;
  WinHttpSetOption(ses, WINHTTP_OPTION_SECURE_PROTOCOLS, &protos,
                   sizeof(protos));
  if (!WinHttpSetTimeouts(ses, (int)j->connect_ms, (int)j->connect_ms,
                          (int)j->total_ms, (int)j->total_ms)) {
    fail_win(j, "WinHttpSetTimeouts", GetLastError());
    goto out;
  }
  con = WinHttpConnect(ses, host, uc.nPort, 0);
  if (con == NULL) {
    fail_win(j, "WinHttpConnect", GetLastError());
    goto out;
  }
  req = WinHttpOpenRequest(
      con, j->method, path, NULL, WINHTTP_NO_REFERER,
      WINHTTP_DEFAULT_ACCEPT_TYPES,
      uc.nScheme == INTERNET_SCHEME_HTTPS ? WINHTTP_FLAG_SECURE : 0);
  if (req == NULL) {
    fail_win(j, "WinHttpOpenRequest", GetLastError());
    goto out;
  }
  if (!publish_req(j, req)) {
    req = NULL;
    goto out;
  }
  /* The wait for the status line has its own timeout (RECEIVE_RESPONSE),
   * which the session's timeouts do not set everywhere (Wine). */
  DWORD wait_ms = j->total_ms;
  WinHttpSetOption(req, WINHTTP_OPTION_RECEIVE_RESPONSE_TIMEOUT, &wait_ms,
                   sizeof(wait_ms));
  DWORD feat = WINHTTP_DISABLE_REDIRECTS;
  WinHttpSetOption(req, WINHTTP_OPTION_DISABLE_FEATURE, &feat, sizeof(feat));
  if (!WinHttpSendRequest(
          req, j->headers ? j->headers : WINHTTP_NO_ADDITIONAL_HEADERS,
          j->headers ? (DWORD)-1L : 0,
          j->body ? j->body : WINHTTP_NO_REQUEST_DATA, (DWORD)j->body_len,
          (DWORD)j->body_len, 0)) {
    fail_win(j, "WinHttpSendRequest", GetLastError());
    goto out;
  }
  if (!WinHttpReceiveResponse(req, NULL)) {
    fail_win(j, "WinHttpReceiveResponse", GetLastError());
    goto out;
  }
  DWORD status = 0, len = sizeof(status);
  if (!WinHttpQueryHeaders(
          req, WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER,
          WINHTTP_HEADER_NAME_BY_INDEX, &status, &len,
          WINHTTP_NO_HEADER_INDEX)) {
    fail_win(j, "WinHttpQueryHeaders", GetLastError());
    goto out;
  }
  if (read_body(j, req, deadline) != 0)
    goto out;
  j->resp.status = (long)status;
  j->resp.err = 0;
out:
  if (req != NULL && (req = take_req(j)) != NULL)
    WinHttpCloseHandle(req);
  uv_mutex_lock(&list_lock);
  bool cancelled = j->cancelled;
  uv_mutex_unlock(&list_lock);
  if (cancelled) {
    j->resp.err = VG_EIO;
    j->resp.status = 0;
    snprintf(j->resp.errmsg, sizeof(j->resp.errmsg),
             "request cancelled: the agent is stopping");
  }
  if (con)
    WinHttpCloseHandle(con);
  if (ses)
    WinHttpCloseHandle(ses);
}

/* Back on the loop thread: the callback, exactly once. */
static void after_work(uv_work_t *w, int status) {
  struct job *j = w->data;
  list_remove(j);
  if (status != 0 && j->resp.err == 0 && j->resp.status == 0)
    fail_msg(j, VG_EIO, "request cancelled");
  if (j->resp.err != 0)
    j->resp.status = 0;
  j->cb(j->ctx, &j->resp);
  job_free(j);
}

/* Joins the headers as "Name: value\r\n..." in UTF-16; NULL when none. */
static int join_headers(const char *const *headers, wchar_t **out) {
  size_t n = 0;
  *out = NULL;
  if (headers == NULL || headers[0] == NULL)
    return 0;
  for (size_t i = 0; headers[i]; i++)
    n += strlen(headers[i]) + 2;
  char *s = malloc(n + 1);
  if (s == NULL)
    return VG_ENOMEM;
  s[0] = '\0';
  size_t used = 0;
  for (size_t i = 0; headers[i]; i++) {
    size_t l = strlen(headers[i]);
    memcpy(s + used, headers[i], l);
    memcpy(s + used + l, "\r\n", 2);
    used += l + 2;
  }
  s[used] = '\0';
  *out = vg_win_wide(s);
  free(s);
  return *out ? 0 : VG_EINVAL;
}

int vg_http_request(uv_loop_t *loop, const vg_http_req *req, vg_http_cb cb,
                    void *ctx) {
  if (loop == NULL || req == NULL || cb == NULL || req->method == NULL ||
      req->method[0] == '\0' || vg_http_url_ok(req->url) != 0 ||
      (req->body == NULL && req->body_len != 0) || req->body_len > 0x7fffffff)
    return VG_EINVAL;
  struct job *j = calloc(1, sizeof(*j));
  if (j == NULL)
    return VG_ENOMEM;
  j->cb = cb;
  j->ctx = ctx;
  j->connect_ms = req->connect_timeout_ms ? req->connect_timeout_ms
                                          : VG_HTTP_CONNECT_TIMEOUT_MS;
  j->total_ms =
      req->total_timeout_ms ? req->total_timeout_ms : VG_HTTP_TOTAL_TIMEOUT_MS;
  j->method = vg_win_wide(req->method);
  j->url = vg_win_wide(req->url);
  j->resp.body = calloc(1, 1);
  int rc = join_headers(req->headers, &j->headers);
  if (req->body != NULL) {
    j->body = malloc(req->body_len ? req->body_len : 1);
    if (j->body != NULL && req->body_len)
      memcpy(j->body, req->body, req->body_len);
    j->body_len = req->body_len;
  }
  if (rc == 0 && (j->method == NULL || j->url == NULL))
    rc = VG_EINVAL;
  if (rc == 0 && (j->resp.body == NULL || (req->body != NULL && !j->body)))
    rc = VG_ENOMEM;
  if (rc != 0) {
    job_free(j);
    return rc;
  }
  j->work.data = j;
  list_add(j);
  if (uv_queue_work(loop, &j->work, do_work, after_work) != 0) {
    list_remove(j);
    job_free(j);
    return VG_EIO;
  }
  return VG_OK;
}
