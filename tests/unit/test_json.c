/*
 * Unit tests of the JSON writer: escaping, UTF-8 checking, commas and
 * nesting, numbers and the streaming mode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vssguard/json.h"

static void test_escape_specials(void **st) {
  (void)st;
  char buf[128];
  vg_json_escape("a\"b\\c\nd\re\tf\bg\fh", buf, sizeof(buf));
  assert_string_equal(buf, "a\\\"b\\\\c\\nd\\re\\tf\\bg\\fh");
  vg_json_escape("\x01\x1f\x7f/", buf, sizeof(buf));
  assert_string_equal(buf, "\\u0001\\u001f\x7f/");
}

static void test_escape_utf8(void **st) {
  (void)st;
  char buf[128];
  /* Valid 2, 3 and 4 byte sequences pass through unchanged. */
  vg_json_escape("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", buf, sizeof(buf));
  assert_string_equal(buf, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
  /* A lone continuation byte, a truncated sequence, an overlong form and
   * an encoded surrogate each become U+FFFD. */
  vg_json_escape("a\x80z", buf, sizeof(buf));
  assert_string_equal(buf, "a\\ufffdz");
  vg_json_escape("a\xe2\x82", buf, sizeof(buf));
  assert_string_equal(buf, "a\\ufffd\\ufffd");
  vg_json_escape("\xc0\xaf", buf, sizeof(buf));
  assert_string_equal(buf, "\\ufffd\\ufffd");
  vg_json_escape("\xed\xa0\x80", buf, sizeof(buf));
  assert_string_equal(buf, "\\ufffd\\ufffd\\ufffd");
  vg_json_escape("\xf5\x80\x80\x80", buf, sizeof(buf));
  assert_string_equal(buf, "\\ufffd\\ufffd\\ufffd\\ufffd");
}

static void test_escape_truncates_whole_pieces(void **st) {
  (void)st;
  char buf[6];
  /* "ab\n" needs 4 bytes; "\"" would not fit whole and is dropped. */
  vg_json_escape("ab\ncd\"", buf, sizeof(buf));
  assert_string_equal(buf, "ab\\n");
}

static void test_document(void **st) {
  (void)st;
  struct vg_json j;
  vg_json_init(&j, NULL);
  vg_json_begin_object(&j);
  vg_json_key(&j, "slots");
  vg_json_begin_array(&j);
  vg_json_begin_object(&j);
  vg_json_key(&j, "start");
  vg_json_time(&j, 1795917600); /* 2026-11-29T02:00:00Z */
  vg_json_key(&j, "n");
  vg_json_int(&j, -3);
  vg_json_end_object(&j);
  vg_json_begin_object(&j);
  vg_json_end_object(&j);
  vg_json_end_array(&j);
  vg_json_key(&j, "ok");
  vg_json_bool(&j, true);
  vg_json_key(&j, "none");
  vg_json_null(&j);
  vg_json_key(&j, "big");
  vg_json_uint(&j, UINT64_MAX);
  vg_json_key(&j, "rate");
  vg_json_double(&j, 1.5);
  vg_json_key(&j, "inf");
  vg_json_double(&j, 1.0 / 0.0);
  vg_json_key(&j, "s\"k");
  vg_json_string(&j, "v\x01");
  vg_json_end_object(&j);
  assert_int_equal(vg_json_error(&j), 0);
  assert_string_equal(
      vg_json_str(&j),
      "{\"slots\":[{\"start\":\"2026-11-29T02:00:00Z\",\"n\":-3},{}],"
      "\"ok\":true,\"none\":null,\"big\":18446744073709551615,\"rate\":1.5,"
      "\"inf\":null,\"s\\\"k\":\"v\\u0001\"}");
  vg_json_free(&j);
}

static void test_top_level_array_and_string_n(void **st) {
  (void)st;
  struct vg_json j;
  vg_json_init(&j, NULL);
  vg_json_begin_array(&j);
  vg_json_int(&j, 1);
  vg_json_string_n(&j, "abcdef", 3);
  vg_json_string(&j, NULL);
  vg_json_end_array(&j);
  assert_string_equal(vg_json_str(&j), "[1,\"abc\",null]");
  vg_json_free(&j);
}

static void test_unbalanced_is_an_error(void **st) {
  (void)st;
  struct vg_json j;
  vg_json_init(&j, NULL);
  vg_json_end_object(&j);
  assert_int_equal(vg_json_error(&j), VG_EINVAL);
  vg_json_free(&j);

  vg_json_init(&j, NULL);
  for (int i = 0; i < VG_JSON_MAX_DEPTH + 2; i++)
    vg_json_begin_array(&j);
  assert_int_equal(vg_json_error(&j), VG_EINVAL);
  vg_json_free(&j);
}

static void test_stream_to_file(void **st) {
  (void)st;
  FILE *f = fopen("test_json_out.json", "w+b");
  assert_non_null(f);
  struct vg_json j;
  vg_json_init(&j, f);
  vg_json_begin_object(&j);
  vg_json_key(&j, "a");
  vg_json_begin_array(&j);
  for (int i = 0; i < 3; i++)
    vg_json_int(&j, i);
  vg_json_end_array(&j);
  vg_json_end_object(&j);
  assert_int_equal(vg_json_error(&j), 0);
  assert_string_equal(vg_json_str(&j), "");
  rewind(f);
  char buf[64] = "";
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  buf[n] = '\0';
  assert_string_equal(buf, "{\"a\":[0,1,2]}");
  fclose(f);
  remove("test_json_out.json");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_escape_specials),
      cmocka_unit_test(test_escape_utf8),
      cmocka_unit_test(test_escape_truncates_whole_pieces),
      cmocka_unit_test(test_document),
      cmocka_unit_test(test_top_level_array_and_string_n),
      cmocka_unit_test(test_unbalanced_is_an_error),
      cmocka_unit_test(test_stream_to_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
