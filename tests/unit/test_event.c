/*
 * Unit tests of the event parser: wevtutil exports with and without an
 * <Events> root, feeding in chunks down to one byte, malformed events
 * (truncated, huge, bad EventID or time, DOCTYPE and entity tricks, garbage)
 * skipped with a log line and resynchronization, and the time parser.
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

#include "vssguard/event.h"
#include "vssguard/log.h"

/* A copy of the parts of each event the tests look at. */
struct got {
  char channel[128];
  char provider[128];
  uint32_t id;
  int level;
  uint64_t record;
  vg_wall_t time;
  size_t nfields;
  char backup_time[64];
  char first_field[200];
  char *text;
};

struct sink {
  struct got ev[64];
  size_t n;
};

static void collect(const struct vg_event *ev, void *ud) {
  struct sink *k = ud;
  assert_true(k->n < 64);
  struct got *g = &k->ev[k->n++];
  memset(g, 0, sizeof(*g));
  snprintf(g->channel, sizeof(g->channel), "%s", ev->channel);
  snprintf(g->provider, sizeof(g->provider), "%s", ev->provider);
  g->id = ev->event_id;
  g->level = ev->level;
  g->record = ev->record_id;
  g->time = ev->time;
  g->nfields = ev->nfields;
  const char *bt = vg_event_field(ev, "BackupTime");
  snprintf(g->backup_time, sizeof(g->backup_time), "%s", bt ? bt : "");
  if (ev->nfields > 0)
    snprintf(g->first_field, sizeof(g->first_field), "%s=%s",
             ev->fields[0].name, ev->fields[0].value);
  assert_non_null(ev->text);
  g->text = malloc(strlen(ev->text) + 1);
  assert_non_null(g->text);
  strcpy(g->text, ev->text);
}

static void sink_free(struct sink *k) {
  for (size_t i = 0; i < k->n; i++)
    free(k->ev[i].text);
  k->n = 0;
}

/* Log lines captured from the parser. */
static char logged[16][512];
static int nlogged;

static void capture(enum vg_log_level level, int event_id, const char *msg,
                    void *ud) {
  (void)ud;
  (void)event_id;
  if (level == VG_LOG_WARN && nlogged < 16)
    snprintf(logged[nlogged++], sizeof(logged[0]), "%s", msg);
}

static int setup(void **st) {
  (void)st;
  nlogged = 0;
  vg_log_set_sink(capture, NULL);
  return 0;
}

static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  assert_non_null(buf);
  assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
  buf[n] = '\0';
  fclose(f);
  *len = (size_t)n;
  return buf;
}

#define EV_HEAD                                                                \
  "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>"
#define BACKUP_EVENT(id, rec, when)                                            \
  EV_HEAD "<System><Provider Name='Microsoft-Windows-Backup'/><EventID>" id    \
          "</EventID><Level>4</Level><TimeCreated SystemTime='" when           \
          "'/><EventRecordID>" rec "</EventRecordID><Channel>"                 \
          "Microsoft-Windows-Backup</Channel></System></Event>\n"

static const char two_events[] =
    BACKUP_EVENT("1", "7", "2026-06-01T21:00:04.468750000Z")
        BACKUP_EVENT("14", "8", "2026-06-01T21:48:12Z");

static void test_rooted_export(void **st) {
  (void)st;
  struct sink k = {0};
  vg_evparser *p = vg_evparser_new(collect, &k);
  assert_int_equal(
      vg_evparser_parse_file(p, VG_TEST_DATA "/events/wsb-run-rooted.xml"), 0);
  assert_int_equal(vg_evparser_skipped(p), 0);
  assert_int_equal(k.n, 3);
  assert_string_equal(k.ev[0].channel, "Microsoft-Windows-Backup");
  assert_string_equal(k.ev[0].provider, "Microsoft-Windows-Backup");
  assert_int_equal(k.ev[0].id, 1);
  assert_int_equal(k.ev[0].level, 4);
  assert_int_equal(k.ev[0].record, 1233);
  /* 2026-06-01T21:00:04Z */
  assert_int_equal(k.ev[0].time, 1780347604);
  assert_int_equal(k.ev[1].id, 4);
  assert_int_equal(k.ev[1].nfields, 6);
  assert_string_equal(k.ev[1].backup_time, "2026-06-01T21:00:04.437Z");
  assert_string_equal(
      k.ev[1].first_field,
      "BackupTemplateID={4e2c1a7d-3b1f-4a8e-9d6c-2f0b7e5a9c13}");
  assert_string_equal(k.ev[1].text, "");
  assert_int_equal(k.ev[2].id, 14);
  assert_int_equal(k.ev[2].time, 1780347604 + 48 * 60 + 8);
  sink_free(&k);
  vg_evparser_free(p);
}

static void test_unnamed_data_joined(void **st) {
  (void)st;
  struct sink k = {0};
  vg_evparser *p = vg_evparser_new(collect, &k);
  assert_int_equal(
      vg_evparser_parse_file(p, VG_TEST_DATA "/events/vss-12289.xml"), 0);
  assert_int_equal(k.n, 1);
  assert_string_equal(k.ev[0].channel, "Application");
  assert_string_equal(k.ev[0].provider, "VSS");
  /* The Qualifiers attribute does not disturb the id. */
  assert_int_equal(k.ev[0].id, 12289);
  assert_int_equal(k.ev[0].level, 2);
  assert_int_equal(k.ev[0].nfields, 0);
  /* Three Data items joined by '\n' (in the order of real VSS errors:
   * what failed, the HRESULT, the context); character references decoded;
   * the Binary item is not part of the text. */
  assert_non_null(strstr(k.ev[0].text, "VSS_E_WRITER_STATUS"));
  assert_non_null(strstr(k.ev[0].text,
                         "limit.\n0x80042409\n\nOperation:\n   PostSnapshot"));
  assert_non_null(strstr(k.ev[0].text, "\n   Active sessions: 64\n"));
  assert_null(strstr(k.ev[0].text, "2D20436F"));
  sink_free(&k);
  vg_evparser_free(p);
}

