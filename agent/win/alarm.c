/*
 * The wall-clock alarm on Windows: a synchronization waitable timer set for
 * an absolute FILETIME. Windows keeps an absolute timer on the system time:
 * when the clock is changed, the timer still fires when the new clock
 * reaches the instant (SetWaitableTimer: a positive due time is absolute).
 * One thread per alarm waits on the timer and on a stop event, and wakes the
 * loop with a uv_async; the callback runs on the loop thread. Between
 * arming and firing neither the thread nor the loop wakes up.
 */
#include <windows.h>

#include <stdlib.h>

#include <uv.h>

#include "vssguard/platform.h"

/* 100-ns intervals between 1601-01-01 (FILETIME) and 1970-01-01. */
#define VG_FILETIME_UNIX_EPOCH 116444736000000000LL
#define VG_FILETIME_PER_SEC 10000000LL

struct vg_alarm {
  uv_async_t async;
  HANDLE timer;
  HANDLE stop;
  uv_thread_t thread;
  bool thread_started;
  /* Which arming the thread saw fire; the loop ignores older ones. */
  volatile LONG fired_gen;
  LONG gen;
  bool armed;
  bool closing;
  vg_alarm_cb cb;
  void *ud;
};

static void wait_thread(void *arg) {
  vg_alarm *al = arg;
  HANDLE h[2] = {al->stop, al->timer};
  for (;;) {
    DWORD r = WaitForMultipleObjects(2, h, FALSE, INFINITE);
    if (r != WAIT_OBJECT_0 + 1)
      return; /* the stop event, or the handles are gone */
    InterlockedExchange(&al->fired_gen,
                        InterlockedCompareExchange(&al->gen, 0, 0));
    uv_async_send(&al->async);
  }
}

static void on_async(uv_async_t *h) {
  vg_alarm *al = h->data;
  /* A fire of an arming that was disarmed or replaced meanwhile is stale. */
  if (!al->armed || InterlockedCompareExchange(&al->fired_gen, 0, 0) != al->gen)
    return;
  al->armed = false;
  al->cb(al->ud, false);
}

static void on_close(uv_handle_t *h) {
  vg_alarm *al = h->data;
  CloseHandle(al->timer);
  CloseHandle(al->stop);
  free(al);
}

static void release(vg_alarm *al) {
  if (al->timer != NULL)
    CloseHandle(al->timer);
  if (al->stop != NULL)
    CloseHandle(al->stop);
  free(al);
}

int vg_alarm_new(uv_loop_t *loop, vg_alarm_cb cb, void *ud, vg_alarm **out) {
  *out = NULL;
  vg_alarm *al = calloc(1, sizeof(*al));
  if (al == NULL)
    return VG_ENOMEM;
  /* Auto-reset: a satisfied wait resets it, so each expiry wakes once. */
  al->timer = CreateWaitableTimerW(NULL, FALSE, NULL);
  al->stop = CreateEventW(NULL, TRUE, FALSE, NULL);
  if (al->timer == NULL || al->stop == NULL) {
    release(al);
    return VG_EIO;
  }
  al->cb = cb;
  al->ud = ud;
  if (uv_async_init(loop, &al->async, on_async) != 0) {
    release(al);
    return VG_EIO;
  }
  al->async.data = al;
  if (uv_thread_create(&al->thread, wait_thread, al) != 0) {
    /* The handle is initialized: it must be closed through the loop. */
    al->closing = true;
    uv_close((uv_handle_t *)&al->async, on_close);
    return VG_EIO;
  }
  al->thread_started = true;
  *out = al;
  return VG_OK;
}

int vg_alarm_arm(vg_alarm *al, vg_wall_t at) {
  LARGE_INTEGER due;
  /* A positive due time is an absolute FILETIME (UTC). An instant before
   * 1601 is past: 1 (100 ns after 1601) fires at once. */
  if (at < -11644473600LL)
    due.QuadPart = 1;
  else if (at > 900000000000LL)
    due.QuadPart =
        900000000000LL * VG_FILETIME_PER_SEC + VG_FILETIME_UNIX_EPOCH;
  else
    due.QuadPart = (LONGLONG)at * VG_FILETIME_PER_SEC + VG_FILETIME_UNIX_EPOCH;
  InterlockedIncrement(&al->gen);
  if (!SetWaitableTimer(al->timer, &due, 0, NULL, NULL, FALSE))
    return VG_EIO;
  al->armed = true;
  return VG_OK;
}

void vg_alarm_disarm(vg_alarm *al) {
  if (!al->armed)
    return;
  CancelWaitableTimer(al->timer);
  InterlockedIncrement(&al->gen);
  al->armed = false;
}

void vg_alarm_close(vg_alarm *al) {
  if (al == NULL || al->closing)
    return;
  vg_alarm_disarm(al);
  al->closing = true;
  if (al->thread_started) {
    SetEvent(al->stop);
    uv_thread_join(&al->thread);
  }
  uv_close((uv_handle_t *)&al->async, on_close);
}
