/*
 * Unit tests of zone.c: day arithmetic, conversions between instants and
 * civil times with the DST gap and repeat rules (checked at known
 * transitions and against a minute-by-minute search in real zones), and
 * RFC 3339 formatting and parsing.
 *
 * Zones come from the system through TZ where it knows them by name; where
 * it does not (Windows), from the built-in rules of tzrules.h, through the
 * zone's offset function. Either way the same assertions hold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "vssguard/zone.h"

#include "oracle.h"
#include "tzrules.h"

/* The local zone under test, set by use_zone. */
static struct vg_zone local_zone = {VG_ZONE_LOCAL, 0, NULL};
static const struct vg_zone utc_zone = {VG_ZONE_UTC, 0, NULL};

static int rules_utc(vg_wall_t t, int32_t *off) {
  (void)t;
  *off = 0;
  return VG_OK;
}

/* Makes local_zone the named zone for 2020..2030. */
static void use_zone(const char *name) {
  static const struct {
    const char *name;
    vg_offset_fn rules;
  } zones[] = {
      {"America/New_York", rules_new_york},
      {"Europe/Berlin", rules_berlin},
      {"Australia/Lord_Howe", rules_lord_howe},
      {"Asia/Tokyo", rules_tokyo},
      {"UTC", rules_utc},
  };
  for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
    if (strcmp(zones[i].name, name) == 0) {
      if (!tz_setup(name, zones[i].rules, 1577836800, 1924992000, &local_zone))
        fprintf(stderr, "note: %s from built-in rules\n", name);
      return;
    }
  fail_msg("no rules for %s", name);
}

static struct vg_civil civ(int y, int mo, int d, int h, int mi, int s) {
  struct vg_civil c = {y, mo, d, h, mi, s, 0};
  return c;
}

static vg_wall_t from_local(int y, int mo, int d, int h, int mi, int s) {
  struct vg_civil c = civ(y, mo, d, h, mi, s);
  vg_wall_t t = 0;
  assert_int_equal(vg_zone_from_civil(&local_zone, &c, &t), VG_OK);
  return t;
}

static vg_wall_t utc(const char *s) {
  vg_wall_t t = 0;
  assert_int_equal(vg_time_parse(s, NULL, &t), VG_OK);
  return t;
}

static void test_days_known(void **state) {
  (void)state;
  assert_int_equal(vg_days_from_civil(1970, 1, 1), 0);
  assert_int_equal(vg_days_from_civil(1969, 12, 31), -1);
  assert_int_equal(vg_days_from_civil(2000, 3, 1), 11017);
  assert_int_equal(vg_days_from_civil(2026, 11, 29), 20786);
  assert_int_equal(vg_days_from_civil(1600, 1, 1), -135140);
  /* mday beyond the month is added: Jan 32 is Feb 1. */
  assert_int_equal(vg_days_from_civil(2026, 1, 32),
                   vg_days_from_civil(2026, 2, 1));
  assert_int_equal(vg_days_from_civil(2024, 2, 30),
                   vg_days_from_civil(2024, 3, 1));
}

static void test_days_roundtrip(void **state) {
  (void)state;
  int py = 0, pm = 0, pd = 0;
  for (int64_t days = -800000; days <= 800000; days++) {
    int y, m, d;
    vg_civil_from_days(days, &y, &m, &d);
    assert_true(m >= 1 && m <= 12);
    assert_true(d >= 1 && d <= vg_days_in_month(y, m));
    assert_int_equal(vg_days_from_civil(y, m, d), days);
    if (days > -800000) {
      /* Consecutive days are consecutive dates. */
      bool next = (y == py && m == pm && d == pd + 1) ||
                  (y == py && m == pm + 1 && d == 1) ||
                  (y == py + 1 && m == 1 && pm == 12 && d == 1);
      assert_true(next);
    }
    py = y;
    pm = m;
    pd = d;
  }
}

/* Agrees with the independent day arithmetic of the planner's oracle
 * (which counts from 1970). */
static void test_days_vs_oracle(void **state) {
  (void)state;
  for (int y = 1970; y < 2500; y += 3)
    for (int m = 1; m <= 12; m++) {
      assert_int_equal(vg_days_from_civil(y, m, 28), or_days(y, m, 28));
      assert_int_equal(vg_days_in_month(y, m), or_dim(y, m));
    }
  for (int64_t days = 0; days < 200000; days += 37) {
    int y, m, d, y2, m2, d2;
    vg_civil_from_days(days, &y, &m, &d);
    or_ymd(days, &y2, &m2, &d2);
    assert_int_equal(y, y2);
    assert_int_equal(m, m2);
    assert_int_equal(d, d2);
  }
}

