/*
 * Unit tests of the state store: serialize/load round trip, atomic save on
 * real files (the target keeps its old content while the new one is being
 * written), corrupt files each rejected with their line, quarantine, the
 * reboot guard lockout and the weekly reboot count.
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

#include "vssguard/state.h"
#include "vssguard/tracker.h"

#define T0 ((vg_wall_t)1780347600)
#define DAY 86400

static char dir[256];

static int make_dir(void **state) {
  (void)state;
  uv_fs_t req;
  int rc = uv_fs_mkdtemp(NULL, &req, "vgstate-XXXXXX", NULL);
  if (rc < 0)
    return -1;
  snprintf(dir, sizeof(dir), "%s", req.path);
  uv_fs_req_cleanup(&req);
  return 0;
}

static void path_in(char *buf, size_t len, const char *name) {
  snprintf(buf, len, "%s/%s", dir, name);
}

static int remove_dir(void **state) {
  (void)state;
  static const char *names[] = {"state", "state.tmp", "state.corrupt", "other"};
  char p[512];
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    path_in(p, sizeof(p), names[i]);
    remove(p);
  }
  uv_fs_t req;
  uv_fs_rmdir(NULL, &req, dir, NULL);
  uv_fs_req_cleanup(&req);
  return 0;
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
  assert_int_equal(fclose(f), 0);
}

static char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return NULL;
  char *buf = calloc(1, 1 << 20);
  assert_non_null(buf);
  size_t n = fread(buf, 1, (1 << 20) - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

/* A state with something in every part. */
static vg_state *rich_state(void) {
  vg_state *s = vg_state_new();
  assert_non_null(s);
  struct vg_track_result r;
  assert_int_equal(vg_tracker_boot_time(s, T0 - DAY, &r), 0);
  struct vg_event ev;
  char bt[] = "2026-06-01T21:00:04.437Z";
  for (int i = 0; i < 3; i++) {
    memset(&ev, 0, sizeof(ev));
    strcpy(ev.channel, "Microsoft-Windows-Backup");
    strcpy(ev.provider, "Microsoft-Windows-Backup");
    ev.event_id = i == 0 ? 1 : i == 1 ? 4 : 14;
    ev.level = 4;
    ev.record_id = 100 + (uint64_t)i;
    ev.time = T0 + 4 + i * 2000;
    ev.text = "";
    if (i == 1) {
      ev.nfields = 1;
      strcpy(ev.fields[0].name, "BackupTime");
      ev.fields[0].value = bt;
    }
    assert_int_equal(vg_tracker_apply(s, &ev, true, &r), 0);
  }
  /* A run still open. */
  ev.event_id = 1;
  ev.record_id = 200;
  ev.time = T0 + DAY;
  ev.nfields = 0;
  assert_int_equal(vg_tracker_apply(s, &ev, true, &r), 0);
  assert_int_equal(vg_state_set_bookmark(
                       s, "Microsoft-Windows-Backup",
                       "<BookmarkList>\r\n  <Bookmark Channel='Microsoft-"
                       "Windows-Backup' RecordId='200' IsCurrent='true'/>\r\n"
                       "</BookmarkList>\\tail"),
                   0);
  assert_int_equal(vg_state_set_bookmark(s, "My Channel\twith space", "x y"),
                   0);
  struct vg_sched sc = {true, T0 + 2 * DAY + 600, T0 + 2 * DAY,
                        T0 + 2 * DAY + 10800};
  vg_state_set_scheduled(s, &sc);
  assert_int_equal(vg_state_record_attempt(s, T0 - 3 * DAY), 0);
  struct vg_boot_ident bi = {864000, "0e5ad9d2-8d36-4c1f-9a52-4bb1c4bc2d0c"};
  vg_state_set_boot_ident(s, T0 + DAY, &bi);
  return s;
}

