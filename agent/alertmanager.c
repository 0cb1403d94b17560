/*
 * Alertmanager requests and answers (see vssguard/alertmanager.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vssguard/alertmanager.h"
#include "vssguard/json.h"
#include "vssguard/json_read.h"

int vg_am_url(const char *base, const char *path, char *out, size_t len) {
  size_t b = strlen(base);
  const char *sep = b > 0 && base[b - 1] == '/' ? "" : "/";
  int n = snprintf(out, len, "%s%s%s", base, sep, path);
  return n < 0 || (size_t)n >= len ? VG_ERANGE : 0;
}

/* Adds name to the list unless it is there already. */
static void add_name(struct vg_am_verdict *v, const char *name) {
  size_t len = strlen(v->names), n = strlen(name);
  const char *p = v->names;
  while ((p = strstr(p, name)) != NULL) {
    bool start = p == v->names || (p >= v->names + 2 && p[-2] == ',');
    if (start && (p[n] == '\0' || p[n] == ','))
      return;
    p += n;
  }
  if (len + n + 6 >= sizeof(v->names)) {
    if (strstr(v->names, "...") == NULL && len + 5 < sizeof(v->names))
      strcat(v->names, ", ...");
    return;
  }
  if (len > 0)
    strcat(v->names, ", ");
  strcat(v->names, name);
}

static bool own_alert(const char *name, const char *inst,
                      const char *instance) {
  return instance != NULL && strcmp(inst, instance) == 0 &&
         strncmp(name, "VssGuard", 8) == 0;
}

/* Reads one alert object: labels.alertname, labels.instance, status.state. */
static bool read_alert(struct vg_jr *r, char *name, size_t nlen, char *inst,
                       size_t ilen, char *state, size_t slen) {
  char key[64];
  name[0] = inst[0] = state[0] = '\0';
  if (!vg_jr_eat(r, '{'))
    return false;
  if (vg_jr_eat(r, '}'))
    return true;
  do {
    if (!vg_jr_string(r, key, sizeof(key)) || !vg_jr_eat(r, ':'))
      return false;
    bool labels = strcmp(key, "labels") == 0;
    bool status = strcmp(key, "status") == 0;
    if ((labels || status) && vg_jr_peek(r) == '{') {
      vg_jr_eat(r, '{');
      if (vg_jr_eat(r, '}'))
        continue;
      do {
        char k2[64];
        if (!vg_jr_string(r, k2, sizeof(k2)) || !vg_jr_eat(r, ':'))
          return false;
        if (labels && strcmp(k2, "alertname") == 0 && vg_jr_peek(r) == '"')
          vg_jr_string(r, name, nlen);
        else if (labels && strcmp(k2, "instance") == 0 && vg_jr_peek(r) == '"')
          vg_jr_string(r, inst, ilen);
        else if (status && strcmp(k2, "state") == 0 && vg_jr_peek(r) == '"')
          vg_jr_string(r, state, slen);
        else if (!vg_jr_skip(r))
          return false;
      } while (vg_jr_eat(r, ','));
      if (!vg_jr_eat(r, '}'))
        return false;
    } else if (!vg_jr_skip(r)) {
      return false;
    }
  } while (vg_jr_eat(r, ','));
  return vg_jr_eat(r, '}') && !r->bad;
}

int vg_am_check_alerts(const char *body, size_t len, const struct vg_am_gate *g,
                       const vg_regex *filter, const char *instance,
                       struct vg_am_verdict *v) {
  struct vg_jr r;
  memset(v, 0, sizeof(*v));
  vg_jr_init(&r, body, len);
  if (!vg_jr_eat(&r, '['))
    return VG_ECORRUPT;
  if (!vg_jr_eat(&r, ']')) {
    do {
      char name[256], inst[256], state[32];
      if (!read_alert(&r, name, sizeof(name), inst, sizeof(inst), state,
                      sizeof(state)))
        return VG_ECORRUPT;
      bool block = true;
      if (own_alert(name, inst, instance))
        block = false;
      else if (g->firing_only && strcmp(state, "active") != 0)
        block = false;
      else if (filter != NULL) {
        bool m = vg_regex_search(filter, name);
        block = g->match_only ? m : !m;
      }
      if (block) {
        v->blocking++;
        add_name(v, name[0] != '\0' ? name : "(no alertname)");
      } else {
        v->ignored++;
      }
    } while (vg_jr_eat(&r, ','));
    if (!vg_jr_eat(&r, ']'))
      return VG_ECORRUPT;
  }
  return vg_jr_done(&r) ? 0 : VG_ECORRUPT;
}

