/*
 * The FleetLock protocol without sockets: request building and answer
 * interpretation (see vssguard/fleetlock.h). The JSON body is written with
 * the project's JSON writer; the error body of a refusal is read with a
 * small reader that only looks for the top-level "kind" and "value"
 * strings and gives up on anything it does not understand.
 */
#include <stdio.h>
#include <string.h>

#include "vssguard/fleetlock.h"
#include "vssguard/json.h"
#include "vssguard/platform.h"

static const char *const fleet_headers[] = {
    "fleet-lock-protocol: true", "Content-Type: application/json", NULL};

const char *vg_fleet_op_path(enum vg_fleet_op op) {
  return op == VG_FLEET_PRE_REBOOT ? "v1/pre-reboot" : "v1/steady-state";
}

bool vg_fleet_group_ok(const char *group) {
  size_t n = group ? strlen(group) : 0;
  if (n == 0 || n > VG_FLEET_MAX_GROUP)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = group[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '.' || c == '-'))
      return false;
  }
  return true;
}

bool vg_fleet_id_ok(const char *id) {
  size_t n = id ? strlen(id) : 0;
  if (n == 0 || n > VG_FLEET_MAX_ID)
    return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)id[i];
    if (c < 0x20 || c == 0x7f)
      return false;
  }
  return true;
}

int vg_fleet_build(const char *base_url, enum vg_fleet_op op, const char *id,
                   const char *group, struct vg_fleet_call *out) {
  memset(out, 0, sizeof(*out));
  if (vg_http_url_ok(base_url) != 0 || strlen(base_url) > VG_FLEET_MAX_URL ||
      !vg_fleet_id_ok(id) || !vg_fleet_group_ok(group))
    return VG_EINVAL;
  size_t n = strlen(base_url);
  snprintf(out->url, sizeof(out->url), "%s%s%s", base_url,
           base_url[n - 1] == '/' ? "" : "/", vg_fleet_op_path(op));

  struct vg_json j;
  vg_json_init(&j, NULL);
  vg_json_begin_object(&j);
  vg_json_key(&j, "client_params");
  vg_json_begin_object(&j);
  vg_json_key(&j, "id");
  vg_json_string(&j, id);
  vg_json_key(&j, "group");
  vg_json_string(&j, group);
  vg_json_end_object(&j);
  vg_json_end_object(&j);
  int rc = vg_json_error(&j);
  const char *s = vg_json_str(&j);
  size_t len = strlen(s);
  if (rc == 0 && len >= sizeof(out->body))
    rc = VG_ERANGE;
  if (rc == 0) {
    memcpy(out->body, s, len + 1);
    out->body_len = len;
  }
  vg_json_free(&j);
  return rc;
}

void vg_fleet_http_req(const struct vg_fleet_call *call, vg_http_req *out) {
  memset(out, 0, sizeof(*out));
  out->method = "POST";
  out->url = call->url;
  out->headers = fleet_headers;
  out->body = call->body;
  out->body_len = call->body_len;
}

/* A cursor over a JSON text; any surprise sets bad. */
struct rd {
  const char *p, *end;
  bool bad;
};

