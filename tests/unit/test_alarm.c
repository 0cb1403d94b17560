/*
 * Unit tests of the wall-clock alarm (vg_alarm, platform.h) on a real libuv
 * loop with the system clock: it fires once the wall clock reaches the
 * instant and not before, at once for an instant already past, never when
 * disarmed, once per arming with the last instant winning, and the loop
 * does not wake up while it waits. Every wait is bounded by a guard timer
 * that stops the loop; every loop ends with uv_loop_close() == 0. No
 * assertion is timed ("at once" is an order: before an alarm armed earlier
 * for a later instant); the guards only end a test that failed.
 *
 * A step of the system clock (TFD_TIMER_CANCEL_ON_SET on Linux) cannot be
 * made here without privileges over the whole machine: see
 * docs/windows-testing.md and the comment in agent/unix/alarm.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "vssguard/platform.h"

struct fx {
  uv_loop_t loop;
  uv_timer_t guard;
  uv_check_t check;
  vg_alarm *alarm;
  vg_alarm *later; /* a second alarm, when a test needs one */
  int fired;
  bool clock_set;
  uv_timeval64_t fired_at; /* wall clock at the callback */
  int iterations;          /* loop iterations, counted by the check handle */
  int events;              /* alarm callbacks so far, of either alarm */
  int fired_as;            /* x->alarm's callback was the events'th */
  int later_as;            /* the second alarm's callback was the events'th */
};

static void on_alarm(void *ud, bool clock_set) {
  struct fx *x = ud;
  x->fired++;
  x->clock_set = clock_set;
  assert_int_equal(uv_gettimeofday(&x->fired_at), 0);
  x->fired_as = ++x->events;
}

/* The callback of a second alarm, for the order of the two. */
static void on_later(void *ud, bool clock_set) {
  struct fx *x = ud;
  (void)clock_set;
  x->later_as = ++x->events;
}

static void on_guard(uv_timer_t *t) {
  struct fx *x = t->data;
  uv_stop(&x->loop);
}

static void on_check(uv_check_t *c) {
  struct fx *x = c->data;
  x->iterations++;
}

static int setup(void **st) {
  struct fx *x = calloc(1, sizeof(*x));
  assert_non_null(x);
  assert_int_equal(uv_loop_init(&x->loop), 0);
  assert_int_equal(uv_timer_init(&x->loop, &x->guard), 0);
  x->guard.data = x;
  assert_int_equal(uv_check_init(&x->loop, &x->check), 0);
  x->check.data = x;
  assert_int_equal(vg_alarm_new(&x->loop, on_alarm, x, &x->alarm), 0);
  *st = x;
  return 0;
}

static int teardown(void **st) {
  struct fx *x = *st;
  vg_alarm_close(x->alarm);
  if (x->later != NULL)
    vg_alarm_close(x->later);
  uv_close((uv_handle_t *)&x->guard, NULL);
  uv_close((uv_handle_t *)&x->check, NULL);
  uv_run(&x->loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&x->loop), 0);
  free(x);
  return 0;
}

/* Runs the loop until the guard stops it after ms milliseconds. */
static void run_for(struct fx *x, uint64_t ms) {
  uv_update_time(&x->loop);
  assert_int_equal(uv_timer_start(&x->guard, on_guard, ms, 0), 0);
  uv_run(&x->loop, UV_RUN_DEFAULT);
}

/* Runs until the alarm fired or ms passed. */
static void run_until_fired(struct fx *x, uint64_t ms) {
  uint64_t end = uv_hrtime() + ms * 1000000u;
  while (x->fired == 0 && uv_hrtime() < end) {
    uv_update_time(&x->loop);
    assert_int_equal(uv_timer_start(&x->guard, on_guard, 50, 0), 0);
    uv_run(&x->loop, UV_RUN_ONCE);
  }
  uv_timer_stop(&x->guard);
}

/* Runs until both alarms fired, or ms passed (a failed test). */
static void run_until_both(struct fx *x, uint64_t ms) {
  uint64_t end = uv_hrtime() + ms * 1000000u;
  while ((x->fired_as == 0 || x->later_as == 0) && uv_hrtime() < end) {
    uv_update_time(&x->loop);
    assert_int_equal(uv_timer_start(&x->guard, on_guard, 50, 0), 0);
    uv_run(&x->loop, UV_RUN_ONCE);
  }
  uv_timer_stop(&x->guard);
}

