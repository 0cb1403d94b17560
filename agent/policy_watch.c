/*
 * A policy file watch: libuv's fs event on the file's directory (the file
 * itself may not exist yet, and copies replace it by renaming), filtered by
 * the file's name, with a quiet period before the callback.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "policy_watch.h"
#include "vssguard/common.h"

/* Act once the file was left alone this long. */
#define QUIET_MS 500

struct vg_policy_watch {
  uv_fs_event_t event;
  uv_timer_t quiet;
  int open_handles;
  char *name; /* the file's name in its directory */
  void (*cb)(void *ud);
  void *ud;
};

/* ASCII case-insensitive comparison: Windows names ignore case, and on a
 * case-sensitive system a false match only costs a reload. */
static bool same_name(const char *a, const char *b) {
  for (; *a && *b; a++, b++) {
    char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
    char y = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;
    if (x != y)
      return false;
  }
  return *a == *b;
}

static void on_quiet(uv_timer_t *t) {
  vg_policy_watch *w = t->data;
  w->cb(w->ud);
}

static void on_event(uv_fs_event_t *h, const char *filename, int events,
                     int status) {
  vg_policy_watch *w = h->data;
  (void)events;
  /* No name (or an error): something changed in the directory; check. */
  if (status == 0 && filename != NULL && !same_name(filename, w->name))
    return;
  uv_timer_start(&w->quiet, on_quiet, QUIET_MS, 0);
}

static void on_closed(uv_handle_t *h) {
  vg_policy_watch *w = h->data;
  if (--w->open_handles > 0)
    return;
  free(w->name);
  free(w);
}

int vg_policy_watch_start(uv_loop_t *loop, const char *path,
                          void (*cb)(void *ud), void *ud,
                          vg_policy_watch **out) {
  const char *slash = NULL;
  char *dir;
  size_t dlen;
  int rc;
  vg_policy_watch *w;

  *out = NULL;
  for (const char *p = path; *p; p++)
    if (*p == '/' || *p == '\\')
      slash = p;
  dlen = slash == NULL ? 1 : (slash == path ? 1 : (size_t)(slash - path));
  dir = malloc(dlen + 1);
  w = calloc(1, sizeof(*w));
  if (dir == NULL || w == NULL) {
    free(dir);
    free(w);
    return VG_ENOMEM;
  }
  if (slash == NULL)
    memcpy(dir, ".", 2);
  else {
    memcpy(dir, path, dlen);
    dir[dlen] = '\0';
  }
  w->name = malloc(strlen(slash ? slash + 1 : path) + 1);
  if (w->name == NULL) {
    free(dir);
    free(w);
    return VG_ENOMEM;
  }
  strcpy(w->name, slash ? slash + 1 : path);
  w->cb = cb;
  w->ud = ud;
  uv_fs_event_init(loop, &w->event);
  uv_timer_init(loop, &w->quiet);
  w->event.data = w;
  w->quiet.data = w;
  w->open_handles = 2;
  rc = uv_fs_event_start(&w->event, on_event, dir, 0);
  free(dir);
  if (rc != 0) {
    vg_policy_watch_stop(w);
    return VG_EIO;
  }
  *out = w;
  return VG_OK;
}

void vg_policy_watch_stop(vg_policy_watch *w) {
  if (w == NULL)
    return;
  uv_fs_event_stop(&w->event);
  uv_timer_stop(&w->quiet);
  uv_close((uv_handle_t *)&w->event, on_closed);
  uv_close((uv_handle_t *)&w->quiet, on_closed);
}