static void test_no_root_and_comments(void **st) {
  (void)st;
  struct sink k = {0};
  vg_evparser *p = vg_evparser_new(collect, &k);
  static const char s[] =
      "\xef\xbb\xbf<!-- runs since last boot: 3 <Event > inside a comment -->"
      "\r\n" BACKUP_EVENT(
          "1", "7", "2026-06-01T21:00:04Z") "<!---->"
                                            "<Events><Eventual/>" BACKUP_EVENT(
                                                "14", "8",
                                                "2026-06-01T21:48:12Z");
  assert_int_equal(vg_evparser_feed(p, s, sizeof(s) - 1), 0);
  assert_int_equal(vg_evparser_finish(p), 0);
  assert_int_equal(vg_evparser_skipped(p), 0);
  assert_int_equal(k.n, 2);
  assert_int_equal(k.ev[0].record, 7);
  assert_int_equal(k.ev[1].record, 8);
  sink_free(&k);
  vg_evparser_free(p);
}

/* Feeding any file one byte at a time gives the same events as at once. */
static void check_bytewise(const char *path) {
  size_t len;
  char *buf = read_all(path, &len);
  struct sink whole = {0}, bytes = {0};
  vg_evparser *a = vg_evparser_new(collect, &whole);
  vg_evparser *b = vg_evparser_new(collect, &bytes);
  assert_int_equal(vg_evparser_feed(a, buf, len), 0);
  vg_evparser_finish(a);
  for (size_t i = 0; i < len; i++)
    assert_int_equal(vg_evparser_feed(b, buf + i, 1), 0);
  vg_evparser_finish(b);
  assert_int_equal(whole.n, bytes.n);
  assert_int_equal(vg_evparser_skipped(a), vg_evparser_skipped(b));
  for (size_t i = 0; i < whole.n; i++) {
    assert_int_equal(whole.ev[i].record, bytes.ev[i].record);
    assert_int_equal(whole.ev[i].id, bytes.ev[i].id);
    assert_int_equal(whole.ev[i].time, bytes.ev[i].time);
    assert_string_equal(whole.ev[i].text, bytes.ev[i].text);
    assert_string_equal(whole.ev[i].first_field, bytes.ev[i].first_field);
  }
  sink_free(&whole);
  sink_free(&bytes);
  vg_evparser_free(a);
  vg_evparser_free(b);
  free(buf);
}

static void test_bytewise_feeding(void **st) {
  (void)st;
  check_bytewise(VG_TEST_DATA "/events/wsb-run-rooted.xml");
  check_bytewise(VG_TEST_DATA "/events/vss-12289.xml");
  check_bytewise(VG_TEST_DATA "/events/boot.xml");
  check_bytewise(VG_TEST_DATA "/events/malformed-mix.xml");
}

static void test_partial_kept_across_calls(void **st) {
  (void)st;
  struct sink k = {0};
  vg_evparser *p = vg_evparser_new(collect, &k);
  size_t len = sizeof(two_events) - 1;
  size_t cut = 100;
  assert_int_equal(vg_evparser_feed(p, two_events, cut), 0);
  assert_int_equal(k.n, 0);
  assert_int_equal(vg_evparser_feed(p, two_events + cut, len - cut - 3), 0);
  assert_int_equal(k.n, 1);
  assert_int_equal(vg_evparser_feed(p, two_events + len - 3, 3), 0);
  assert_int_equal(k.n, 2);
  assert_int_equal(vg_evparser_skipped(p), 0);
  sink_free(&k);
  vg_evparser_free(p);
}

static void test_malformed_mix_resyncs(void **st) {
  (void)st;
  struct sink k = {0};
  vg_evparser *p = vg_evparser_new(collect, &k);
  assert_int_equal(
      vg_evparser_parse_file(p, VG_TEST_DATA "/events/malformed-mix.xml"), 0);
  /* Good: records 10, 14, 17. Bad: 11 (EventID "four"), 12 (bad time), 13
   * (cut short by the next event), 15 (undefined entity), 16 (unclosed). */
  assert_int_equal(k.n, 3);
  assert_int_equal(k.ev[0].record, 10);
  assert_int_equal(k.ev[1].record, 14);
  assert_int_equal(k.ev[2].record, 17);
  assert_int_equal(vg_evparser_skipped(p), 5);
  assert_int_equal(nlogged, 5);
  for (int i = 0; i < nlogged; i++)
    assert_non_null(strstr(logged[i], "skipping malformed event at byte "));
  assert_non_null(strstr(logged[0], "EventID \"four\" is not a number"));
  assert_non_null(strstr(logged[1], "bad TimeCreated"));
  assert_non_null(strstr(logged[2], "truncated"));
  assert_non_null(strstr(logged[0], "malformed-mix.xml"));
  sink_free(&k);
  vg_evparser_free(p);
}

static void test_byte_offset_in_log(void **st) {
  (void)st;
  struct sink k = {0};
  vg_evparser *p = vg_evparser_new(collect, &k);
  static const char s[] =
      "junk\n" EV_HEAD "<System><EventID>x</EventID></System></Event>";
  /* Fed in two pieces: the offset counts from the start of the stream. */
  assert_int_equal(vg_evparser_feed(p, s, 3), 0);
  assert_int_equal(vg_evparser_feed(p, s + 3, sizeof(s) - 4), 0);
  assert_int_equal(nlogged, 1);
  assert_non_null(strstr(logged[0], "skipping malformed event at byte 6: "));
  sink_free(&k);
  vg_evparser_free(p);
}

static void test_truncated_at_end(void **st) {
  (void)st;
  struct sink k = {0};
  vg_evparser *p = vg_evparser_new(collect, &k);
  size_t len = sizeof(two_events) - 1;
  assert_int_equal(vg_evparser_feed(p, two_events, len - 20), 0);
  assert_int_equal(k.n, 1);
  assert_int_equal(vg_evparser_skipped(p), 0);
  /* A follower waits for the rest; the end of the stream makes it truncated. */
  assert_int_equal(vg_evparser_finish(p), 0);
  assert_int_equal(vg_evparser_skipped(p), 1);
  assert_non_null(strstr(logged[0], "truncated"));
  /* After finish, a new stream parses normally. */
  assert_int_equal(vg_evparser_feed(p, two_events, len), 0);
  assert_int_equal(k.n, 3);
  sink_free(&k);
  vg_evparser_free(p);
}