static void test_days_in_month(void **state) {
  (void)state;
  assert_int_equal(vg_days_in_month(2024, 2), 29);
  assert_int_equal(vg_days_in_month(2026, 2), 28);
  assert_int_equal(vg_days_in_month(1900, 2), 28);
  assert_int_equal(vg_days_in_month(2000, 2), 29);
  assert_int_equal(vg_days_in_month(2026, 4), 30);
  assert_int_equal(vg_days_in_month(2026, 12), 31);
  assert_int_equal(vg_days_in_month(2026, 13), 0);
  assert_int_equal(vg_days_in_month(2026, 0), 0);
}

static void test_to_civil_utc_fixed(void **state) {
  (void)state;
  struct vg_civil c;
  assert_int_equal(vg_zone_to_civil(&utc_zone, 0, &c), VG_OK);
  assert_int_equal(c.year, 1970);
  assert_int_equal(c.wday, 4);
  assert_int_equal(vg_zone_to_civil(&utc_zone, -1, &c), VG_OK);
  assert_int_equal(c.year, 1969);
  assert_int_equal(c.mon, 12);
  assert_int_equal(c.mday, 31);
  assert_int_equal(c.hour, 23);
  assert_int_equal(c.min, 59);
  assert_int_equal(c.sec, 59);
  assert_int_equal(c.wday, 3);

  struct vg_zone z = {VG_ZONE_FIXED, -(5 * 3600 + 30 * 60), NULL};
  vg_wall_t t = utc("2026-11-29T02:00:00Z"); /* a Sunday */
  assert_int_equal(vg_zone_to_civil(&z, t, &c), VG_OK);
  assert_int_equal(c.mday, 28);
  assert_int_equal(c.hour, 20);
  assert_int_equal(c.min, 30);
  assert_int_equal(c.wday, 6);
  vg_wall_t back;
  assert_int_equal(vg_zone_from_civil(&z, &c, &back), VG_OK);
  assert_int_equal(back, t);
}

static void test_from_civil_normalises(void **state) {
  (void)state;
  struct vg_civil a = civ(2026, 12, 31, 24, 0, 0), b = civ(2027, 1, 1, 0, 0, 0);
  vg_wall_t ta, tb;
  assert_int_equal(vg_zone_from_civil(&utc_zone, &a, &ta), VG_OK);
  assert_int_equal(vg_zone_from_civil(&utc_zone, &b, &tb), VG_OK);
  assert_int_equal(ta, tb);
  a = civ(2026, 13, 1, 0, 0, 0);
  assert_int_equal(vg_zone_from_civil(&utc_zone, &a, &ta), VG_OK);
  assert_int_equal(ta, tb);
  a = civ(2027, 0, 32, 0, 0, 0); /* Dec 32, 2026 */
  assert_int_equal(vg_zone_from_civil(&utc_zone, &a, &ta), VG_OK);
  assert_int_equal(ta, tb);
  a = civ(2026, 12, 31, 23, 59, 60);
  assert_int_equal(vg_zone_from_civil(&utc_zone, &a, &ta), VG_OK);
  assert_int_equal(ta, tb);
  a = civ(2027, 1, 1, 0, -1, 60);
  assert_int_equal(vg_zone_from_civil(&utc_zone, &a, &ta), VG_OK);
  assert_int_equal(ta, tb);
}