static void ws(struct rd *r) {
  while (r->p < r->end &&
         (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
    r->p++;
}

/* Reads a string into buf (truncated; \u escapes become '?'). */
static void read_string(struct rd *r, char *buf, size_t len) {
  size_t o = 0;
  if (r->p >= r->end || *r->p != '"') {
    r->bad = true;
    return;
  }
  r->p++;
  while (r->p < r->end && *r->p != '"') {
    char c = *r->p++;
    if ((unsigned char)c < 0x20) {
      r->bad = true;
      return;
    }
    if (c == '\\') {
      if (r->p >= r->end) {
        r->bad = true;
        return;
      }
      char e = *r->p++;
      switch (e) {
      case 'n': c = '\n'; break;
      case 't': c = '\t'; break;
      case 'r': c = '\r'; break;
      case 'b': c = '\b'; break;
      case 'f': c = '\f'; break;
      case 'u':
        if (r->end - r->p < 4) {
          r->bad = true;
          return;
        }
        r->p += 4;
        c = '?';
        break;
      case '"':
      case '\\':
      case '/': c = e; break;
      default: r->bad = true; return;
      }
    }
    if (buf != NULL && o + 1 < len)
      buf[o++] = c;
  }
  if (r->p >= r->end) {
    r->bad = true;
    return;
  }
  r->p++;
  if (buf != NULL && len > 0)
    buf[o] = '\0';
}

/* Skips any value (nesting bounded by depth). */
static void skip_value(struct rd *r, int depth) {
  ws(r);
  if (r->p >= r->end || depth > 16) {
    r->bad = true;
    return;
  }
  char c = *r->p;
  if (c == '"') {
    read_string(r, NULL, 0);
  } else if (c == '{' || c == '[') {
    char close = c == '{' ? '}' : ']';
    r->p++;
    ws(r);
    if (r->p < r->end && *r->p == close) {
      r->p++;
      return;
    }
    for (;;) {
      if (c == '{') {
        ws(r);
        read_string(r, NULL, 0);
        ws(r);
        if (r->bad || r->p >= r->end || *r->p != ':') {
          r->bad = true;
          return;
        }
        r->p++;
      }
      skip_value(r, depth + 1);
      ws(r);
      if (r->bad || r->p >= r->end) {
        r->bad = true;
        return;
      }
      if (*r->p == ',') {
        r->p++;
        continue;
      }
      if (*r->p == close) {
        r->p++;
        return;
      }
      r->bad = true;
      return;
    }
  } else {
    /* A number, true, false or null: the run of their characters. */
    const char *s = r->p;
    while (r->p < r->end && strchr("0123456789+-.eEtrufalsn", *r->p) != NULL)
      r->p++;
    if (r->p == s)
      r->bad = true;
  }
}

/*
 * Reads "kind" and "value" of a top-level JSON object. Returns true when
 * the whole body is one well-formed object with a string "kind".
 */
static bool read_error_body(const char *body, size_t len, char *kind,
                            size_t klen, char *value, size_t vlen) {
  struct rd r = {body, body + len, false};
  bool have_kind = false;
  kind[0] = value[0] = '\0';
  ws(&r);
  if (r.p >= r.end || *r.p != '{')
    return false;
  r.p++;
  ws(&r);
  if (r.p < r.end && *r.p == '}')
    return false;
  for (;;) {
    char key[32];
    ws(&r);
    read_string(&r, key, sizeof(key));
    ws(&r);
    if (r.bad || r.p >= r.end || *r.p != ':')
      return false;
    r.p++;
    ws(&r);
    if (strcmp(key, "kind") == 0 && r.p < r.end && *r.p == '"') {
      read_string(&r, kind, klen);
      have_kind = !r.bad && kind[0] != '\0';
    } else if (strcmp(key, "value") == 0 && r.p < r.end && *r.p == '"') {
      read_string(&r, value, vlen);
    } else {
      skip_value(&r, 1);
    }
    ws(&r);
    if (r.bad || r.p >= r.end)
      return false;
    if (*r.p == ',') {
      r.p++;
      continue;
    }
    if (*r.p != '}')
      return false;
    r.p++;
    ws(&r);
    return r.p == r.end && have_kind;
  }
}

/* Keeps printable ASCII of s (a kind from the wire goes into logs and
 * metric labels). */
static void sanitize(char *s, bool label) {
  for (char *p = s; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (label ? !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.')
              : (c < 0x20 || c == 0x7f))
      *p = '_';
  }
}

void vg_fleet_interpret(const vg_http_resp *resp, struct vg_fleet_answer *out) {
  memset(out, 0, sizeof(*out));
  if (resp->err != 0) {
    out->outcome = VG_FLEET_ERROR;
    snprintf(out->kind, sizeof(out->kind), "%s",
             resp->err == VG_ETIMEOUT ? "timeout" : "network");
    snprintf(out->value, sizeof(out->value), "%s",
             resp->errmsg[0] ? resp->errmsg : vg_strerror(resp->err));
    return;
  }
  out->status = resp->status;
  if (resp->status == 200) {
    out->outcome = VG_FLEET_GRANTED;
    return;
  }
  long st = resp->status;
  out->outcome = (st >= 400 && st < 500 && st != 409 && st != 423 && st != 429)
                     ? VG_FLEET_REJECTED
                     : VG_FLEET_DENIED;
  if (resp->body != NULL &&
      read_error_body(resp->body, resp->body_len, out->kind, sizeof(out->kind),
                      out->value, sizeof(out->value))) {
    sanitize(out->kind, true);
    sanitize(out->value, false);
    return;
  }
  /* No JSON: keep the first line of a text body (poseidon answers text). */
  snprintf(out->kind, sizeof(out->kind), "http_%ld", st);
  out->value[0] = '\0';
  if (resp->body != NULL) {
    size_t n = strcspn(resp->body, "\r\n");
    if (n >= sizeof(out->value))
      n = sizeof(out->value) - 1;
    memcpy(out->value, resp->body, n);
    out->value[n] = '\0';
    sanitize(out->value, false);
  }
}

int vg_fleet_default_id(char *buf, size_t len) {
  int rc = vg_plat_dns_name(buf, len);
  if (rc != 0)
    return rc;
  for (char *p = buf; *p; p++)
    if (*p >= 'A' && *p <= 'Z')
      *p = (char)(*p - 'A' + 'a');
  return vg_fleet_id_ok(buf) ? 0 : VG_EINVAL;
}