static void test_round_trip(void **state) {
  (void)state;
  vg_state *s = rich_state();
  char *text = vg_state_serialize(s);
  assert_non_null(text);
  assert_memory_equal(text, "vssguard-state 1\n", 17);
  vg_state *back = NULL;
  char err[256];
  assert_int_equal(
      vg_state_load_string("mem", text, strlen(text), &back, err, sizeof(err)),
      0);
  char *again = vg_state_serialize(back);
  assert_string_equal(text, again);

  assert_int_equal(vg_state_count(back), 1);
  vg_wall_t at;
  struct vg_boot_ident bi;
  assert_true(vg_state_boot_ident(back, &at, &bi));
  assert_int_equal(at, T0 + DAY);
  assert_int_equal(bi.uptime_s, 864000);
  assert_string_equal(bi.id, "0e5ad9d2-8d36-4c1f-9a52-4bb1c4bc2d0c");
  assert_int_equal(vg_state_boot_time(back), T0 - DAY);
  assert_int_equal(vg_state_last_event_time(back), T0 + DAY);
  assert_int_equal(vg_state_last_record(back, "Microsoft-Windows-Backup"), 200);
  assert_string_equal(vg_state_bookmark(back, "Microsoft-Windows-Backup"),
                      "<BookmarkList>\r\n  <Bookmark Channel='Microsoft-"
                      "Windows-Backup' RecordId='200' IsCurrent='true'/>\r\n"
                      "</BookmarkList>\\tail");
  assert_string_equal(vg_state_bookmark(back, "My Channel\twith space"), "x y");
  assert_null(vg_state_bookmark(back, "System"));
  assert_true(vg_state_backup_in_progress(back, T0 + DAY + 60));
  vg_wall_t starts[4];
  assert_int_equal(vg_state_runs(back, starts, 4), 2);
  assert_int_equal(starts[0], T0 + 4);
  assert_int_equal(starts[1], T0 + DAY);
  assert_int_equal(vg_state_runs(back, starts, 1), 1);
  assert_int_equal(starts[0], T0 + DAY);
  struct vg_sched sc;
  vg_state_scheduled(back, &sc);
  assert_true(sc.set);
  assert_int_equal(sc.at, T0 + 2 * DAY + 600);
  assert_int_equal(sc.slot_end, T0 + 2 * DAY + 10800);
  struct vg_reboot_rec h[2];
  assert_int_equal(vg_state_history(back, h, 2), 1);
  assert_int_equal(h[0].at, T0 - 3 * DAY);
  assert_false(h[0].confirmed);
  assert_int_equal(vg_state_pending_attempts(back), 1);

  /* Clearing the schedule and a bookmark. */
  vg_state_set_scheduled(back, NULL);
  assert_int_equal(vg_state_set_bookmark(back, "My Channel\twith space", NULL),
                   0);
  free(again);
  again = vg_state_serialize(back);
  assert_null(strstr(again, "scheduled"));
  assert_null(strstr(again, "bookmark My"));
  assert_non_null(strstr(again, "channel My\\sChannel\\twith\\sspace 0\n"));

  free(again);
  free(text);
  vg_state_free(back);
  vg_state_free(s);
}

static void test_fresh_state(void **state) {
  (void)state;
  vg_state *s = vg_state_new();
  assert_int_equal(vg_state_count(s), 0);
  assert_int_equal(vg_state_boot_time(s), 0);
  assert_false(vg_state_locked(s));
  assert_false(vg_state_backup_in_progress(s, T0));
  char *text = vg_state_serialize(s);
  assert_string_equal(text, "vssguard-state 1\nboot_time 0\ncount 0\n"
                            "last_event_time 0\nattempts 0\nlocked 0\nend\n");
  free(text);
  vg_state_free(s);
}

static void test_save_and_load_file(void **state) {
  (void)state;
  char path[512], tmp[512];
  path_in(path, sizeof(path), "state");
  path_in(tmp, sizeof(tmp), "state.tmp");
  vg_state *s = rich_state();
  vg_state *back = NULL;
  char err[512];
  assert_int_equal(vg_state_load(path, &back, err, sizeof(err)), VG_ENOENT);
  assert_null(back);
  assert_int_equal(vg_state_save(s, path), 0);
  assert_null(read_file(tmp));
  assert_int_equal(vg_state_load(path, &back, err, sizeof(err)), 0);
  assert_int_equal(vg_state_count(back), 1);
  vg_state_free(back);
  /* Saving again replaces the file. */
  vg_state_reset_guard(s);
  assert_int_equal(vg_state_save(s, path), 0);
  assert_int_equal(vg_state_load(path, &back, err, sizeof(err)), 0);
  assert_int_equal(vg_state_pending_attempts(back), 0);
  vg_state_free(back);
  /* A directory that does not exist: the save fails, nothing is left. */
  char bad[600];
  snprintf(bad, sizeof(bad), "%s/missing/state", dir);
  assert_int_equal(vg_state_save(s, bad), VG_EIO);
  /* A path that is a directory cannot be read as a state. */
  assert_int_equal(vg_state_load(dir, &back, err, sizeof(err)), VG_EIO);
  vg_state_free(s);
}

