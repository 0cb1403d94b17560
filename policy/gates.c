/*
 * The policy model of gates, hooks and notifications (vssguard/policy_gates.h):
 * defaults, the checks the YAML loader and the Group Policy layer share, the
 * AlertmanagerUrl override and the summary line.
 */
#include <stdio.h>
#include <string.h>

#include "vssguard/http.h"
#include "vssguard/policy_gates.h"

static void command_defaults(struct vg_command *c, int64_t timeout_s) {
  memset(c, 0, sizeof(*c));
  c->timeout_s = timeout_s;
}

void vg_gates_defaults(struct vg_gates *g, struct vg_hooks *h,
                       struct vg_notify *n) {
  memset(g, 0, sizeof(*g));
  g->sessions_wait_s = VG_SESSIONS_WAIT_DEFAULT_S;
  g->retry_s = VG_GATES_RETRY_DEFAULT_S;
  g->alertmanager.firing_only = true;
  g->alertmanager.block_on_error = true;
  command_defaults(&g->command, VG_GATE_COMMAND_TIMEOUT_DEFAULT_S);
  command_defaults(&h->pre_reboot, VG_HOOK_TIMEOUT_DEFAULT_S);
  command_defaults(&h->post_boot, VG_HOOK_TIMEOUT_DEFAULT_S);
  memset(n, 0, sizeof(*n));
  n->silence_s = VG_SILENCE_DEFAULT_S;
}

static bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int vg_command_path_ok(const char *path) {
  if (path == NULL || path[0] == '\0')
    return VG_EINVAL;
  if (path[0] == '/')
    return VG_OK;
  if (is_alpha(path[0]) && path[1] == ':' &&
      (path[2] == '\\' || path[2] == '/') && path[3] != '\0')
    return VG_OK;
  if (path[0] == '\\' && path[1] == '\\' && path[2] != '\0' && path[2] != '\\')
    return VG_OK;
  return VG_EINVAL;
}

int vg_label_name_ok(const char *name) {
  if (name == NULL || !(is_alpha(name[0]) || name[0] == '_'))
    return VG_EINVAL;
  for (const char *s = name + 1; *s != '\0'; s++)
    if (!(is_alpha(*s) || (*s >= '0' && *s <= '9') || *s == '_'))
      return VG_EINVAL;
  return VG_OK;
}

int vg_gates_override_url(struct vg_gates *g, struct vg_notify *n,
                          const char *file, const char *url, vg_diags *d) {
  if (strlen(url) > VG_URL_MAX) {
    vg_diags_add(d, file, 0, 0, "the URL is longer than %d characters",
                 VG_URL_MAX);
    return VG_EINVAL;
  }
  if (vg_http_url_ok(url) != VG_OK) {
    vg_diags_add(d, file, 0, 0,
                 "'%.200s' is not an http:// or https:// URL with a host", url);
    return VG_EINVAL;
  }
  if (g->alertmanager.set)
    snprintf(g->alertmanager.url, sizeof(g->alertmanager.url), "%s", url);
  if (n->set || !g->alertmanager.set) {
    n->set = true;
    snprintf(n->url, sizeof(n->url), "%s", url);
  }
  return VG_OK;
}

void vg_gates_summary(const struct vg_gates *g, const struct vg_hooks *h,
                      const struct vg_notify *n, char *buf, size_t len) {
  size_t used = 0;
  buf[0] = '\0';
#define PART(...)                                                              \
  do {                                                                         \
    if (used < len) {                                                          \
      int k = snprintf(buf + used, len - used, __VA_ARGS__);                   \
      if (k > 0)                                                               \
        used += (size_t)k;                                                     \
    }                                                                          \
  } while (0)
  const char *sep = "gates: ";
  if (g->sessions) {
    PART("%ssessions (wait %llds)", sep, (long long)g->sessions_wait_s);
    sep = ", ";
  }
  if (g->nprocesses > 0) {
    PART("%s%zu process%s", sep, g->nprocesses, g->nprocesses == 1 ? "" : "es");
    sep = ", ";
  }
  if (g->alertmanager.set) {
    PART("%salertmanager", sep);
    sep = ", ";
  }
  if (g->command.set) {
    PART("%scommand", sep);
    sep = ", ";
  }
  sep = used > 0 ? "; hooks: " : "hooks: ";
  if (h->pre_reboot.set) {
    PART("%spre_reboot", sep);
    sep = ", ";
  }
  if (h->post_boot.set)
    PART("%spost_boot", sep);
  if (n->set)
    PART("%snotify: alertmanager", used > 0 ? "; " : "");
#undef PART
}
