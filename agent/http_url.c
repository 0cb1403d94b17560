/*
 * The URL check shared by both HTTP implementations and the policy loader:
 * an absolute http:// or https:// URL with a non-empty host and no spaces or
 * control characters.
 */
#include <string.h>

#include "vssguard/http.h"

static int has_prefix(const char *s, const char *p) {
  size_t n = strlen(p);
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z')
      c = (char)(c - 'A' + 'a');
    if (c != p[i])
      return 0;
  }
  return 1;
}

int vg_http_url_ok(const char *url) {
  const char *host;
  if (url == NULL)
    return VG_EINVAL;
  if (has_prefix(url, "http://"))
    host = url + 7;
  else if (has_prefix(url, "https://"))
    host = url + 8;
  else
    return VG_EINVAL;
  if (*host == '\0' || *host == '/' || *host == ':' || *host == '?' ||
      *host == '#')
    return VG_EINVAL;
  for (const char *p = url; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (c <= 0x20 || c == 0x7f)
      return VG_EINVAL;
  }
  return VG_OK;
}
