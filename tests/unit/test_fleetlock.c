/*
 * Unit tests of the FleetLock module without sockets: request URLs, header
 * and body; the answers of airlock and poseidon/fleetlock (status and
 * bodies as FLEET.md lists them), garbage bodies, transport errors; id and
 * group rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vssguard/fleetlock.h"

static void test_build_urls(void **st) {
  (void)st;
  struct vg_fleet_call c;
  assert_int_equal(vg_fleet_build("http://airlock:3333/", VG_FLEET_PRE_REBOOT,
                                  "fs01.corp.example", "dc-site-a", &c),
                   0);
  assert_string_equal(c.url, "http://airlock:3333/v1/pre-reboot");
  assert_string_equal(c.body,
                      "{\"client_params\":{\"id\":\"fs01.corp.example\","
                      "\"group\":\"dc-site-a\"}}");
  assert_int_equal(c.body_len, strlen(c.body));
  assert_int_equal(
      vg_fleet_build("https://h", VG_FLEET_STEADY_STATE, "a", "default", &c),
      0);
  assert_string_equal(c.url, "https://h/v1/steady-state");
  /* A base with a path is a directory. */
  assert_int_equal(
      vg_fleet_build("http://h/fleetlock", VG_FLEET_PRE_REBOOT, "a", "g", &c),
      0);
  assert_string_equal(c.url, "http://h/fleetlock/v1/pre-reboot");
}

static void test_build_escapes_id(void **st) {
  (void)st;
  struct vg_fleet_call c;
  assert_int_equal(
      vg_fleet_build("http://h/", VG_FLEET_PRE_REBOOT, "a\"b\\c", "g", &c), 0);
  assert_string_equal(
      c.body, "{\"client_params\":{\"id\":\"a\\\"b\\\\c\",\"group\":\"g\"}}");
}

static void test_build_rejects(void **st) {
  (void)st;
  struct vg_fleet_call c;
  assert_int_equal(
      vg_fleet_build("ftp://h/", VG_FLEET_PRE_REBOOT, "a", "g", &c), VG_EINVAL);
  assert_int_equal(
      vg_fleet_build("http://h/", VG_FLEET_PRE_REBOOT, "", "g", &c), VG_EINVAL);
  assert_int_equal(
      vg_fleet_build("http://h/", VG_FLEET_PRE_REBOOT, "a", "g_1", &c),
      VG_EINVAL);
  assert_int_equal(
      vg_fleet_build("http://h/", VG_FLEET_PRE_REBOOT, "a\nb", "g", &c),
      VG_EINVAL);
}

static void test_http_req(void **st) {
  (void)st;
  struct vg_fleet_call c;
  vg_http_req r;
  assert_int_equal(
      vg_fleet_build("http://h/", VG_FLEET_PRE_REBOOT, "a", "g", &c), 0);
  vg_fleet_http_req(&c, &r);
  assert_string_equal(r.method, "POST");
  assert_string_equal(r.url, "http://h/v1/pre-reboot");
  assert_string_equal(r.headers[0], "fleet-lock-protocol: true");
  assert_ptr_equal(r.body, c.body);
  assert_int_equal(r.body_len, c.body_len);
  /* 0: the HTTP layer's defaults, 10 s connect and 30 s in all. */
  assert_int_equal(r.connect_timeout_ms, 0);
  assert_int_equal(r.total_timeout_ms, 0);
}

static void test_group_and_id_rules(void **st) {
  (void)st;
  assert_true(vg_fleet_group_ok("default"));
  assert_true(vg_fleet_group_ok("dc-site-a.corp"));
  assert_true(vg_fleet_group_ok("A9"));
  assert_false(vg_fleet_group_ok(""));
  assert_false(vg_fleet_group_ok("a b"));
  assert_false(vg_fleet_group_ok("a/b"));
  assert_false(vg_fleet_group_ok("\xc3\xa9"));
  char longg[300];
  memset(longg, 'a', sizeof(longg) - 1);
  longg[sizeof(longg) - 1] = '\0';
  assert_false(vg_fleet_group_ok(longg));
  assert_true(vg_fleet_id_ok("fs01.corp.example"));
  assert_true(vg_fleet_id_ok("Node 1"));
  assert_false(vg_fleet_id_ok(""));
  assert_false(vg_fleet_id_ok("a\tb"));
  assert_false(vg_fleet_id_ok(longg));
}

static vg_http_resp answer(long status, const char *body) {
  vg_http_resp r;
  memset(&r, 0, sizeof(r));
  r.status = status;
  r.body = (char *)body;
  r.body_len = strlen(body);
  return r;
}

