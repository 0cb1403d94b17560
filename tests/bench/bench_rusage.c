/*
 * Runs a command and writes its elapsed time, CPU time and peak resident
 * set to a file, for scripts/bench. A process started from a big parent
 * (Python) keeps the parent's peak RSS across exec in ru_maxrss, so the
 * command is started from this small program with posix_spawn instead.
 *
 * Usage: bench_rusage OUTFILE COMMAND [ARG...]
 * OUTFILE gets one line: "exit WALL_S CPU_S MAXRSS_KIB". The exit status
 * of bench_rusage is that of the command (128 + signal when killed).
 */
#include <spawn.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static double secs(struct timeval tv) {
  return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: bench_rusage OUTFILE COMMAND [ARG...]\n");
    return 64;
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pid_t pid;
  int rc = posix_spawnp(&pid, argv[2], NULL, NULL, argv + 2, environ);
  if (rc != 0) {
    perror(argv[2]);
    return 127;
  }
  int status;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) < 0) {
    perror("wait4");
    return 1;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  FILE *f = fopen(argv[1], "w");
  if (f == NULL) {
    perror(argv[1]);
    return 1;
  }
  fprintf(f, "%d %.6f %.6f %ld\n", code,
          (double)(t1.tv_sec - t0.tv_sec) +
              (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9,
          secs(ru.ru_utime) + secs(ru.ru_stime), ru.ru_maxrss);
  fclose(f);
  return code;
}
