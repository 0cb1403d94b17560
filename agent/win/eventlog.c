/*
 * The Windows Event Log sink: every log line becomes an event of source
 * VssGuard in the Application log, with the event id documented in
 * docs/events.md. The full message id, severity bits included, is looked up
 * in the message table compiled into the executable, so that Event Viewer
 * finds the text. In a console the lines also go to stderr.
 */
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vssguard/log.h"
#include "win.h"

static HANDLE source;
static bool to_stderr;

wchar_t *vg_win_wide(const char *utf8) {
  int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, NULL, 0);
  wchar_t *w;
  if (n <= 0)
    return NULL;
  w = malloc((size_t)n * sizeof(*w));
  if (w == NULL)
    return NULL;
  if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, w, n) <= 0) {
    free(w);
    return NULL;
  }
  return w;
}

char *vg_win_utf8(const wchar_t *wide) {
  int n = WideCharToMultiByte(CP_UTF8, 0, wide, -1, NULL, 0, NULL, NULL);
  char *s;
  if (n <= 0)
    return NULL;
  s = malloc((size_t)n);
  if (s == NULL)
    return NULL;
  if (WideCharToMultiByte(CP_UTF8, 0, wide, -1, s, n, NULL, NULL) <= 0) {
    free(s);
    return NULL;
  }
  return s;
}

/*
 * The message table resource written by windmc/windres: blocks of
 * consecutive ids. An id's low 16 bits are the documented event id; the
 * high bits carry severity, customer and facility as the .mc declares them.
 */
unsigned long vg_win_message_id(int event_id) {
  HRSRC res = FindResourceW(NULL, MAKEINTRESOURCEW(1), RT_MESSAGETABLE);
  HGLOBAL mem;
  const MESSAGE_RESOURCE_DATA *data;
  DWORD size, i;

  if (res == NULL)
    return 0;
  mem = LoadResource(NULL, res);
  size = SizeofResource(NULL, res);
  if (mem == NULL || size < sizeof(DWORD))
    return 0;
  data = LockResource(mem);
  if (data == NULL)
    return 0;
  for (i = 0; i < data->NumberOfBlocks; i++) {
    const MESSAGE_RESOURCE_BLOCK *b = &data->Blocks[i];
    DWORD id;
    if ((const char *)(b + 1) > (const char *)data + size)
      break;
    for (id = b->LowId; id <= b->HighId && id >= b->LowId; id++)
      if ((id & 0xFFFFu) == (DWORD)event_id)
        return id;
  }
  return 0;
}

static const char *level_name(enum vg_log_level level) {
  switch (level) {
  case VG_LOG_ERROR: return "error";
  case VG_LOG_WARN: return "warning";
  case VG_LOG_INFO: return "info";
  default: return "debug";
  }
}

static void report(enum vg_log_level level, int event_id, const char *msg) {
  WORD type;
  DWORD id = vg_win_message_id(event_id);
  wchar_t *w;
  LPCWSTR strings[1];

  switch (level) {
  case VG_LOG_ERROR: type = EVENTLOG_ERROR_TYPE; break;
  case VG_LOG_WARN: type = EVENTLOG_WARNING_TYPE; break;
  default: type = EVENTLOG_INFORMATION_TYPE; break;
  }
  if (id == 0) {
    /* Not in the table: keep the id and give it the level's severity. */
    static const DWORD sev[] = {0xC0000000u, 0x80000000u, 0x40000000u};
    id = ((DWORD)event_id & 0xFFFFu) | sev[level < 3 ? level : 2];
  }
  w = vg_win_wide(msg);
  if (w == NULL)
    return;
  strings[0] = w;
  ReportEventW(source, type, 0, id, NULL, 1, 0, strings, NULL);
  free(w);
}

static void sink(enum vg_log_level level, int event_id, const char *msg,
                 void *ud) {
  (void)ud;
  if (source != NULL && level != VG_LOG_DEBUG)
    report(level, event_id, msg);
  if (to_stderr || source == NULL) {
    fprintf(stderr, "vssguard: %s: [%d] %s\n", level_name(level), event_id,
            msg);
    fflush(stderr);
  }
}

int vg_win_eventlog_open(bool also_stderr) {
  to_stderr = also_stderr;
  if (source == NULL)
    source = RegisterEventSourceW(NULL, VG_WIN_EVENT_SOURCE);
  vg_log_set_sink(sink, NULL);
  return source != NULL ? VG_OK : VG_EIO;
}

void vg_win_eventlog_close(void) {
  vg_log_set_sink(NULL, NULL);
  if (source != NULL) {
    DeregisterEventSource(source);
    source = NULL;
  }
}