struct slow_save {
  vg_state *s;
  const char *path;
  int rc;
};

static void slow_save_thread(void *arg) {
  struct slow_save *ss = arg;
  ss->rc = vg_state_save(ss->s, ss->path);
}

/* An administrator's command writes through a temporary file of its own:
 * the agent's state.tmp (here a directory, so nothing can use it) is left
 * alone, and no file of the command is left. */
static void test_save_cmd_own_tmp(void **state) {
  (void)state;
  char path[512], tmp[512], own[600];
  path_in(path, sizeof(path), "state");
  path_in(tmp, sizeof(tmp), "state.tmp");
  uv_fs_t req;
  assert_int_equal(uv_fs_mkdir(NULL, &req, tmp, 0755, NULL), 0);
  uv_fs_req_cleanup(&req);
  vg_state *s = rich_state();
  assert_int_equal(vg_state_save(s, path), VG_EIO);
  assert_int_equal(vg_state_save_cmd(s, path), 0);
  snprintf(own, sizeof(own), "%s.%lu.tmp", path, (unsigned long)uv_os_getpid());
  assert_null(read_file(own));
  vg_state *back = NULL;
  char err[512];
  assert_int_equal(vg_state_load(path, &back, err, sizeof(err)), 0);
  assert_int_equal(vg_state_count(back), 1);
  vg_state_free(back);
  vg_state_free(s);
  assert_int_equal(uv_fs_rmdir(NULL, &req, tmp, NULL), 0);
  uv_fs_req_cleanup(&req);
}

/* While the new state is written (the test hook holds the rename back), the
 * file in place is still the complete old state; afterwards it is the
 * complete new one, and no temporary file is left. */
static void test_atomic_save(void **state) {
  (void)state;
  char path[512], tmp[512];
  path_in(path, sizeof(path), "state");
  path_in(tmp, sizeof(tmp), "state.tmp");
  vg_state *old = vg_state_new();
  assert_int_equal(vg_state_save(old, path), 0);
  char *old_text = read_file(path);

  vg_state *s = rich_state();
  char *new_text = vg_state_serialize(s);
  assert_int_equal(uv_os_setenv("VG_TEST_SLOW_WRITE_MS", "400"), 0);
  struct slow_save ss = {s, path, 1};
  uv_thread_t th;
  assert_int_equal(uv_thread_create(&th, slow_save_thread, &ss), 0);
  /* Wait for the complete temporary file (bounded: 20 s). */
  char *t = NULL;
  for (int i = 0; i < 2000; i++) {
    t = read_file(tmp);
    if (t != NULL && strcmp(t, new_text) == 0)
      break;
    free(t);
    t = NULL;
    uv_sleep(10);
  }
  char *during = read_file(path);
  assert_int_equal(uv_thread_join(&th), 0);
  assert_int_equal(uv_os_unsetenv("VG_TEST_SLOW_WRITE_MS"), 0);
  assert_non_null(t);
  assert_non_null(during);
  assert_int_equal(ss.rc, 0);
  /* Either the rename had not happened (old content) or, on a very slow
   * machine, it had (new content); never anything else. */
  if (strcmp(during, old_text) != 0)
    assert_string_equal(during, new_text);
  char *after = read_file(path);
  assert_string_equal(after, new_text);
  assert_null(read_file(tmp));
  free(t);
  free(during);
  free(after);
  free(old_text);
  free(new_text);
  vg_state_free(s);
  vg_state_free(old);
}

struct bad_case {
  const char *text;
  const char *error; /* expected "name:line: ..." prefix or substring */
};

#define HDR "vssguard-state 1\n"
#define BASE "boot_time 0\ncount 0\n"

