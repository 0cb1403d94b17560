/*
 * The command line of vssguard: the table of subcommands, the small
 * portable option parser they share, and the entry point. Each command
 * lives in its own file under agent/cli/ (git's builtin/ way); the report
 * helpers they share are in report.c. Exit codes: 0 success, 2 bad input
 * (policy, state or event file), 64 usage error, 1 anything else.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"

/* The portable commands, in the order of "vssguard --help". */
static const struct cmd *const commands[] = {
    &vg_cli_cmd_check_policy, &vg_cli_cmd_windows,    &vg_cli_cmd_plan,
    &vg_cli_cmd_replay,       &vg_cli_cmd_status,     &vg_cli_cmd_run,
    &vg_cli_cmd_reset,        &vg_cli_cmd_reboot,     &vg_cli_cmd_pause,
    &vg_cli_cmd_resume,       &vg_cli_cmd_fleet_lock, &vg_cli_cmd_help,
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* ---- Option parsing ---------------------------------------------------- */

int vg_cli_usage_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "vssguard: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  if (cmd != NULL)
    fprintf(stderr, " (try 'vssguard help %s')\n", cmd);
  else
    fprintf(stderr, " (try 'vssguard --help')\n");
  return VG_EXIT_USAGE;
}

static struct opt *find_opt(struct opt *opts, size_t n, const char *name,
                            size_t len) {
  for (size_t i = 0; i < n; i++)
    if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
      return &opts[i];
  return NULL;
}

/* Takes the long option at argv[*i] (and its value). Returns 0 or
 * VG_EXIT_USAGE after printing a hint. */
static int take_long(const char *cmd, int argc, char **argv, int *i,
                     struct opt *opts, size_t nopts) {
  const char *a = argv[*i];
  const char *name = a + 2;
  const char *eq = strchr(name, '=');
  size_t len = eq ? (size_t)(eq - name) : strlen(name);
  struct opt *o = find_opt(opts, nopts, name, len);
  if (o == NULL)
    return vg_cli_usage_error(cmd, "unknown option '%s'", a);
  if (o->seen)
    return vg_cli_usage_error(cmd, "option '%s' given twice", a);
  o->seen = true;
  if (o->has_arg) {
    if (eq != NULL)
      o->arg = eq + 1;
    else if (*i + 1 < argc)
      o->arg = argv[++*i];
    else
      return vg_cli_usage_error(cmd, "option '%s' needs a value", a);
  } else if (eq != NULL) {
    return vg_cli_usage_error(cmd, "option '%s' takes no value", a);
  }
  return 0;
}

int vg_cli_parse_opts(const char *cmd, int argc, char **argv, struct opt *opts,
                      size_t nopts, char **pos, int maxpos, int *npos) {
  bool only_pos = false;
  *npos = 0;
  for (int i = 2; i < argc; i++) {
    char *a = argv[i];
    if (!only_pos && strcmp(a, "--") == 0) {
      only_pos = true;
      continue;
    }
    if (!only_pos && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0))
      return -1;
    if (!only_pos && a[0] == '-' && a[1] == '-') {
      int rc = take_long(cmd, argc, argv, &i, opts, nopts);
      if (rc != 0)
        return rc;
      continue;
    }
    if (!only_pos && a[0] == '-' && a[1] != '\0')
      return vg_cli_usage_error(cmd, "unknown option '%s'", a);
    if (*npos >= maxpos)
      return vg_cli_usage_error(cmd, "unexpected argument '%s'", a);
    pos[(*npos)++] = a;
  }
  return 0;
}

bool vg_cli_parse_cmd(const struct cmd *c, int argc, char **argv,
                      struct opt *opts, size_t nopts, char **pos, int maxpos,
                      int *npos, int *code) {
  int rc =
      vg_cli_parse_opts(c->name, argc, argv, opts, nopts, pos, maxpos, npos);
  *code = VG_EXIT_OK;
  if (rc < 0) {
    vg_cli_print_cmd_help(c, stdout);
    return true;
  }
  *code = rc;
  return rc != 0;
}

struct opt *vg_cli_opt(struct opt *opts, size_t n, const char *name) {
  return find_opt(opts, n, name, strlen(name));
}

int vg_cli_parse_u64(const char *s, uint64_t *out) {
  char *end;
  if (s == NULL || *s == '\0' || *s == '-')
    return VG_EINVAL;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || *end != '\0')
    return VG_EINVAL;
  *out = v;
  return 0;
}

int vg_cli_parse_when(const char *cmd, const char *opt, const char *s,
                      const struct vg_zone *z, vg_wall_t *t) {
  if (strcmp(s, "now") == 0) {
    *t = vg_plat_now();
    return 0;
  }
  if (vg_time_parse(s, z, t) != 0) {
    fprintf(stderr,
            "vssguard: %s: bad time '%s' (use YYYY-MM-DDTHH:MM[:SS] with an "
            "optional Z or +HH:MM; try 'vssguard help %s')\n",
            opt, s, cmd);
    return VG_EXIT_USAGE;
  }
  return 0;
}

/* ---- The table, help and main ------------------------------------------- */

const struct cmd *vg_cli_find_cmd(const char *name) {
  for (size_t i = 0; i < NCOMMANDS; i++)
    if (strcmp(commands[i]->name, name) == 0)
      return commands[i];
  return NULL;
}

void vg_cli_print_usage(FILE *f) {
  char defp[1024], defs[1024];
  fprintf(f,
          "vssguard %s - VSS Session Guard: reboots Windows Server 2008/R2\n"
          "inside maintenance windows before VSS writer sessions reach 64.\n\n"
          "Usage: vssguard COMMAND [OPTIONS]\n\nCommands:\n",
          VG_VERSION);
  for (size_t i = 0; i < NCOMMANDS; i++)
    fprintf(f, "  %-14s %s\n", commands[i]->name, commands[i]->summary);
  fputs(vg_cli_platform_help(), f);
  fprintf(f,
          "\nOptions:\n  --version      print the version\n"
          "  --help         print this help; 'vssguard help COMMAND' for one\n"
          "\nDefaults: --policy %s, --state %s\n"
          "Exit codes: 0 ok, 1 failure, 2 bad input, 64 usage error.\n",
          vg_policy_default_path(defp, sizeof(defp)),
          vg_cli_default_path("state", defs, sizeof(defs)));
}

void vg_cli_print_cmd_help(const struct cmd *c, FILE *f) {
  fprintf(f, "Usage: vssguard %s %s\n\n%s%s", c->name, c->args, c->summary,
          c->help[0] ? ".\n\n" : ".\n");
  fputs(c->help, f);
}

int vg_cli_main(int argc, char **argv) {
  if (argc < 2)
    return vg_cli_usage_error(NULL, "%s", "a command is needed");
  const char *a = argv[1];
  if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
    printf("vssguard %s\n", VG_VERSION);
    return VG_EXIT_OK;
  }
  if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
    vg_cli_print_usage(stdout);
    return VG_EXIT_OK;
  }
  int handled = 0;
  int rc = vg_cli_platform(argc, argv, &handled);
  if (handled)
    return rc;
  const struct cmd *c = vg_cli_find_cmd(a);
  if (c == NULL) {
    if (a[0] == '-')
      return vg_cli_usage_error(NULL, "unknown option '%s'", a);
    return vg_cli_usage_error(NULL, "unknown command '%s'", a);
  }
  return c->fn(c, argc, argv);
}
