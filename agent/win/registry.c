/*
 * Group Policy overrides: the values under HKLM\SOFTWARE\Policies\VssGuard
 * that packaging/gpo/VssGuard.admx writes. Scalars are values of the key
 * (decimal and boolean elements as REG_DWORD, text as REG_SZ or
 * REG_EXPAND_SZ); lists (MaintenanceWindows, Blackouts) are subkeys of the
 * same name with one REG_SZ value per item, named "1", "2", ... in order.
 * FleetLockUrl and FleetLockGroup (REG_SZ) are read like every other name
 * of vg_policy_override_names.
 * Every value goes through vg_policy_override, the same grammar as the YAML
 * file. A watcher thread waits on RegNotifyChangeKeyValue and reports each
 * change.
 */
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "vssguard/log.h"
#include "vssguard/policy.h"
#include "win.h"

/* Items of one list value at most; the policy has its own, lower limits. */
#define MAX_ITEMS 256
/* Longest string value read, in characters. */
#define MAX_VALUE 4096

static void gpo_name(char *buf, size_t len, const char *value) {
  snprintf(buf, len, "HKLM\\SOFTWARE\\Policies\\VssGuard\\%s", value);
}

/*
 * Reads one value as a string: REG_DWORD as a decimal number, REG_SZ and
 * REG_EXPAND_SZ (expanded) as UTF-8. Returns a malloc'd string, or NULL when
 * the value does not exist; *bad is set when it exists but cannot be used.
 */
static char *read_string(HKEY key, const wchar_t *name, bool *bad) {
  DWORD type = 0, size = 0;
  LONG rc;
  BYTE *buf;
  char *out = NULL;

  *bad = false;
  rc = RegQueryValueExW(key, name, NULL, &type, NULL, &size);
  if (rc == ERROR_FILE_NOT_FOUND)
    return NULL;
  if (rc != ERROR_SUCCESS || size > MAX_VALUE * sizeof(wchar_t)) {
    *bad = true;
    return NULL;
  }
  buf = calloc(1, size + 2 * sizeof(wchar_t));
  if (buf == NULL) {
    *bad = true;
    return NULL;
  }
  rc = RegQueryValueExW(key, name, NULL, &type, buf, &size);
  if (rc != ERROR_SUCCESS) {
    *bad = true;
  } else if (type == REG_DWORD && size == sizeof(DWORD)) {
    DWORD v;
    memcpy(&v, buf, sizeof(v));
    out = malloc(16);
    if (out != NULL)
      snprintf(out, 16, "%lu", (unsigned long)v);
  } else if (type == REG_SZ) {
    out = vg_win_utf8((const wchar_t *)buf);
  } else if (type == REG_EXPAND_SZ) {
    wchar_t expanded[MAX_VALUE];
    DWORD n =
        ExpandEnvironmentStringsW((const wchar_t *)buf, expanded, MAX_VALUE);
    if (n > 0 && n <= MAX_VALUE)
      out = vg_win_utf8(expanded);
  } else {
    *bad = true;
  }
  free(buf);
  if (out == NULL && !*bad)
    *bad = true;
  return out;
}

int vg_win_gpo_read(struct vg_win_gpo *out) {
  HKEY key;
  LONG rc;
  bool bad;
  char *s;

  memset(out, 0, sizeof(*out));
  rc = RegOpenKeyExW(HKEY_LOCAL_MACHINE, VG_WIN_GPO_KEY, 0, KEY_READ, &key);
  if (rc == ERROR_FILE_NOT_FOUND)
    return VG_OK;
  if (rc != ERROR_SUCCESS)
    return VG_EIO;
  out->present = true;
  s = read_string(key, L"Enabled", &bad);
  if (s != NULL) {
    out->enabled_set = true;
    out->enabled = strcmp(s, "0") != 0;
    free(s);
  }
  s = read_string(key, L"PolicyFile", &bad);
  if (s != NULL) {
    snprintf(out->policy_file, sizeof(out->policy_file), "%s", s);
    free(s);
  }
  RegCloseKey(key);
  return VG_OK;
}

/* Orders list items by their numeric value names ("1", "2", ... "10"). */
struct item {
  unsigned long order;
  char *value;
};