/* An event whose one Data item holds n bytes. */
static char *event_with_data(size_t n, const char *rec) {
  static const char head[] =
      EV_HEAD "<System><Provider Name='Microsoft-Windows-Backup'/><EventID>4"
              "</EventID><Level>4</Level><TimeCreated SystemTime='2026-06-01T"
              "21:48:11Z'/><EventRecordID>";
  static const char mid[] = "</EventRecordID><Channel>Microsoft-Windows-Backup"
                            "</Channel></System><EventData><Data Name='Big'>";
  static const char tail[] = "</Data></EventData></Event>\n";
  size_t len = strlen(head) + strlen(rec) + strlen(mid) + n + strlen(tail);
  char *s = malloc(len + 1);
  assert_non_null(s);
  char *w = s;
  w += sprintf(w, "%s%s%s", head, rec, mid);
  memset(w, 'A', n);
  w += n;
  strcpy(w, tail);
  return s;
}

static void test_huge_data(void **st) {
  (void)st;
  struct sink k = {0};
  vg_evparser *p = vg_evparser_new(collect, &k);
  /* Under the event limit but over the Data limit. */
  char *a = event_with_data(100 * 1024, "1");
  /* Over the event limit: dropped while it grows, then resynchronized. */
  char *b = event_with_data(600 * 1024, "2");
  char *c = event_with_data(1000, "3");
  assert_int_equal(vg_evparser_feed(p, a, strlen(a)), 0);
  for (size_t off = 0; off < strlen(b); off += 4096) {
    size_t n = strlen(b) - off < 4096 ? strlen(b) - off : 4096;
    assert_int_equal(vg_evparser_feed(p, b + off, n), 0);
  }
  assert_int_equal(vg_evparser_feed(p, c, strlen(c)), 0);
  assert_int_equal(vg_evparser_skipped(p), 2);
  assert_int_equal(k.n, 1);
  assert_int_equal(k.ev[0].record, 3);
  assert_non_null(strstr(logged[0], "Data longer than"));
  assert_non_null(strstr(logged[1], "larger than"));
  /* A huge frame without an end tag, then a good event. */
  char *d = event_with_data(400 * 1024, "4");
  d[strlen(d) - 10] = '\0';
  assert_int_equal(vg_evparser_feed(p, d, strlen(d)), 0);
  assert_int_equal(vg_evparser_feed(p, c, strlen(c)), 0);
  assert_int_equal(vg_evparser_skipped(p), 3);
  assert_int_equal(k.n, 2);
  free(a);
  free(b);
  free(c);
  free(d);
  sink_free(&k);
  vg_evparser_free(p);
}

static void test_field_limits(void **st) {
  (void)st;
  struct sink k = {0};
  vg_evparser *p = vg_evparser_new(collect, &k);
  char xml[8192];
  int n = snprintf(xml, sizeof(xml), "%s",
                   EV_HEAD "<System><Provider Name='P'/><EventID>4</EventID>"
                           "<TimeCreated SystemTime='2026-06-01T21:48:11Z'/>"
                           "<Channel>C</Channel></System><EventData>");
  for (int i = 0; i < 20; i++)
    n += snprintf(xml + n, sizeof(xml) - (size_t)n,
                  "<Data Name='F%d'>v%d</Data>", i, i);
  n += snprintf(xml + n, sizeof(xml) - (size_t)n,
                "<Data Name='%080d'>long name</Data></EventData></Event>", 0);
  assert_int_equal(vg_evparser_parse_one(p, xml, (size_t)n), 0);
  assert_int_equal(k.n, 1);
  /* The first VG_EVENT_MAX_FIELDS fields are kept, the rest dropped. */
  assert_int_equal(k.ev[0].nfields, VG_EVENT_MAX_FIELDS);
  assert_string_equal(k.ev[0].first_field, "F0=v0");
  assert_int_equal(k.ev[0].level, 0);
  assert_int_equal(k.ev[0].record, 0);
  sink_free(&k);
  vg_evparser_free(p);
}

static void expect_skipped_one(const char *xml, const char *why) {
  struct sink k = {0};
  vg_evparser *p = vg_evparser_new(collect, &k);
  nlogged = 0;
  assert_int_equal(vg_evparser_parse_one(p, xml, strlen(xml)), VG_EINVAL);
  assert_int_equal(k.n, 0);
  assert_int_equal(vg_evparser_skipped(p), 1);
  assert_int_equal(nlogged, 1);
  if (strstr(logged[0], why) == NULL)
    fail_msg("expected \"%s\" in \"%s\"", why, logged[0]);
  vg_evparser_free(p);
}

#define SYS_OK                                                                 \
  "<System><Provider Name='P'/><EventID>1</EventID><TimeCreated "              \
  "SystemTime='2026-06-01T21:48:11Z'/><Channel>C</Channel></System>"

static void test_bad_events(void **st) {
  (void)st;
  expect_skipped_one(EV_HEAD "<System><EventID>0x10</EventID></System></Event>",
                     "EventID \"0x10\" is not a number");
  expect_skipped_one(EV_HEAD "<System><EventID>99999999999</EventID>"
                             "</System></Event>",
                     "is not a number");
  expect_skipped_one(EV_HEAD "<System><EventID>-1</EventID></System></Event>",
                     "is not a number");
  expect_skipped_one(EV_HEAD "<System><EventID></EventID></System></Event>",
                     "is not a number");
  expect_skipped_one(EV_HEAD "<System><Provider Name='P'/><EventID>1</EventID>"
                             "<Channel>C</Channel></System></Event>",
                     "no TimeCreated");
  expect_skipped_one(EV_HEAD "<System><EventID>1</EventID><TimeCreated "
                             "SystemTime='2026-02-30T00:00:00Z'/></System>"
                             "</Event>",
                     "bad TimeCreated");
  expect_skipped_one(EV_HEAD "<System><EventID>1</EventID><TimeCreated "
                             "SystemTime='2026-06-01T21:48:11Z'/></System>"
                             "</Event>",
                     "no Channel");
  expect_skipped_one(EV_HEAD "<System><EventID>1</EventID><EventID>2</EventID>"
                             "</System></Event>",
                     "EventID given twice");
  expect_skipped_one(EV_HEAD "<System><Level>high</Level></System></Event>",
                     "Level");
  expect_skipped_one(EV_HEAD SYS_OK, "no element found");
  expect_skipped_one("<Events>" EV_HEAD SYS_OK "</Event></Events>",
                     "not <Event>");
}

