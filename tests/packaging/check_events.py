#!/usr/bin/env python3
"""Checks that the event ids agree in the three places that define them.

  include/vssguard/log.h          enum vg_event_id (VG_EV_NAME = id)
  packaging/windows/vssguard.mc   one message per id: SymbolicName VG_MSG_NAME,
                                  Language English, text "%1", a severity
  docs/events.md                  one table row per id with the same level
                                  and name

With --windmc DIR it also compiles the message table with windmc into DIR
and checks every VG_MSG_* value in the generated header equals
(severity << 30) | id.  Exit 0 on agreement, 1 otherwise.
"""

import argparse
import os
import re
import subprocess
import sys

SEVERITY_BITS = {"Success": 0, "Informational": 1, "Warning": 2, "Error": 3}
DOC_LEVEL = {"Informational": "Information", "Warning": "Warning",
             "Error": "Error"}


def enum_ids(path):
    with open(path, encoding="utf-8") as f:
        src = f.read()
    m = re.search(r"enum\s+vg_event_id\s*\{(.*?)\}\s*;", src, re.S)
    if not m:
        return None
    body = re.sub(r"/\*.*?\*/|//[^\n]*", " ", m.group(1), flags=re.S)
    return {name: int(val) for name, val in
            re.findall(r"VG_EV_([A-Z0-9_]+)\s*=\s*(\d+)", body)}


def mc_messages(path, errors):
    """Parses the .mc message definitions: {id: dict}."""
    msgs = {}
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i, cur = 0, None
    header = {}
    while i < len(lines):
        line = lines[i].rstrip("\r")
        i += 1
        if not line.strip() or line.startswith(";"):
            continue
        m = re.match(r"^(\w+)\s*=\s*(.*)$", line)
        if not m:
            errors.append("%s:%d: unexpected line %r" % (path, i, line))
            continue
        key, val = m.group(1), m.group(2).strip()
        if key in ("MessageIdTypedef", "SeverityNames", "FacilityNames",
                   "LanguageNames", "OutputBase"):
            # Multi-line parenthesised values run until the closing ")".
            while val.count("(") > val.count(")") and i < len(lines):
                val += " " + lines[i].strip()
                i += 1
            header[key] = val
            continue
        if key == "MessageId":
            cur = {"line": i, "id": int(val, 0)}
            if cur["id"] in msgs:
                errors.append("%s:%d: MessageId %d defined twice" % (path, i, cur["id"]))
            msgs[cur["id"]] = cur
        elif cur is None:
            errors.append("%s:%d: %s before the first MessageId" % (path, i, key))
        elif key == "Language":
            text = []
            while i < len(lines) and lines[i].rstrip("\r") != ".":
                text.append(lines[i].rstrip("\r"))
                i += 1
            i += 1
            cur.setdefault("texts", {})[val] = "\n".join(text)
        else:
            cur[key] = val
    for key in ("MessageIdTypedef", "SeverityNames", "FacilityNames",
                "LanguageNames"):
        if key not in header:
            errors.append("%s: missing %s" % (path, key))
    if "English=0x409" not in header.get("LanguageNames", "").replace(" ", ""):
        errors.append("%s: LanguageNames must declare English=0x409" % path)
    return msgs


def doc_rows(path):
    rows = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^\|\s*(\d{4})\s*\|\s*(\w+)\s*\|\s*([A-Z0-9_]+)\s*\|", line)
            if m:
                rows.setdefault(int(m.group(1)), []).append((m.group(2), m.group(3)))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", default=os.environ.get("VG_SRC", "."))
    ap.add_argument("--windmc", metavar="DIR",
                    help="also compile with windmc into DIR and check the header")
    args = ap.parse_args()
    log_h = os.path.join(args.src, "include/vssguard/log.h")
    mc = os.path.join(args.src, "packaging/windows/vssguard.mc")
    doc = os.path.join(args.src, "docs/events.md")
    errors = []

    ids = enum_ids(log_h)
    if not ids:
        print("FAIL: %s: no enum vg_event_id" % log_h)
        return 1
    msgs = mc_messages(mc, errors)
    rows = doc_rows(doc)
    by_id = {v: k for k, v in ids.items()}

    for name, eid in sorted(ids.items(), key=lambda kv: kv[1]):
        m = msgs.get(eid)
        if m is None:
            errors.append("%s: no message for VG_EV_%s (%d)" % (mc, name, eid))
            continue
        where = "%s:%d" % (mc, m["line"])
        if m.get("SymbolicName") != "VG_MSG_" + name:
            errors.append("%s: id %d has SymbolicName %s, expected VG_MSG_%s"
                          % (where, eid, m.get("SymbolicName"), name))
        sev = m.get("Severity")
        if sev not in ("Informational", "Warning", "Error"):
            errors.append("%s: id %d has severity %s" % (where, eid, sev))
        if m.get("texts", {}).get("English") != "%1":
            errors.append("%s: id %d: the English text must be exactly %%1, not %r"
                          % (where, eid, m.get("texts", {}).get("English")))
        if set(m.get("texts", {})) != {"English"}:
            errors.append("%s: id %d: languages %s, expected English only"
                          % (where, eid, sorted(m.get("texts", {}))))
        r = rows.get(eid)
        if not r:
            errors.append("%s: id %d (%s) is not documented" % (doc, eid, name))
        elif len(r) > 1:
            errors.append("%s: id %d is documented %d times" % (doc, eid, len(r)))
        else:
            level, dname = r[0]
            if dname != name:
                errors.append("%s: id %d is named %s, expected %s" % (doc, eid, dname, name))
            if sev in DOC_LEVEL and level != DOC_LEVEL[sev]:
                errors.append("%s: id %d has level %s but the message table says %s"
                              % (doc, eid, level, sev))
    for eid in sorted(set(msgs) - set(by_id)):
        errors.append("%s: MessageId %d is not in enum vg_event_id" % (mc, eid))
    for eid in sorted(set(rows) - set(by_id)):
        errors.append("%s: documents id %d, which is not in enum vg_event_id" % (doc, eid))

    if args.windmc and not errors:
        os.makedirs(args.windmc, exist_ok=True)
        try:
            subprocess.run(["x86_64-w64-mingw32-windmc", "-h", args.windmc,
                            "-r", args.windmc, mc], check=True)
        except (OSError, subprocess.CalledProcessError) as e:
            errors.append("windmc failed: %s" % e)
        else:
            with open(os.path.join(args.windmc, "vssguard.h"), encoding="utf-8") as f:
                got = dict(re.findall(r"#define\s+VG_MSG_(\w+)\s+\(DWORD\)\s*(0x[0-9a-fA-F]+)",
                                      f.read()))
            for name, eid in ids.items():
                sev = msgs[eid]["Severity"]
                want = (SEVERITY_BITS[sev] << 30) | eid
                if int(got.get(name, "-1"), 0) != want:
                    errors.append("windmc header: VG_MSG_%s = %s, expected 0x%08x"
                                  % (name, got.get(name), want))
            print("windmc: %d message ids compiled" % len(got))

    for e in errors:
        print("FAIL: " + e)
    if errors:
        return 1
    print("check_events: %d event ids agree in log.h, vssguard.mc and events.md" % len(ids))
    return 0


if __name__ == "__main__":
    sys.exit(main())