static int cmp_item(const void *a, const void *b) {
  const struct item *x = a, *y = b;
  return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * Reads the list subkey name. Returns 0 with *n items (each malloc'd), or
 * VG_ENOENT when the subkey does not exist, VG_EINVAL when an item is not a
 * string (reported in d).
 */
static int read_list(HKEY key, const char *name, struct item *items, size_t *n,
                     vg_diags *d) {
  wchar_t *wname = vg_win_wide(name);
  HKEY sub;
  LONG rc;
  DWORD i;
  char where[256];

  *n = 0;
  if (wname == NULL)
    return VG_ENOMEM;
  rc = RegOpenKeyExW(key, wname, 0, KEY_READ, &sub);
  free(wname);
  if (rc != ERROR_SUCCESS)
    return VG_ENOENT;
  for (i = 0; *n < MAX_ITEMS; i++) {
    wchar_t vname[256];
    DWORD vlen = 256;
    bool bad;
    char *s;
    wchar_t *end;
    rc = RegEnumValueW(sub, i, vname, &vlen, NULL, NULL, NULL, NULL);
    if (rc == ERROR_NO_MORE_ITEMS)
      break;
    if (rc != ERROR_SUCCESS)
      continue;
    s = read_string(sub, vname, &bad);
    if (s == NULL) {
      char *u = vg_win_utf8(vname);
      gpo_name(where, sizeof(where), name);
      vg_diags_add(d, where, 0, 0, "item \"%s\" is not a string value",
                   u ? u : "?");
      free(u);
      RegCloseKey(sub);
      return VG_EINVAL;
    }
    items[*n].value = s;
    /* Non-numeric names sort after the numbered ones, in enumeration order. */
    items[*n].order = wcstoul(vname, &end, 10);
    if (*end != L'\0' || end == vname)
      items[*n].order = 0x80000000ul + i;
    (*n)++;
  }
  RegCloseKey(sub);
  qsort(items, *n, sizeof(items[0]), cmp_item);
  return VG_OK;
}

int vg_win_gpo_apply(vg_policy *p, vg_diags *d) {
  HKEY key;
  LONG rc;
  int result = VG_OK;
  size_t before = d->n;
  struct item *items;

  rc = RegOpenKeyExW(HKEY_LOCAL_MACHINE, VG_WIN_GPO_KEY, 0, KEY_READ, &key);
  if (rc == ERROR_FILE_NOT_FOUND)
    return VG_OK;
  if (rc != ERROR_SUCCESS)
    return VG_EIO;
  items = calloc(MAX_ITEMS, sizeof(*items));
  if (items == NULL) {
    RegCloseKey(key);
    return VG_ENOMEM;
  }
  for (const char *const *nm = vg_policy_override_names; *nm != NULL; nm++) {
    wchar_t *wname = vg_win_wide(*nm);
    const char *vals[MAX_ITEMS];
    size_t n = 0;
    bool bad = false;
    char *s;
    int r;

    if (wname == NULL)
      break;
    s = read_string(key, wname, &bad);
    free(wname);
    if (s != NULL) {
      items[0].value = s;
      n = 1;
    } else if (bad) {
      char where[256];
      gpo_name(where, sizeof(where), *nm);
      vg_diags_add(d, where, 0, 0,
                   "unsupported registry type (use REG_DWORD or REG_SZ)");
      continue;
    } else {
      r = read_list(key, *nm, items, &n, d);
      if (r == VG_ENOENT)
        continue;
      if (r != VG_OK)
        continue;
    }
    for (size_t i = 0; i < n; i++)
      vals[i] = items[i].value;
    (void)vg_policy_override(p, *nm, vals, n, d);
    for (size_t i = 0; i < n; i++) {
      free(items[i].value);
      items[i].value = NULL;
    }
  }
  free(items);
  RegCloseKey(key);

  /* Enabled = 0: keep counting and logging, never reboot. */
  {
    struct vg_win_gpo g;
    if (vg_win_gpo_read(&g) == VG_OK && g.enabled_set && !g.enabled) {
      const char *one[] = {"1"};
      (void)vg_policy_override(p, "DryRun", one, 1, d);
    }
  }
  if (d->n > before)
    result = VG_EINVAL;
  return result;
}

/*
 * The platform hook the core calls after loading a policy file: applies the
 * Group Policy overrides.
 */
int vg_plat_policy_overrides(vg_policy *p, vg_diags *d) {
  return vg_win_gpo_apply(p, d);
}

/*
 * The policy file Group Policy names (PolicyFile), or NULL for the default.
 * The string stays valid until the next call.
 */
const char *vg_plat_policy_file(void) {
  static struct vg_win_gpo g;
  if (vg_win_gpo_read(&g) != VG_OK || g.policy_file[0] == '\0')
    return NULL;
  return g.policy_file;
}

/* ---- change notification ---- */

/* Group Policy writes several values in a row: act once this long passes
 * without a new change. */
#define QUIET_MS 500
/* How long to wait before trying again when no key can be watched. */
#define REOPEN_MS 60000

struct vg_win_gpo_watch {
  HANDLE thread;
  HANDLE stop;    /* manual-reset event: the thread ends */
  HANDLE changed; /* auto-reset event signalled by the registry */
  void (*cb)(void *ud);
  void *ud;
};

/*
 * Opens what to watch: the policy key, or HKLM\SOFTWARE\Policies (whole
 * subtree) while the key does not exist; *whole tells which. NULL when
 * neither opens.
 */
static HKEY open_watched(bool *whole) {
  HKEY key;
  *whole = false;
  if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, VG_WIN_GPO_KEY, 0, KEY_NOTIFY, &key) ==
      ERROR_SUCCESS)
    return key;
  *whole = true;
  if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\Policies", 0, KEY_NOTIFY,
                    &key) == ERROR_SUCCESS)
    return key;
  return NULL;
}

