/*
 * Fuzz target of the state loader (vg_state_load_string). Any input either
 * loads or fails with VG_ECORRUPT and a message; a state that loads must
 * serialize, load again and serialize to the same text (the round trip the
 * agent relies on at every restart), with a count that is never negative.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "vssguard/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_quiet();
  vg_state *s = NULL;
  char err[512];
  err[0] = '\0';
  int rc = vg_state_load_string("fuzz.state", (const char *)data, size, &s, err,
                                sizeof(err));
  if (rc != VG_OK) {
    FZ_CHECK(s == NULL);
    FZ_CHECK(rc == VG_ECORRUPT || rc == VG_ENOMEM);
    FZ_CHECK(rc == VG_ENOMEM || err[0] != '\0');
    return 0;
  }
  FZ_CHECK(s != NULL);
  FZ_CHECK(vg_state_count(s) >= 0);
  FZ_CHECK(vg_state_pending_attempts(s) >= 0);
  struct vg_reboot_rec recs[VG_STATE_MAX_HISTORY];
  FZ_CHECK(vg_state_history(s, recs, VG_STATE_MAX_HISTORY) <=
           VG_STATE_MAX_HISTORY);
  vg_wall_t runs[VG_STATE_MAX_RUNS];
  size_t nruns = vg_state_runs(s, runs, VG_STATE_MAX_RUNS);
  FZ_CHECK(nruns <= VG_STATE_MAX_RUNS);

  char *a = vg_state_serialize(s);
  FZ_CHECK(a != NULL);
  vg_state *s2 = NULL;
  rc =
      vg_state_load_string("fuzz.state.2", a, strlen(a), &s2, err, sizeof(err));
  if (rc != VG_OK) {
    fprintf(stderr, "re-load failed: %s\n--- serialized:\n%s\n", err, a);
    abort();
  }
  char *b = vg_state_serialize(s2);
  FZ_CHECK(b != NULL);
  if (strcmp(a, b) != 0) {
    fprintf(stderr, "round trip differs\n--- first:\n%s\n--- second:\n%s\n", a,
            b);
    abort();
  }
  FZ_CHECK(vg_state_count(s2) == vg_state_count(s));
  FZ_CHECK(vg_state_boot_time(s2) == vg_state_boot_time(s));
  FZ_CHECK(vg_state_locked(s2) == vg_state_locked(s));
  free(a);
  free(b);
  vg_state_free(s2);
  vg_state_free(s);
  return 0;
}
