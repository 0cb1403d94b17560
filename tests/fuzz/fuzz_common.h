/*
 * Shared pieces of the fuzz targets: a log sink that drops every line (the
 * messages are still formatted, so their code runs) and a check that aborts
 * with a message, which libFuzzer reports as a crash.
 */
#ifndef VG_FUZZ_COMMON_H
#define VG_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>

#include "vssguard/log.h"

static inline void fz_drop_log(enum vg_log_level level, int event_id,
                               const char *msg, void *ud) {
  (void)level;
  (void)event_id;
  (void)msg;
  (void)ud;
}

/* Installs the silent log sink once. */
static inline void fz_quiet(void) {
  static int done;
  if (!done) {
    vg_log_set_sink(fz_drop_log, NULL);
    done = 1;
  }
}

#define FZ_CHECK(cond)                                                         \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      abort();                                                                 \
    }                                                                          \
  } while (0)

#endif
