/*
 * The wall-clock alarm on Linux: a timerfd on CLOCK_REALTIME armed for an
 * absolute instant (TFD_TIMER_ABSTIME), so that the kernel moves the expiry
 * with the clock, and with TFD_TIMER_CANCEL_ON_SET, so that a step of the
 * clock (settimeofday, an NTP step, an administrator) makes read() fail with
 * ECANCELED at once. A uv_poll watches the descriptor while the alarm is
 * armed: the loop sleeps in epoll_wait without a timeout until then.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <uv.h>

#include "vssguard/platform.h"

struct vg_alarm {
  uv_poll_t poll;
  int fd;
  bool armed;
  bool closing;
  vg_alarm_cb cb;
  void *ud;
};

static void on_close(uv_handle_t *h) {
  vg_alarm *al = h->data;
  close(al->fd);
  free(al);
}

static void on_readable(uv_poll_t *p, int status, int events) {
  vg_alarm *al = p->data;
  uint64_t expirations;
  bool clock_set = false;
  (void)events;
  /* On a poll error the caller is woken too: it computes again and arms. */
  if (status == 0) {
    ssize_t n = read(al->fd, &expirations, sizeof(expirations));
    if (n < 0 && errno == ECANCELED)
      clock_set = true;
    else if (n < 0 && errno == EAGAIN)
      return; /* a spurious wake-up: the alarm is still armed */
  }
  /* One shot: no wake-up until the next vg_alarm_arm. */
  uv_poll_stop(&al->poll);
  al->armed = false;
  al->cb(al->ud, clock_set);
}

int vg_alarm_new(uv_loop_t *loop, vg_alarm_cb cb, void *ud, vg_alarm **out) {
  *out = NULL;
  vg_alarm *al = calloc(1, sizeof(*al));
  if (al == NULL)
    return VG_ENOMEM;
  al->fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
  if (al->fd < 0) {
    free(al);
    return VG_EIO;
  }
  if (uv_poll_init(loop, &al->poll, al->fd) != 0) {
    close(al->fd);
    free(al);
    return VG_EIO;
  }
  al->poll.data = al;
  al->cb = cb;
  al->ud = ud;
  *out = al;
  return VG_OK;
}

int vg_alarm_arm(vg_alarm *al, vg_wall_t at) {
  struct itimerspec its;
  memset(&its, 0, sizeof(its));
  /* An all-zero it_value would disarm the timer: an instant at or before
   * the epoch is simply past. */
  its.it_value.tv_sec = at > 0 ? (time_t)at : 0;
  its.it_value.tv_nsec = at > 0 ? 0 : 1;
  if (timerfd_settime(al->fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its,
                      NULL) != 0)
    return VG_EIO;
  if (uv_poll_start(&al->poll, UV_READABLE, on_readable) != 0)
    return VG_EIO;
  al->armed = true;
  return VG_OK;
}

void vg_alarm_disarm(vg_alarm *al) {
  struct itimerspec its;
  if (!al->armed)
    return;
  memset(&its, 0, sizeof(its));
  (void)timerfd_settime(al->fd, TFD_TIMER_ABSTIME, &its, NULL);
  uv_poll_stop(&al->poll);
  al->armed = false;
}

void vg_alarm_close(vg_alarm *al) {
  if (al == NULL || al->closing)
    return;
  vg_alarm_disarm(al);
  al->closing = true;
  uv_close((uv_handle_t *)&al->poll, on_close);
}