char *vg_am_alert_body(const char *name, const char *instance,
                       const struct vg_notify *n, const char *summary,
                       const char *description, vg_wall_t starts,
                       vg_wall_t ends) {
  struct vg_json j;
  vg_json_init(&j, NULL);
  vg_json_begin_array(&j);
  vg_json_begin_object(&j);
  vg_json_key(&j, "labels");
  vg_json_begin_object(&j);
  vg_json_key(&j, "alertname");
  vg_json_string(&j, name);
  vg_json_key(&j, "instance");
  vg_json_string(&j, instance);
  for (size_t i = 0; n != NULL && i < n->nlabels; i++) {
    vg_json_key(&j, n->label_names[i]);
    vg_json_string(&j, n->label_values[i]);
  }
  vg_json_end_object(&j);
  vg_json_key(&j, "annotations");
  vg_json_begin_object(&j);
  vg_json_key(&j, "summary");
  vg_json_string(&j, summary);
  vg_json_key(&j, "description");
  vg_json_string(&j, description);
  vg_json_end_object(&j);
  vg_json_key(&j, "startsAt");
  vg_json_time(&j, starts);
  if (ends != 0) {
    vg_json_key(&j, "endsAt");
    vg_json_time(&j, ends);
  }
  vg_json_end_object(&j);
  vg_json_end_array(&j);
  char *out = vg_json_error(&j) == 0 ? strdup(vg_json_str(&j)) : NULL;
  vg_json_free(&j);
  return out;
}

char *vg_am_silence_body(const char *instance, vg_wall_t starts, vg_wall_t ends,
                         const char *comment) {
  struct vg_json j;
  vg_json_init(&j, NULL);
  vg_json_begin_object(&j);
  vg_json_key(&j, "matchers");
  vg_json_begin_array(&j);
  vg_json_begin_object(&j);
  vg_json_key(&j, "name");
  vg_json_string(&j, "instance");
  vg_json_key(&j, "value");
  vg_json_string(&j, instance);
  vg_json_key(&j, "isRegex");
  vg_json_bool(&j, false);
  vg_json_key(&j, "isEqual");
  vg_json_bool(&j, true);
  vg_json_end_object(&j);
  /* The agent's own alerts stay visible: they tell about this reboot. */
  vg_json_begin_object(&j);
  vg_json_key(&j, "name");
  vg_json_string(&j, "alertname");
  vg_json_key(&j, "value");
  vg_json_string(&j, "VssGuard.*");
  vg_json_key(&j, "isRegex");
  vg_json_bool(&j, true);
  vg_json_key(&j, "isEqual");
  vg_json_bool(&j, false);
  vg_json_end_object(&j);
  vg_json_end_array(&j);
  vg_json_key(&j, "startsAt");
  vg_json_time(&j, starts);
  vg_json_key(&j, "endsAt");
  vg_json_time(&j, ends);
  vg_json_key(&j, "createdBy");
  vg_json_string(&j, "vssguard");
  vg_json_key(&j, "comment");
  vg_json_string(&j, comment);
  vg_json_end_object(&j);
  char *out = vg_json_error(&j) == 0 ? strdup(vg_json_str(&j)) : NULL;
  vg_json_free(&j);
  return out;
}

int vg_am_silence_id(const char *body, size_t len, char *id, size_t idlen) {
  struct vg_jr r;
  char key[32];
  id[0] = '\0';
  vg_jr_init(&r, body, len);
  if (!vg_jr_eat(&r, '{'))
    return VG_ECORRUPT;
  if (!vg_jr_eat(&r, '}')) {
    do {
      if (!vg_jr_string(&r, key, sizeof(key)) || !vg_jr_eat(&r, ':'))
        return VG_ECORRUPT;
      if (strcmp(key, "silenceID") == 0 && vg_jr_peek(&r) == '"') {
        if (!vg_jr_string(&r, id, idlen))
          return VG_ECORRUPT;
      } else if (!vg_jr_skip(&r)) {
        return VG_ECORRUPT;
      }
    } while (vg_jr_eat(&r, ','));
    if (!vg_jr_eat(&r, '}'))
      return VG_ECORRUPT;
  }
  if (!vg_jr_done(&r) || id[0] == '\0')
    return VG_ECORRUPT;
  for (const char *s = id; *s != '\0'; s++)
    if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
          (*s >= 'A' && *s <= 'Z') || *s == '-')) {
      id[0] = '\0';
      return VG_ECORRUPT;
    }
  return 0;
}
