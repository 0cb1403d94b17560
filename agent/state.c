/*
 * The state store: the agent's persistent state in one small text file.
 *
 * Format (one item per line, fields separated by one space):
 *
 *   vssguard-state 1
 *   boot_time <seconds UTC, 0 = unknown>
 *   count <inferred active sessions>
 *   last_event_time <seconds UTC>
 *   attempts <reboot attempts not yet followed by a boot>
 *   locked <0|1>
 *   boot_ident <saved at> <uptime s> <boot id or "-">  (optional)
 *   scheduled <at> <slot_start> <slot_end>        (only when one is set)
 *   channel <name> <last EventRecordID>
 *   bookmark <channel> <bookmark XML>
 *   run <start> <flags>       (flags: letters of "secoftvb", or "-")
 *   reboot <at> <count at the time> <confirmed 0|1>
 *   fleet_slot <since> <group> <id>    (only while a FleetLock slot is held)
 *   request <at>[ <reason>]     (an administrator's reboot request, optional)
 *   pause <until> <at>[ <reason>]        (an administrator's pause, optional)
 *   post_boot <boot time>     (post-boot duties done for that boot, optional)
 *   silence <id> <until>      (Alertmanager silence to expire, optional)
 *   remediation <pending 0|1> <verified_at>  (after a confirmed reboot)
 *   end
 *
 * Channel names and bookmarks escape backslash, newline, carriage return and
 * tab as \\ \n \r \t; a channel name also escapes a space as \s. The final
 * "end" line tells a complete file from a truncated one. The loader is
 * strict: an unknown key, a bad number, a wrong version or a missing end is
 * VG_ECORRUPT with "path:line: message".
 *
 * Saving writes path.tmp, flushes it to disk and renames it over path, so a
 * crash leaves either the old or the new file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "state_internal.h"
#include "vssguard/platform.h"

#define STATE_MAGIC "vssguard-state"
/* A state file is a few KiB; anything much larger is not ours. */
#define STATE_FILE_MAX (1024 * 1024)
#define STATE_COUNT_MAX 1000000
#define WEEK_S (7 * 86400)

static const char run_flag_letters[] = "secoftvb";

vg_state *vg_state_new(void) {
  vg_state *s = calloc(1, sizeof(*s));
  return s;
}

void vg_state_free(vg_state *s) {
  if (s == NULL)
    return;
  for (size_t i = 0; i < s->nchans; i++)
    free(s->chans[i].bookmark);
  free(s);
}

struct vg_chan *vg_state__chan(vg_state *s, const char *name, bool create) {
  for (size_t i = 0; i < s->nchans; i++)
    if (strcmp(s->chans[i].name, name) == 0)
      return &s->chans[i];
  if (!create || s->nchans == VG_STATE_MAX_CHANNELS ||
      strlen(name) >= VG_STATE_CHANNEL_MAX || name[0] == '\0')
    return NULL;
  struct vg_chan *c = &s->chans[s->nchans++];
  memset(c, 0, sizeof(*c));
  snprintf(c->name, sizeof(c->name), "%s", name);
  return c;
}

struct vg_run *vg_state__add_run(vg_state *s, vg_wall_t start, unsigned flags) {
  size_t i = s->nruns;
  while (i > 0 && s->runs[i - 1].start > start)
    i--;
  if (s->nruns == VG_STATE_MAX_RUNS) {
    /* Full: the oldest run goes. A new run older than all is dropped. */
    if (i == 0)
      return NULL;
    memmove(&s->runs[0], &s->runs[1], (i - 1) * sizeof(s->runs[0]));
    i--;
  } else {
    memmove(&s->runs[i + 1], &s->runs[i], (s->nruns - i) * sizeof(s->runs[0]));
    s->nruns++;
  }
  s->runs[i].start = start;
  s->runs[i].flags = flags;
  return &s->runs[i];
}

/* Accessors. */

int vg_state_count(const vg_state *s) {
  return s->count;
}

vg_wall_t vg_state_boot_time(const vg_state *s) {
  return s->boot_time;
}

vg_wall_t vg_state_last_event_time(const vg_state *s) {
  return s->last_event_time;
}

/* Copies the start times of the most recent min(nruns, max) runs, oldest
 * first, and returns how many it copied. */
size_t vg_state_runs(const vg_state *s, vg_wall_t *starts, size_t max) {
  size_t n = s->nruns < max ? s->nruns : max;
  size_t first = s->nruns - n;
  for (size_t i = 0; i < n; i++)
    starts[i] = s->runs[first + i].start;
  return n;
}