static void test_new_york(void **state) {
  (void)state;
  use_zone("America/New_York");
  /* 2026-03-08: 02:00 EST becomes 03:00 EDT at 07:00Z. */
  assert_int_equal(from_local(2026, 3, 8, 1, 59, 59),
                   utc("2026-03-08T06:59:59Z"));
  assert_int_equal(from_local(2026, 3, 8, 2, 0, 0), utc("2026-03-08T07:00Z"));
  assert_int_equal(from_local(2026, 3, 8, 2, 30, 0), utc("2026-03-08T07:00Z"));
  assert_int_equal(from_local(2026, 3, 8, 2, 59, 59), utc("2026-03-08T07:00Z"));
  assert_int_equal(from_local(2026, 3, 8, 3, 0, 0), utc("2026-03-08T07:00Z"));
  assert_int_equal(from_local(2026, 3, 8, 3, 0, 1),
                   utc("2026-03-08T07:00:01Z"));
  /* 2026-11-01: 02:00 EDT becomes 01:00 EST at 06:00Z; 01:xx repeats. */
  assert_int_equal(from_local(2026, 11, 1, 0, 59, 59),
                   utc("2026-11-01T04:59:59Z"));
  assert_int_equal(from_local(2026, 11, 1, 1, 0, 0), utc("2026-11-01T05:00Z"));
  assert_int_equal(from_local(2026, 11, 1, 1, 30, 0), utc("2026-11-01T05:30Z"));
  assert_int_equal(from_local(2026, 11, 1, 1, 59, 59),
                   utc("2026-11-01T05:59:59Z"));
  assert_int_equal(from_local(2026, 11, 1, 2, 0, 0), utc("2026-11-01T07:00Z"));
  /* Both occurrences read back as 01:30. */
  struct vg_civil c;
  assert_int_equal(vg_zone_to_civil(&local_zone, utc("2026-11-01T06:30Z"), &c),
                   VG_OK);
  assert_int_equal(c.hour, 1);
  assert_int_equal(c.min, 30);
  assert_int_equal(c.wday, 0);
  char buf[64];
  vg_time_format(utc("2026-11-01T06:30Z"), &local_zone, buf, sizeof(buf));
  assert_string_equal(buf, "2026-11-01T01:30:00-05:00");
  vg_time_format(utc("2026-11-01T05:30Z"), &local_zone, buf, sizeof(buf));
  assert_string_equal(buf, "2026-11-01T01:30:00-04:00");
}

static void test_berlin(void **state) {
  (void)state;
  use_zone("Europe/Berlin");
  /* 2026-03-29: 02:00 CET becomes 03:00 CEST at 01:00Z. */
  assert_int_equal(from_local(2026, 3, 29, 2, 30, 0), utc("2026-03-29T01:00Z"));
  assert_int_equal(from_local(2026, 3, 29, 1, 59, 0), utc("2026-03-29T00:59Z"));
  assert_int_equal(from_local(2026, 3, 29, 3, 15, 0), utc("2026-03-29T01:15Z"));
  /* 2026-10-25: 03:00 CEST becomes 02:00 CET at 01:00Z. */
  assert_int_equal(from_local(2026, 10, 25, 2, 30, 0),
                   utc("2026-10-25T00:30Z"));
  assert_int_equal(from_local(2026, 10, 25, 3, 0, 0), utc("2026-10-25T02:00Z"));
  assert_int_equal(from_local(2026, 7, 1, 12, 0, 0), utc("2026-07-01T10:00Z"));
  assert_int_equal(from_local(2026, 1, 1, 12, 0, 0), utc("2026-01-01T11:00Z"));
}

static void test_lord_howe(void **state) {
  (void)state;
  use_zone("Australia/Lord_Howe");
  /* 2026-10-04: 02:00 (+10:30) becomes 02:30 (+11:00) at 15:30Z Oct 3. */
  assert_int_equal(from_local(2026, 10, 4, 2, 0, 0), utc("2026-10-03T15:30Z"));
  assert_int_equal(from_local(2026, 10, 4, 2, 15, 0), utc("2026-10-03T15:30Z"));
  assert_int_equal(from_local(2026, 10, 4, 2, 29, 59),
                   utc("2026-10-03T15:30Z"));
  assert_int_equal(from_local(2026, 10, 4, 2, 30, 0), utc("2026-10-03T15:30Z"));
  assert_int_equal(from_local(2026, 10, 4, 1, 59, 0), utc("2026-10-03T15:29Z"));
  /* 2026-04-05: 02:00 (+11:00) becomes 01:30 (+10:30) at 15:00Z Apr 4. */
  assert_int_equal(from_local(2026, 4, 5, 1, 30, 0), utc("2026-04-04T14:30Z"));
  assert_int_equal(from_local(2026, 4, 5, 1, 45, 0), utc("2026-04-04T14:45Z"));
  assert_int_equal(from_local(2026, 4, 5, 2, 0, 0), utc("2026-04-04T15:30Z"));
  int32_t off;
  assert_int_equal(vg_zone_offset(&local_zone, utc("2026-01-01T00:00Z"), &off),
                   VG_OK);
  assert_int_equal(off, 11 * 3600);
  assert_int_equal(vg_zone_offset(&local_zone, utc("2026-07-01T00:00Z"), &off),
                   VG_OK);
  assert_int_equal(off, 10 * 3600 + 1800);
  char buf[64];
  vg_time_format(utc("2026-07-01T00:00Z"), &local_zone, buf, sizeof(buf));
  assert_string_equal(buf, "2026-07-01T10:30:00+10:30");
}

