/*
 * Unit tests of the agent on a real libuv loop with fake platform
 * operations: a wall clock the test sets (or lets run), a boot time, and a
 * reboot call that only records what it was asked. Events are fed as XML
 * strings. The tests check when and how often the reboot call happens, that
 * the attempt is on disk before the call, the dry run, the loop guard,
 * reloads, an unwritable state file, a corrupt state file and an untrusted
 * policy file. Log lines are captured through the log sink.
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
#ifdef _WIN32
#include <windows.h>
#endif

#include "vssguard/agent.h"
#include "vssguard/log.h"
#include "vssguard/platform.h"
#include "vssguard/state.h"
#include "vssguard/state_lock.h"
#include "vssguard/zone.h"

#define H 3600
#define DAY 86400

/* ---- captured log ------------------------------------------------------ */

static char logbuf[1 << 17];
static size_t loglen;
/* How many lines of each level each documented id (1000-1099) was logged
 * with: the level decides the Event Log type, which must match the message
 * table (docs/events.md). */
static int level_lines[VG_LOG_DEBUG + 1][100];

static void sink(enum vg_log_level level, int id, const char *msg, void *ud) {
  (void)ud;
  if (id >= 1000 && id < 1100 && level <= VG_LOG_DEBUG)
    level_lines[level][id - 1000]++;
  int n =
      snprintf(logbuf + loglen, sizeof(logbuf) - loglen, "[%d] %s\n", id, msg);
  if (n > 0 && (size_t)n < sizeof(logbuf) - loglen)
    loglen += (size_t)n;
}

/* How many captured lines have event id id and contain text. */
static int log_count(int id, const char *text) {
  char tag[16];
  int n = 0;
  snprintf(tag, sizeof(tag), "[%d] ", id);
  for (char *line = logbuf; line < logbuf + loglen;) {
    char *end = strchr(line, '\n');
    if (end == NULL)
      break;
    *end = '\0';
    if (strncmp(line, tag, strlen(tag)) == 0 && strstr(line, text) != NULL)
      n++;
    *end = '\n';
    line = end + 1;
  }
  return n;
}

/* How many lines with event id id were logged at level. */
static int log_level_count(enum vg_log_level level, int id) {
  return level_lines[level][id - 1000];
}

/* ---- fake platform ----------------------------------------------------- */

struct fake {
  vg_wall_t wall;
  bool running;    /* the wall clock advances with real time */
  uint64_t set_ns; /* uv_hrtime() when wall was set */
  vg_wall_t boot;
  char boot_id[40]; /* "" as on Windows */
  int reboot_rc;
  int reboots;
  vg_wall_t reboot_at[8];
  char message[512];
  uint32_t warning_s, reason;
  bool force;
  char command[64];
  bool attempt_on_disk; /* the state file held the attempt at the call */
  char state_path[512];
  uv_timer_t *stop_timer; /* started by the reboot call when set */
};

static struct fake fk;

static vg_wall_t fake_now(void *ud) {
  struct fake *f = ud;
  if (!f->running)
    return f->wall;
  return f->wall + (vg_wall_t)((uv_hrtime() - f->set_ns) / 1000000000u);
}

static vg_mono_t fake_mono(void *ud) {
  (void)ud;
  vg_mono_t m = {uv_hrtime() / 1000000u};
  return m;
}

static int fake_boot_time(void *ud, vg_wall_t *out) {
  *out = ((struct fake *)ud)->boot;
  return 0;
}

static void stop_cb(uv_timer_t *t);

static int fake_reboot(void *ud, const struct vg_reboot_req *req) {
  struct fake *f = ud;
  vg_wall_t now = fake_now(f);
  if (f->reboots < 8)
    f->reboot_at[f->reboots] = now;
  f->reboots++;
  snprintf(f->message, sizeof(f->message), "%s", req->message);
  f->warning_s = req->warning_s;
  f->reason = req->reason;
  f->force = req->force_close_apps;
  snprintf(f->command, sizeof(f->command), "%s",
           req->command ? req->command : "");
  /* The attempt must already be in the saved state. */
  FILE *sf = fopen(f->state_path, "rb");
  f->attempt_on_disk = false;
  if (sf != NULL) {
    char line[256], want[64];
    snprintf(want, sizeof(want), "reboot %lld ", (long long)now);
    while (fgets(line, sizeof(line), sf) != NULL)
      if (strncmp(line, want, strlen(want)) == 0)
        f->attempt_on_disk = true;
    fclose(sf);
  }
  if (f->stop_timer != NULL)
    uv_timer_start(f->stop_timer, stop_cb, 0, 0);
  return f->reboot_rc;
}

/* The uptime is the fake clock minus the fake boot time, so a step of the
 * clock is modelled by moving both, a boot by moving the boot time. */
static int fake_boot_ident(void *ud, struct vg_boot_ident *out) {
  struct fake *f = ud;
  memset(out, 0, sizeof(*out));
  out->uptime_s = (uint64_t)(fake_now(f) - f->boot);
  snprintf(out->id, sizeof(out->id), "%s", f->boot_id);
  return 0;
}

static const struct vg_plat_ops fake_ops = {.now = fake_now,
                                            .mono = fake_mono,
                                            .boot_time = fake_boot_time,
                                            .boot_ident = fake_boot_ident,
                                            .reboot = fake_reboot,
                                            .ud = &fk};

/* ---- fixture ----------------------------------------------------------- */

struct fx {
  char dir[256];
  char policy[512];
  char state[512];
  uv_loop_t loop;
  vg_agent *agent;
  struct vg_agent_config cfg;
};

