/*
 * The POSIX event source: follows a growing file of event XML (what
 * `wevtutil qe /f:xml` writes, appended over time) and hands new bytes to
 * the agent. It is driven by file-system events only, no polling: one
 * uv_fs_event watches the file's directory, which reports changes to the
 * file as well as its creation, replacement or removal, so the file may
 * appear after the agent started.
 *
 * On start it reads the whole file from offset 0: the byte offset is not
 * persisted because the tracker drops events it has already seen (same
 * channel and record id). A file replaced by a new one (another inode) or
 * truncated is read again from its beginning, for the same reason.
 *
 * At most one file-system request is in flight; changes reported meanwhile
 * set a flag and cause one more pass when it completes.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>

#include "vssguard/log.h"
#include "vssguard/run.h"

#define READ_CHUNK (256 * 1024)

struct vg_source {
  vg_agent *agent;
  uv_loop_t *loop;
  char *path;
  char *dir;
  char *base;
  uv_fs_event_t watch;
  bool watching;
  uv_fs_t req;
  bool busy;     /* a request is in flight */
  bool again;    /* a change arrived while busy */
  bool stopping; /* vg_source_stop was called */
  bool closed;   /* the watch handle is closed (or was never opened) */
  uv_file fd;
  uint64_t ino;
  int64_t offset;
  bool reported_missing;
  char buf[READ_CHUNK];
};

static void pass(vg_source *s);

static void free_source(vg_source *s) {
  free(s->path);
  free(s->dir);
  free(s->base);
  free(s);
}

static void close_fd(vg_source *s) {
  if (s->fd < 0)
    return;
  uv_fs_t r;
  uv_fs_close(NULL, &r, s->fd, NULL); /* synchronous: cheap and final */
  uv_fs_req_cleanup(&r);
  s->fd = -1;
}

/* Frees s once nothing refers to it any more. */
static void maybe_free(vg_source *s) {
  if (s->stopping && !s->busy && s->closed) {
    close_fd(s);
    free_source(s);
  }
}

/* Ends a request; returns true when the source should stop here. */
static bool end_req(vg_source *s) {
  uv_fs_req_cleanup(&s->req);
  if (s->stopping) {
    s->busy = false;
    maybe_free(s);
    return true;
  }
  return false;
}

/* The pass is over: run another if a change came in meanwhile. */
static void idle(vg_source *s) {
  s->busy = false;
  if (s->again)
    pass(s);
}

static void read_more(vg_source *s);

static void on_read(uv_fs_t *req) {
  vg_source *s = req->data;
  ssize_t n = req->result;
  if (end_req(s))
    return;
  if (n < 0) {
    vg_log_error(VG_EV_SOURCE_ERROR, "reading %s: %s", s->path,
                 uv_strerror((int)n));
    close_fd(s);
    idle(s);
    return;
  }
  if (n == 0) {
    idle(s);
    return;
  }
  s->offset += n;
  vg_agent_feed_xml(s->agent, s->buf, (size_t)n);
  if (s->stopping) { /* the agent was stopped from inside the feed */
    s->busy = false;
    maybe_free(s);
    return;
  }
  read_more(s);
}

static void read_more(vg_source *s) {
  uv_buf_t b = uv_buf_init(s->buf, sizeof(s->buf));
  s->req.data = s;
  int rc = uv_fs_read(s->loop, &s->req, s->fd, &b, 1, s->offset, on_read);
  if (rc != 0) {
    vg_log_error(VG_EV_SOURCE_ERROR, "reading %s: %s", s->path,
                 uv_strerror(rc));
    close_fd(s);
    idle(s);
  }
}

static void on_open(uv_fs_t *req) {
  vg_source *s = req->data;
  ssize_t fd = req->result;
  if (s->stopping && fd >= 0) {
    uv_fs_t r;
    uv_fs_close(NULL, &r, (uv_file)fd, NULL);
    uv_fs_req_cleanup(&r);
  }
  if (end_req(s))
    return;
  if (fd < 0) {
    vg_log_error(VG_EV_SOURCE_ERROR, "opening %s: %s", s->path,
                 uv_strerror((int)fd));
    idle(s);
    return;
  }
  s->fd = (uv_file)fd;
  s->offset = 0;
  read_more(s);
}

