#!/usr/bin/env python3
"""Cross-checks the Group Policy templates against each other and the agent.

Checks that packaging/gpo/VssGuard.admx and en-US/VssGuard.adml are
well-formed and consistent (every $(string.X) and $(presentation.X) resolves,
every presentation control matches an element, every element stores a
value), and that the registry value names the ADMX writes are exactly the
names the agent reads:

  * vg_policy_override_names[] in policy/*.c (the overrides applied by the
    policy engine), and
  * the value names the Windows agent reads itself (Enabled, PolicyFile):
    every wide string literal made of letters only, such as L"PolicyFile",
    in agent/win/registry.c and any agent/win/*.c file that names the key
    Software\\Policies\\VssGuard.

A list policy counts with the last component of its list key, since its
items are values under HKLM\\Software\\Policies\\VssGuard\\<Name>.

Exit status: 0 all checks passed; 1 a check failed; 77 the templates are
consistent but an agent side is not in the source tree yet (skipped part is
named); with --require-agent a missing agent side is a failure.
"""

import argparse
import os
import re
import sys
import xml.etree.ElementTree as ET

NS = "http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions"
Q = "{%s}" % NS
BASE_KEY = "Software\\Policies\\VssGuard"
VALUE_ELEMENTS = ("decimal", "longDecimal", "text", "multiText", "boolean",
                  "enum", "list")
REF = re.compile(r"^\$\((string|presentation)\.([A-Za-z0-9_]+)\)$")


class Checker:
    def __init__(self):
        self.errors = []

    def fail(self, where, msg):
        self.errors.append("%s: %s" % (where, msg))


def local(tag):
    return tag[len(Q):] if tag.startswith(Q) else tag


def parse(path, chk):
    try:
        return ET.parse(path).getroot()
    except (ET.ParseError, OSError) as e:
        chk.fail(path, "not well-formed XML: %s" % e)
        return None


def check_admx(admx_path, admx, chk):
    """Structural checks of the ADMX; returns (string refs, presentation
    refs, {presentation id: [element ids]}, value names)."""
    if admx.tag != Q + "policyDefinitions":
        chk.fail(admx_path, "root element is %s, expected policyDefinitions "
                 "in namespace %s" % (admx.tag, NS))
        return set(), set(), {}, set()
    for attr in ("revision", "schemaVersion"):
        if admx.get(attr) != "1.0":
            chk.fail(admx_path, "%s must be \"1.0\"" % attr)
    target = admx.find(Q + "policyNamespaces/" + Q + "target")
    if target is None or not target.get("prefix") or not target.get("namespace"):
        chk.fail(admx_path, "missing policyNamespaces/target prefix and namespace")
    res = admx.find(Q + "resources")
    if res is None or res.get("minRequiredRevision") != "1.0":
        chk.fail(admx_path, "missing <resources minRequiredRevision=\"1.0\"/>")

    string_refs, pres_refs = set(), set()
    for el in admx.iter():
        for name, val in el.attrib.items():
            if val.startswith("$("):
                m = REF.match(val)
                if not m:
                    chk.fail(admx_path, "malformed reference %s=\"%s\" on <%s>"
                             % (name, val, local(el.tag)))
                elif m.group(1) == "string":
                    string_refs.add(m.group(2))
                else:
                    pres_refs.add(m.group(2))

    categories = {c.get("name") for c in admx.iter(Q + "category")}
    supported = {d.get("name") for d in admx.iter(Q + "definition")}
    pres_elements = {}
    names = set()
    policy_names = set()
    for pol in admx.iter(Q + "policy"):
        pname = pol.get("name") or "?"
        where = "%s: policy %s" % (admx_path, pname)
        if pname in policy_names:
            chk.fail(where, "duplicate policy name")
        policy_names.add(pname)
        if pol.get("class") != "Machine":
            chk.fail(where, "class must be Machine")
        if pol.get("key") != BASE_KEY:
            chk.fail(where, "key must be %s" % BASE_KEY)
        for attr in ("displayName", "explainText"):
            if not pol.get(attr):
                chk.fail(where, "missing %s" % attr)
        cat = pol.find(Q + "parentCategory")
        if cat is None or cat.get("ref") not in categories:
            chk.fail(where, "parentCategory missing or not a defined category")
        sup = pol.find(Q + "supportedOn")
        if sup is None or sup.get("ref") not in supported:
            chk.fail(where, "supportedOn missing or not a defined definition")
        elements = pol.find(Q + "elements")
        children = list(elements) if elements is not None else []
        if pol.get("valueName"):
            names.add(pol.get("valueName"))
            if pol.find(Q + "enabledValue") is None or pol.find(Q + "disabledValue") is None:
                chk.fail(where, "a policy with a valueName needs enabledValue and disabledValue")
        elif not children:
            chk.fail(where, "stores nothing: no valueName and no elements")
        ids = []
        for child in children:
            kind = local(child.tag)
            ewhere = "%s element %s" % (where, child.get("id") or "?")
            if kind not in VALUE_ELEMENTS:
                chk.fail(ewhere, "unknown element <%s>" % kind)
                continue
            if not child.get("id"):
                chk.fail(ewhere, "element without id")
            ids.append(child.get("id"))
            if kind == "list":
                key = child.get("key") or ""
                if not key.startswith(BASE_KEY + "\\") or key.count("\\") != BASE_KEY.count("\\") + 1:
                    chk.fail(ewhere, "a list needs key=\"%s\\<Name>\"" % BASE_KEY)
                else:
                    names.add(key.rsplit("\\", 1)[1])
                if child.get("valuePrefix") != "":
                    chk.fail(ewhere, "a list must use valuePrefix=\"\" (values named 1, 2, 3 ...)")
                if child.get("explicitValue") == "true":
                    chk.fail(ewhere, "explicitValue lists are not read by the agent")
            else:
                if not child.get("valueName"):
                    chk.fail(ewhere, "element without valueName")
                else:
                    names.add(child.get("valueName"))
                if child.get("key") not in (None, BASE_KEY):
                    chk.fail(ewhere, "element key must be %s" % BASE_KEY)
            if kind == "decimal" and (child.get("minValue") is None or child.get("maxValue") is None):
                chk.fail(ewhere, "decimal without minValue and maxValue")
        pres = pol.get("presentation")
        if children and not pres:
            chk.fail(where, "has elements but no presentation")
        if pres:
            m = REF.match(pres)
            if m:
                pres_elements[m.group(2)] = (where, ids)
    return string_refs, pres_refs, pres_elements, names