static void test_interpret_airlock(void **st) {
  (void)st;
  struct vg_fleet_answer a;
  vg_http_resp r = answer(200, "");
  vg_fleet_interpret(&r, &a);
  assert_int_equal(a.outcome, VG_FLEET_GRANTED);
  assert_int_equal(a.status, 200);

  r = answer(500, "{\"kind\":\"failed_lock\",\"value\":\"semaphore is full\"}");
  vg_fleet_interpret(&r, &a);
  assert_int_equal(a.outcome, VG_FLEET_DENIED);
  assert_string_equal(a.kind, "failed_lock");
  assert_string_equal(a.value, "semaphore is full");

  r = answer(400, "{\"value\":\"group x\",\"kind\":\"unknown_group\"}\n");
  vg_fleet_interpret(&r, &a);
  assert_int_equal(a.outcome, VG_FLEET_REJECTED);
  assert_string_equal(a.kind, "unknown_group");

  r = answer(400, "{\"kind\":\"invalid_client_identity\",\"value\":\"x\"}");
  vg_fleet_interpret(&r, &a);
  assert_int_equal(a.outcome, VG_FLEET_REJECTED);
}

static void test_interpret_poseidon(void **st) {
  (void)st;
  struct vg_fleet_answer a;
  vg_http_resp r = answer(423, "lock_held\nby another node\n");
  vg_fleet_interpret(&r, &a);
  assert_int_equal(a.outcome, VG_FLEET_DENIED);
  assert_string_equal(a.kind, "http_423");
  assert_string_equal(a.value, "lock_held");
  /* A success with a line of text is still a success. */
  r = answer(200, "ok: lock held\n");
  vg_fleet_interpret(&r, &a);
  assert_int_equal(a.outcome, VG_FLEET_GRANTED);
}

static void test_interpret_garbage_bodies(void **st) {
  (void)st;
  struct vg_fleet_answer a;
  const char *bodies[] = {
      "{\"kind\":",
      "{\"kind\":\"x\"} trailing",
      "{\"kind\":42}",
      "{}",
      "[\"kind\",\"x\"]",
      "{\"kind\":\"a\",}",
      ("{\"a\":[1,2,{\"b\":[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]}],"
       "\"kind\":\"deep\"}"),
      "\x01\x02\xff",
      "<html>502 Bad Gateway</html>"};
  for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
    vg_http_resp r = answer(502, bodies[i]);
    vg_fleet_interpret(&r, &a);
    assert_int_equal(a.outcome, VG_FLEET_DENIED);
    assert_string_equal(a.kind, "http_502");
    for (const char *p = a.value; *p; p++)
      assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
  }
  /* Nested values are skipped, escapes read, a kind made label-safe. */
  vg_http_resp r = answer(500, " {\"x\":{\"y\":[1,true,null,\"}\"]},"
                               "\"kind\":\"lock \\\"held\\\"\",\"n\":-1.5e3}");
  vg_fleet_interpret(&r, &a);
  assert_string_equal(a.kind, "lock__held_");
}

static void test_interpret_transport_errors(void **st) {
  (void)st;
  struct vg_fleet_answer a;
  vg_http_resp r;
  memset(&r, 0, sizeof(r));
  r.err = VG_ETIMEOUT;
  snprintf(r.errmsg, sizeof(r.errmsg), "Timeout was reached");
  vg_fleet_interpret(&r, &a);
  assert_int_equal(a.outcome, VG_FLEET_ERROR);
  assert_string_equal(a.kind, "timeout");
  assert_string_equal(a.value, "Timeout was reached");
  r.err = VG_ENET;
  snprintf(r.errmsg, sizeof(r.errmsg), "Couldn't connect to server");
  vg_fleet_interpret(&r, &a);
  assert_int_equal(a.outcome, VG_FLEET_ERROR);
  assert_string_equal(a.kind, "network");
  assert_int_equal(a.status, 0);
}

static void test_default_id(void **st) {
  (void)st;
  char id[256];
  assert_int_equal(vg_fleet_default_id(id, sizeof(id)), 0);
  assert_true(vg_fleet_id_ok(id));
  for (const char *p = id; *p; p++)
    assert_false(*p >= 'A' && *p <= 'Z');
  assert_int_equal(vg_fleet_default_id(id, 1), VG_ERANGE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_build_urls),
      cmocka_unit_test(test_build_escapes_id),
      cmocka_unit_test(test_build_rejects),
      cmocka_unit_test(test_http_req),
      cmocka_unit_test(test_group_and_id_rules),
      cmocka_unit_test(test_interpret_airlock),
      cmocka_unit_test(test_interpret_poseidon),
      cmocka_unit_test(test_interpret_garbage_bodies),
      cmocka_unit_test(test_interpret_transport_errors),
      cmocka_unit_test(test_default_id),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