static void test_doctype_and_entities(void **st) {
  (void)st;
  /* Billion laughs in a rendered event: the DOCTYPE stops the parse before
   * any entity is declared or expanded. */
  expect_skipped_one(
      "<?xml version='1.0'?><!DOCTYPE Event [<!ENTITY a 'aaaaaaaaaa'>"
      "<!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>"
      "<!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;'>]>" EV_HEAD
      "<System><Provider Name='P'/><EventID>1</EventID><TimeCreated "
      "SystemTime='2026-06-01T21:48:11Z'/><Channel>&c;</Channel></System>"
      "</Event>",
      "DOCTYPE not allowed");
  expect_skipped_one(
      "<!DOCTYPE Event SYSTEM 'file:///etc/passwd'>" EV_HEAD SYS_OK "</Event>",
      "DOCTYPE not allowed");

  /* In a stream, a DOCTYPE lies outside any frame; the entities it would
   * declare are undefined inside the event, which is skipped. */
  struct sink k = {0};
  vg_evparser *p = vg_evparser_new(collect, &k);
  nlogged = 0;
  static const char s[] =
      "<!DOCTYPE Events [<!ENTITY a 'aaaaaaaaaa'>"
      "<!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>]><Events>" EV_HEAD
      "<System><Provider Name='P'/><EventID>1</EventID><TimeCreated "
      "SystemTime='2026-06-01T21:48:11Z'/><Channel>&b;</Channel></System>"
      "</Event>" EV_HEAD SYS_OK "<EventData><Data>&amp;&lt;&#x41;</Data>"
      "</EventData></Event></Events>";
  assert_int_equal(vg_evparser_feed(p, s, sizeof(s) - 1), 0);
  vg_evparser_finish(p);
  assert_int_equal(vg_evparser_skipped(p), 1);
  assert_non_null(strstr(logged[0], "undefined entity"));
  assert_int_equal(k.n, 1);
  assert_string_equal(k.ev[0].text, "&<A");
  sink_free(&k);
  vg_evparser_free(p);
}

static void test_rendering_info_and_user_data(void **st) {
  (void)st;
  struct sink k = {0};
  vg_evparser *p = vg_evparser_new(collect, &k);
  static const char s[] =
      EV_HEAD "<System><Provider Name='EventLog'/><EventID Qualifiers='32768'>"
              " 6005 </EventID><Level>4</Level><TimeCreated SystemTime='2026-"
              "06-02T03:10:31.0000000Z'/><EventRecordID>90121</EventRecordID>"
              "<Channel>System</Channel></System><UserData><Log><Channel>Other"
              "</Channel><Data>not text</Data></Log></UserData><RenderingInfo "
              "Culture='en-US'><Message>The Event log service was started."
              "</Message><Level>Information</Level><Channel>System-Rendered"
              "</Channel><Provider>Event Log</Provider></RenderingInfo>"
              "</Event>";
  assert_int_equal(vg_evparser_parse_one(p, s, sizeof(s) - 1), 0);
  assert_int_equal(k.n, 1);
  assert_string_equal(k.ev[0].channel, "System");
  assert_string_equal(k.ev[0].provider, "EventLog");
  assert_int_equal(k.ev[0].id, 6005);
  assert_int_equal(k.ev[0].level, 4);
  assert_string_equal(k.ev[0].text, "");
  sink_free(&k);
  vg_evparser_free(p);
}

static void test_parse_file_errors(void **st) {
  (void)st;
  struct sink k = {0};
  vg_evparser *p = vg_evparser_new(collect, &k);
  assert_int_equal(vg_evparser_parse_file(p, VG_TEST_DATA "/events/missing"),
                   VG_ENOENT);
  assert_int_equal(vg_evparser_parse_file(p, VG_TEST_DATA "/events"), VG_EIO);
  vg_evparser_free(p);
}