/* Monday 2026-11-30 00:00:00 UTC. */
static vg_wall_t base(void) {
  return vg_days_from_civil(2026, 11, 30) * DAY;
}

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_true(fputs(text, f) >= 0);
  assert_int_equal(fclose(f), 0);
}

static int file_has(const char *path, const char *text) {
  static char buf[65536];
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return 0;
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  buf[n] = '\0';
  fclose(f);
  return strstr(buf, text) != NULL;
}

static const char policy_text[] = "threshold: 3\n"
                                  "timezone: UTC\n"
                                  "maintenance_windows:\n"
                                  "  - \"daily 02:00 3h\"\n"
                                  "reboot:\n"
                                  "  warning: 5m\n"
                                  "  message: \"Test reboot message\"\n"
                                  "  force_close_apps: true\n"
                                  "  splay: 0s\n"
                                  "  min_time_left: 15m\n"
                                  "  min_uptime: 1h\n"
                                  "  max_per_week: 7\n"
                                  "  wait_for_backup: true\n";

static int setup(void **st) {
  struct fx *x = calloc(1, sizeof(*x));
  assert_non_null(x);
  uv_fs_t req;
  assert_int_equal(uv_fs_mkdtemp(NULL, &req, "vg_test_agent_XXXXXX", NULL), 0);
  snprintf(x->dir, sizeof(x->dir), "%s", req.path);
  uv_fs_req_cleanup(&req);
  snprintf(x->policy, sizeof(x->policy), "%s/policy.yaml", x->dir);
  snprintf(x->state, sizeof(x->state), "%s/state", x->dir);
  write_text(x->policy, policy_text);
  memset(&fk, 0, sizeof(fk));
  fk.wall = base();
  fk.boot = base() - 10 * DAY;
  snprintf(fk.state_path, sizeof(fk.state_path), "%s", x->state);
  loglen = 0;
  logbuf[0] = '\0';
  memset(level_lines, 0, sizeof(level_lines));
  vg_log_set_sink(sink, NULL);
  vg_log_set_level(VG_LOG_INFO);
  x->cfg.policy_path = x->policy;
  x->cfg.state_path = x->state;
  x->cfg.events_follow = NULL;
  x->cfg.no_source = true;
  x->cfg.reboot_command = "/usr/local/sbin/test-reboot";
  x->cfg.seed = 1;
  x->cfg.ops = &fake_ops;
  assert_int_equal(uv_loop_init(&x->loop), 0);
  *st = x;
  return 0;
}

static void rm(const char *dir, const char *name) {
  char p[600];
  snprintf(p, sizeof(p), "%s/%s", dir, name);
  remove(p);
}

static int teardown(void **st) {
  struct fx *x = *st;
  if (x->agent != NULL) {
    vg_agent_stop(x->agent);
    uv_run(&x->loop, UV_RUN_DEFAULT);
    vg_agent_free(x->agent);
  }
  assert_int_equal(uv_loop_close(&x->loop), 0);
  const char *names[] = {"policy.yaml",   "state",         "state.tmp",
                         "state.corrupt", "sub/state",     "sub/state.tmp",
                         "state.lock",    "sub/state.lock"};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    rm(x->dir, names[i]);
  rm(x->dir, "sub");
  remove(x->dir);
  vg_log_set_sink(NULL, NULL);
  free(x);
  return 0;
}

static void start(struct fx *x) {
  assert_int_equal(vg_agent_new(&x->loop, &x->cfg, &x->agent), 0);
  assert_int_equal(vg_agent_start(x->agent), 0);
}

/* ---- events ------------------------------------------------------------ */

static void rfc3339(vg_wall_t t, char *buf, size_t len) {
  vg_time_format(t, NULL, buf, len);
}

static void feed(struct fx *x, const char *xml) {
  assert_int_equal(vg_agent_feed_xml(x->agent, xml, strlen(xml)), 0);
}

#define EV_HEAD                                                                \
  "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>"      \
  "<System><Provider Name='Microsoft-Windows-Backup'/><EventID>%d</EventID>"   \
  "<Level>4</Level><TimeCreated SystemTime='%s'/>"                             \
  "<EventRecordID>%llu</EventRecordID>"                                        \
  "<Channel>Microsoft-Windows-Backup</Channel><Computer>FS01</Computer>"       \
  "</System>"

static void run_started(struct fx *x, vg_wall_t start, unsigned long long rec) {
  char t[64], xml[2048];
  rfc3339(start, t, sizeof(t));
  snprintf(xml, sizeof(xml), EV_HEAD "<EventData></EventData></Event>\n", 1, t,
           rec);
  feed(x, xml);
}

static void run_ended(struct fx *x, vg_wall_t start, unsigned long long rec) {
  char t[64], e[64], xml[4096];
  rfc3339(start, t, sizeof(t));
  rfc3339(start + 1800, e, sizeof(e));
  int n = snprintf(xml, sizeof(xml),
                   EV_HEAD "<EventData><Data Name='HRESULT'>0</Data>"
                           "<Data Name='BackupTime'>%s</Data></EventData>"
                           "</Event>\n",
                   4, e, rec, t);
  snprintf(xml + n, sizeof(xml) - (size_t)n,
           EV_HEAD "<EventData><Data Name='HRESULT'>0</Data></EventData>"
                   "</Event>\n",
           14, e, rec + 1);
  feed(x, xml);
}

/* Feeds n complete runs, an hour apart from first, in one chunk. */
static void runs(struct fx *x, vg_wall_t first, int n,
                 unsigned long long *rec) {
  for (int i = 0; i < n; i++) {
    run_started(x, first + i * H, (*rec)++);
    run_ended(x, first + i * H, *rec);
    *rec += 2;
  }
}

