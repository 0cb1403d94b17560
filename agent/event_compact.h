/*
 * The compaction of a framed event before the event parser reads it: the
 * parts it never reads are cut, where cutting cannot change whether the
 * event is well-formed nor anything the parser reads. Internal to the
 * event parser (agent/event.c); agent/event_compact.c has the rules.
 */
#ifndef VSSGUARD_EVENT_COMPACT_H
#define VSSGUARD_EVENT_COMPACT_H

#include <stddef.h>

/*
 * Compacts one framed event (xml, len: from "<Event" to the end of its
 * "</Event>"). fields names the named Data fields that must stay (nfields
 * of them); every other named Data may be cut, and with fields NULL all
 * named Data stay. Writes the compacted event to out (room for len bytes)
 * and returns its length, or 0 when there is nothing to cut.
 */
size_t vg_event_compact(const char *xml, size_t len, const char *const *fields,
                        size_t nfields, char *out);

#endif