static void test_parse_time(void **st) {
  (void)st;
  vg_wall_t t;
  assert_int_equal(vg_event_parse_time("1970-01-01T00:00:00Z", &t), 0);
  assert_int_equal(t, 0);
  assert_int_equal(vg_event_parse_time("2026-06-01T21:48:11.562500000Z", &t),
                   0);
  assert_int_equal(t, 1780350491);
  assert_int_equal(vg_event_parse_time("2026-06-01T21:48:11.9999999Z", &t), 0);
  assert_int_equal(t, 1780350491);
  /* The fraction to 100 ns: nine digits (2008 R2), seven, three, none. */
  uint32_t f = 1;
  assert_int_equal(
      vg_event_parse_time_frac("2026-06-01T21:48:11.562500000Z", &t, &f), 0);
  assert_int_equal(f, 5625000);
  assert_int_equal(
      vg_event_parse_time_frac("2016-11-13T09:23:21.2081269Z", &t, &f), 0);
  assert_int_equal(f, 2081269);
  assert_int_equal(vg_event_parse_time_frac("2026-06-01T21:48:11.5Z", &t, &f),
                   0);
  assert_int_equal(f, 5000000);
  assert_int_equal(vg_event_parse_time_frac("2026-06-01T21:48:11Z", &t, &f), 0);
  assert_int_equal(f, 0);
  assert_int_equal(vg_event_parse_time("2026-06-01T23:48:11+02:00", &t), 0);
  assert_int_equal(t, 1780350491);
  assert_int_equal(vg_event_parse_time("2026-06-01t16:18:11.5-05:30", &t), 0);
  assert_int_equal(t, 1780350491);
  assert_int_equal(vg_event_parse_time("2024-02-29T00:00:00Z", &t), 0);
  assert_int_equal(t, 1709164800);
  assert_int_equal(vg_event_parse_time("2016-12-31T23:59:60Z", &t), 0);
  assert_int_equal(t, 1483228799);
  static const char *bad[] = {
      "",
      "2026-06-01",
      "2026-06-01T21:48:11",
      "2026-06-01T21:48:11.Z",
      "2026-06-01T24:00:00Z",
      "2026-13-01T00:00:00Z",
      "2025-02-29T00:00:00Z",
      "2026-06-01T21:48:11Zjunk",
      "2026-06-01T21:48:11+2:00",
      "26-06-01T21:48:11Z",
      "2026-06-01T21:48:61Z",
      "1500-01-01T00:00:00Z",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    if (vg_event_parse_time(bad[i], &t) != VG_EINVAL)
      fail_msg("accepted \"%s\"", bad[i]);
  assert_int_equal(vg_event_parse_time(NULL, &t), VG_EINVAL);
}

static void test_garbage_between_events(void **st) {
  (void)st;
  struct sink k = {0};
  vg_evparser *p = vg_evparser_new(collect, &k);
  static const char s[] = "<<<>>></Event></Event>< Event>" BACKUP_EVENT(
      "1", "1",
      "2026-06-01T21:"
      "00:00Z") "\x01\x02 random </Events> text "
                "<EventData>" BACKUP_EVENT("4", "2",
                                           "2026-06-01T21:40:00Z") "<Ev"
                                                                   "en"
                                                                   "t";
  for (size_t i = 0; i < sizeof(s) - 1; i += 7)
    assert_int_equal(
        vg_evparser_feed(p, s + i,
                         sizeof(s) - 1 - i < 7 ? sizeof(s) - 1 - i : 7),
        0);
  assert_int_equal(k.n, 2);
  assert_int_equal(vg_evparser_skipped(p), 0);
  /* A lone "<Event" at the end is not a frame yet. */
  vg_evparser_finish(p);
  assert_int_equal(vg_evparser_skipped(p), 0);
  sink_free(&k);
  vg_evparser_free(p);
}

/* UTF-8 to UTF-16LE with a byte order mark (test helper). */
static size_t to_utf16le(const char *s, unsigned char *out) {
  const unsigned char *u = (const unsigned char *)s;
  size_t n = 0;
  out[n++] = 0xFF;
  out[n++] = 0xFE;
  while (*u) {
    uint32_t c;
    if (*u < 0x80) {
      c = *u++;
    } else if (*u < 0xE0) {
      c = (uint32_t)(u[0] & 0x1F) << 6 | (u[1] & 0x3F);
      u += 2;
    } else if (*u < 0xF0) {
      c = (uint32_t)(u[0] & 0x0F) << 12 | (uint32_t)(u[1] & 0x3F) << 6 |
          (u[2] & 0x3F);
      u += 3;
    } else {
      c = (uint32_t)(u[0] & 0x07) << 18 | (uint32_t)(u[1] & 0x3F) << 12 |
          (uint32_t)(u[2] & 0x3F) << 6 | (u[3] & 0x3F);
      u += 4;
    }
    if (c >= 0x10000) {
      uint32_t v = c - 0x10000;
      uint32_t hi = 0xD800 + (v >> 10), lo = 0xDC00 + (v & 0x3FF);
      out[n++] = (unsigned char)(hi & 0xFF);
      out[n++] = (unsigned char)(hi >> 8);
      out[n++] = (unsigned char)(lo & 0xFF);
      out[n++] = (unsigned char)(lo >> 8);
    } else {
      out[n++] = (unsigned char)(c & 0xFF);
      out[n++] = (unsigned char)(c >> 8);
    }
  }
  return n;
}

/* An export redirected by PowerShell is UTF-16LE with a byte order mark. */
static void test_utf16_export(void **st) {
  (void)st;
  static const char utf8[] =
      "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\r\n<Events>" EV_HEAD SYS_OK
      "<EventData><Data>Sch\xc3\xa4ttenkopie \xe2\x82\xac \xf0\x9f\x92\xbe"
      "</Data></EventData></Event>" BACKUP_EVENT("4", "9",
                                                 "2026-06-01T21:40:"
                                                 "00Z") "</Events>";
  unsigned char wide[4096];
  size_t n = to_utf16le(utf8, wide);
  for (int bytewise = 0; bytewise < 2; bytewise++) {
    struct sink k = {0};
    vg_evparser *p = vg_evparser_new(collect, &k);
    if (bytewise)
      for (size_t i = 0; i < n; i++)
        assert_int_equal(vg_evparser_feed(p, (const char *)wide + i, 1), 0);
    else
      assert_int_equal(vg_evparser_feed(p, (const char *)wide, n), 0);
    vg_evparser_finish(p);
    assert_int_equal(vg_evparser_skipped(p), 0);
    assert_int_equal(k.n, 2);
    assert_string_equal(k.ev[0].text, "Sch\xc3\xa4ttenkopie \xe2\x82\xac "
                                      "\xf0\x9f\x92\xbe");
    assert_int_equal(k.ev[1].record, 9);
    sink_free(&k);
    vg_evparser_free(p);
  }
  /* A lone surrogate becomes U+FFFD instead of breaking the event. */
  struct sink k = {0};
  vg_evparser *p = vg_evparser_new(collect, &k);
  static const char pre[] = EV_HEAD SYS_OK "<EventData><Data>";
  static const char post[] = "</Data></EventData></Event>";
  n = to_utf16le(pre, wide);
  wide[n++] = 0x00; /* U+DC00, a low surrogate without a high one */
  wide[n++] = 0xDC;
  unsigned char tail[256];
  size_t tn = to_utf16le(post, tail);
  memcpy(wide + n, tail + 2, tn - 2); /* without its byte order mark */
  n += tn - 2;
  assert_int_equal(vg_evparser_feed(p, (const char *)wide, n), 0);
  assert_int_equal(k.n, 1);
  assert_string_equal(k.ev[0].text, "\xef\xbf\xbd");
  sink_free(&k);
  vg_evparser_free(p);
}

/*
 * The pre-scan: events of other channels and ids are passed over, those
 * that matter are parsed, the System elements the parser never reads are
 * cut first only in their plain form (the same record results), and an
 * event whose unread element is malformed is still rejected.
 */
static void test_prescan(void **st) {
  (void)st;
#define SYS(ch, id, extra)                                                     \
  "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>"      \
  "<System><Provider Name='P' Guid='{1}'/><EventID>" id "</EventID>"           \
  "<Version>3</Version><Level>4</Level><Task>0</Task><Opcode>0</Opcode>"       \
  "<Keywords>0x4000000000000000</Keywords><TimeCreated "                       \
  "SystemTime='2016-11-13T09:23:21.208126900Z'/><EventRecordID>68"             \
  "</EventRecordID><Correlation/><Execution ProcessID='1892' "                 \
  "ThreadID='3520'/><Channel>" ch "</Channel>" extra "<Security "              \
  "UserID='S-1-5-18'/></System><EventData><Data Name='BackupTime'>"            \
  "2016-11-13T09:00:09.774395900Z</Data></EventData></Event>\n"
  const char *in = SYS("Microsoft-Windows-Backup", "4",
                       "<Computer>s1</Computer>") SYS("Application", "1000", "")
      SYS("Application", "12289", "") SYS("System", "7036", "")
          SYS("System", "6005", "") SYS("Security", "4624", "") SYS(
              "Microsoft-Windows-Backup", "14", "<Computer>a&amp;b</Computer>")
              SYS("Microsoft-Windows-Backup", "5", "<Computer>a&x;</Computer>");
  for (int on = 0; on < 2; on++) {
    struct sink k = {0};
    vg_evparser *p = vg_evparser_new(collect, &k);
    vg_evparser_set_prescan(p, on == 1);
    assert_int_equal(vg_evparser_feed(p, in, strlen(in)), 0);
    vg_evparser_finish(p);
    /* The malformed 5 is rejected either way. */
    assert_int_equal(vg_evparser_skipped(p), 1);
    assert_int_equal(vg_evparser_passed(p), on ? 3 : 0);
    assert_int_equal(k.n, on ? 4 : 7);
    size_t want[] = {4, 12289, 6005, 14};
    for (size_t i = 0, j = 0; i < k.n; i++) {
      if (on)
        assert_int_equal(k.ev[i].id, want[j++]);
      assert_int_equal(k.ev[i].record, 68);
      assert_int_equal(k.ev[i].level, 4);
      assert_string_equal(k.ev[i].backup_time,
                          "2016-11-13T09:00:09.774395900Z");
    }
    vg_evparser_free(p);
    sink_free(&k);
  }
  assert_true(vg_event_prescan_skips(SYS("System", "7036", ""),
                                     strlen(SYS("System", "7036", ""))));
  /* Unsure forms are parsed: a comment, two Channel, EventID with spaces. */
  const char *unsure[] = {
      SYS("System", "7036", "<!-- x -->"),
      SYS("System", "7036", "<Channel>System</Channel>"),
      "<Event><System><EventID> 7036 </EventID><Channel>System</Channel>"
      "</System></Event>",
      "<Event><Foo/><System><EventID>7036</EventID><Channel>System</Channel>"
      "</System></Event>"};
  for (size_t i = 0; i < sizeof(unsure) / sizeof(unsure[0]); i++)
    assert_false(vg_event_prescan_skips(unsure[i], strlen(unsure[i])));
#undef SYS
}

/* Parses in with the pre-scan off and on (with the fields given, when
 * any), and checks that both give the same events and skip as many. */
static void same_either_way(const char *in, size_t len,
                            const char *const *fields, size_t nfields,
                            size_t want_events, uint64_t want_skipped) {
  static struct sink k[2];
  memset(k, 0, sizeof(k));
  char first_log[2][512];
  for (int on = 0; on < 2; on++) {
    nlogged = 0;
    vg_evparser *p = vg_evparser_new(collect, &k[on]);
    vg_evparser_set_prescan(p, on == 1);
    if (fields != NULL)
      vg_evparser_set_fields(p, fields, nfields);
    assert_int_equal(vg_evparser_feed(p, in, len), 0);
    vg_evparser_finish(p);
    assert_int_equal(k[on].n, want_events);
    assert_int_equal(vg_evparser_skipped(p), want_skipped);
    snprintf(first_log[on], sizeof(first_log[on]), "%s",
             nlogged > 0 ? logged[0] : "");
    vg_evparser_free(p);
  }
  for (size_t i = 0; i < want_events; i++) {
    assert_string_equal(k[0].ev[i].channel, k[1].ev[i].channel);
    assert_string_equal(k[0].ev[i].provider, k[1].ev[i].provider);
    assert_int_equal(k[0].ev[i].id, k[1].ev[i].id);
    assert_int_equal(k[0].ev[i].record, k[1].ev[i].record);
    assert_int_equal(k[0].ev[i].time, k[1].ev[i].time);
    assert_int_equal(k[0].ev[i].nfields, k[1].ev[i].nfields);
    assert_string_equal(k[0].ev[i].backup_time, k[1].ev[i].backup_time);
    assert_string_equal(k[0].ev[i].first_field, k[1].ev[i].first_field);
    assert_string_equal(k[0].ev[i].text, k[1].ev[i].text);
  }
  /* A malformed event is told with the same place in it either way. */
  assert_string_equal(first_log[0], first_log[1]);
  sink_free(&k[0]);
  sink_free(&k[1]);
}

/*
 * The pre-scan's compaction cuts only what cannot change the outcome:
 * markup inside an attribute value, "]]>" in a cut element's text, an
 * event over the size limit only once cut, cut elements beside text that
 * would join into a reference; the named Data not asked for, but never
 * when that would change which of more than VG_EVENT_MAX_FIELDS are kept.
 */
static void test_prescan_compaction(void **st) {
  (void)st;
#define WSB(sys, data)                                                         \
  EV_HEAD "<System><Provider Name='Microsoft-Windows-Backup' Guid='{1db2}'/>"  \
          "<EventID>4</EventID><Version>0</Version><Level>4</Level><Task>0"    \
          "</Task><TimeCreated SystemTime='2026-06-01T21:48:11.5Z'/>"          \
          "<EventRecordID>9</EventRecordID><Execution ProcessID='4' "          \
          "ThreadID='8'/><Channel>Microsoft-Windows-Backup</Channel>" sys      \
          "<Security UserID='S-1-5-18'/></System><EventData>" data             \
          "</EventData></Event>\n"
#define BT "<Data Name='BackupTime'>2026-06-01T21:00:09.1Z</Data>"
  static const char *const bt[] = {"BackupTime"};
  /* Well-formed: the same record, with all fields or those asked for. */
  static const char ok[] =
      WSB("<Computer>FS01</Computer>",
          "<Data Name='BackupTemplateID'>{dfd9}</Data><Data Name='HRESULT'>0"
          "</Data>" BT "<Data>free text</Data><Binary>0A0B</Binary>");
  same_either_way(ok, sizeof(ok) - 1, NULL, 0, 1, 0);
  same_either_way(ok, sizeof(ok) - 1, bt, 1, 1, 0);
  /* Markup inside an attribute value, "]]>" in the text of an element the
   * parser never reads, a reference completed by what follows a cut
   * element: malformed either way, told at the same place. */
  static const char bad[] =
      WSB("", "<Data Name='x' Type='<Version>0</Version>'>1</Data>" BT)
          WSB("<Computer>a]]>b</Computer>", BT)
              WSB("", "<Data Name='x'>1</Data>&amp<Binary>00</Binary>;" BT)
                  WSB("", "<Data Name='HRESULT'>1</Data>" BT "\x01");
  same_either_way(bad, sizeof(bad) - 1, bt, 1, 0, 4);
  /* 17 named Data: the 17th, BackupTime, is not kept, cut or not. */
  static const char many[] = WSB(
      "", "<Data Name='a'>1</Data><Data Name='b'>1</Data><Data Name='c'>1"
          "</Data><Data Name='d'>1</Data><Data Name='e'>1</Data><Data "
          "Name='f'>1</Data><Data Name='g'>1</Data><Data Name='h'>1</Data>"
          "<Data Name='i'>1</Data><Data Name='j'>1</Data><Data Name='k'>1"
          "</Data><Data Name='l'>1</Data><Data Name='m'>1</Data><Data "
          "Name='n'>1</Data><Data Name='o'>1</Data><Data Name='p'>1</Data>" BT);
  same_either_way(many, sizeof(many) - 1, bt, 1, 1, 0);
  /* Just over the size limit, under it once cut: malformed either way.
   * White space pads it, and 100 bytes before it place its end in the
   * piece of input that takes it over the limit: otherwise the framing
   * drops it before its end, unparsed. */
  static const char small[] = WSB("", BT);
  size_t pad = VG_EVENT_MAX_BYTES - (sizeof(small) - 1) + 8;
  char *big = malloc(100 + sizeof(small) + pad);
  assert_non_null(big);
  size_t head = strlen(small) - strlen("</Event>\n");
  memset(big, ' ', 100);
  memcpy(big + 100, small, head);
  memset(big + 100 + head, ' ', pad);
  memcpy(big + 100 + head + pad, small + head, sizeof(small) - head);
  same_either_way(big, strlen(big), bt, 1, 0, 1);
  free(big);
#undef BT
#undef WSB
}

/* A scratch directory and the name of an events file in it, removed by
 * the teardown also when the test fails. */
struct scratch {
  char dir[256], path[300];
};

static int setup_scratch(void **st) {
  setup(st);
  struct scratch *sc = calloc(1, sizeof(*sc));
  uv_fs_t req;
  if (sc == NULL ||
      uv_fs_mkdtemp(NULL, &req, "vg_test_event_XXXXXX", NULL) != 0) {
    free(sc);
    return -1;
  }
  snprintf(sc->dir, sizeof(sc->dir), "%s", req.path);
  uv_fs_req_cleanup(&req);
  snprintf(sc->path, sizeof(sc->path), "%s/events.xml", sc->dir);
  *st = sc;
  return 0;
}

static int teardown_scratch(void **st) {
  struct scratch *sc = *st;
  uv_fs_t req;
  remove(sc->path);
  uv_fs_rmdir(NULL, &req, sc->dir, NULL);
  uv_fs_req_cleanup(&req);
  free(sc);
  return 0;
}

/*
 * A file parsed with the pre-scan on (read on two threads) gives the same
 * events, skips and log lines, in the same order, as without: good
 * events, one of 60 KB (bigger than a block of the hand-over), one with
 * an undefined entity, one cut short by the next, one over the size
 * limit, one cut short by the end of the file.
 */
static void test_parse_file_two_threads(void **st) {
#define GOOD(rec)                                                              \
  EV_HEAD "<System><Provider Name='Microsoft-Windows-Backup'/><EventID>4"      \
          "</EventID><Level>4</Level><TimeCreated SystemTime='2026-06-01T"     \
          "21:48:11Z'/><EventRecordID>" rec "</EventRecordID><Channel>"        \
          "Microsoft-Windows-Backup</Channel></System><EventData><Data "       \
          "Name='BackupTime'>2026-06-01T21:00:00Z</Data><Data>"
#define END "</Data></EventData></Event>\n"
  static const char *const parts[] = {
      GOOD("1") "a" END,        GOOD("2"),
      NULL /* 60 KB of text */, END,
      GOOD("3") "&bogus;" END,  GOOD("4") "cut short\n",
      GOOD("5") "b" END,        GOOD("6"),
      NULL /* 300 KB */,        END,
      GOOD("7") "c" END,        GOOD("8") "end"};
  const struct scratch *sc = *st;
  const char *dir = sc->dir, *path = sc->path;
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  size_t big = 0;
  for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
    if (parts[i] != NULL) {
      fputs(parts[i], f);
      continue;
    }
    size_t n = big++ == 0 ? 60 * 1024 : 300 * 1024;
    for (size_t j = 0; j < n; j++)
      fputc('x', f);
  }
  fclose(f);

  static struct sink k[2];
  static char logs[2][16][512];
  int nlogs[2];
  uint64_t skipped[2];
  memset(k, 0, sizeof(k));
  for (int on = 0; on < 2; on++) {
    nlogged = 0;
    vg_evparser *p = vg_evparser_new(collect, &k[on]);
    vg_evparser_set_prescan(p, on == 1);
    assert_int_equal(vg_evparser_parse_file(p, path), 0);
    skipped[on] = vg_evparser_skipped(p);
    nlogs[on] = nlogged;
    memcpy(logs[on], logged, sizeof(logged));
    vg_evparser_free(p);
  }
  assert_int_equal(k[0].n, 4); /* records 1, 2, 5 and 7 */
  assert_int_equal(k[1].n, k[0].n);
  for (size_t i = 0; i < k[0].n; i++) {
    assert_int_equal(k[0].ev[i].record, k[1].ev[i].record);
    assert_string_equal(k[0].ev[i].text, k[1].ev[i].text);
    assert_string_equal(k[0].ev[i].backup_time, k[1].ev[i].backup_time);
  }
  assert_int_equal(skipped[0], 4);
  assert_int_equal(skipped[1], skipped[0]);
  assert_int_equal(nlogs[1], nlogs[0]);
  for (int i = 0; i < nlogs[0]; i++)
    assert_string_equal(logs[0][i], logs[1][i]);

  /* Errors of the file itself, on the two threads too. */
  vg_evparser *p = vg_evparser_new(collect, &k[0]);
  vg_evparser_set_prescan(p, true);
  assert_int_equal(vg_evparser_parse_file(p, VG_TEST_DATA "/events/missing"),
                   VG_ENOENT);
  assert_int_equal(vg_evparser_parse_file(p, dir), VG_EIO);
  vg_evparser_free(p);
  sink_free(&k[0]);
  sink_free(&k[1]);
#undef GOOD
#undef END
}