static void boot_event(struct fx *x, vg_wall_t t, unsigned long long rec) {
  char ts[64], xml[1024];
  rfc3339(t, ts, sizeof(ts));
  snprintf(xml, sizeof(xml),
           "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/"
           "event'><System><Provider Name='EventLog'/><EventID "
           "Qualifiers='32768'>6005</EventID><Level>4</Level><TimeCreated "
           "SystemTime='%s'/><EventRecordID>%llu</EventRecordID><Channel>"
           "System</Channel><Computer>FS01</Computer></System><EventData>"
           "</EventData></Event>\n",
           ts, rec);
  feed(x, xml);
}

static void at(struct fx *x, vg_wall_t t) {
  fk.wall = t;
  vg_agent_evaluate(x->agent);
}

/* ---- tests ------------------------------------------------------------- */

static void test_reboot_once_at_slot(void **st) {
  struct fx *x = *st;
  unsigned long long rec = 100;
  start(x);
  runs(x, base() - 5 * H, 2, &rec);
  assert_int_equal(log_count(VG_EV_RUN_COUNTED, "run counted: 2/3"), 1);
  assert_int_equal(log_count(VG_EV_SCHEDULED, "reboot scheduled"), 0);
  runs(x, base() - 2 * H, 1, &rec);
  assert_int_equal(log_count(VG_EV_RUN_COUNTED, "run counted: 3/3"), 1);
  assert_int_equal(
      log_count(VG_EV_SCHEDULED, "reboot scheduled at 2026-11-30T02:00:00"), 1);
  assert_true(file_has(x->state, "scheduled "));
  /* Duplicates (the same records again) change nothing. */
  rec = 100;
  runs(x, base() - 5 * H, 3, &rec);
  assert_int_equal(log_count(VG_EV_RUN_COUNTED, ""), 3);

  at(x, base() + 2 * H - 1);
  assert_int_equal(fk.reboots, 0);
  at(x, base() + 2 * H);
  assert_int_equal(fk.reboots, 1);
  assert_int_equal(fk.reboot_at[0], base() + 2 * H);
  assert_true(fk.attempt_on_disk);
  assert_string_equal(fk.message, "Test reboot message");
  assert_int_equal(fk.warning_s, 300);
  assert_int_equal(fk.reason, 0x80040001u);
  assert_true(fk.force);
  assert_string_equal(fk.command, "/usr/local/sbin/test-reboot");
  assert_int_equal(log_count(VG_EV_REBOOT_INITIATED, "reboot initiated"), 1);
  /* A Warning, as the message table has it: the one disruptive action. */
  assert_int_equal(log_level_count(VG_LOG_WARN, VG_EV_REBOOT_INITIATED), 1);
  assert_int_equal(log_level_count(VG_LOG_INFO, VG_EV_REBOOT_INITIATED), 0);

  /* Later in the same slot, and after more runs: not again. */
  at(x, base() + 2 * H + 30);
  runs(x, base() + 2 * H + 60, 1, &rec);
  at(x, base() + 4 * H);
  assert_int_equal(fk.reboots, 1);

  /* The server booted: remediation confirmed, count reset, no reboot. */
  fk.boot = base() + 2 * H + 120;
  boot_event(x, base() + 2 * H + 130, 5000);
  assert_int_equal(log_count(VG_EV_BOOT, "boot detected"), 1);
  assert_int_equal(log_count(VG_EV_REMEDIATED, "remediation confirmed"), 1);
  at(x, base() + DAY + 2 * H);
  assert_int_equal(fk.reboots, 1);
  assert_true(file_has(x->state, "count 0\n"));
}

static void test_reboot_guard_locks(void **st) {
  struct fx *x = *st;
  unsigned long long rec = 1;
  start(x);
  runs(x, base() - 5 * H, 3, &rec);
  /* The reboot "succeeds" but no boot follows, day after day. */
  for (int d = 0; d < 5; d++)
    at(x, base() + d * DAY + 2 * H + 5);
  assert_int_equal(fk.reboots, VG_STATE_MAX_ATTEMPTS);
  assert_true(log_count(VG_EV_LOCKED, "vssguard reset") >= 1);
  assert_true(file_has(x->state, "locked 1\n"));
}

static void test_reboot_failure_moves_on(void **st) {
  struct fx *x = *st;
  unsigned long long rec = 1;
  fk.reboot_rc = VG_EPERM;
  start(x);
  runs(x, base() - 5 * H, 3, &rec);
  at(x, base() + 2 * H);
  at(x, base() + 3 * H);
  assert_int_equal(fk.reboots, 1);
  assert_int_equal(log_count(VG_EV_REBOOT_FAILED, "reboot failed"), 1);
  assert_int_equal(
      log_count(VG_EV_SCHEDULED, "reboot scheduled at 2026-12-01T02:00:00"), 1);
  /* A pending shutdown counts as initiated. */
  fk.reboot_rc = VG_EBUSY;
  at(x, base() + DAY + 2 * H);
  assert_int_equal(fk.reboots, 2);
  assert_int_equal(log_count(VG_EV_REBOOT_INITIATED, "already pending"), 1);
  assert_int_equal(log_level_count(VG_LOG_WARN, VG_EV_REBOOT_INITIATED), 1);
}

static void test_dry_run(void **st) {
  struct fx *x = *st;
  unsigned long long rec = 1;
  x->cfg.dry_run = true;
  start(x);
  runs(x, base() - 5 * H, 3, &rec);
  at(x, base() + 2 * H);
  at(x, base() + 2 * H + 60);
  runs(x, base() + 2 * H + 120, 1, &rec);
  assert_int_equal(fk.reboots, 0);
  assert_int_equal(log_count(VG_EV_DRY_RUN, "dry run: would reboot now"), 1);
  assert_false(file_has(x->state, "\nreboot "));
  /* The next day's slot: once more. */
  at(x, base() + 5 * H);
  at(x, base() + DAY + 2 * H);
  assert_int_equal(log_count(VG_EV_DRY_RUN, "dry run: would reboot now"), 2);
  assert_int_equal(fk.reboots, 0);
}