static void test_corrupt_files(void **state) {
  (void)state;
  static const struct bad_case cases[] = {
      {"", "bad:1: empty file"},
      {"vssguard-state 2\n" BASE "end\n", "bad:1: format version 2"},
      {"vssguard-state\n" BASE "end\n", "bad:1: bad format version"},
      {"vssguard-state 1 x\n" BASE "end\n", "bad:1: bad format version"},
      {"something else\n", "bad:1: not a vssguard state file"},
      {HDR BASE, "bad:3: no end line"},
      {HDR BASE "end", "bad:4: last line has no newline"},
      {HDR "boot_time 0\ncount 0\nend\nend\n", "bad:5: text after the end"},
      {HDR "boot_time 0\nend\n", "bad:3: boot_time and count are required"},
      {HDR BASE "colour blue\nend\n", "bad:4: unknown key \"colour\""},
      {HDR "boot_time -5\ncount 0\nend\n", "bad:2: boot_time: expected"},
      {HDR "boot_time 12x\ncount 0\nend\n", "bad:2: boot_time: expected"},
      {HDR "boot_time 99999999999999999999\ncount 0\nend\n", "bad:2:"},
      {HDR "boot_time 1 2\ncount 0\nend\n", "bad:2: boot_time"},
      {HDR "boot_time 1\nboot_time 2\ncount 0\nend\n",
       "bad:3: boot_time given"},
      {HDR "boot_time 0\ncount 1000001\nend\n", "bad:3: count: expected"},
      {HDR "boot_time 0\ncount \nend\n", "bad:3: count"},
      {HDR BASE "locked 2\nend\n",
       "bad:4: locked: expected a number from 0 to 1"},
      {HDR BASE "attempts x\nend\n", "bad:4: attempts"},
      {HDR BASE "scheduled 5 1\nend\n", "bad:4: scheduled: expected"},
      {HDR BASE "scheduled 5 6 9\nend\n", "bad:4: scheduled: the moment"},
      {HDR BASE "scheduled 5 1 9 1\nend\n", "bad:4: scheduled: trailing"},
      {HDR BASE "channel System\nend\n", "bad:4: channel: expected"},
      {HDR BASE "channel System 1\nchannel System 2\nend\n",
       "bad:5: channel System given twice"},
      {HDR BASE "channel Bad\\q 1\nend\n", "bad:4: channel: bad channel name"},
      {HDR BASE "bookmark System\nend\n", "bad:4: bookmark: bad bookmark"},
      {HDR BASE "bookmark System a\\zb\nend\n",
       "bad:4: bookmark: bad bookmark"},
      {HDR BASE "bookmark System a\nbookmark System b\nend\n",
       "bad:5: bookmark for System given twice"},
      {HDR BASE "boot_ident 5 60\nend\n", "bad:4: boot_ident: the boot id"},
      {HDR BASE "boot_ident 5 x -\nend\n", "bad:4: boot_ident: expected"},
      {HDR BASE "boot_ident 5 60 Z1\nend\n", "bad:4: boot_ident: the boot id"},
      {HDR BASE "boot_ident 5 60 - x\nend\n", "bad:4: boot_ident: the boot id"},
      {HDR BASE "boot_ident 5 60 -\nboot_ident 5 60 -\nend\n",
       "bad:5: boot_ident given twice"},
      {HDR BASE "run 100\nend\n", "bad:4: run: flags"},
      {HDR BASE "run 100 sx\nend\n", "bad:4: run: flags"},
      {HDR BASE "run 100 ss\nend\n", "bad:4: run: flags"},
      {HDR BASE "run x s\nend\n", "bad:4: run: expected"},
      {HDR BASE "run 200 s\nrun 100 s\nend\n", "bad:5: run: runs out of order"},
      {HDR BASE "reboot 100 5\nend\n", "bad:4: reboot: expected"},
      {HDR BASE "reboot 100 5 2\nend\n", "bad:4: reboot: expected"},
      {HDR BASE "\nend\n", "bad:4: empty line"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const char *text = cases[i].text;
    vg_state *s = (vg_state *)1;
    char err[256] = "";
    int rc =
        vg_state_load_string("bad", text, strlen(text), &s, err, sizeof(err));
    if (rc != VG_ECORRUPT || s != NULL ||
        strncmp(err, cases[i].error, strlen(cases[i].error)) != 0)
      fail_msg("case %zu: rc %d, error \"%s\", expected \"%s\"", i, rc, err,
               cases[i].error);
  }
  /* A NUL byte inside a line. */
  static const char nul[] = HDR BASE "count\0 1\nend\n";
  vg_state *s = NULL;
  char err[256];
  assert_int_equal(
      vg_state_load_string("bad", nul, sizeof(nul) - 1, &s, err, sizeof(err)),
      VG_ECORRUPT);
  assert_string_equal(err, "bad:4: NUL byte in line");
  /* Too many runs. */
  char *big = malloc(64 * 1024);
  size_t n = (size_t)sprintf(big, HDR BASE);
  for (int i = 0; i <= VG_STATE_MAX_RUNS; i++)
    n += (size_t)sprintf(big + n, "run %d s\n", 1000 + i);
  strcpy(big + n, "end\n");
  assert_int_equal(
      vg_state_load_string("big", big, strlen(big), &s, err, sizeof(err)),
      VG_ECORRUPT);
  assert_string_equal(err, "big:260: run: more than 256 runs");
  free(big);
  /* Windows line ends are accepted. */
  static const char crlf[] = "vssguard-state 1\r\nboot_time 7\r\ncount 3\r\n"
                             "end\r\n";
  assert_int_equal(
      vg_state_load_string("crlf", crlf, strlen(crlf), &s, err, sizeof(err)),
      0);
  assert_int_equal(vg_state_count(s), 3);
  vg_state_free(s);
}

static void test_corrupt_file_on_disk_and_quarantine(void **state) {
  (void)state;
  char path[512], corrupt[512];
  path_in(path, sizeof(path), "state");
  path_in(corrupt, sizeof(corrupt), "state.corrupt");
  write_file(path, "vssguard-state 1\nboot_time 0\ncount 0\ncount 1\nend\n");
  vg_state *s = NULL;
  char err[768], want[768];
  assert_int_equal(vg_state_load(path, &s, err, sizeof(err)), VG_ECORRUPT);
  snprintf(want, sizeof(want), "%s:4: count given twice", path);
  assert_string_equal(err, want);
  assert_int_equal(vg_state_quarantine(path), 0);
  assert_null(read_file(path));
  char *c = read_file(corrupt);
  assert_non_null(strstr(c, "count 1"));
  free(c);
  /* A second corrupt file replaces the older one. */
  write_file(path, "garbage\n");
  assert_int_equal(vg_state_quarantine(path), 0);
  c = read_file(corrupt);
  assert_string_equal(c, "garbage\n");
  free(c);
  /* Nothing to quarantine. */
  assert_int_equal(vg_state_quarantine(path), VG_EIO);
}

static void test_guard_lockout(void **state) {
  (void)state;
  vg_state *s = vg_state_new();
  for (int i = 0; i < VG_STATE_MAX_ATTEMPTS; i++) {
    assert_int_equal(vg_state_record_attempt(s, T0 + i * 3600), 0);
    assert_false(vg_state_locked(s));
  }
  assert_int_equal(vg_state_pending_attempts(s), 3);
  assert_int_equal(vg_state_record_attempt(s, T0 + 4 * 3600), VG_ELOCKED);
  assert_true(vg_state_locked(s));
  struct vg_reboot_rec h[8];
  assert_int_equal(vg_state_history(s, h, 8), 3);
  /* The lock survives a save and load. */
  char *text = vg_state_serialize(s);
  vg_state *back = NULL;
  char err[256];
  assert_int_equal(
      vg_state_load_string("m", text, strlen(text), &back, err, sizeof(err)),
      0);
  assert_true(vg_state_locked(back));
  assert_int_equal(vg_state_record_attempt(back, T0 + 5 * 3600), VG_ELOCKED);
  /* A boot does not lift it; an administrator's reset does. */
  struct vg_track_result r;
  assert_int_equal(vg_tracker_boot_time(back, T0 + 6 * 3600, &r), 0);
  assert_true(vg_state_locked(back));
  vg_state_reset_guard(back);
  assert_false(vg_state_locked(back));
  assert_int_equal(vg_state_pending_attempts(back), 0);
  assert_int_equal(vg_state_record_attempt(back, T0 + 7 * 3600), 0);
  free(text);
  vg_state_free(back);
  vg_state_free(s);
}

static void test_reboots_in_week(void **state) {
  (void)state;
  vg_state *s = vg_state_new();
  vg_wall_t now = T0 + 30 * DAY;
  vg_wall_t at[] = {now - 8 * DAY, now - 7 * DAY, now - 7 * DAY + 1,
                    now - DAY,     now,           now + 60};
  for (size_t i = 0; i < 6; i++) {
    assert_int_equal(vg_state_record_attempt(s, at[i]), 0);
    vg_state_reset_guard(s);
  }
  /* (now - 7 d, now]: not the one 7 d before, nor the future one. */
  assert_int_equal(vg_state_reboots_in_week(s, now), 3);
  assert_int_equal(vg_state_reboots_in_week(s, now + 60), 3);
  assert_int_equal(vg_state_reboots_in_week(s, now - 30 * DAY), 0);
  /* History is bounded; the oldest entries go. */
  for (int i = 0; i < VG_STATE_MAX_HISTORY; i++) {
    assert_int_equal(vg_state_record_attempt(s, now + DAY + i), 0);
    vg_state_reset_guard(s);
  }
  struct vg_reboot_rec h[VG_STATE_MAX_HISTORY + 1];
  assert_int_equal(vg_state_history(s, h, VG_STATE_MAX_HISTORY + 1),
                   VG_STATE_MAX_HISTORY);
  assert_int_equal(h[0].at, now + DAY);
  assert_int_equal(vg_state_reboots_in_week(s, now), 0);
  vg_state_free(s);
}

/* An attempt whose save failed is taken back: the guard and the history
 * are as before, also when the full history dropped its oldest record. */
static void test_take_back_attempt(void **state) {
  (void)state;
  vg_state *s = vg_state_new();
  struct vg_reboot_rec h[VG_STATE_MAX_HISTORY];
  assert_int_equal(vg_state_take_back_attempt(s, T0), VG_EINVAL);
  assert_int_equal(vg_state_record_attempt(s, T0), 0);
  assert_int_equal(vg_state_take_back_attempt(s, T0 + 1), VG_EINVAL);
  assert_int_equal(vg_state_take_back_attempt(s, T0), 0);
  assert_int_equal(vg_state_pending_attempts(s), 0);
  assert_int_equal(vg_state_history(s, h, VG_STATE_MAX_HISTORY), 0);
  assert_int_equal(vg_state_take_back_attempt(s, T0), VG_EINVAL);
  /* Never locked by attempts taken back. */
  for (int i = 0; i < 2 * VG_STATE_MAX_ATTEMPTS; i++) {
    assert_int_equal(vg_state_record_attempt(s, T0 + i), 0);
    assert_int_equal(vg_state_take_back_attempt(s, T0 + i), 0);
  }
  assert_false(vg_state_locked(s));
  /* A full history gets its oldest record back. */
  for (int i = 0; i < VG_STATE_MAX_HISTORY; i++) {
    assert_int_equal(vg_state_record_attempt(s, T0 + DAY + i), 0);
    vg_state_reset_guard(s);
  }
  assert_int_equal(vg_state_record_attempt(s, T0 + 2 * DAY), 0);
  assert_int_equal(vg_state_history(s, h, VG_STATE_MAX_HISTORY),
                   VG_STATE_MAX_HISTORY);
  assert_int_equal(h[0].at, T0 + DAY + 1);
  assert_int_equal(vg_state_take_back_attempt(s, T0 + 2 * DAY), 0);
  assert_int_equal(vg_state_history(s, h, VG_STATE_MAX_HISTORY),
                   VG_STATE_MAX_HISTORY);
  assert_int_equal(h[0].at, T0 + DAY);
  assert_int_equal(h[VG_STATE_MAX_HISTORY - 1].at,
                   T0 + DAY + VG_STATE_MAX_HISTORY - 1);
  assert_int_equal(vg_state_pending_attempts(s), 0);
  vg_state_free(s);
}

static void test_bookmark_limits(void **state) {
  (void)state;
  vg_state *s = vg_state_new();
  char name[16];
  for (int i = 0; i < VG_STATE_MAX_CHANNELS; i++) {
    snprintf(name, sizeof(name), "ch%d", i);
    assert_int_equal(vg_state_set_bookmark(s, name, "b"), 0);
  }
  assert_int_equal(vg_state_set_bookmark(s, "one more", "b"), VG_ERANGE);
  assert_int_equal(vg_state_set_bookmark(s, "ch0", "replaced"), 0);
  assert_string_equal(vg_state_bookmark(s, "ch0"), "replaced");
  char *big = malloc(8192);
  memset(big, 'x', 8191);
  big[8191] = '\0';
  assert_int_equal(vg_state_set_bookmark(s, "ch1", big), VG_ERANGE);
  free(big);
  vg_state_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_fresh_state),
      cmocka_unit_test_setup_teardown(test_save_and_load_file, make_dir,
                                      remove_dir),
      cmocka_unit_test_setup_teardown(test_atomic_save, make_dir, remove_dir),
      cmocka_unit_test_setup_teardown(test_save_cmd_own_tmp, make_dir,
                                      remove_dir),
      cmocka_unit_test(test_corrupt_files),
      cmocka_unit_test_setup_teardown(test_corrupt_file_on_disk_and_quarantine,
                                      make_dir, remove_dir),
      cmocka_unit_test(test_guard_lockout),
      cmocka_unit_test(test_reboots_in_week),
      cmocka_unit_test(test_take_back_attempt),
      cmocka_unit_test(test_bookmark_limits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