bool vg_state_backup_in_progress(const vg_state *s, vg_wall_t now) {
  for (size_t i = 0; i < s->nruns; i++) {
    const struct vg_run *r = &s->runs[i];
    if ((r->flags & VG_RUN_STARTED) && !(r->flags & VG_RUN_ENDED) &&
        r->start > now - 86400)
      return true;
  }
  return false;
}

void vg_state_set_boot_ident(vg_state *s, vg_wall_t at,
                             const struct vg_boot_ident *bi) {
  s->has_ident = true;
  s->ident_at = at;
  s->ident = *bi;
  s->ident.id[sizeof(s->ident.id) - 1] = '\0';
}

bool vg_state_boot_ident(const vg_state *s, vg_wall_t *at,
                         struct vg_boot_ident *bi) {
  if (!s->has_ident)
    return false;
  *at = s->ident_at;
  *bi = s->ident;
  return true;
}

uint64_t vg_state_last_record(const vg_state *s, const char *channel) {
  for (size_t i = 0; i < s->nchans; i++)
    if (strcmp(s->chans[i].name, channel) == 0)
      return s->chans[i].last_record;
  return 0;
}

const char *vg_state_bookmark(const vg_state *s, const char *channel) {
  for (size_t i = 0; i < s->nchans; i++)
    if (strcmp(s->chans[i].name, channel) == 0)
      return s->chans[i].bookmark;
  return NULL;
}

/* Sets (or with xml NULL clears) the bookmark of channel. Returns 0,
 * VG_ERANGE when the channel table is full or a string too long, VG_ENOMEM. */
int vg_state_set_bookmark(vg_state *s, const char *channel, const char *xml) {
  if (xml != NULL && strlen(xml) >= VG_STATE_BOOKMARK_MAX)
    return VG_ERANGE;
  struct vg_chan *c = vg_state__chan(s, channel, true);
  if (c == NULL)
    return VG_ERANGE;
  char *copy = NULL;
  if (xml != NULL) {
    copy = malloc(strlen(xml) + 1);
    if (copy == NULL)
      return VG_ENOMEM;
    memcpy(copy, xml, strlen(xml) + 1);
  }
  free(c->bookmark);
  c->bookmark = copy;
  return VG_OK;
}

void vg_state_fleet_slot(const vg_state *s, struct vg_fleet_hold *out) {
  *out = s->fleet;
}

void vg_state_set_fleet_slot(vg_state *s, const struct vg_fleet_hold *in) {
  if (in == NULL || !in->held)
    memset(&s->fleet, 0, sizeof(s->fleet));
  else
    s->fleet = *in;
}

void vg_state_scheduled(const vg_state *s, struct vg_sched *out) {
  *out = s->sched;
}

void vg_state_set_scheduled(vg_state *s, const struct vg_sched *in) {
  if (in == NULL || !in->set)
    memset(&s->sched, 0, sizeof(s->sched));
  else
    s->sched = *in;
}

size_t vg_state_history(const vg_state *s, struct vg_reboot_rec *out,
                        size_t max) {
  size_t n = s->nhist < max ? s->nhist : max;
  size_t first = s->nhist - n;
  for (size_t i = 0; i < n; i++)
    out[i] = s->hist[first + i];
  return n;
}

int vg_state_record_attempt(vg_state *s, vg_wall_t at) {
  if (s->locked || s->attempts >= VG_STATE_MAX_ATTEMPTS) {
    s->locked = true;
    return VG_ELOCKED;
  }
  s->has_dropped = s->nhist == VG_STATE_MAX_HISTORY;
  if (s->has_dropped) {
    s->dropped = s->hist[0];
    memmove(&s->hist[0], &s->hist[1], (s->nhist - 1) * sizeof(s->hist[0]));
    s->nhist--;
  }
  struct vg_reboot_rec *h = &s->hist[s->nhist++];
  h->at = at;
  h->count = s->count;
  h->confirmed = false;
  s->attempts++;
  return VG_OK;
}

int vg_state_take_back_attempt(vg_state *s, vg_wall_t at) {
  if (s->nhist == 0 || s->attempts <= 0 || s->hist[s->nhist - 1].at != at ||
      s->hist[s->nhist - 1].confirmed)
    return VG_EINVAL;
  s->nhist--;
  s->attempts--;
  if (s->has_dropped) {
    memmove(&s->hist[1], &s->hist[0], s->nhist * sizeof(s->hist[0]));
    s->hist[0] = s->dropped;
    s->nhist++;
    s->has_dropped = false;
  }
  return VG_OK;
}

int vg_state_reboots_in_week(const vg_state *s, vg_wall_t now) {
  int n = 0;
  for (size_t i = 0; i < s->nhist; i++)
    if (s->hist[i].at > now - WEEK_S && s->hist[i].at <= now)
      n++;
  return n;
}