static void test_backup_in_progress_waits(void **st) {
  struct fx *x = *st;
  unsigned long long rec = 1;
  start(x);
  runs(x, base() - 5 * H, 3, &rec);
  at(x, base() + 2 * H - 600);
  run_started(x, base() + 2 * H - 60, rec++);
  at(x, base() + 2 * H);
  assert_int_equal(fk.reboots, 0);
  assert_int_equal(log_count(VG_EV_POSTPONED, "backup run in progress"), 1);
  /* The run ends: the end event re-evaluates at once. */
  fk.wall = base() + 2 * H + 1800;
  run_ended(x, base() + 2 * H - 60, rec);
  rec += 2;
  assert_int_equal(fk.reboots, 1);
}

static void test_min_uptime_waits(void **st) {
  struct fx *x = *st;
  unsigned long long rec = 1;
  fk.boot = base() + H + 30 * 60; /* booted at 01:30 */
  start(x);
  runs(x, base() + H + 35 * 60, 3, &rec);
  at(x, base() + 2 * H);
  assert_int_equal(fk.reboots, 0);
  assert_int_equal(log_count(VG_EV_POSTPONED, "min_uptime"), 1);
  at(x, base() + 2 * H + 30 * 60);
  assert_int_equal(fk.reboots, 1);
}

/* A failure detector for test_timer_fires, not a timer of the test: the
 * reboot is due one second after the loop starts. */
#define TIMER_FIRES_BOUND_MS 120000

static uv_timer_t timer_fires_guard;

/* The timer really fires: the fake clock runs with real time from one
 * second before the slot, and the loop alone brings the reboot. */
static void test_timer_fires(void **st) {
  struct fx *x = *st;
  unsigned long long rec = 1;
  uv_timer_t stop;
  uv_timer_init(&x->loop, &stop);
  stop.data = x;
  fk.stop_timer = &stop;
  uv_timer_init(&x->loop, &timer_fires_guard);
  timer_fires_guard.data = x;
  start(x);
  runs(x, base() - 5 * H, 3, &rec);
  fk.running = true;
  fk.set_ns = uv_hrtime();
  fk.wall = base() + 2 * H - 1;
  vg_agent_evaluate(x->agent);
  assert_int_equal(fk.reboots, 0);
  uv_update_time(&x->loop);
  uv_timer_start(&timer_fires_guard, stop_cb, TIMER_FIRES_BOUND_MS, 0);
  uv_run(&x->loop, UV_RUN_DEFAULT);
  /* stop_cb stopped the agent and closed both test timers. */
  assert_int_equal(fk.reboots, 1);
  assert_true(fk.reboot_at[0] >= base() + 2 * H);
  vg_agent_free(x->agent);
  x->agent = NULL;
}

/* Run by the reboot call (at once) or by the guard (no reboot came). */
static void stop_cb(uv_timer_t *t) {
  struct fx *x = t->data;
  if (t == &timer_fires_guard)
    print_error("no reboot within %d s of the slot\n",
                TIMER_FIRES_BOUND_MS / 1000);
  vg_agent_stop(x->agent);
  uv_close((uv_handle_t *)fk.stop_timer, NULL);
  uv_close((uv_handle_t *)&timer_fires_guard, NULL);
  fk.stop_timer = NULL;
}

/* A reboot pending hours ahead arms no loop timer (uv_backend_timeout is
 * the loop's next poll timeout, -1 = none): only the wall-clock alarm waits,
 * so the agent does not wake up before the slot. */
static void test_pending_reboot_sleeps(void **st) {
  struct fx *x = *st;
  unsigned long long rec = 1;
  start(x);
  runs(x, base() - 5 * H, 3, &rec);
  assert_true(file_has(x->state, "scheduled "));
  assert_int_equal(fk.reboots, 0);
  /* One pass registers the watchers; then nothing is due. */
  uv_run(&x->loop, UV_RUN_NOWAIT);
  assert_int_equal(uv_backend_timeout(&x->loop), -1);
  /* The slot's instant still brings the reboot. */
  at(x, base() + 2 * H);
  assert_int_equal(fk.reboots, 1);
}

static void test_reload(void **st) {
  struct fx *x = *st;
  unsigned long long rec = 1;
  start(x);
  runs(x, base() - 5 * H, 3, &rec);
  assert_true(file_has(x->state, "scheduled "));
  /* A broken policy: logged, the last good one kept. */
  write_text(x->policy, "threshold: 999\nmaintenance_windows: [\n");
  assert_true(vg_agent_reload(x->agent) != 0);
  assert_int_equal(log_count(VG_EV_POLICY_INVALID, "keeping the last good"), 1);
  assert_true(log_count(VG_EV_POLICY_INVALID, "policy.yaml:") >= 1);
  at(x, base() + 2 * H);
  assert_int_equal(fk.reboots, 1);
  /* A good policy with a higher threshold cancels the next schedule. */
  write_text(x->policy, "threshold: 10\ntimezone: UTC\n"
                        "maintenance_windows: [\"daily 02:00 3h\"]\n");
  assert_int_equal(vg_agent_reload(x->agent), 0);
  assert_int_equal(log_count(VG_EV_POLICY_LOADED, "reloaded"), 1);
  assert_false(file_has(x->state, "scheduled "));
  at(x, base() + DAY + 2 * H + 10);
  assert_int_equal(fk.reboots, 1);
}

