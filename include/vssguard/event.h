/*
 * Event records and the one XML parser (expat) that makes them, for every
 * source: wevtutil "qe /f:xml" exports (a file of <Event> elements, with or
 * without an <Events> root), a growing file followed on Linux, and single
 * events rendered by EvtRender on Windows.
 */
#ifndef VSSGUARD_EVENT_H
#define VSSGUARD_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vssguard/common.h"

#define VG_EVENT_MAX_FIELDS 16
/* Events larger than this are skipped as malformed. */
#define VG_EVENT_MAX_BYTES (256 * 1024)

struct vg_event_field {
  char name[64];
  char *value; /* NUL-terminated, owned by the parser */
};

/* A normalized event; valid only during the callback that receives it. */
struct vg_event {
  char channel[128];
  char provider[128];
  uint32_t event_id;
  int level;           /* System/Level; 0 when absent */
  uint64_t record_id;  /* System/EventRecordID */
  vg_wall_t time;      /* System/TimeCreated/@SystemTime, seconds UTC */
  uint32_t time_100ns; /* its fraction of a second, in 100 ns units */
  size_t nfields;      /* named <Data Name='...'> items */
  struct vg_event_field fields[VG_EVENT_MAX_FIELDS];
  char *text;         /* unnamed <Data> items joined by '\n' ("" when none) */
  char computer[256]; /* System/Computer, "" when absent or too long */
};

/* The value of named data field name, or NULL. */
const char *vg_event_field(const struct vg_event *ev, const char *name);

typedef void (*vg_event_cb)(const struct vg_event *ev, void *ud);

typedef struct vg_evparser vg_evparser;

vg_evparser *vg_evparser_new(vg_event_cb cb, void *ud);
void vg_evparser_free(vg_evparser *p);

/*
 * Feeds a chunk of a stream of events. Complete <Event> elements are parsed
 * and passed to the callback; a partial one is kept for the next call. A
 * malformed event is skipped with a log line and counted. Returns 0 or
 * VG_ENOMEM.
 */
int vg_evparser_feed(vg_evparser *p, const char *buf, size_t len);

/* Parses exactly one rendered event. Returns 0, or VG_EINVAL when skipped. */
int vg_evparser_parse_one(vg_evparser *p, const char *xml, size_t len);

/* Events skipped as malformed so far. */
uint64_t vg_evparser_skipped(const vg_evparser *p);

/*
 * Turns on the pre-scan: a framed event whose System section names, in
 * plain form, a channel and an event id the session tracker never uses
 * (any channel but Microsoft-Windows-Backup, Application and System;
 * Application events other than 12289; System events other than 6005 and
 * 12) is passed over without being parsed. Anything the scan cannot read
 * for sure is parsed in full. Such events are neither parsed, nor given to
 * the callback, nor counted as malformed; vg_evparser_passed counts them.
 * The events parsed are first stripped of what the parser never reads
 * where that cannot change the outcome (unread attributes and System
 * elements, Binary, named Data not asked for by vg_evparser_set_fields);
 * System/Computer is then not read: computer stays "".
 */
void vg_evparser_set_prescan(vg_evparser *p, bool on);
uint64_t vg_evparser_passed(const vg_evparser *p);

/*
 * Gives the callback only the named Data fields called one of names (n of
 * them; the array must outlive the parser), instead of all. Each named
 * Data still takes its place among the VG_EVENT_MAX_FIELDS kept, so the
 * fields given are those of a full parse with these names.
 */
void vg_evparser_set_fields(vg_evparser *p, const char *const *names, size_t n);

/*
 * The pre-scan's verdict on one framed event (xml, len): true when it can
 * be passed over. For tests and the fuzzer.
 */
bool vg_event_prescan_skips(const char *xml, size_t len);

/*
 * Ends the stream fed so far: a partial event left over is skipped as
 * truncated (logged and counted), and the next feed starts a new stream at
 * byte 1. Returns 0.
 */
int vg_evparser_finish(vg_evparser *p);

/*
 * Parses a whole file through the callback, as a new stream (ends with
 * vg_evparser_finish). Returns 0, VG_ENOENT, VG_EIO or VG_ENOMEM.
 */
int vg_evparser_parse_file(vg_evparser *p, const char *path);

/*
 * Parses an RFC 3339 time ("2026-06-01T21:48:11.5625Z", an offset instead
 * of Z allowed) to whole seconds UTC, dropping the fraction. Returns 0 or
 * VG_EINVAL.
 */
int vg_event_parse_time(const char *s, vg_wall_t *out);

/* Same, also giving the fraction of the second in 100 ns units (the
 * resolution of a Windows FILETIME; further digits are dropped). frac may
 * be NULL. */
int vg_event_parse_time_frac(const char *s, vg_wall_t *out, uint32_t *frac);

#endif
