/*
 * Planner benchmark for scripts/bench (not a test: it times things and
 * asserts nothing). It loads a policy and measures, in this process:
 *
 *   - vg_plan_next_slot from many different instants (one "next allowed
 *     slot" computation each),
 *   - vg_plan_slots listing COUNT consecutive slots in one call,
 *   - COUNT consecutive slots by chained vg_plan_next_slot calls (what a
 *     caller without vg_plan_slots does).
 *
 * Each figure is the median of several rounds, in CPU time of this process
 * (CLOCK_PROCESS_CPUTIME_ID) and in elapsed time (CLOCK_MONOTONIC), so a
 * busy machine shows up as a gap between the two. Output is one "key value"
 * line per figure, read by scripts/bench.d/bench.py.
 *
 * Usage: bench_planner POLICY FROM_EPOCH [COUNT]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vssguard/planner.h"
#include "vssguard/policy.h"

#define ROUNDS 7
#define NEXT_CALLS 20000
/* Spacing of the instants the single computations start from. */
#define NEXT_STEP_S 3607

struct clocks {
  double cpu;
  double wall;
};

static struct clocks now(void) {
  struct timespec c, w;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c);
  clock_gettime(CLOCK_MONOTONIC, &w);
  struct clocks r = {(double)c.tv_sec + (double)c.tv_nsec * 1e-9,
                     (double)w.tv_sec + (double)w.tv_nsec * 1e-9};
  return r;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, size_t n) {
  qsort(v, n, sizeof(*v), cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* Keeps results observable so the calls are not optimised away. */
static volatile vg_wall_t sink;

static int bench_next(const vg_policy *p, vg_wall_t from, double *cpu,
                      double *wall) {
  double c[ROUNDS], w[ROUNDS];
  for (int r = 0; r < ROUNDS; r++) {
    struct clocks t0 = now();
    for (int i = 0; i < NEXT_CALLS; i++) {
      struct vg_slot s;
      if (vg_plan_next_slot(p, from + (vg_wall_t)i * NEXT_STEP_S, &s) != 0)
        return -1;
      sink = s.start;
    }
    struct clocks t1 = now();
    c[r] = (t1.cpu - t0.cpu) / NEXT_CALLS;
    w[r] = (t1.wall - t0.wall) / NEXT_CALLS;
  }
  *cpu = median(c, ROUNDS);
  *wall = median(w, ROUNDS);
  return 0;
}

static int bench_slots(const vg_policy *p, vg_wall_t from, size_t count,
                       struct vg_slot *out, double *cpu, double *wall) {
  double c[ROUNDS], w[ROUNDS];
  for (int r = 0; r < ROUNDS; r++) {
    size_t n = 0;
    struct clocks t0 = now();
    int rc = vg_plan_slots(p, from, out, count, &n);
    struct clocks t1 = now();
    if (rc != 0 || n != count)
      return -1;
    sink = out[n - 1].end;
    c[r] = t1.cpu - t0.cpu;
    w[r] = t1.wall - t0.wall;
  }
  *cpu = median(c, ROUNDS);
  *wall = median(w, ROUNDS);
  return 0;
}

/* Chained single computations; checks they give the same slots. */
static int bench_chained(const vg_policy *p, vg_wall_t from, size_t count,
                         const struct vg_slot *ref, double *cpu, double *wall,
                         size_t *mismatch) {
  double c[ROUNDS], w[ROUNDS];
  *mismatch = 0;
  for (int r = 0; r < ROUNDS; r++) {
    vg_wall_t t = from;
    struct clocks t0 = now();
    for (size_t i = 0; i < count; i++) {
      struct vg_slot s;
      if (vg_plan_next_slot(p, t, &s) != 0)
        return -1;
      if (r == 0 && (s.start != ref[i].start || s.end != ref[i].end))
        (*mismatch)++;
      t = s.end > t ? s.end : t + 1;
    }
    struct clocks t1 = now();
    c[r] = t1.cpu - t0.cpu;
    w[r] = t1.wall - t0.wall;
  }
  *cpu = median(c, ROUNDS);
  *wall = median(w, ROUNDS);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3 || argc > 4) {
    fprintf(stderr, "usage: bench_planner POLICY FROM_EPOCH [COUNT]\n");
    return 64;
  }
  vg_wall_t from = (vg_wall_t)strtoll(argv[2], NULL, 10);
  size_t count = argc == 4 ? (size_t)strtoul(argv[3], NULL, 10) : 10000;
  if (count == 0)
    count = 1;

  vg_policy *p = NULL;
  vg_diags d = {0};
  if (vg_policy_load_file(argv[1], &p, &d) != 0) {
    for (size_t i = 0; i < d.n; i++) {
      char line[768];
      vg_diag_format(&d.items[i], line, sizeof(line));
      fprintf(stderr, "%s\n", line);
    }
    vg_diags_free(&d);
    return 2;
  }
  vg_diags_free(&d);

  struct vg_slot *slots = calloc(count, sizeof(*slots));
  if (slots == NULL) {
    vg_policy_free(p);
    return 1;
  }
  double nc, nw, sc, sw, cc, cw;
  size_t mismatch;
  int rc = bench_next(p, from, &nc, &nw);
  if (rc == 0)
    rc = bench_slots(p, from, count, slots, &sc, &sw);
  if (rc == 0)
    rc = bench_chained(p, from, count, slots, &cc, &cw, &mismatch);
  if (rc != 0) {
    fprintf(stderr, "bench_planner: the planner found no slot\n");
    free(slots);
    vg_policy_free(p);
    return 1;
  }
  printf("windows %zu\n", vg_policy_window_count(p));
  printf("blackouts %zu\n", vg_policy_blackout_count(p));
  printf("next_calls %d\n", NEXT_CALLS);
  printf("next_cpu_ns %.0f\n", nc * 1e9);
  printf("next_wall_ns %.0f\n", nw * 1e9);
  printf("slots_count %zu\n", count);
  printf("slots_cpu_ms %.3f\n", sc * 1e3);
  printf("slots_wall_ms %.3f\n", sw * 1e3);
  printf("chained_cpu_ms %.3f\n", cc * 1e3);
  printf("chained_wall_ms %.3f\n", cw * 1e3);
  printf("chained_mismatch %zu\n", mismatch);
  printf("first_start %lld\n", (long long)slots[0].start);
  printf("last_end %lld\n", (long long)slots[count - 1].end);
  free(slots);
  vg_policy_free(p);
  return 0;
}