static void test_state_not_saved_holds_reboot(void **st) {
  struct fx *x = *st;
  unsigned long long rec = 1;
  char sub[600];
  snprintf(sub, sizeof(sub), "%s/sub", x->dir);
  snprintf(x->state, sizeof(x->state), "%s/sub/state", x->dir);
  snprintf(fk.state_path, sizeof(fk.state_path), "%s", x->state);
  x->cfg.state_path = x->state;
  start(x); /* the directory does not exist: every save fails */
  runs(x, base() - 5 * H, 3, &rec);
  assert_true(log_count(VG_EV_STATE_ERROR, "cannot write the state file") >= 2);
  at(x, base() + 2 * H);
  at(x, base() + 2 * H + 60);
  assert_int_equal(fk.reboots, 0);
  assert_int_equal(log_count(VG_EV_POSTPONED, "state not saved"), 1);
  /* Writable again: the next evaluation saves, then reboots. */
  uv_fs_t req;
  assert_int_equal(uv_fs_mkdir(NULL, &req, sub, 0755, NULL), 0);
  uv_fs_req_cleanup(&req);
  at(x, base() + 2 * H + 120);
  assert_int_equal(fk.reboots, 1);
  assert_true(fk.attempt_on_disk);
  assert_int_equal(log_count(VG_EV_STATE_ERROR, "written again"), 1);
}

/* Renames a directory (the state's, out of the way and back). */
static void move_dir(const char *from, const char *to) {
  uv_fs_t req;
  assert_int_equal(uv_fs_rename(NULL, &req, from, to, NULL), 0);
  uv_fs_req_cleanup(&req);
}

/*
 * The save of the attempt itself fails (the state's directory went away
 * after the schedule was saved): no reboot call, and the attempt is taken
 * back, so the loop guard counts only attempts that were on disk. Three
 * slots like that, then one with a writable state: it reboots, and the
 * guard is not locked.
 */
static void test_failed_attempt_save_not_counted(void **st) {
  struct fx *x = *st;
  unsigned long long rec = 1;
  char sub[600], off[600];
  snprintf(sub, sizeof(sub), "%s/sub", x->dir);
  snprintf(off, sizeof(off), "%s/sub.off", x->dir);
  snprintf(x->state, sizeof(x->state), "%s/sub/state", x->dir);
  snprintf(fk.state_path, sizeof(fk.state_path), "%s", x->state);
  x->cfg.state_path = x->state;
  uv_fs_t req;
  assert_int_equal(uv_fs_mkdir(NULL, &req, sub, 0755, NULL), 0);
  uv_fs_req_cleanup(&req);
  start(x);
  runs(x, base() - 5 * H, 3, &rec);
  for (int d = 0; d < VG_STATE_MAX_ATTEMPTS; d++) {
    at(x, base() + d * DAY + 2 * H - 600); /* the schedule is saved */
    assert_true(file_has(x->state, "scheduled "));
    move_dir(sub, off);
    at(x, base() + d * DAY + 2 * H);
    move_dir(off, sub);
    assert_int_equal(fk.reboots, 0);
    assert_int_equal(log_count(VG_EV_POSTPONED, "state not saved"), d + 1);
  }
  at(x, base() + 3 * DAY + 2 * H - 600);
  assert_true(file_has(x->state, "attempts 0\n"));
  assert_false(file_has(x->state, "\nreboot "));
  at(x, base() + 3 * DAY + 2 * H);
  assert_int_equal(fk.reboots, 1);
  assert_true(fk.attempt_on_disk);
  assert_true(file_has(x->state, "attempts 1\n"));
  assert_true(file_has(x->state, "locked 0\n"));
  assert_int_equal(log_count(VG_EV_LOCKED, ""), 0);
}

/* Stops and frees the agent. */
static void stop_agent(struct fx *x) {
  vg_agent_stop(x->agent);
  uv_run(&x->loop, UV_RUN_DEFAULT);
  vg_agent_free(x->agent);
  x->agent = NULL;
}

/*
 * Boot identity across restarts: a step of the wall clock of hours while
 * the agent is stopped (the fake clock and the wall-clock boot estimate
 * move together, the uptime does not) keeps the count, forward and
 * backward; a real boot resets it.
 */
static void test_clock_step_is_no_boot(void **st) {
  struct fx *x = *st;
  unsigned long long rec = 1;
  start(x);
  runs(x, base() - 5 * H, 2, &rec);
  at(x, base() - 2 * H);
  assert_true(file_has(x->state, "count 2\n"));
  stop_agent(x);
  fk.wall += H + 5 * H; /* an hour later, 5 h ahead */
  fk.boot += 5 * H;
  start(x);
  assert_true(file_has(x->state, "count 2\n"));
  stop_agent(x);
  fk.wall -= 8 * H; /* 8 h behind */
  fk.boot -= 8 * H;
  start(x);
  assert_true(file_has(x->state, "count 2\n"));
  assert_int_equal(log_count(VG_EV_BOOT, "boot detected"), 0);
  stop_agent(x);
  fk.wall += 3 * H;
  fk.boot = fk.wall - 200; /* rebooted */
  start(x);
  assert_int_equal(log_count(VG_EV_BOOT, "boot detected"), 1);
  assert_true(file_has(x->state, "count 0\n"));
}

/*
 * A boot logged before the clock was set back (a virtual machine whose clock
 * starts hours ahead, set right by time sync): its 6005 lies hours in the
 * future of the corrected clock. The backups that follow, by the corrected
 * clock, still count, and a real boot after them still resets the count.
 */