int vg_state_pending_attempts(const vg_state *s) {
  return s->attempts;
}

bool vg_state_locked(const vg_state *s) {
  return s->locked;
}

void vg_state_reset_guard(vg_state *s) {
  s->attempts = 0;
  s->locked = false;
}

/* Serialization. */

struct sbuf {
  char *p;
  size_t len, cap;
  bool oom;
};

static void sb_putn(struct sbuf *b, const char *s, size_t n) {
  if (b->oom)
    return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 1024;
    while (b->len + n + 1 > cap)
      cap *= 2;
    char *p = realloc(b->p, cap);
    if (p == NULL) {
      b->oom = true;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

VG_PRINTF(2, 3)
static void sb_printf(struct sbuf *b, const char *fmt, ...) {
  char tmp[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof(tmp)) {
    b->oom = true;
    return;
  }
  sb_putn(b, tmp, (size_t)n);
}

/* Appends s escaped; a space is escaped too when in_token. */
static void sb_escaped(struct sbuf *b, const char *s, bool in_token) {
  for (; *s; s++) {
    switch (*s) {
    case '\\': sb_putn(b, "\\\\", 2); break;
    case '\n': sb_putn(b, "\\n", 2); break;
    case '\r': sb_putn(b, "\\r", 2); break;
    case '\t': sb_putn(b, "\\t", 2); break;
    case ' ':
      if (in_token)
        sb_putn(b, "\\s", 2);
      else
        sb_putn(b, " ", 1);
      break;
    default: sb_putn(b, s, 1);
    }
  }
}

static void run_flags_text(unsigned flags, char *out) {
  size_t n = 0;
  for (size_t i = 0; run_flag_letters[i]; i++)
    if (flags & (1u << i))
      out[n++] = run_flag_letters[i];
  if (n == 0)
    out[n++] = '-';
  out[n] = '\0';
}

/* The administrators' lines: "request" and "pause", when set. */
static void serialize_admin(struct sbuf *b, const struct vg_admin *a) {
  if (a->requested) {
    sb_printf(b, "request %lld", (long long)a->requested_at);
    if (a->request_reason[0] != '\0') {
      sb_putn(b, " ", 1);
      sb_escaped(b, a->request_reason, false);
    }
    sb_putn(b, "\n", 1);
  }
  if (a->paused) {
    sb_printf(b, "pause %lld %lld", (long long)a->paused_until,
              (long long)a->paused_at);
    if (a->pause_reason[0] != '\0') {
      sb_putn(b, " ", 1);
      sb_escaped(b, a->pause_reason, false);
    }
    sb_putn(b, "\n", 1);
  }
}

char *vg_state_serialize(const vg_state *s) {
  struct sbuf b = {0};
  sb_printf(&b, "%s %d\n", STATE_MAGIC, VG_STATE_VERSION);
  sb_printf(&b, "boot_time %lld\n", (long long)s->boot_time);
  sb_printf(&b, "count %d\n", s->count);
  sb_printf(&b, "last_event_time %lld\n", (long long)s->last_event_time);
  sb_printf(&b, "attempts %d\n", s->attempts);
  sb_printf(&b, "locked %d\n", s->locked ? 1 : 0);
  if (s->has_ident)
    sb_printf(&b, "boot_ident %lld %llu %s\n", (long long)s->ident_at,
              (unsigned long long)s->ident.uptime_s,
              s->ident.id[0] ? s->ident.id : "-");
  if (s->sched.set)
    sb_printf(&b, "scheduled %lld %lld %lld\n", (long long)s->sched.at,
              (long long)s->sched.slot_start, (long long)s->sched.slot_end);
  for (size_t i = 0; i < s->nchans; i++) {
    const struct vg_chan *c = &s->chans[i];
    sb_putn(&b, "channel ", 8);
    sb_escaped(&b, c->name, true);
    sb_printf(&b, " %llu\n", (unsigned long long)c->last_record);
  }
  for (size_t i = 0; i < s->nchans; i++) {
    const struct vg_chan *c = &s->chans[i];
    if (c->bookmark == NULL)
      continue;
    sb_putn(&b, "bookmark ", 9);
    sb_escaped(&b, c->name, true);
    sb_putn(&b, " ", 1);
    sb_escaped(&b, c->bookmark, false);
    sb_putn(&b, "\n", 1);
  }
  for (size_t i = 0; i < s->nruns; i++) {
    char flags[16];
    run_flags_text(s->runs[i].flags, flags);
    sb_printf(&b, "run %lld %s\n", (long long)s->runs[i].start, flags);
  }
  for (size_t i = 0; i < s->nhist; i++)
    sb_printf(&b, "reboot %lld %d %d\n", (long long)s->hist[i].at,
              s->hist[i].count, s->hist[i].confirmed ? 1 : 0);
  if (s->fleet.held) {
    sb_printf(&b, "fleet_slot %lld ", (long long)s->fleet.since);
    sb_escaped(&b, s->fleet.group, true);
    sb_putn(&b, " ", 1);
    sb_escaped(&b, s->fleet.id, true);
    sb_putn(&b, "\n", 1);
  }
  serialize_admin(&b, &s->admin);
  if (s->post_boot_done != 0)
    sb_printf(&b, "post_boot %lld\n", (long long)s->post_boot_done);
  if (s->silence_id[0] != '\0')
    sb_printf(&b, "silence %s %lld\n", s->silence_id,
              (long long)s->silence_until);
  if (s->verify_pending || s->verified_at != 0)
    sb_printf(&b, "remediation %d %lld\n", s->verify_pending ? 1 : 0,
              (long long)s->verified_at);
  sb_putn(&b, "end\n", 4);
  if (b.oom) {
    free(b.p);
    return NULL;
  }
  return b.p;
}

/* Loading. */

struct loader {
  const char *name;
  int line;
  char *err;
  size_t errlen;
};

VG_PRINTF(2, 3)
static int corrupt(struct loader *ld, const char *fmt, ...) {
  char msg[200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  if (ld->err != NULL && ld->errlen > 0)
    snprintf(ld->err, ld->errlen, "%s:%d: %s", ld->name, ld->line, msg);
  return VG_ECORRUPT;
}

/* Splits the next space-separated token off *p (NUL-terminating it). */
static char *next_token(char **p) {
  char *s = *p;
  if (s == NULL || *s == '\0')
    return NULL;
  char *sp = strchr(s, ' ');
  if (sp != NULL) {
    *sp = '\0';
    *p = sp + 1;
  } else {
    *p = s + strlen(s);
  }
  return s;
}

/* Strict unsigned decimal: digits only, no sign, no overflow. */
static bool parse_u64(const char *s, uint64_t *out) {
  uint64_t v = 0;
  if (s == NULL || *s == '\0')
    return false;
  for (; *s; s++) {
    if (*s < '0' || *s > '9')
      return false;
    unsigned d = (unsigned)(*s - '0');
    if (v > (UINT64_MAX - d) / 10)
      return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

/* A wall-clock time: non-negative and below year 10000. */
static bool parse_time(const char *s, vg_wall_t *out) {
  uint64_t v;
  if (!parse_u64(s, &v) || v > 253402300799ull)
    return false;
  *out = (vg_wall_t)v;
  return true;
}

static bool parse_int(const char *s, int min, int max, int *out) {
  uint64_t v;
  if (!parse_u64(s, &v) || v > (uint64_t)max || (int64_t)v < min)
    return false;
  *out = (int)v;
  return true;
}

/* Unescapes s in place; returns false on a bad escape or, in a token, a
 * character that needs one. */
static bool unescape(char *s, bool in_token) {
  char *w = s;
  for (char *r = s; *r; r++) {
    if (*r == '\\') {
      r++;
      switch (*r) {
      case '\\': *w++ = '\\'; break;
      case 'n': *w++ = '\n'; break;
      case 'r': *w++ = '\r'; break;
      case 't': *w++ = '\t'; break;
      case 's': *w++ = ' '; break;
      default: return false;
      }
    } else if (*r == '\t' || *r == '\r' || (in_token && *r == ' ')) {
      return false;
    } else {
      *w++ = *r;
    }
  }
  *w = '\0';
  return true;
}

static bool parse_run_flags(const char *s, unsigned *out) {
  unsigned flags = 0;
  if (strcmp(s, "-") == 0) {
    *out = 0;
    return true;
  }
  for (; *s; s++) {
    const char *l = strchr(run_flag_letters, *s);
    if (l == NULL || *s == '\0')
      return false;
    unsigned bit = 1u << (l - run_flag_letters);
    if (flags & bit)
      return false;
    flags |= bit;
  }
  *out = flags;
  return flags != 0;
}

/* Takes an escaped reason (the rest of a line) into out. */
static bool take_reason(char *p, char *out, size_t len) {
  if (!unescape(p, false) || strlen(p) >= len)
    return false;
  snprintf(out, len, "%s", p);
  return true;
}

/* Parses a "request" or "pause" line (after the key) into s->admin. */
static int load_admin_line(struct loader *ld, vg_state *s, const char *key,
                           char *p) {
  struct vg_admin *a = &s->admin;
  if (key[0] == 'r') {
    if (a->requested)
      return corrupt(ld, "request given twice");
    if (!parse_time(next_token(&p), &a->requested_at) ||
        !take_reason(p, a->request_reason, sizeof(a->request_reason)))
      return corrupt(ld, "request: expected <at> [reason]");
    a->requested = true;
    return VG_OK;
  }
  if (a->paused)
    return corrupt(ld, "pause given twice");
  if (!parse_time(next_token(&p), &a->paused_until) ||
      !parse_time(next_token(&p), &a->paused_at) ||
      !take_reason(p, a->pause_reason, sizeof(a->pause_reason)))
    return corrupt(ld, "pause: expected <until> <at> [reason]");
  a->paused = true;
  return VG_OK;
}

void vg_state_admin(const vg_state *s, struct vg_admin *out) {
  *out = s->admin;
}

void vg_state_set_admin(vg_state *s, const struct vg_admin *in) {
  s->admin = *in;
  s->admin.request_reason[sizeof(s->admin.request_reason) - 1] = '\0';
  s->admin.pause_reason[sizeof(s->admin.pause_reason) - 1] = '\0';
}

bool vg_state_reboot_requested(const vg_state *s) {
  return s->admin.requested && s->boot_time <= s->admin.requested_at;
}

bool vg_state_paused(const vg_state *s, vg_wall_t now) {
  return s->admin.paused && now < s->admin.paused_until;
}

vg_wall_t vg_state_remediation_verified(const vg_state *s) {
  return s->verified_at;
}

bool vg_state_remediation_pending(const vg_state *s) {
  return s->verify_pending;
}

/* Parses one line (already split off and NUL-terminated) into s. */
static int load_line(struct loader *ld, vg_state *s, char *line,
                     unsigned *seen) {
  enum {
    K_BOOT = 1,
    K_COUNT = 2,
    K_LAST = 4,
    K_ATT = 8,
    K_LOCK = 16,
    K_SCHED = 32
  };
  char *p = line;
  char *key = next_token(&p);
  if (key == NULL)
    return corrupt(ld, "empty line");
  if (strcmp(key, "boot_time") == 0 || strcmp(key, "last_event_time") == 0) {
    bool boot = key[0] == 'b';
    unsigned bit = boot ? K_BOOT : K_LAST;
    char *v = next_token(&p);
    vg_wall_t t;
    if (*seen & bit)
      return corrupt(ld, "%s given twice", key);
    if (!parse_time(v, &t) || *p != '\0')
      return corrupt(ld, "%s: expected seconds since 1970", key);
    *(boot ? &s->boot_time : &s->last_event_time) = t;
    *seen |= bit;
  } else if (strcmp(key, "count") == 0 || strcmp(key, "attempts") == 0 ||
             strcmp(key, "locked") == 0) {
    unsigned bit = key[0] == 'c' ? K_COUNT : key[0] == 'a' ? K_ATT : K_LOCK;
    int max = key[0] == 'c' ? STATE_COUNT_MAX : key[0] == 'a' ? 1000 : 1;
    char *v = next_token(&p);
    int n;
    if (*seen & bit)
      return corrupt(ld, "%s given twice", key);
    if (!parse_int(v, 0, max, &n) || *p != '\0')
      return corrupt(ld, "%s: expected a number from 0 to %d", key, max);
    if (key[0] == 'c')
      s->count = n;
    else if (key[0] == 'a')
      s->attempts = n;
    else
      s->locked = n == 1;
    *seen |= bit;
  } else if (strcmp(key, "boot_ident") == 0) {
    vg_wall_t at;
    uint64_t up;
    if (s->has_ident)
      return corrupt(ld, "boot_ident given twice");
    if (!parse_time(next_token(&p), &at) || !parse_u64(next_token(&p), &up))
      return corrupt(ld, "boot_ident: expected <saved at> <uptime> <id>");
    char *id = next_token(&p);
    size_t n = id ? strlen(id) : 0;
    bool ok = n > 0 && n < VG_BOOT_ID_MAX && *p == '\0';
    for (size_t i = 0; ok && i < n; i++)
      ok = (id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f') ||
           id[i] == '-';
    if (!ok)
      return corrupt(ld, "boot_ident: the boot id must be hex digits and "
                         "dashes, or \"-\"");
    s->has_ident = true;
    s->ident_at = at;
    s->ident.uptime_s = up;
    snprintf(s->ident.id, sizeof(s->ident.id), "%s", strcmp(id, "-") ? id : "");
  } else if (strcmp(key, "scheduled") == 0) {
    vg_wall_t t[3];
    if (*seen & K_SCHED)
      return corrupt(ld, "scheduled given twice");
    for (int i = 0; i < 3; i++)
      if (!parse_time(next_token(&p), &t[i]))
        return corrupt(ld, "scheduled: expected <at> <slot_start> <slot_end>");
    if (*p != '\0')
      return corrupt(ld, "scheduled: trailing text");
    if (t[1] > t[2] || t[0] < t[1] || t[0] > t[2])
      return corrupt(ld, "scheduled: the moment is not inside its slot");
    s->sched.set = true;
    s->sched.at = t[0];
    s->sched.slot_start = t[1];
    s->sched.slot_end = t[2];
    *seen |= K_SCHED;
  } else if (strcmp(key, "channel") == 0) {
    char *name = next_token(&p);
    uint64_t rec;
    if (name == NULL || !unescape(name, true) || name[0] == '\0')
      return corrupt(ld, "channel: bad channel name");
    if (!parse_u64(next_token(&p), &rec) || *p != '\0')
      return corrupt(ld, "channel: expected <name> <last record id>");
    if (vg_state__chan(s, name, false) != NULL)
      return corrupt(ld, "channel %s given twice", name);
    struct vg_chan *c = vg_state__chan(s, name, true);
    if (c == NULL)
      return corrupt(ld, "channel: too many channels or name too long");
    c->last_record = rec;
  } else if (strcmp(key, "bookmark") == 0) {
    char *name = next_token(&p);
    if (name == NULL || !unescape(name, true) || name[0] == '\0')
      return corrupt(ld, "bookmark: bad channel name");
    if (*p == '\0' || !unescape(p, false))
      return corrupt(ld, "bookmark: bad bookmark text");
    struct vg_chan *c = vg_state__chan(s, name, false);
    if (c != NULL && c->bookmark != NULL)
      return corrupt(ld, "bookmark for %s given twice", name);
    int rc = vg_state_set_bookmark(s, name, p);
    if (rc == VG_ENOMEM)
      return rc;
    if (rc != VG_OK)
      return corrupt(ld, "bookmark: too many channels or bookmark too long");
  } else if (strcmp(key, "run") == 0) {
    vg_wall_t start;
    unsigned flags;
    if (!parse_time(next_token(&p), &start))
      return corrupt(ld, "run: expected <start> <flags>");
    char *f = next_token(&p);
    if (f == NULL || !parse_run_flags(f, &flags) || *p != '\0')
      return corrupt(ld, "run: flags must be letters of \"%s\" or \"-\"",
                     run_flag_letters);
    if (s->nruns == VG_STATE_MAX_RUNS)
      return corrupt(ld, "run: more than %d runs", VG_STATE_MAX_RUNS);
    if (s->nruns > 0 && s->runs[s->nruns - 1].start > start)
      return corrupt(ld, "run: runs out of order");
    s->runs[s->nruns].start = start;
    s->runs[s->nruns].flags = flags;
    s->nruns++;
  } else if (strcmp(key, "reboot") == 0) {
    vg_wall_t at;
    int count, confirmed;
    if (!parse_time(next_token(&p), &at) ||
        !parse_int(next_token(&p), 0, STATE_COUNT_MAX, &count) ||
        !parse_int(next_token(&p), 0, 1, &confirmed) || *p != '\0')
      return corrupt(ld, "reboot: expected <at> <count> <0|1>");
    if (s->nhist == VG_STATE_MAX_HISTORY)
      return corrupt(ld, "reboot: more than %d entries", VG_STATE_MAX_HISTORY);
    s->hist[s->nhist].at = at;
    s->hist[s->nhist].count = count;
    s->hist[s->nhist].confirmed = confirmed == 1;
    s->nhist++;
  } else if (strcmp(key, "fleet_slot") == 0) {
    vg_wall_t since;
    char *group, *id;
    if (s->fleet.held)
      return corrupt(ld, "fleet_slot given twice");
    if (!parse_time(next_token(&p), &since) ||
        (group = next_token(&p)) == NULL || !unescape(group, true) ||
        group[0] == '\0' || strlen(group) >= sizeof(s->fleet.group) ||
        (id = next_token(&p)) == NULL || !unescape(id, true) || id[0] == '\0' ||
        strlen(id) >= sizeof(s->fleet.id) || *p != '\0')
      return corrupt(ld, "fleet_slot: expected <since> <group> <id>");
    s->fleet.held = true;
    s->fleet.since = since;
    snprintf(s->fleet.group, sizeof(s->fleet.group), "%s", group);
    snprintf(s->fleet.id, sizeof(s->fleet.id), "%s", id);
  } else if (strcmp(key, "request") == 0 || strcmp(key, "pause") == 0) {
    return load_admin_line(ld, s, key, p);
  } else if (strcmp(key, "post_boot") == 0) {
    if (!parse_time(next_token(&p), &s->post_boot_done) || *p != '\0')
      return corrupt(ld, "post_boot: expected <boot time>");
  } else if (strcmp(key, "silence") == 0) {
    char *id = next_token(&p);
    vg_wall_t until;
    if (id == NULL || !parse_time(next_token(&p), &until) || *p != '\0' ||
        vg_state_set_silence(s, id, until) != VG_OK)
      return corrupt(ld, "silence: expected <id> <until>");
  } else if (strcmp(key, "remediation") == 0) {
    int pending;
    if (!parse_int(next_token(&p), 0, 1, &pending) ||
        !parse_time(next_token(&p), &s->verified_at) || *p != '\0')
      return corrupt(ld, "remediation: expected <pending 0|1> <verified_at>");
    s->verify_pending = pending == 1;
  } else {
    return corrupt(ld, "unknown key \"%.40s\"", key);
  }
  return VG_OK;
}

int vg_state_load_string(const char *name, const char *buf, size_t len,
                         vg_state **out, char *err, size_t errlen) {
  struct loader ld = {name ? name : "state", 0, err, errlen};
  if (err != NULL && errlen > 0)
    err[0] = '\0';
  *out = NULL;
  if (len > STATE_FILE_MAX) {
    ld.line = 1;
    return corrupt(&ld, "larger than %d bytes", STATE_FILE_MAX);
  }
  char *copy = malloc(len + 1);
  vg_state *s = vg_state_new();
  if (copy == NULL || s == NULL) {
    free(copy);
    vg_state_free(s);
    return VG_ENOMEM;
  }
  memcpy(copy, buf, len);
  copy[len] = '\0';

  int rc = VG_OK;
  unsigned seen = 0;
  bool ended = false;
  char *p = copy;
  char *end = copy + len;
  while (p < end) {
    ld.line++;
    char *nl = memchr(p, '\n', (size_t)(end - p));
    if (nl == NULL) {
      rc = corrupt(&ld, "last line has no newline (truncated file?)");
      break;
    }
    if (memchr(p, '\0', (size_t)(nl - p)) != NULL) {
      rc = corrupt(&ld, "NUL byte in line");
      break;
    }
    *nl = '\0';
    if (nl > p && nl[-1] == '\r')
      nl[-1] = '\0';
    if (ended) {
      rc = corrupt(&ld, "text after the end line");
      break;
    }
    if (ld.line == 1) {
      char *q = p;
      char *magic = next_token(&q);
      uint64_t version;
      if (magic == NULL || strcmp(magic, STATE_MAGIC) != 0) {
        rc = corrupt(&ld, "not a vssguard state file (expected \"%s %d\")",
                     STATE_MAGIC, VG_STATE_VERSION);
        break;
      }
      if (!parse_u64(next_token(&q), &version) || *q != '\0') {
        rc = corrupt(&ld, "bad format version");
        break;
      }
      if (version != VG_STATE_VERSION) {
        rc = corrupt(&ld, "format version %llu, this agent reads %d",
                     (unsigned long long)version, VG_STATE_VERSION);
        break;
      }
    } else if (strcmp(p, "end") == 0) {
      ended = true;
    } else {
      rc = load_line(&ld, s, p, &seen);
      if (rc != VG_OK)
        break;
    }
    p = nl + 1;
  }
  if (rc == VG_OK && ld.line == 0) {
    ld.line = 1;
    rc = corrupt(&ld, "empty file");
  } else if (rc == VG_OK && !ended) {
    rc = corrupt(&ld, "no end line (truncated file?)");
  } else if (rc == VG_OK && (seen & 3) != 3) {
    rc = corrupt(&ld, "boot_time and count are required");
  }
  free(copy);
  if (rc != VG_OK) {
    vg_state_free(s);
    return rc;
  }
  *out = s;
  return VG_OK;
}

int vg_state_read_file(const char *path, char **text, size_t *len_out,
                       char *err, size_t errlen) {
  *text = NULL;
  *len_out = 0;
  if (err != NULL && errlen > 0)
    err[0] = '\0';
  FILE *f = vg_plat_fopen(path, "rb");
  if (f == NULL) {
    int missing = errno == ENOENT;
    if (err != NULL && errlen > 0)
      snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return missing ? VG_ENOENT : VG_EIO;
  }
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  int rc = VG_OK;
  while (buf != NULL) {
    if (len == cap) {
      if (cap > STATE_FILE_MAX)
        break;
      char *nb = realloc(buf, cap * 2);
      if (nb == NULL) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = nb;
      cap *= 2;
    }
    size_t got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (got == 0) {
      if (ferror(f))
        rc = VG_EIO;
      break;
    }
  }
  fclose(f);
  if (buf == NULL)
    return VG_ENOMEM;
  if (rc != VG_OK) {
    if (err != NULL && errlen > 0)
      snprintf(err, errlen, "%s: read error", path);
    free(buf);
    return rc;
  }
  *text = buf;
  *len_out = len;
  return VG_OK;
}

int vg_state_load(const char *path, vg_state **out, char *err, size_t errlen) {
  *out = NULL;
  char *buf;
  size_t len;
  int rc = vg_state_read_file(path, &buf, &len, err, errlen);
  if (rc != VG_OK)
    return rc;
  rc = vg_state_load_string(path, buf, len, out, err, errlen);
  free(buf);
  return rc;
}

/*
 * Test hook: with VG_TEST_SLOW_WRITE_MS set, waits that long between writing
 * the temporary file and the rename, so that crash tests can hit the window.
 */
static void slow_write_hook(void) {
  char v[32];
  size_t len = sizeof(v);
  uint64_t ms;
  /* libuv reads the process environment itself (GetEnvironmentVariableW on
   * Windows), so a value set with uv_os_setenv is seen too. */
  if (uv_os_getenv("VG_TEST_SLOW_WRITE_MS", v, &len) == 0 &&
      parse_u64(v, &ms) && ms > 0 && ms <= 60000)
    uv_sleep((unsigned)ms);
}

int vg_state_save(const vg_state *s, const char *path) {
  char *text = vg_state_serialize(s);
  if (text == NULL)
    return VG_ENOMEM;
  int rc = vg_state_write_text(text, strlen(text), path);
  free(text);
  return rc;
}

static int write_via(const char *text, size_t len, const char *path,
                     const char *tmp);

int vg_state_write_text(const char *text, size_t len, const char *path) {
  char tmp[4096];
  int n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  if (n < 0 || (size_t)n >= sizeof(tmp))
    return VG_EIO;
  return write_via(text, len, path, tmp);
}

/*
 * The administrators' commands write through a temporary file of their own
 * (path.<pid>.tmp): sharing path.tmp with a running agent that saves at the
 * same moment mixed both writes into one file.
 */
int vg_state_save_cmd(const vg_state *s, const char *path) {
  char tmp[4096];
  int n = snprintf(tmp, sizeof(tmp), "%s.%lu.tmp", path,
                   (unsigned long)uv_os_getpid());
  if (n < 0 || (size_t)n >= sizeof(tmp))
    return VG_EIO;
  char *text = vg_state_serialize(s);
  if (text == NULL)
    return VG_ENOMEM;
  int rc = write_via(text, strlen(text), path, tmp);
  free(text);
  return rc;
}

static int write_via(const char *text, size_t len, const char *path,
                     const char *tmp) {
  FILE *f = vg_plat_fopen(tmp, "wb");
  if (f == NULL)
    return VG_EIO;
  bool ok = fwrite(text, 1, len, f) == len;
  ok = vg_plat_fsync(f) == VG_OK && ok;
  ok = fclose(f) == 0 && ok;
  if (ok) {
    slow_write_hook();
    ok = vg_plat_replace_file(tmp, path) == VG_OK;
  }
  if (!ok) {
    vg_plat_remove(tmp);
    return VG_EIO;
  }
  return VG_OK;
}

int vg_state_quarantine(const char *path) {
  char dst[4096];
  int n = snprintf(dst, sizeof(dst), "%s.corrupt", path);
  if (n < 0 || (size_t)n >= sizeof(dst))
    return VG_EIO;
  return vg_plat_replace_file(path, dst) == VG_OK ? VG_OK : VG_EIO;
}

vg_wall_t vg_state_post_boot_done(const vg_state *s) {
  return s->post_boot_done;
}

void vg_state_set_post_boot_done(vg_state *s, vg_wall_t boot) {
  s->post_boot_done = boot;
}

const char *vg_state_silence(const vg_state *s, vg_wall_t *until) {
  if (until != NULL)
    *until = s->silence_until;
  return s->silence_id;
}

int vg_state_set_silence(vg_state *s, const char *id, vg_wall_t until) {
  if (id == NULL || id[0] == '\0') {
    s->silence_id[0] = '\0';
    s->silence_until = 0;
    return VG_OK;
  }
  if (strlen(id) >= sizeof(s->silence_id))
    return VG_EINVAL;
  for (const char *c = id; *c != '\0'; c++)
    if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') ||
          (*c >= 'A' && *c <= 'Z') || *c == '-'))
      return VG_EINVAL;
  snprintf(s->silence_id, sizeof(s->silence_id), "%s", id);
  s->silence_until = until;
  return VG_OK;
}