def check_adml(adml_path, adml, string_refs, pres_refs, pres_elements, chk):
    if adml.tag != Q + "policyDefinitionResources":
        chk.fail(adml_path, "root element is %s, expected policyDefinitionResources"
                 % adml.tag)
        return
    strings = {}
    for s in adml.iter(Q + "string"):
        sid = s.get("id")
        if sid in strings:
            chk.fail(adml_path, "duplicate string id %s" % sid)
        strings[sid] = s.text or ""
    presentations = {}
    for p in adml.iter(Q + "presentation"):
        pid = p.get("id")
        if pid in presentations:
            chk.fail(adml_path, "duplicate presentation id %s" % pid)
        presentations[pid] = p
    for sid in sorted(string_refs - set(strings)):
        chk.fail(adml_path, "$(string.%s) is used in the ADMX but not defined" % sid)
    for sid in sorted(set(strings) - string_refs):
        chk.fail(adml_path, "string %s is defined but never used" % sid)
    for sid, text in strings.items():
        if not text.strip():
            chk.fail(adml_path, "string %s is empty" % sid)
    for pid in sorted(pres_refs - set(presentations)):
        chk.fail(adml_path, "$(presentation.%s) is used in the ADMX but not defined" % pid)
    for pid in sorted(set(presentations) - pres_refs):
        chk.fail(adml_path, "presentation %s is defined but never used" % pid)
    for pid, (where, ids) in pres_elements.items():
        p = presentations.get(pid)
        if p is None:
            continue
        refs = [c.get("refId") for c in p if c.get("refId") is not None]
        for rid in refs:
            if rid not in ids:
                chk.fail(adml_path, "presentation %s: refId %s is not an element of %s"
                         % (pid, rid, where))
        for eid in ids:
            if eid not in refs:
                chk.fail(adml_path, "presentation %s: no control for element %s"
                         % (pid, eid))


def strip_c_comments(src):
    return re.sub(r"/\*.*?\*/|//[^\n]*", " ", src, flags=re.S)


def override_names(src_dir):
    """Returns the strings of the vg_policy_override_names initializer in
    policy/*.c, or None when no file defines it."""
    pdir = os.path.join(src_dir, "policy")
    if not os.path.isdir(pdir):
        return None
    pat = re.compile(r"vg_policy_override_names\s*\[\s*\]\s*=\s*\{(.*?)\}\s*;", re.S)
    for fn in sorted(os.listdir(pdir)):
        if not fn.endswith(".c"):
            continue
        with open(os.path.join(pdir, fn), encoding="utf-8") as f:
            m = pat.search(strip_c_comments(f.read()))
        if m:
            return set(re.findall(r'"([^"\\]*)"', m.group(1))), "policy/" + fn
    return None


def agent_names(src_dir):
    """Returns the letters-only wide literals in agent/win/registry.c and any
    other agent/win/*.c file that names Software\\Policies\\VssGuard, or None
    when there is no such file."""
    wdir = os.path.join(src_dir, "agent", "win")
    if not os.path.isdir(wdir):
        return None
    found, files = set(), []
    key = re.compile(r'Software\\\\Policies\\\\VssGuard', re.I)
    for fn in sorted(os.listdir(wdir)):
        if not fn.endswith(".c"):
            continue
        with open(os.path.join(wdir, fn), encoding="utf-8") as f:
            src = strip_c_comments(f.read())
        if key.search(src) or fn == "registry.c":
            files.append("agent/win/" + fn)
            found |= set(re.findall(r'\bL"([A-Za-z]+)"', src))
    return (found, files) if files else None