static void test_boot_event_in_future(void **st) {
  struct fx *x = *st;
  unsigned long long rec = 100;
  vg_wall_t t = base() - 20 * H; /* the boot, by the corrected clock */
  fk.boot = t;
  fk.wall = t + 5 * 60;
  start(x);
  /* The agent reads the boot's 6005 after the step: 3 h ahead of now. */
  boot_event(x, t + 3 * H, 5000);
  fk.wall = t + 2 * H + 40 * 60;
  runs(x, t + 10 * 60, 2, &rec); /* ended at t + 40 min and t + 1 h 40 */
  at(x, fk.wall);
  assert_true(file_has(x->state, "count 2\n"));
  assert_int_equal(log_count(VG_EV_BOOT, "boot detected"), 0);
  stop_agent(x);
  /* Booted again, an hour later. */
  fk.boot = fk.wall + H;
  fk.wall = fk.boot + 200;
  start(x);
  assert_int_equal(log_count(VG_EV_BOOT, "boot detected"), 1);
  assert_true(file_has(x->state, "count 0\n"));
  boot_event(x, fk.boot + 30, 5100);
  runs(x, fk.boot + 60, 1, &rec);
  at(x, fk.boot + 2 * H);
  assert_true(file_has(x->state, "count 1\n"));
  assert_int_equal(log_count(VG_EV_BOOT, "boot detected"), 1);
}

/*
 * The same with the agent started before the step: the boot's 6005 and the
 * platform's boot time were both taken by the clock 3 h ahead; the clock is
 * then set back and the backups come by the corrected clock.
 */
static void test_clock_set_back_after_boot(void **st) {
  struct fx *x = *st;
  unsigned long long rec = 100;
  vg_wall_t t = base() - 20 * H;
  fk.boot = t + 3 * H;
  fk.wall = t + 3 * H + 60;
  start(x);
  boot_event(x, t + 3 * H + 30, 5000);
  assert_int_equal(log_count(VG_EV_BOOT, "boot detected"), 0);
  fk.boot -= 3 * H; /* set back: the uptime goes on */
  fk.wall = t + 2 * H + 40 * 60;
  runs(x, t + 10 * 60, 2, &rec);
  at(x, fk.wall);
  assert_true(file_has(x->state, "count 2\n"));
  /* A restart in the same boot keeps it. */
  stop_agent(x);
  fk.wall += 60;
  start(x);
  assert_true(file_has(x->state, "count 2\n"));
  assert_int_equal(log_count(VG_EV_BOOT, "boot detected"), 0);
}

static void test_corrupt_state_quarantined(void **st) {
  struct fx *x = *st;
  write_text(x->state, "vssguard-state 1\ncount banana\n");
  start(x);
  assert_true(log_count(VG_EV_STATE_ERROR, "unusable") >= 1);
  char q[600];
  snprintf(q, sizeof(q), "%s.corrupt", x->state);
  assert_true(file_has(q, "banana"));
  assert_true(file_has(x->state, "count 0\n"));
}

/* ---- administrators' commands while the agent runs (no reload) ------- */

/* What `vssguard pause --until` does: read the file, set the pause, save. */
static void cli_pause(struct fx *x, vg_wall_t until) {
  vg_state *s = NULL;
  char err[256];
  assert_int_equal(vg_state_load(x->state, &s, err, sizeof(err)), 0);
  struct vg_admin ad;
  vg_state_admin(s, &ad);
  ad.paused = true;
  ad.paused_until = until;
  ad.paused_at = fk.wall;
  snprintf(ad.pause_reason, sizeof(ad.pause_reason), "quarter end");
  vg_state_set_admin(s, &ad);
  assert_int_equal(vg_state_save(s, x->state), 0);
  vg_state_free(s);
}

/* What `vssguard reset` does. */
static void cli_reset(struct fx *x) {
  vg_state *s = NULL;
  char err[256];
  assert_int_equal(vg_state_load(x->state, &s, err, sizeof(err)), 0);
  vg_state_reset_guard(s);
  assert_int_equal(vg_state_save(s, x->state), 0);
  vg_state_free(s);
}

static bool disk_paused(struct fx *x, vg_wall_t now) {
  vg_state *s = NULL;
  char err[256];
  assert_int_equal(vg_state_load(x->state, &s, err, sizeof(err)), 0);
  bool p = vg_state_paused(s, now);
  vg_state_free(s);
  return p;
}

/*
 * A pause written into the state file while the agent runs, then a run
 * that makes the agent save, and no reload: the save takes the pause over
 * instead of writing it away, and the due moment reboots nothing.
 */
static void test_pause_survives_save(void **st) {
  struct fx *x = *st;
  unsigned long long rec = 1;
  start(x);
  runs(x, base() - 5 * H, 2, &rec);
  cli_pause(x, base() + DAY);
  runs(x, base() - 2 * H, 1, &rec); /* counted and saved: 3/3 */
  assert_int_equal(log_count(VG_EV_RUN_COUNTED, "run counted: 3/3"), 1);
  assert_true(file_has(x->state, "count 3\n"));
  assert_true(disk_paused(x, base() + 2 * H));
  assert_int_equal(log_count(VG_EV_PAUSED, "quarter end"), 1);
  at(x, base() + 2 * H);
  at(x, base() + 3 * H);
  assert_int_equal(fk.reboots, 0);
  assert_true(disk_paused(x, base() + 3 * H));
  /* The pause over, the next slot reboots. */
  at(x, base() + DAY + 2 * H);
  assert_int_equal(fk.reboots, 1);
}

/* The pause arrives just before the due moment, with no event and no
 * reload in between: the last look before the reboot call takes it over. */
static void test_pause_before_due_moment(void **st) {
  struct fx *x = *st;
  unsigned long long rec = 1;
  start(x);
  runs(x, base() - 5 * H, 3, &rec);
  assert_true(file_has(x->state, "scheduled "));
  cli_pause(x, base() + DAY);
  at(x, base() + 2 * H);
  assert_int_equal(fk.reboots, 0);
  assert_true(disk_paused(x, base() + 2 * H));
  assert_false(file_has(x->state, "\nreboot "));
}