/* The events of a parse as text, called back slowly or not. */
struct trace_sink {
  char *buf;
  size_t len, cap;
  bool slow;
};

static void trace_cb(const struct vg_event *ev, void *ud) {
  struct trace_sink *t = ud;
  char line[512];
  const char *bt = vg_event_field(ev, "BackupTime");
  int n =
      snprintf(line, sizeof(line), "%s|%s|%u|%d|%llu|%lld.%07u|%zu|%s|%s\n",
               ev->channel, ev->provider, (unsigned)ev->event_id, ev->level,
               (unsigned long long)ev->record_id, (long long)ev->time,
               (unsigned)ev->time_100ns, ev->nfields, bt ? bt : "-", ev->text);
  assert_true(n > 0 && (size_t)n < sizeof(line));
  if (t->len + (size_t)n + 1 > t->cap) {
    t->cap = (t->len + (size_t)n + 1) * 2;
    t->buf = realloc(t->buf, t->cap);
    assert_non_null(t->buf);
  }
  memcpy(t->buf + t->len, line, (size_t)n + 1);
  t->len += (size_t)n;
  if (t->slow) {
    /* A slow consumer: the reader thread parses too (its share). */
    uint64_t until = uv_hrtime() + 20000;
    while (uv_hrtime() < until)
      ;
  }
}

