/*
 * Unit tests of the SVG writer: escaping of markup characters, control
 * characters and bytes that are not UTF-8, formatted text and titles, and
 * the document frame.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vssguard/svg.h"

/* Runs fn on a writer over a temporary file and returns what it wrote. */
static char *written(void (*fn)(struct vg_svg *s, const char *arg),
                     const char *arg) {
  static char buf[8192];
  FILE *f = tmpfile();
  assert_non_null(f);
  struct vg_svg s = {f, 0};
  fn(&s, arg);
  assert_int_equal(s.err, 0);
  rewind(f);
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

static void put_escaped(struct vg_svg *s, const char *arg) {
  vg_svg_escaped(s, arg);
}

static void put_text(struct vg_svg *s, const char *arg) {
  vg_svg_text(s, 1.5, 2, "fill=\"#000\"", "name %s!", arg);
}

static void put_title(struct vg_svg *s, const char *arg) {
  vg_svg_title(s, "%s", arg);
}

static void test_markup_characters(void **st) {
  (void)st;
  assert_string_equal(written(put_escaped, "a<b>&\"c'd"),
                      "a&lt;b&gt;&amp;&quot;c&apos;d");
  assert_string_equal(written(put_escaped, ""), "");
  assert_string_equal(written(put_escaped, "plain"), "plain");
}

static void test_control_characters(void **st) {
  (void)st;
  assert_string_equal(written(put_escaped, "a\tb\nc\rd\x01"
                                           "e\x1f"),
                      "a\tb\nc\rd?e?");
}

static void test_utf8(void **st) {
  (void)st;
  /* Valid sequences pass; others become U+FFFD, byte by byte. */
  assert_string_equal(
      written(put_escaped, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"),
      "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
  assert_string_equal(written(put_escaped, "a\xe9z"), "a\xef\xbf\xbdz");
  assert_string_equal(written(put_escaped, "\xc0\xaf"),
                      "\xef\xbf\xbd\xef\xbf\xbd");
  assert_string_equal(written(put_escaped, "\xed\xa0\x80"),
                      "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  assert_string_equal(written(put_escaped, "x\xe2\x82"),
                      "x\xef\xbf\xbd\xef\xbf\xbd");
}

static void test_text_and_title(void **st) {
  (void)st;
  assert_string_equal(written(put_text, "<&>"),
                      "<text x=\"1.5\" y=\"2.0\" fill=\"#000\">name "
                      "&lt;&amp;&gt;!</text>\n");
  assert_string_equal(written(put_title, "a \"b\""),
                      "<title>a &quot;b&quot;</title>");
}

static void test_long_text_cut_at_a_character(void **st) {
  (void)st;
  /* 3000 bytes of two-byte characters: cut, but never inside one. */
  char *big = malloc(3001);
  assert_non_null(big);
  for (int i = 0; i < 3000; i += 2) {
    big[i] = '\xc3';
    big[i + 1] = '\xa9';
  }
  big[3000] = '\0';
  const char *out = written(put_title, big);
  free(big);
  size_t n = strlen(out);
  assert_true(n > 2000 && n < 2100);
  assert_null(strstr(out, "\xef\xbf\xbd"));
  assert_string_equal(out + n - 10, "\xc3\xa9</title>");
}

static void test_document(void **st) {
  (void)st;
  FILE *f = tmpfile();
  assert_non_null(f);
  struct vg_svg s;
  vg_svg_begin(&s, f, 100, 50, "t<1>");
  vg_svg_raw(&s, "<g/>\n");
  assert_int_equal(vg_svg_end(&s), 0);
  rewind(f);
  char buf[1024];
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  buf[n] = '\0';
  fclose(f);
  assert_non_null(strstr(buf, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
  assert_non_null(strstr(buf, "width=\"100\" height=\"50\""));
  assert_non_null(strstr(buf, "<title>t&lt;1&gt;</title>"));
  assert_string_equal(buf + n - 12, "<g/>\n</svg>\n");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_markup_characters),
      cmocka_unit_test(test_control_characters),
      cmocka_unit_test(test_utf8),
      cmocka_unit_test(test_text_and_title),
      cmocka_unit_test(test_long_text_cut_at_a_character),
      cmocka_unit_test(test_document),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