# ADMX limits that must equal the policy engine's (policy/policy_int.h).
RANGES = {
    "Threshold": ("minValue", "VG_THRESHOLD_MIN", "maxValue", "VG_THRESHOLD_MAX"),
    "WarningSeconds": ("maxValue", "VG_WARNING_MAX_S"),
    "MaxRebootsPerWeek": ("minValue", "VG_MAX_PER_WEEK_MIN",
                          "maxValue", "VG_MAX_PER_WEEK_MAX"),
    "RebootMessage": ("maxLength", "VG_MESSAGE_MAX"),
    "AlertmanagerUrl": ("maxLength", "VG_URL_MAX"),
}


def check_ranges(src_dir, admx_path, admx, chk):
    """Compares the limits of the ADMX elements with the engine's defines.
    Returns the number of limits compared."""
    path = os.path.join(src_dir, "policy", "policy_int.h")
    try:
        with open(path, encoding="utf-8") as f:
            defs = dict(re.findall(r"#define\s+(VG_\w+)\s+(-?\d+)", f.read()))
    except OSError:
        return 0
    # The limits of gates and notifications (AlertmanagerUrl).
    try:
        with open(os.path.join(src_dir, "include", "vssguard", "policy_gates.h"),
                  encoding="utf-8") as f:
            defs.update(re.findall(r"#define\s+(VG_\w+)\s+(-?\d+)", f.read()))
    except OSError:
        pass
    elements = {}
    for el in admx.iter():
        if el.get("valueName"):
            elements[el.get("valueName")] = el
    n = 0
    for name, pairs in RANGES.items():
        el = elements.get(name)
        if el is None:
            continue
        for attr, define in zip(pairs[0::2], pairs[1::2]):
            if define not in defs:
                continue
            n += 1
            if el.get(attr) != defs[define]:
                chk.fail(admx_path, "%s %s=\"%s\" but the agent's %s is %s"
                         % (name, attr, el.get(attr), define, defs[define]))
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", default=os.environ.get("VG_SRC", "."),
                    help="source tree (default $VG_SRC or .)")
    ap.add_argument("--admx", help="ADMX file (default packaging/gpo/VssGuard.admx)")
    ap.add_argument("--adml", help="ADML file (default packaging/gpo/en-US/VssGuard.adml)")
    ap.add_argument("--require-agent", action="store_true",
                    help="fail (instead of skip) when an agent side is missing")
    args = ap.parse_args()
    admx_path = args.admx or os.path.join(args.src, "packaging/gpo/VssGuard.admx")
    adml_path = args.adml or os.path.join(args.src, "packaging/gpo/en-US/VssGuard.adml")

    chk = Checker()
    admx = parse(admx_path, chk)
    adml = parse(adml_path, chk)
    names = set()
    if admx is not None:
        srefs, prefs, pel, names = check_admx(admx_path, admx, chk)
        if adml is not None:
            check_adml(adml_path, adml, srefs, prefs, pel, chk)

    skipped = []
    agent_read = set()
    ov = override_names(args.src)
    if ov is None:
        skipped.append("no policy/*.c defines vg_policy_override_names[]")
    else:
        ov_names, ov_file = ov
        if not ov_names:
            chk.fail(ov_file, "vg_policy_override_names[] holds no names")
        agent_read |= ov_names
        print("override names (%s): %s" % (ov_file, ", ".join(sorted(ov_names))))
    ag = agent_names(args.src)
    if ag is None:
        skipped.append("no agent/win/*.c opens Software\\Policies\\VssGuard")
    else:
        ag_names, ag_files = ag
        agent_read |= ag_names
        print("agent value names (%s): %s" % (", ".join(ag_files),
                                               ", ".join(sorted(ag_names))))
    print("ADMX value names: %s" % ", ".join(sorted(names)))

    if admx is not None:
        if ov is not None and ag is not None:
            for n in sorted(names - agent_read):
                chk.fail(admx_path, "value %s is written by Group Policy but the agent never reads it" % n)
            for n in sorted(agent_read - names):
                chk.fail(admx_path, "the agent reads value %s but the ADMX has no policy for it" % n)
        elif ov is not None:
            # Without the agent side, only the override direction is known.
            for n in sorted(ov[0] - names):
                chk.fail(admx_path, "the agent reads value %s but the ADMX has no policy for it" % n)
            for n in sorted(names - ov[0] - {"Enabled", "PolicyFile"}):
                chk.fail(admx_path, "value %s is written by Group Policy but the agent never reads it" % n)

    if admx is not None:
        print("limits compared with policy/policy_int.h: %d"
              % check_ranges(args.src, admx_path, admx, chk))

    for e in chk.errors:
        print("FAIL: " + e)
    if chk.errors:
        print("check_gpo: %d error(s)" % len(chk.errors))
        return 1
    if skipped:
        for s in skipped:
            print(("FAIL: " if args.require_agent else "SKIP: ") + s)
        return 1 if args.require_agent else 77
    print("check_gpo: ADMX, ADML and agent agree on %d value names" % len(names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