static void test_tokyo(void **state) {
  (void)state;
  use_zone("Asia/Tokyo");
  assert_int_equal(from_local(2026, 6, 1, 9, 0, 0), utc("2026-06-01T00:00Z"));
  assert_int_equal(from_local(2026, 1, 1, 0, 0, 0), utc("2025-12-31T15:00Z"));
  assert_int_equal(from_local(2026, 3, 8, 2, 30, 0), utc("2026-03-07T17:30Z"));
}

/*
 * A synthetic zone through local_fn, independent of TZ: +01:00, jumping to
 * +02:00 at instant 1000000 and back to +01:00 at 2000000.
 */
static int fake_offset(vg_wall_t t, int32_t *off) {
  *off = (t >= 1000000 && t < 2000000) ? 7200 : 3600;
  return VG_OK;
}

static void test_local_fn(void **state) {
  (void)state;
  struct vg_zone z = {VG_ZONE_LOCAL, 0, fake_offset};
  struct vg_civil c;
  vg_wall_t t;
  /* Gap: local 1000000+3600 .. 1000000+7200 does not exist. */
  assert_int_equal(vg_zone_to_civil(&z, 1000000 - 1, &c), VG_OK);
  c.sec += 1; /* local 1003600: the start of the gap */
  assert_int_equal(vg_zone_from_civil(&z, &c, &t), VG_OK);
  assert_int_equal(t, 1000000);
  c.min += 30;
  assert_int_equal(vg_zone_from_civil(&z, &c, &t), VG_OK);
  assert_int_equal(t, 1000000);
  /* Repeat: local 2000000+3600 .. +7200 happens twice; take the first. */
  assert_int_equal(vg_zone_to_civil(&z, 2000000 - 1800, &c), VG_OK);
  assert_int_equal(vg_zone_from_civil(&z, &c, &t), VG_OK);
  assert_int_equal(t, 2000000 - 1800);
  assert_int_equal(vg_zone_to_civil(&z, 2000000 + 1800, &c), VG_OK);
  assert_int_equal(vg_zone_from_civil(&z, &c, &t), VG_OK);
  assert_int_equal(t, 2000000 - 1800);
}

/* A deterministic generator for the property test. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

/*
 * The oracle: among minute-aligned instants within 16 hours of L read as
 * UTC, the first whose local time is L; or, when none is (a gap), the first
 * whose local time is past L.
 */
static vg_wall_t oracle(int64_t L) {
  int64_t lo = L - 16 * 3600, hi = L + 16 * 3600;
  for (int64_t t = lo; t <= hi; t += 60) {
    int32_t off;
    assert_int_equal(vg_zone_offset(&local_zone, t, &off), VG_OK);
    if (t + off == L)
      return t;
  }
  for (int64_t t = lo; t <= hi; t += 60) {
    int32_t off;
    assert_int_equal(vg_zone_offset(&local_zone, t, &off), VG_OK);
    if (t + off > L)
      return t;
  }
  fail_msg("oracle found nothing for %lld", (long long)L);
  return 0;
}

static void check_zone_property(const char *tz) {
  use_zone(tz);
  /* Local midnights of 2020..2030 with an hour of noise, denser near DST. */
  int64_t base = vg_days_from_civil(2020, 1, 1) * 86400;
  int64_t span = vg_days_from_civil(2031, 1, 1) * 86400 - base;
  int64_t transitions[64];
  int nt = 0;
  int32_t prev;
  assert_int_equal(vg_zone_offset(&local_zone, base, &prev), VG_OK);
  for (int64_t t = base; t < base + span && nt < 64; t += 900) {
    int32_t off;
    assert_int_equal(vg_zone_offset(&local_zone, t, &off), VG_OK);
    if (off != prev)
      transitions[nt++] = t + off;
    prev = off;
  }
  for (int i = 0; i < 400; i++) {
    int64_t L;
    if (nt > 0 && i % 2 == 0)
      L = transitions[rng() % (uint64_t)nt] +
          (int64_t)(rng() % (4 * 3600 / 60)) * 60 - 2 * 3600;
    else
      L = base + (int64_t)(rng() % (uint64_t)(span / 60)) * 60;
    struct vg_civil c;
    int64_t days = L >= 0 ? L / 86400 : -((-L + 86399) / 86400);
    int64_t secs = L - days * 86400;
    vg_civil_from_days(days, &c.year, &c.mon, &c.mday);
    c.hour = (int)(secs / 3600);
    c.min = (int)(secs / 60 % 60);
    c.sec = 0;
    vg_wall_t t;
    assert_int_equal(vg_zone_from_civil(&local_zone, &c, &t), VG_OK);
    vg_wall_t want = oracle(L);
    if (t != want)
      fail_msg("%s: local %04d-%02d-%02d %02d:%02d -> %lld, oracle %lld", tz,
               c.year, c.mon, c.mday, c.hour, c.min, (long long)t,
               (long long)want);
  }
}