/* `vssguard reset` while the guard holds, then a save: the reset stays. */
static void test_reset_survives_save(void **st) {
  struct fx *x = *st;
  unsigned long long rec = 1;
  start(x);
  runs(x, base() - 5 * H, 3, &rec);
  for (int d = 0; d < 5; d++)
    at(x, base() + d * DAY + 2 * H + 5);
  assert_int_equal(fk.reboots, VG_STATE_MAX_ATTEMPTS);
  assert_true(file_has(x->state, "locked 1\n"));
  at(x, base() + 4 * DAY + 6 * H); /* after the slot */
  cli_reset(x);
  runs(x, base() + 4 * DAY + 5 * H, 1, &rec); /* a run: the agent saves */
  assert_false(file_has(x->state, "locked 1\n"));
  assert_int_equal(log_count(VG_EV_RESET, "reset by an administrator"), 1);
  at(x, base() + 5 * DAY + 2 * H + 5);
  assert_int_equal(fk.reboots, VG_STATE_MAX_ATTEMPTS + 1);
}

/* ---- the state's lock (state.lock) ------------------------------------ */

/* Runs the loop for up to about 3 s, until the file at path holds text
 * (the agent tries a held lock again every 50 ms). */
static bool spin_until_file_has(struct fx *x, const char *path,
                                const char *text) {
  for (int i = 0; i < 50 && !file_has(path, text); i++) {
    uv_sleep(60);
    uv_run(&x->loop, UV_RUN_NOWAIT);
  }
  return file_has(path, text);
}

/*
 * A command holds the state's lock while the agent counts a run: the save
 * does not wait on the loop and is not dropped. The command's pause,
 * written under the lock from the file as it read it, and the run are both
 * on disk once the lock is free.
 */
static void test_save_waits_for_lock(void **st) {
  struct fx *x = *st;
  unsigned long long rec = 1;
  vg_plat_lock *lk = NULL;
  start(x);
  runs(x, base() - 5 * H, 1, &rec);
  assert_true(file_has(x->state, "count 1\n"));
  assert_int_equal(vg_state_lock(x->state, 0, &lk), 0);
  assert_int_equal(vg_state_lock(x->state, 0, &(vg_plat_lock *){NULL}),
                   VG_EBUSY);
  runs(x, base() - 3 * H, 1, &rec); /* counted; the save waits */
  assert_int_equal(log_count(VG_EV_RUN_COUNTED, "run counted: 2/3"), 1);
  assert_true(file_has(x->state, "count 1\n"));
  cli_pause(x, base() + DAY); /* the command's write, from count 1 */
  uv_sleep(60);
  uv_run(&x->loop, UV_RUN_NOWAIT); /* a retry while still held */
  assert_true(file_has(x->state, "count 1\n"));
  vg_state_unlock(lk);
  assert_true(spin_until_file_has(x, x->state, "count 2\n"));
  assert_true(disk_paused(x, base() + H));
  assert_int_equal(log_count(VG_EV_PAUSED, "quarter end"), 1);
  assert_int_equal(log_count(VG_EV_STATE_ERROR, "cannot write"), 0);
}

/*
 * The due moment comes while a command holds the lock: no attempt is
 * recorded and no reboot call made until it is free; then every check is
 * made again and the reboot follows, its attempt on disk.
 */
static void test_shutdown_waits_for_lock(void **st) {
  struct fx *x = *st;
  unsigned long long rec = 1;
  vg_plat_lock *lk = NULL;
  start(x);
  runs(x, base() - 5 * H, 3, &rec);
  assert_int_equal(vg_state_lock(x->state, 0, &lk), 0);
  at(x, base() + 2 * H);
  assert_int_equal(fk.reboots, 0);
  assert_false(file_has(x->state, "\nreboot "));
  at(x, base() + 2 * H + 1); /* an evaluation meanwhile starts nothing */
  assert_int_equal(fk.reboots, 0);
  vg_state_unlock(lk);
  assert_true(spin_until_file_has(x, x->state, "\nreboot "));
  assert_int_equal(fk.reboots, 1);
  assert_true(file_has(x->state, "attempts 1\n"));
}

/* Releases the lock given after 300 ms, from another thread. */
static void release_later(void *arg) {
  uv_sleep(300);
  vg_state_unlock(arg);
}

/* The stop comes while a command holds the lock: the last save waits for
 * it (bounded) instead of being dropped. */
static void test_stop_waits_for_lock(void **st) {
  struct fx *x = *st;
  unsigned long long rec = 1;
  vg_plat_lock *lk = NULL;
  uv_thread_t th;
  start(x);
  runs(x, base() - 5 * H, 1, &rec);
  assert_int_equal(vg_state_lock(x->state, 0, &lk), 0);
  runs(x, base() - 3 * H, 1, &rec); /* counted; the save waits */
  assert_true(file_has(x->state, "count 1\n"));
  assert_int_equal(uv_thread_create(&th, release_later, lk), 0);
  vg_agent_stop(x->agent);
  assert_int_equal(uv_thread_join(&th), 0);
  assert_true(file_has(x->state, "count 2\n"));
  assert_int_equal(log_count(VG_EV_STATE_ERROR, "cannot write"), 0);
}

