/*
 * The SVG writer (see vssguard/svg.h): printf-style markup, and escaping
 * for whatever text the pictures take from policies and event logs.
 */
#include <stdarg.h>
#include <string.h>

#include "vssguard/svg.h"

static void put(struct vg_svg *s, const char *p, size_t n) {
  if (n > 0 && fwrite(p, 1, n, s->f) != n)
    s->err = VG_EIO;
}

void vg_svg_raw(struct vg_svg *s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (vfprintf(s->f, fmt, ap) < 0)
    s->err = VG_EIO;
  va_end(ap);
}

/*
 * The length of the valid UTF-8 sequence at p (1 to 4), or 0 when it is
 * not one: a stray continuation byte, a truncated or overlong sequence, a
 * surrogate or a code point above U+10FFFF.
 */
static size_t utf8_len(const unsigned char *p) {
  unsigned c = p[0];
  size_t n;
  unsigned cp;
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF)
    n = 2, cp = c & 0x1F;
  else if (c >= 0xE0 && c <= 0xEF)
    n = 3, cp = c & 0x0F;
  else if (c >= 0xF0 && c <= 0xF4)
    n = 4, cp = c & 0x07;
  else
    return 0;
  for (size_t i = 1; i < n; i++) {
    if ((p[i] & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (p[i] & 0x3Fu);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

void vg_svg_escaped(struct vg_svg *s, const char *text) {
  const char *run = text;
  const char *p = text;
  while (*p != '\0') {
    unsigned char c = (unsigned char)*p;
    size_t n = utf8_len((const unsigned char *)p);
    const char *ent = NULL;
    switch (c) {
    case '&': ent = "&amp;"; break;
    case '<': ent = "&lt;"; break;
    case '>': ent = "&gt;"; break;
    case '"': ent = "&quot;"; break;
    case '\'': ent = "&apos;"; break;
    default:
      /* XML 1.0 allows tab, newline and carriage return, no other C0;
       * bytes that are not UTF-8 become U+FFFD. */
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
        ent = "?";
      else if (n == 0)
        ent = "\xEF\xBF\xBD";
      break;
    }
    if (ent != NULL) {
      put(s, run, (size_t)(p - run));
      put(s, ent, strlen(ent));
      p++;
      run = p;
    } else {
      p += n;
    }
  }
  put(s, run, (size_t)(p - run));
}

/* Formats into buf (truncated to its size) and writes it escaped. */
static void escaped_v(struct vg_svg *s, const char *fmt, va_list ap)
    VG_PRINTF(2, 0);
static void escaped_v(struct vg_svg *s, const char *fmt, va_list ap) {
  char buf[2048];
  int n = vsnprintf(buf, sizeof(buf), fmt, ap);
  if (n >= (int)sizeof(buf)) {
    /* Cut at a character boundary: a partial UTF-8 sequence is not XML. */
    size_t len = sizeof(buf) - 1;
    while (len > 0 && ((unsigned char)buf[len - 1] & 0xC0) == 0x80)
      len--;
    if (len > 0 && (unsigned char)buf[len - 1] >= 0xC0)
      len--;
    buf[len] = '\0';
  }
  vg_svg_escaped(s, buf);
}

void vg_svg_text(struct vg_svg *s, double x, double y, const char *attrs,
                 const char *fmt, ...) {
  va_list ap;
  vg_svg_raw(s, "<text x=\"%.1f\" y=\"%.1f\"%s%s>", x, y, *attrs ? " " : "",
             attrs);
  va_start(ap, fmt);
  escaped_v(s, fmt, ap);
  va_end(ap);
  vg_svg_raw(s, "</text>\n");
}

void vg_svg_title(struct vg_svg *s, const char *fmt, ...) {
  va_list ap;
  vg_svg_raw(s, "<title>");
  va_start(ap, fmt);
  escaped_v(s, fmt, ap);
  va_end(ap);
  vg_svg_raw(s, "</title>");
}

void vg_svg_begin(struct vg_svg *s, FILE *f, int width, int height,
                  const char *title) {
  s->f = f;
  s->err = 0;
  vg_svg_raw(s,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
             "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
             "font-family=\"DejaVu Sans, Verdana, Arial, sans-serif\" "
             "font-size=\"13\">\n",
             width, height, width, height);
  vg_svg_title(s, "%s", title);
  vg_svg_raw(s, "\n");
}

int vg_svg_end(struct vg_svg *s) {
  vg_svg_raw(s, "</svg>\n");
  if (fflush(s->f) != 0 || ferror(s->f))
    s->err = VG_EIO;
  return s->err;
}