/*
 * A file of 3,000 events, one in 50 malformed, parsed with the pre-scan
 * on by a slow callback (the reader thread then parses part of the events
 * itself and hands them over parsed): the same events, skips and log
 * lines as without the pre-scan.
 */
static void test_parse_file_shared(void **st) {
  const char *path = ((const struct scratch *)*st)->path;
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  for (int i = 0; i < 3000; i++)
    fprintf(f,
            EV_HEAD
            "<System><Provider Name='Microsoft-Windows-Backup' "
            "Guid='{1db2}'/><EventID>%d</EventID><Version>0</Version>"
            "<Level>4</Level><TimeCreated SystemTime='2026-06-01T21:%02d"
            ":%02d.%03dZ'/><EventRecordID>%d</EventRecordID><Channel>"
            "Microsoft-Windows-Backup</Channel><Computer>FS01"
            "</Computer></System><EventData><Data Name='HRESULT'>0"
            "</Data><Data Name='BackupTime'>2026-06-01T21:00:%02dZ"
            "</Data><Data Name='Other'>x</Data><Data>%s</Data>"
            "</EventData></Event>\n",
            i % 3 == 0   ? 1
            : i % 3 == 1 ? 4
                         : 14,
            i / 60 % 60, i % 60, i % 1000, i + 1, i % 60,
            i % 50 == 49 ? "&bogus;" : "text");
  fclose(f);

  struct trace_sink t[2];
  memset(t, 0, sizeof(t));
  static char logs[2][16][512];
  int nlogs[2];
  uint64_t skipped[2];
  static const char *const fields[] = {"BackupTime", "HRESULT"};
  for (int on = 0; on < 2; on++) {
    nlogged = 0;
    t[on].slow = on == 1;
    vg_evparser *p = vg_evparser_new(trace_cb, &t[on]);
    vg_evparser_set_prescan(p, on == 1);
    vg_evparser_set_fields(p, fields, 2);
    assert_int_equal(vg_evparser_parse_file(p, path), 0);
    skipped[on] = vg_evparser_skipped(p);
    nlogs[on] = nlogged;
    memcpy(logs[on], logged, sizeof(logged));
    vg_evparser_free(p);
  }
  assert_int_equal(skipped[0], 60);
  assert_int_equal(skipped[1], skipped[0]);
  assert_non_null(t[0].buf);
  assert_non_null(t[1].buf);
  assert_string_equal(t[0].buf, t[1].buf);
  assert_int_equal(nlogs[1], nlogs[0]);
  for (int i = 0; i < nlogs[0]; i++)
    assert_string_equal(logs[0][i], logs[1][i]);
  free(t[0].buf);
  free(t[1].buf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_rooted_export, setup),
      cmocka_unit_test_setup(test_prescan, setup),
      cmocka_unit_test_setup(test_prescan_compaction, setup),
      cmocka_unit_test_setup(test_unnamed_data_joined, setup),
      cmocka_unit_test_setup(test_no_root_and_comments, setup),
      cmocka_unit_test_setup(test_bytewise_feeding, setup),
      cmocka_unit_test_setup(test_partial_kept_across_calls, setup),
      cmocka_unit_test_setup(test_malformed_mix_resyncs, setup),
      cmocka_unit_test_setup(test_byte_offset_in_log, setup),
      cmocka_unit_test_setup(test_truncated_at_end, setup),
      cmocka_unit_test_setup(test_huge_data, setup),
      cmocka_unit_test_setup(test_field_limits, setup),
      cmocka_unit_test_setup(test_bad_events, setup),
      cmocka_unit_test_setup(test_doctype_and_entities, setup),
      cmocka_unit_test_setup(test_rendering_info_and_user_data, setup),
      cmocka_unit_test_setup(test_parse_file_errors, setup),
      cmocka_unit_test_setup_teardown(test_parse_file_two_threads,
                                      setup_scratch, teardown_scratch),
      cmocka_unit_test_setup_teardown(test_parse_file_shared, setup_scratch,
                                      teardown_scratch),
      cmocka_unit_test_setup(test_parse_time, setup),
      cmocka_unit_test_setup(test_garbage_between_events, setup),
      cmocka_unit_test_setup(test_utf16_export, setup),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