/* The next whole second of the wall clock, at least one second away. */
static vg_wall_t next_second(void) {
  uv_timeval64_t tv;
  assert_int_equal(uv_gettimeofday(&tv), 0);
  return (vg_wall_t)tv.tv_sec + 2;
}

static void test_fires_at_the_instant(void **st) {
  struct fx *x = *st;
  vg_wall_t at = next_second();
  assert_int_equal(vg_alarm_arm(x->alarm, at), 0);
  run_until_fired(x, 5000);
  assert_int_equal(x->fired, 1);
  assert_false(x->clock_set);
  /* Not early: the wall clock had reached the instant. */
  assert_true(x->fired_at.tv_sec >= at);
  /* Once per arming. */
  run_for(x, 300);
  assert_int_equal(x->fired, 1);
}

/* At once: before a second alarm, armed first, for an instant a few
 * seconds ahead (which, not early, cannot fire before it). */
static void test_past_instant_fires_at_once(void **st) {
  struct fx *x = *st;
  assert_int_equal(vg_alarm_new(&x->loop, on_later, x, &x->later), 0);
  assert_int_equal(vg_alarm_arm(x->later, vg_plat_now() + 3), 0);
  assert_int_equal(vg_alarm_arm(x->alarm, vg_plat_now() - 3600), 0);
  run_until_both(x, 30000);
  assert_int_equal(x->fired, 1);
  assert_int_equal(x->fired_as, 1);
  assert_int_equal(x->later_as, 2);
  /* The epoch and before are past too (a zero timerfd value disarms). */
  assert_int_equal(vg_alarm_arm(x->alarm, 0), 0);
  x->fired = 0;
  run_until_fired(x, 2000);
  assert_int_equal(x->fired, 1);
}

static void test_disarmed_never_fires(void **st) {
  struct fx *x = *st;
  assert_int_equal(vg_alarm_arm(x->alarm, vg_plat_now() + 1), 0);
  vg_alarm_disarm(x->alarm);
  run_for(x, 2500);
  assert_int_equal(x->fired, 0);
  /* Armed again after a disarm: fires. */
  assert_int_equal(vg_alarm_arm(x->alarm, vg_plat_now() - 1), 0);
  run_until_fired(x, 2000);
  assert_int_equal(x->fired, 1);
}

static void test_last_arming_wins(void **st) {
  struct fx *x = *st;
  /* A later instant replaces an earlier one ... */
  assert_int_equal(vg_alarm_arm(x->alarm, vg_plat_now() + 1), 0);
  assert_int_equal(vg_alarm_arm(x->alarm, vg_plat_now() + 3600), 0);
  run_for(x, 2500);
  assert_int_equal(x->fired, 0);
  /* ... and an earlier one a later one. */
  vg_wall_t at = next_second();
  assert_int_equal(vg_alarm_arm(x->alarm, at), 0);
  run_until_fired(x, 5000);
  assert_int_equal(x->fired, 1);
  assert_true(x->fired_at.tv_sec >= at);
}

/* While the alarm waits an hour, the loop sleeps: the guard's 1.5 s pass in
 * a handful of iterations, and the loop has no timeout of its own. */
static void test_loop_sleeps_while_armed(void **st) {
  struct fx *x = *st;
  assert_int_equal(vg_alarm_arm(x->alarm, vg_plat_now() + 3600), 0);
  /* One pass registers the watchers; then nothing is due. */
  uv_run(&x->loop, UV_RUN_NOWAIT);
  assert_int_equal(uv_backend_timeout(&x->loop), -1);
  assert_int_equal(uv_check_start(&x->check, on_check), 0);
  run_for(x, 1500);
  uv_check_stop(&x->check);
  assert_int_equal(x->fired, 0);
  assert_true(x->iterations <= 3);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_fires_at_the_instant, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_past_instant_fires_at_once, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_disarmed_never_fires, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_last_arming_wins, setup, teardown),
      cmocka_unit_test_setup_teardown(test_loop_sleeps_while_armed, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
