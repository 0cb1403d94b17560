/*
 * Tests of the HTTP interface against a real local server (tests/http/
 * server.py on 127.0.0.1, port in VG_HTTP_TEST_PORT) on a real libuv loop:
 * GET and POST with headers and body, non-200 answers, the 64 KiB body
 * limit, timeouts, refused connections, bad requests, and a loop timer that
 * keeps firing while a request hangs (the loop thread never blocks). The
 * same file runs natively (libcurl) and under Wine (WinHTTP). No assertion
 * is timed: what ended a request is told by its outcome and by the server
 * (GET /answered/NAME), what ran meanwhile by the order of the callbacks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vssguard/http.h"

static char base[64];

struct result {
  int calls;
  int err;
  long status;
  char body[256];
  size_t body_len;
  char errmsg[256];
  int ticks_at_answer;
};

static int ticks;

static void on_resp(void *ctx, const vg_http_resp *r) {
  struct result *res = ctx;
  res->calls++;
  res->err = r->err;
  res->status = r->status;
  res->body_len = r->body_len;
  assert_non_null(r->body);
  assert_int_equal(strlen(r->body) <= r->body_len, 1);
  snprintf(res->body, sizeof(res->body), "%s", r->body);
  snprintf(res->errmsg, sizeof(res->errmsg), "%s", r->errmsg);
  res->ticks_at_answer = ticks;
}

/* Runs one request to completion on a fresh loop. */
static void run(const char *method, const char *path, const char *body,
                const char *const *headers, unsigned total_ms,
                struct result *res) {
  uv_loop_t loop;
  char url[256];
  snprintf(url, sizeof(url), "%s%s", base, path);
  vg_http_req req = {method, url,     headers, body, body ? strlen(body) : 0,
                     0,      total_ms};
  memset(res, 0, sizeof(*res));
  assert_int_equal(uv_loop_init(&loop), 0);
  assert_int_equal(vg_http_request(&loop, &req, on_resp, res), 0);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(res->calls, 1);
  assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_get(void **st) {
  (void)st;
  struct result r;
  run("GET", "/hello", NULL, NULL, 0, &r);
  assert_int_equal(r.err, 0);
  assert_int_equal(r.status, 200);
  assert_string_equal(r.body, "hello");
  assert_int_equal(r.body_len, 5);
}

static void test_post_headers_body(void **st) {
  (void)st;
  struct result r;
  const char *const hdrs[] = {"fleet-lock-protocol: true",
                              "Content-Type: application/json", NULL};
  run("POST", "/echo", "{\"a\":1}", hdrs, 0, &r);
  assert_int_equal(r.err, 0);
  assert_int_equal(r.status, 200);
  assert_string_equal(r.body, "POST\ntrue\n{\"a\":1}");
}

static void test_post_empty_and_delete(void **st) {
  (void)st;
  struct result r;
  run("POST", "/echo", NULL, NULL, 0, &r);
  assert_int_equal(r.status, 200);
  assert_string_equal(r.body, "POST\n\n");
  run("DELETE", "/echo", NULL, NULL, 0, &r);
  assert_int_equal(r.status, 200);
  assert_string_equal(r.body, "DELETE\n\n");
}

static void test_non_200_is_an_answer(void **st) {
  (void)st;
  struct result r;
  run("POST", "/status/500", "{}", NULL, 0, &r);
  assert_int_equal(r.err, 0);
  assert_int_equal(r.status, 500);
  assert_string_equal(r.body, "{\"kind\":\"failed_lock\",\"value\":\"full\"}");
  run("GET", "/status/423", NULL, NULL, 0, &r);
  assert_int_equal(r.status, 423);
  run("GET", "/nowhere", NULL, NULL, 0, &r);
  assert_int_equal(r.status, 404);
}

static void test_body_limit(void **st) {
  (void)st;
  struct result r;
  run("GET", "/big", NULL, NULL, 0, &r);
  assert_int_equal(r.err, 0);
  assert_int_equal(r.status, 200);
  assert_int_equal(r.body_len, VG_HTTP_MAX_BODY);
}

/* Whether the server has answered GET /hang/name (asked on a loop of its
 * own). */
static bool answered(const char *name) {
  char path[64];
  struct result r;
  snprintf(path, sizeof(path), "/answered/%s", name);
  run("GET", path, NULL, NULL, 0, &r);
  assert_int_equal(r.status, 200);
  return strcmp(r.body, "yes") == 0;
}

static void on_tick(uv_timer_t *t) {
  (void)t;
  ticks++;
}

/* A hanging server: the request times out with VG_ETIMEOUT, and a 50 ms
 * loop timer keeps firing meanwhile. */
static void test_timeout_does_not_block_loop(void **st) {
  (void)st;
  uv_loop_t loop;
  uv_timer_t timer;
  struct result r;
  char url[256];
  snprintf(url, sizeof(url), "%s/hang/timeout", base);
  vg_http_req req = {"GET", url, NULL, NULL, 0, 0, 700};
  memset(&r, 0, sizeof(r));
  ticks = 0;
  assert_int_equal(uv_loop_init(&loop), 0);
  assert_int_equal(uv_timer_init(&loop, &timer), 0);
  assert_int_equal(uv_timer_start(&timer, on_tick, 50, 50), 0);
  uv_unref((uv_handle_t *)&timer);
  assert_int_equal(vg_http_request(&loop, &req, on_resp, &r), 0);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(r.calls, 1);
  if (r.err != VG_ETIMEOUT)
    fail_msg("expected a timeout, got %d: %s", r.err, r.errmsg);
  assert_true(r.errmsg[0] != '\0');
  /* No elapsed time in the text (see test_refused). */
  assert_null(strstr(r.errmsg, "millisecond"));
  /* The 50 ms ticker, due long before the 700 ms timeout, ran while the
   * request was pending: the loop was not blocked. */
  assert_true(r.ticks_at_answer >= 1);
  /* The timeout ended it, not the server's answer. */
  assert_int_equal(r.status, 0);
  assert_false(answered("timeout"));
  uv_close((uv_handle_t *)&timer, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
}

static void on_cancel_timer(uv_timer_t *t) {
  (void)t;
  vg_http_cancel_all();
}

/* vg_http_cancel_all ends a hanging request soon, long before its 20 s
 * timeout, with VG_EIO; a request started afterwards is not affected. */
static void test_cancel_all(void **st) {
  (void)st;
  uv_loop_t loop;
  uv_timer_t timer;
  struct result r;
  char url[256];
  snprintf(url, sizeof(url), "%s/hang/cancel", base);
  vg_http_req req = {"GET", url, NULL, NULL, 0, 0, 20000};
  memset(&r, 0, sizeof(r));
  assert_int_equal(uv_loop_init(&loop), 0);
  assert_int_equal(uv_timer_init(&loop, &timer), 0);
  assert_int_equal(uv_timer_start(&timer, on_cancel_timer, 300, 0), 0);
  assert_int_equal(vg_http_request(&loop, &req, on_resp, &r), 0);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(r.calls, 1);
  if (r.err != VG_EIO)
    fail_msg("expected a cancellation, got %d: %s", r.err, r.errmsg);
    /* The cancellation ended it before the server answered (and so long
     * before the 20 s timeout). Not under Wine: its WinHTTP does not end a
     * blocking receive when another thread closes the request handle
     * (observed with Wine 8), which Windows documents for
     * WinHttpCloseHandle; there the request still ends as cancelled, once
     * the server answers. */
#ifndef _WIN32
  assert_false(answered("cancel"));
#endif
  uv_close((uv_handle_t *)&timer, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
  struct result r2;
  run("GET", "/hello", NULL, NULL, 0, &r2);
  assert_int_equal(r2.status, 200);
}

/* A closed port: refused, VG_ENET with a reason. */
static void test_refused(void **st) {
  (void)st;
  uv_loop_t loop;
  struct result r;
  memset(&r, 0, sizeof(r));
  /* Port 1 on loopback: nothing listens there in the test environment. */
  vg_http_req req = {"GET", "http://127.0.0.1:1/", NULL, NULL, 0, 2000, 3000};
  assert_int_equal(uv_loop_init(&loop), 0);
  assert_int_equal(vg_http_request(&loop, &req, on_resp, &r), 0);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(r.calls, 1);
  assert_true(r.err == VG_ENET || r.err == VG_ETIMEOUT);
  assert_int_equal(r.status, 0);
  assert_true(r.errmsg[0] != '\0');
  /* The same failure gives the same text: no elapsed time in it (libcurl
   * says "after 0 ms", then "after 1 ms"), so a warning logged once until
   * its text changes stays logged once. */
  if (strstr(r.errmsg, " ms") != NULL || strstr(r.errmsg, "millisecond"))
    fail_msg("an elapsed time in the error: %s", r.errmsg);
  assert_int_equal(uv_loop_close(&loop), 0);
}

static void never(void *ctx, const vg_http_resp *r) {
  (void)ctx;
  (void)r;
  fail_msg("callback of a rejected request");
}

static void test_bad_requests(void **st) {
  (void)st;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  vg_http_req req = {"GET", "ftp://127.0.0.1/", NULL, NULL, 0, 0, 0};
  assert_int_equal(vg_http_request(&loop, &req, never, NULL), VG_EINVAL);
  req.url = "http:///nohost";
  assert_int_equal(vg_http_request(&loop, &req, never, NULL), VG_EINVAL);
  req.url = "http://a b/";
  assert_int_equal(vg_http_request(&loop, &req, never, NULL), VG_EINVAL);
  req.url = "http://127.0.0.1/";
  req.method = NULL;
  assert_int_equal(vg_http_request(&loop, &req, never, NULL), VG_EINVAL);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(uv_loop_close(&loop), 0);
  assert_int_equal(vg_http_url_ok("HTTPS://airlock.corp.example:3333/"), 0);
  assert_int_equal(vg_http_url_ok("http://[::1]:3333/a/"), 0);
  assert_int_equal(vg_http_url_ok("airlock:3333"), VG_EINVAL);
  assert_int_equal(vg_http_url_ok(""), VG_EINVAL);
}

/* Several requests in flight on one loop: each callback exactly once. */
static void test_parallel(void **st) {
  (void)st;
  uv_loop_t loop;
  struct result r[4];
  char url[256];
  snprintf(url, sizeof(url), "%s/hello", base);
  vg_http_req req = {"GET", url, NULL, NULL, 0, 0, 0};
  memset(r, 0, sizeof(r));
  assert_int_equal(uv_loop_init(&loop), 0);
  for (int i = 0; i < 4; i++)
    assert_int_equal(vg_http_request(&loop, &req, on_resp, &r[i]), 0);
  uv_run(&loop, UV_RUN_DEFAULT);
  for (int i = 0; i < 4; i++) {
    assert_int_equal(r[i].calls, 1);
    assert_int_equal(r[i].status, 200);
  }
  assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void) {
  const char *port = getenv("VG_HTTP_TEST_PORT");
  if (port == NULL || *port == '\0') {
    fprintf(stderr, "test_http: VG_HTTP_TEST_PORT is not set; run it through "
                    "tests/http/server.py -- test_http\n");
    return 1;
  }
  snprintf(base, sizeof(base), "http://127.0.0.1:%s", port);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_get),
      cmocka_unit_test(test_post_headers_body),
      cmocka_unit_test(test_post_empty_and_delete),
      cmocka_unit_test(test_non_200_is_an_answer),
      cmocka_unit_test(test_body_limit),
      cmocka_unit_test(test_timeout_does_not_block_loop),
      cmocka_unit_test(test_refused),
      cmocka_unit_test(test_cancel_all),
      cmocka_unit_test(test_bad_requests),
      cmocka_unit_test(test_parallel),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