/* The same with a pause written under the lock: taken over, no reboot. */
static void test_shutdown_lock_then_pause(void **st) {
  struct fx *x = *st;
  unsigned long long rec = 1;
  vg_plat_lock *lk = NULL;
  start(x);
  runs(x, base() - 5 * H, 3, &rec);
  assert_int_equal(vg_state_lock(x->state, 0, &lk), 0);
  at(x, base() + 2 * H);
  cli_pause(x, base() + DAY);
  vg_state_unlock(lk);
  for (int i = 0; i < 10; i++) {
    uv_sleep(60);
    uv_run(&x->loop, UV_RUN_NOWAIT);
  }
  assert_int_equal(fk.reboots, 0);
  assert_int_equal(log_count(VG_EV_PAUSED, "quarter end"), 1);
  assert_true(disk_paused(x, base() + 3 * H));
  assert_false(file_has(x->state, "\nreboot "));
}

/*
 * An invalid policy at start: the agent runs in count-only mode (counts,
 * saves, never reboots), logs the same errors once, and takes a valid
 * policy on reload.
 */
static void test_bad_policy_counts_only(void **st) {
  struct fx *x = *st;
  unsigned long long rec = 1;
  write_text(x->policy, "threshold: 0\n");
  start(x);
  assert_int_equal(
      log_count(VG_EV_POLICY_INVALID, "threshold 0 is out of range"), 1);
  assert_int_equal(log_count(VG_EV_POLICY_INVALID, "counting only"), 1);
  runs(x, base() - 5 * H, 4, &rec);
  assert_int_equal(log_count(VG_EV_RUN_COUNTED, "run counted: 4/"), 1);
  assert_true(file_has(x->state, "count 4\n"));
  at(x, base() + 2 * H);
  at(x, base() + 3 * H);
  assert_int_equal(fk.reboots, 0);
  assert_false(file_has(x->state, "scheduled "));
  /* The same errors again: not logged again. Others: logged. */
  assert_true(vg_agent_reload(x->agent) != 0);
  assert_int_equal(
      log_count(VG_EV_POLICY_INVALID, "threshold 0 is out of range"), 1);
  assert_int_equal(log_count(VG_EV_POLICY_INVALID, "still counting"), 0);
  write_text(x->policy, "threshold: 3\nmaintenance_windows: [\n");
  assert_true(vg_agent_reload(x->agent) != 0);
  assert_int_equal(log_count(VG_EV_POLICY_INVALID, "invalid YAML"), 1);
  assert_int_equal(log_count(VG_EV_POLICY_INVALID, "still counting only"), 1);
  assert_int_equal(fk.reboots, 0);
  /* Fixed: the count kept, the reboot scheduled and made in the slot. */
  fk.wall = base() + DAY;
  write_text(x->policy, policy_text);
  assert_int_equal(vg_agent_reload(x->agent), 0);
  assert_int_equal(log_count(VG_EV_POLICY_LOADED, "scheduled again"), 1);
  assert_true(file_has(x->state, "scheduled "));
  at(x, base() + DAY + 2 * H);
  assert_int_equal(fk.reboots, 1);
}

#ifndef _WIN32
#include <sys/stat.h>
static void test_untrusted_policy_counts_only(void **st) {
  struct fx *x = *st;
  unsigned long long rec = 1;
  assert_int_equal(chmod(x->policy, 0666), 0);
  start(x);
  assert_int_equal(log_count(VG_EV_POLICY_INSECURE, "refusing to schedule"), 1);
  runs(x, base() - 5 * H, 4, &rec);
  assert_int_equal(log_count(VG_EV_RUN_COUNTED, "run counted: 4/3"), 1);
  at(x, base() + 2 * H);
  assert_int_equal(fk.reboots, 0);
  assert_false(file_has(x->state, "scheduled "));
  /* Fixed and reloaded: trusted again. */
  assert_int_equal(chmod(x->policy, 0644), 0);
  assert_int_equal(vg_agent_reload(x->agent), 0);
  assert_int_equal(fk.reboots, 1);
}
#endif

#ifdef _WIN32
/* The agent applies the machine's Group Policy over the test policy; under
 * Wine the wine.gpo_* tests write it in the shared prefix (CTest keeps them
 * apart from this test with RESOURCE_LOCK vg_wine_prefix). Returns whether
 * the key is absent, saying why the tests cannot run otherwise. */
static bool no_group_policy(void) {
  HKEY k;
  if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\Policies\\VssGuard", 0,
                    KEY_READ, &k) != ERROR_SUCCESS)
    return true;
  RegCloseKey(k);
  fprintf(stderr, "test_agent: HKLM\\SOFTWARE\\Policies\\VssGuard exists: "
                  "Group Policy would override the test policy; delete it\n");
  return false;
}
#else
static bool no_group_policy(void) {
  return true;
}
#endif

int main(void) {
  if (!no_group_policy())
    return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_reboot_once_at_slot, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_reboot_guard_locks, setup, teardown),
      cmocka_unit_test_setup_teardown(test_reboot_failure_moves_on, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_dry_run, setup, teardown),
      cmocka_unit_test_setup_teardown(test_backup_in_progress_waits, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_min_uptime_waits, setup, teardown),
      cmocka_unit_test_setup_teardown(test_timer_fires, setup, teardown),
      cmocka_unit_test_setup_teardown(test_pending_reboot_sleeps, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
      cmocka_unit_test_setup_teardown(test_state_not_saved_holds_reboot, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_failed_attempt_save_not_counted,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_clock_step_is_no_boot, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_boot_event_in_future, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_clock_set_back_after_boot, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_pause_survives_save, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_pause_before_due_moment, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_reset_survives_save, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_corrupt_state_quarantined, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_save_waits_for_lock, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_shutdown_waits_for_lock, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_shutdown_lock_then_pause, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_stop_waits_for_lock, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_bad_policy_counts_only, setup,
                                      teardown),
#ifndef _WIN32
      cmocka_unit_test_setup_teardown(test_untrusted_policy_counts_only, setup,
                                      teardown),
#endif
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