/*
 * Asks for the next change of key. RegNotifyChangeKeyValue reports one
 * change per call, so it is called again right after each signal, before
 * anything is read: a write that lands while the policy is being reloaded
 * is then signalled too, and reloaded once more.
 */
static bool arm(vg_win_gpo_watch *w, HKEY key) {
  return RegNotifyChangeKeyValue(
             key, TRUE, REG_NOTIFY_CHANGE_NAME | REG_NOTIFY_CHANGE_LAST_SET,
             w->changed, TRUE) == ERROR_SUCCESS;
}

static bool key_exists(void) {
  HKEY key;
  if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, VG_WIN_GPO_KEY, 0, KEY_NOTIFY, &key) !=
      ERROR_SUCCESS)
    return false;
  RegCloseKey(key);
  return true;
}

/*
 * Waits for changes of the policy key and calls the callback once per
 * burst: the key stays open, every signal re-arms the notification first,
 * and the callback runs when QUIET_MS passed without a new signal. Runs on
 * its own thread until w->stop is set.
 */
static DWORD WINAPI watch_thread(void *arg) {
  vg_win_gpo_watch *w = arg;
  HANDLE h[2] = {w->stop, w->changed};
  HKEY key = NULL;
  bool whole = false;  /* key is HKLM\SOFTWARE\Policies */
  bool report = false; /* a change is waiting to be reported */

  for (;;) {
    bool armed;
    DWORD r;

    if (key == NULL) {
      key = open_watched(&whole);
      if (key == NULL || !arm(w, key)) {
        /* Cannot watch: try again later, then report what may have been
         * missed. */
        if (key != NULL)
          RegCloseKey(key);
        key = NULL;
        if (WaitForSingleObject(w->stop, REOPEN_MS) == WAIT_OBJECT_0)
          break;
        report = true;
        continue;
      }
    }
    if (!report &&
        WaitForMultipleObjects(2, h, FALSE, INFINITE) != WAIT_OBJECT_0 + 1)
      break;
    armed = arm(w, key);
    /* Under HKLM\SOFTWARE\Policies only the creation of our key counts. */
    if (armed && whole && !report && !key_exists())
      continue;
    report = true;
    while (armed) {
      r = WaitForMultipleObjects(2, h, FALSE, QUIET_MS);
      if (r == WAIT_OBJECT_0)
        goto out;
      if (r != WAIT_OBJECT_0 + 1)
        break;
      armed = arm(w, key);
    }
    if (!armed || (whole && key_exists())) {
      /* The key was deleted, or created while its parent was watched:
       * watch what exists now and report once that is armed. */
      RegCloseKey(key);
      key = NULL;
      continue;
    }
    report = false;
    w->cb(w->ud);
  }
out:
  if (key != NULL)
    RegCloseKey(key);
  return 0;
}

int vg_win_gpo_watch_start(void (*cb)(void *ud), void *ud,
                           vg_win_gpo_watch **out) {
  vg_win_gpo_watch *w = calloc(1, sizeof(*w));
  *out = NULL;
  if (w == NULL)
    return VG_ENOMEM;
  w->cb = cb;
  w->ud = ud;
  w->stop = CreateEventW(NULL, TRUE, FALSE, NULL);
  w->changed = CreateEventW(NULL, FALSE, FALSE, NULL);
  if (w->stop != NULL && w->changed != NULL)
    w->thread = CreateThread(NULL, 0, watch_thread, w, 0, NULL);
  if (w->thread == NULL) {
    if (w->stop)
      CloseHandle(w->stop);
    if (w->changed)
      CloseHandle(w->changed);
    free(w);
    return VG_EIO;
  }
  *out = w;
  return VG_OK;
}

void vg_win_gpo_watch_stop(vg_win_gpo_watch *w) {
  if (w == NULL)
    return;
  SetEvent(w->stop);
  WaitForSingleObject(w->thread, INFINITE);
  CloseHandle(w->thread);
  CloseHandle(w->stop);
  CloseHandle(w->changed);
  free(w);
}
