/*
 * Logging front end: formats a message and hands it to the sink the
 * platform installed (stderr by default).
 */
#include <stdio.h>

#include "vssguard/log.h"

static void stderr_sink(enum vg_log_level level, int event_id, const char *msg,
                        void *ud);

static vg_log_sink sink = stderr_sink;
static void *sink_ud;
static enum vg_log_level max_level = VG_LOG_INFO;

static const char *level_name(enum vg_log_level level) {
  switch (level) {
  case VG_LOG_ERROR: return "error";
  case VG_LOG_WARN: return "warning";
  case VG_LOG_INFO: return "info";
  default: return "debug";
  }
}

static void stderr_sink(enum vg_log_level level, int event_id, const char *msg,
                        void *ud) {
  (void)ud;
  fprintf(stderr, "vssguard: %s: [%d] %s\n", level_name(level), event_id, msg);
  fflush(stderr);
}

void vg_log_set_sink(vg_log_sink s, void *ud) {
  sink = s ? s : stderr_sink;
  sink_ud = ud;
}

void vg_log_set_level(enum vg_log_level level) {
  max_level = level;
}

void vg_logv(enum vg_log_level level, int event_id, const char *fmt,
             va_list ap) {
  char msg[1024];
  if (level > max_level)
    return;
  vsnprintf(msg, sizeof(msg), fmt, ap);
  sink(level, event_id, msg, sink_ud);
}

void vg_log(enum vg_log_level level, int event_id, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vg_logv(level, event_id, fmt, ap);
  va_end(ap);
}
