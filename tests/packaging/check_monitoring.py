#!/usr/bin/env python3
"""Checks that the monitoring pack (packaging/monitoring) queries only
metrics the agent writes.

The agent's metric names are the string literals "vssguard_..." in the
agent sources (agent/metrics.c and any module that adds metrics). Every
vssguard_* name in an expression of the Grafana dashboard or of the alerting
rules must be one of them. Exit 0 when all are, 1 otherwise (each unknown
name is printed with the file and panel or rule that uses it).

Usage: check_monitoring.py --src SOURCE_TREE
       [--dashboard FILE] [--rules FILE]   (defaults: the files in the tree)
       [--pending NAME]...   a metric a module being written will add: noted,
                             not an error, while the agent lacks it
"""
import argparse
import json
import os
import re
import sys

NAME = re.compile(r"\bvssguard_[a-z0-9_]+\b")
LITERAL = re.compile(r'"(vssguard_[a-z0-9_]+)"')
SUFFIXES = ("_bucket", "_count", "_sum")


def agent_metrics(src):
    """The metric names the agent's C sources write."""
    names = set()
    for root, _dirs, files in os.walk(os.path.join(src, "agent")):
        for f in files:
            if f.endswith(".c"):
                with open(os.path.join(root, f), encoding="utf-8") as fh:
                    names.update(LITERAL.findall(fh.read()))
    return names


def dashboard_exprs(path):
    """(where, expr) for every query of the dashboard, template queries too."""
    with open(path, encoding="utf-8") as fh:
        dash = json.load(fh)
    out = []

    def panels(items):
        for p in items:
            for t in p.get("targets", []):
                out.append(('panel "%s" %s' % (p.get("title"), t.get("refId")),
                            t.get("expr", "")))
            panels(p.get("panels", []))

    panels(dash.get("panels", []))
    for v in dash.get("templating", {}).get("list", []):
        q = v.get("query")
        if isinstance(q, dict):
            q = q.get("query", "")
        out.append(('variable "%s"' % v.get("name"), q or ""))
    return out


def rules_exprs(path):
    """(where, expr) for every rule; a line-based read, no YAML module needed."""
    out = []
    rule = None
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"\s*- (alert|record):\s*(\S+)", line)
        if m:
            rule = m.group(2)
        m = re.match(r"(\s*)expr:\s*(.*)$", line)
        if m:
            indent, expr = len(m.group(1)), m.group(2)
            if expr in (">-", ">", "|", "|-"):
                expr = ""
                i += 1
                while i < len(lines) and (lines[i].strip() == "" or
                                          len(lines[i]) - len(lines[i].lstrip()) > indent):
                    expr += " " + lines[i].strip()
                    i += 1
                out.append(('rule "%s"' % rule, expr))
                continue
            out.append(('rule "%s"' % rule, expr))
        i += 1
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True)
    ap.add_argument("--dashboard")
    ap.add_argument("--rules")
    ap.add_argument("--pending", action="append", default=[])
    args = ap.parse_args()
    mon = os.path.join(args.src, "packaging", "monitoring")
    dashboard = args.dashboard or os.path.join(mon, "vssguard-dashboard.json")
    rules = args.rules or os.path.join(mon, "vssguard.rules.yml")

    known = agent_metrics(args.src)
    if not known:
        print("no vssguard_* metric found in %s/agent" % args.src)
        return 1
    bad = 0
    used = 0
    for path, exprs in ((dashboard, dashboard_exprs(dashboard)),
                        (rules, rules_exprs(rules))):
        for where, expr in exprs:
            for name in NAME.findall(expr):
                used += 1
                base = name
                for s in SUFFIXES:
                    if name.endswith(s) and name[: -len(s)] in known:
                        base = name[: -len(s)]
                if base not in known and base in args.pending:
                    print("note: %s: %s queries %s, which the agent does not "
                          "write yet (pending)" % (os.path.basename(path), where, name))
                elif base not in known:
                    print("%s: %s queries %s, which the agent does not write" %
                          (os.path.basename(path), where, name))
                    bad += 1
    if used == 0:
        print("no vssguard_* metric queried: nothing checked")
        return 1
    print("%d metric references checked against %d agent metrics: %s" %
          (used, len(known), "all known" if bad == 0 else "%d unknown" % bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