static void test_property_zones(void **state) {
  (void)state;
  check_zone_property("America/New_York");
  check_zone_property("Europe/Berlin");
  check_zone_property("Australia/Lord_Howe");
  check_zone_property("Asia/Tokyo");
}

static void test_zone_parse_format(void **state) {
  (void)state;
  struct vg_zone z;
  char buf[16];
  assert_int_equal(vg_zone_parse("local", &z), VG_OK);
  assert_int_equal(z.kind, VG_ZONE_LOCAL);
  assert_null(z.local_fn);
  assert_int_equal(vg_zone_parse("Local", &z), VG_OK);
  assert_int_equal(z.kind, VG_ZONE_LOCAL);
  assert_int_equal(vg_zone_parse("UTC", &z), VG_OK);
  assert_int_equal(z.kind, VG_ZONE_UTC);
  assert_int_equal(vg_zone_parse("utc", &z), VG_OK);
  assert_int_equal(z.kind, VG_ZONE_UTC);
  assert_int_equal(vg_zone_parse("+05:30", &z), VG_OK);
  assert_int_equal(z.kind, VG_ZONE_FIXED);
  assert_int_equal(z.offset_s, 19800);
  vg_zone_format(&z, buf, sizeof(buf));
  assert_string_equal(buf, "+05:30");
  assert_int_equal(vg_zone_parse("-03:00", &z), VG_OK);
  assert_int_equal(z.offset_s, -10800);
  vg_zone_format(&z, buf, sizeof(buf));
  assert_string_equal(buf, "-03:00");
  assert_int_equal(vg_zone_parse("+14:00", &z), VG_OK);
  assert_int_equal(vg_zone_parse("-00:30", &z), VG_OK);
  assert_int_equal(z.offset_s, -1800);
  vg_zone_format(&z, buf, sizeof(buf));
  assert_string_equal(buf, "-00:30");

  static const char *const bad[] = {
      "",      "loc",    "+5:30",         "+05:3",   "+15:00", "+14:30",
      "05:00", "+05:60", "Europe/Berlin", "+05:30x", "UTC+1",  " local",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_int_equal(vg_zone_parse(bad[i], &z), VG_EINVAL);
  assert_int_equal(vg_zone_parse(NULL, &z), VG_EINVAL);

  z.kind = VG_ZONE_UTC;
  vg_zone_format(&z, buf, sizeof(buf));
  assert_string_equal(buf, "UTC");
  z.kind = VG_ZONE_LOCAL;
  vg_zone_format(&z, buf, sizeof(buf));
  assert_string_equal(buf, "local");
}

static void test_time_format(void **state) {
  (void)state;
  char buf[64];
  vg_time_format(0, NULL, buf, sizeof(buf));
  assert_string_equal(buf, "1970-01-01T00:00:00Z");
  vg_time_format(1795917600, NULL, buf, sizeof(buf));
  assert_string_equal(buf, "2026-11-29T02:00:00Z");
  struct vg_zone z = {VG_ZONE_FIXED, 3600, NULL};
  vg_time_format(1795917600, &z, buf, sizeof(buf));
  assert_string_equal(buf, "2026-11-29T03:00:00+01:00");
  vg_time_format(-1, NULL, buf, sizeof(buf));
  assert_string_equal(buf, "1969-12-31T23:59:59Z");
  vg_time_format(1795917600, &utc_zone, buf, sizeof(buf));
  assert_string_equal(buf, "2026-11-29T02:00:00+00:00");
  char small[8];
  vg_time_format(1795917600, NULL, small, sizeof(small));
  assert_int_equal(strlen(small), 7);
}

static void test_time_parse(void **state) {
  (void)state;
  vg_wall_t t;
  assert_int_equal(vg_time_parse("2026-11-29T02:00:00Z", NULL, &t), VG_OK);
  assert_int_equal(t, 1795917600);
  assert_int_equal(vg_time_parse("2026-11-29T02:00Z", NULL, &t), VG_OK);
  assert_int_equal(t, 1795917600);
  assert_int_equal(vg_time_parse("2026-11-29t02:00:00z", NULL, &t), VG_OK);
  assert_int_equal(t, 1795917600);
  assert_int_equal(vg_time_parse("2026-11-29 02:00:00Z", NULL, &t), VG_OK);
  assert_int_equal(t, 1795917600);
  assert_int_equal(vg_time_parse("2026-11-29T02:00:00.987654Z", NULL, &t),
                   VG_OK);
  assert_int_equal(t, 1795917600);
  assert_int_equal(vg_time_parse("2026-11-29T03:00:00+01:00", NULL, &t), VG_OK);
  assert_int_equal(t, 1795917600);
  assert_int_equal(vg_time_parse("2026-11-28T21:00:00-05:00", NULL, &t), VG_OK);
  assert_int_equal(t, 1795917600);
  assert_int_equal(vg_time_parse("2026-11-29T02:00", &utc_zone, &t), VG_OK);
  assert_int_equal(t, 1795917600);
  struct vg_zone z = {VG_ZONE_FIXED, -3600, NULL};
  assert_int_equal(vg_time_parse("2026-11-29T01:00", &z, &t), VG_OK);
  assert_int_equal(t, 1795917600);
  assert_int_equal(vg_time_parse("2024-02-29T00:00Z", NULL, &t), VG_OK);
  use_zone("America/New_York");
  assert_int_equal(vg_time_parse("2026-03-08T02:30", &local_zone, &t), VG_OK);
  assert_int_equal(t, utc("2026-03-08T07:00Z"));

  static const char *const bad[] = {
      "",
      "2026-11-29",
      "2026-11-29T02:00",
      "2026-11-29T2:00Z",
      "2026-11-29T02:0Z",
      "2026-13-01T00:00Z",
      "2026-00-01T00:00Z",
      "2026-02-29T00:00Z",
      "2026-04-31T00:00Z",
      "2026-11-29T24:00Z",
      "2026-11-29T23:60Z",
      "2026-11-29T23:59:60Z",
      "2026-11-29T02:00:00.Z",
      "2026-11-29T02:00:00Zx",
      "2026-11-29T02:00+15:00",
      "2026/11/29T02:00Z",
      "2026-11-29X02:00Z",
      "26-11-29T02:00Z",
      "2026-11-29T02:00:00 Z",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    int rc = vg_time_parse(bad[i], NULL, &t);
    if (rc != VG_EINVAL)
      fail_msg("'%s' parsed", bad[i]);
  }
  assert_int_equal(vg_time_parse(NULL, NULL, &t), VG_EINVAL);
}

static void test_format_parse_roundtrip(void **state) {
  (void)state;
  use_zone("Australia/Lord_Howe");
  for (int i = 0; i < 5000; i++) {
    vg_wall_t t = (vg_wall_t)(rng() % 4000000000ull) - 100000000;
    char buf[64];
    vg_wall_t back;
    vg_time_format(t, &local_zone, buf, sizeof(buf));
    assert_int_equal(vg_time_parse(buf, NULL, &back), VG_OK);
    assert_int_equal(back, t);
    vg_time_format(t, NULL, buf, sizeof(buf));
    assert_int_equal(vg_time_parse(buf, NULL, &back), VG_OK);
    assert_int_equal(back, t);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_days_known),
      cmocka_unit_test(test_days_roundtrip),
      cmocka_unit_test(test_days_vs_oracle),
      cmocka_unit_test(test_days_in_month),
      cmocka_unit_test(test_to_civil_utc_fixed),
      cmocka_unit_test(test_from_civil_normalises),
      cmocka_unit_test(test_new_york),
      cmocka_unit_test(test_berlin),
      cmocka_unit_test(test_lord_howe),
      cmocka_unit_test(test_tokyo),
      cmocka_unit_test(test_local_fn),
      cmocka_unit_test(test_property_zones),
      cmocka_unit_test(test_zone_parse_format),
      cmocka_unit_test(test_time_format),
      cmocka_unit_test(test_time_parse),
      cmocka_unit_test(test_format_parse_roundtrip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