static void on_stat(uv_fs_t *req) {
  vg_source *s = req->data;
  int rc = (int)req->result;
  uint64_t ino = req->statbuf.st_ino;
  int64_t size = (int64_t)req->statbuf.st_size;
  if (end_req(s))
    return;
  if (rc < 0) {
    /* Not there (yet): the directory watch reports its creation. */
    close_fd(s);
    if (!s->reported_missing)
      vg_log_warn(VG_EV_SOURCE_ERROR, "%s: %s; waiting for it to appear",
                  s->path, uv_strerror(rc));
    s->reported_missing = true;
    idle(s);
    return;
  }
  s->reported_missing = false;
  if (s->fd >= 0 && (ino != s->ino || size < s->offset)) {
    vg_log_info(VG_EV_GENERIC, "%s was %s: reading it from the start", s->path,
                ino != s->ino ? "replaced" : "truncated");
    close_fd(s);
    vg_agent_end_stream(s->agent);
  }
  if (s->fd >= 0) {
    if (size == s->offset) {
      idle(s);
      return;
    }
    read_more(s);
    return;
  }
  s->ino = ino;
  s->req.data = s;
  rc = uv_fs_open(s->loop, &s->req, s->path, O_RDONLY, 0, on_open);
  if (rc != 0) {
    vg_log_error(VG_EV_SOURCE_ERROR, "opening %s: %s", s->path,
                 uv_strerror(rc));
    idle(s);
  }
}

/* One pass: stat the path, (re)open if needed, read to the end. */
static void pass(vg_source *s) {
  if (s->stopping)
    return;
  if (s->busy) {
    s->again = true;
    return;
  }
  s->again = false;
  s->busy = true;
  s->req.data = s;
  int rc = uv_fs_stat(s->loop, &s->req, s->path, on_stat);
  if (rc != 0) {
    vg_log_error(VG_EV_SOURCE_ERROR, "%s: %s", s->path, uv_strerror(rc));
    s->busy = false;
  }
}

static void on_change(uv_fs_event_t *h, const char *filename, int events,
                      int status) {
  vg_source *s = h->data;
  (void)events;
  if (status < 0) {
    vg_log_error(VG_EV_SOURCE_ERROR, "watching %s: %s", s->dir,
                 uv_strerror(status));
    return;
  }
  /* Without a name the platform could not say which entry changed. */
  if (filename == NULL || strcmp(filename, s->base) == 0)
    pass(s);
}

static void on_close(uv_handle_t *h) {
  vg_source *s = h->data;
  s->closed = true;
  maybe_free(s);
}

/* Splits path into a directory and a base name (both malloc'd). */
static int split_path(const char *path, char **dir, char **base) {
  const char *slash = strrchr(path, '/');
  const char *b = slash ? slash + 1 : path;
  size_t dlen = slash ? (size_t)(slash - path) : 0;
  *base = malloc(strlen(b) + 1);
  *dir = malloc(dlen + 2);
  if (*base == NULL || *dir == NULL)
    return VG_ENOMEM;
  strcpy(*base, b);
  if (slash == NULL)
    strcpy(*dir, ".");
  else if (dlen == 0)
    strcpy(*dir, "/");
  else {
    memcpy(*dir, path, dlen);
    (*dir)[dlen] = '\0';
  }
  return **base ? 0 : VG_EINVAL;
}

int vg_source_start(vg_agent *a, uv_loop_t *loop,
                    const struct vg_agent_config *cfg, vg_source **out) {
  *out = NULL;
  if (cfg->events_follow == NULL) {
    vg_log_warn(VG_EV_SOURCE_ERROR,
                "no event source: --events-follow was not given");
    return 0;
  }
  vg_source *s = calloc(1, sizeof(*s));
  if (s == NULL)
    return VG_ENOMEM;
  s->agent = a;
  s->loop = loop;
  s->fd = -1;
  s->closed = true;
  s->req.data = s;
  s->path = malloc(strlen(cfg->events_follow) + 1);
  int rc = VG_ENOMEM;
  if (s->path == NULL)
    goto fail;
  strcpy(s->path, cfg->events_follow);
  rc = split_path(s->path, &s->dir, &s->base);
  if (rc != 0)
    goto fail;
  rc = uv_fs_event_init(loop, &s->watch);
  if (rc != 0) {
    rc = VG_EIO;
    goto fail;
  }
  s->watch.data = s;
  s->closed = false;
  rc = uv_fs_event_start(&s->watch, on_change, s->dir, 0);
  if (rc != 0) {
    vg_log_error(VG_EV_SOURCE_ERROR, "cannot watch %s: %s", s->dir,
                 uv_strerror(rc));
    s->stopping = true;
    uv_close((uv_handle_t *)&s->watch, on_close);
    return VG_EIO;
  }
  s->watching = true;
  *out = s;
  pass(s);
  return 0;

fail:
  free_source(s);
  return rc;
}

void vg_source_stop(vg_source *s) {
  if (s == NULL || s->stopping)
    return;
  s->stopping = true;
  if (!s->closed)
    uv_close((uv_handle_t *)&s->watch, on_close);
  maybe_free(s);
}
