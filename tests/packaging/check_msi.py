#!/usr/bin/env python3
"""Checks the tables of a VSS Session Guard MSI with msiinfo.

  check_msi.py MSI --version V [--exe EXE] [--policy YAML]

Checks the product properties (UpgradeCode constant, version, per-machine,
x64), the service (ServiceInstall, ServiceControl), the Event Log source
registry values, the files and their components (64-bit; the default policy
Permanent and NeverOverwrite), the directories, the upgrade rows and the
sequences. With --exe/--policy, the packaged files must equal them byte for
byte. Prints the ProductCode on success (for comparisons between builds).
Exit 0 pass, 1 fail.
"""

import argparse
import filecmp
import os
import subprocess
import sys
import tempfile

UPGRADE_CODE = "{9A4AF4EA-9F33-4C49-B905-C12F5324355D}"
EVENTLOG_KEY = "SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\VssGuard"

errors = []


def fail(msg):
    errors.append(msg)


def table(msi, name):
    """Returns the rows of a table as dicts (msiinfo export: column names,
    column types, table name and keys, then one row per line)."""
    out = subprocess.run(["msiinfo", "export", msi, name], check=True,
                         capture_output=True, text=True).stdout
    lines = out.split("\r\n") if "\r\n" in out else out.split("\n")
    cols = lines[0].split("\t")
    rows = []
    for line in lines[3:]:
        if line == "":
            continue
        vals = line.split("\t")
        rows.append(dict(zip(cols, vals + [""] * (len(cols) - len(vals)))))
    return rows


def expect(what, got, want):
    if got != want:
        fail("%s: %r, expected %r" % (what, got, want))


def one(rows, key, value, what):
    hits = [r for r in rows if r.get(key) == value]
    if len(hits) != 1:
        fail("%s: %d rows with %s=%s, expected 1" % (what, len(hits), key, value))
        return {}
    return hits[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("msi")
    ap.add_argument("--version", required=True)
    ap.add_argument("--exe")
    ap.add_argument("--policy")
    args = ap.parse_args()
    msi = args.msi

    props = {r["Property"]: r["Value"] for r in table(msi, "Property")}
    expect("Property UpgradeCode", props.get("UpgradeCode"), UPGRADE_CODE)
    expect("Property ProductVersion", props.get("ProductVersion"), args.version)
    expect("Property ProductName", props.get("ProductName"), "VSS Session Guard")
    expect("Property ALLUSERS (per-machine)", props.get("ALLUSERS"), "1")
    if not props.get("ProductCode", "").startswith("{"):
        fail("Property ProductCode missing")

    suminfo = subprocess.run(["msiinfo", "suminfo", msi], check=True,
                             capture_output=True, text=True).stdout
    if "Template: x64;1033" not in suminfo:
        fail("summary information: Template is not x64;1033")

    comps = {r["Component"]: r for r in table(msi, "Component")}
    expect("Components", sorted(comps), ["Agent", "DefaultPolicy", "EventSource"])
    # 0x100 64-bit, 0x4 registry key path, 0x10 permanent, 0x80 never overwrite.
    expect("Component Agent Attributes", comps.get("Agent", {}).get("Attributes"), "256")
    expect("Component EventSource Attributes", comps.get("EventSource", {}).get("Attributes"), "260")
    expect("Component DefaultPolicy Attributes (64-bit, Permanent, NeverOverwrite)",
           comps.get("DefaultPolicy", {}).get("Attributes"), "400")

    dirs = {r["Directory"]: r for r in table(msi, "Directory")}
    expect("Directory INSTALLDIR", (dirs.get("INSTALLDIR", {}).get("Directory_Parent"),
                                    dirs.get("INSTALLDIR", {}).get("DefaultDir")),
           ("ProgramFiles64Folder", "VssGuard"))
    expect("Directory DATADIR", (dirs.get("DATADIR", {}).get("Directory_Parent"),
                                 dirs.get("DATADIR", {}).get("DefaultDir")),
           ("CommonAppDataFolder", "VssGuard"))
    cf = table(msi, "CreateFolder")
    if {"Directory_": "DATADIR", "Component_": "DefaultPolicy"} not in cf:
        fail("CreateFolder: no row creating DATADIR (%ProgramData%\\VssGuard)")

    files = {r["File"]: r for r in table(msi, "File")}
    expect("Files", sorted(files), ["policy.yaml", "vssguard.exe"])
    expect("File vssguard.exe", (files.get("vssguard.exe", {}).get("Component_"),
                                 files.get("vssguard.exe", {}).get("FileName")),
           ("Agent", "vssguard.exe"))
    expect("File policy.yaml", (files.get("policy.yaml", {}).get("Component_"),
                                files.get("policy.yaml", {}).get("FileName")),
           ("DefaultPolicy", "policy.yaml"))
    expect("KeyPath of Agent", comps.get("Agent", {}).get("KeyPath"), "vssguard.exe")
    expect("KeyPath of DefaultPolicy", comps.get("DefaultPolicy", {}).get("KeyPath"), "policy.yaml")

    svc = one(table(msi, "ServiceInstall"), "Name", "VssGuard", "ServiceInstall")
    if svc:
        expect("ServiceInstall DisplayName", svc["DisplayName"], "VSS Session Guard")
        expect("ServiceInstall ServiceType (own process)", svc["ServiceType"], "16")
        expect("ServiceInstall StartType (auto)", svc["StartType"], "2")
        expect("ServiceInstall ErrorControl (normal)", svc["ErrorControl"], "1")
        expect("ServiceInstall StartName", svc["StartName"], "LocalSystem")
        expect("ServiceInstall Arguments", svc["Arguments"], "service run")
        expect("ServiceInstall Component_", svc["Component_"], "Agent")
    ctl = one(table(msi, "ServiceControl"), "Name", "VssGuard", "ServiceControl")
    if ctl:
        # 0x1 start on install, 0x2 stop on install, 0x20 stop on uninstall,
        # 0x80 delete on uninstall.
        expect("ServiceControl Event", ctl["Event"], str(0x1 | 0x2 | 0x20 | 0x80))
        expect("ServiceControl Wait", ctl["Wait"], "1")
        expect("ServiceControl Component_", ctl["Component_"], "Agent")

    reg = table(msi, "Registry")
    regv = {(r["Root"], r["Key"], r["Name"]): (r["Value"], r["Component_"]) for r in reg}
    expect("Registry EventMessageFile", regv.get(("2", EVENTLOG_KEY, "EventMessageFile")),
           ("[#vssguard.exe]", "EventSource"))
    expect("Registry TypesSupported", regv.get(("2", EVENTLOG_KEY, "TypesSupported")),
           ("#7", "EventSource"))
    expect("Registry rows", len(reg), 2)

    up = table(msi, "Upgrade")
    if not any(r["UpgradeCode"] == UPGRADE_CODE and r["VersionMax"] == args.version
               and r["ActionProperty"] == "WIX_UPGRADE_DETECTED" for r in up):
        fail("Upgrade: no row replacing older versions (WIX_UPGRADE_DETECTED)")
    if not any(r["UpgradeCode"] == UPGRADE_CODE and r["VersionMin"] == args.version
               and r["ActionProperty"] == "WIX_DOWNGRADE_DETECTED" for r in up):
        fail("Upgrade: no row detecting newer versions (WIX_DOWNGRADE_DETECTED)")
    lc = table(msi, "LaunchCondition")
    if not any(r["Condition"] == "NOT WIX_DOWNGRADE_DETECTED" for r in lc):
        fail("LaunchCondition: downgrades are not refused")
    if "WIX_UPGRADE_DETECTED" not in props.get("SecureCustomProperties", ""):
        fail("SecureCustomProperties lacks WIX_UPGRADE_DETECTED")

    seq = {r["Action"]: int(r["Sequence"]) for r in table(msi, "InstallExecuteSequence")}
    for action in ("FindRelatedProducts", "RemoveExistingProducts", "StopServices",
                   "DeleteServices", "InstallFiles", "WriteRegistryValues",
                   "InstallServices", "StartServices", "CreateFolders"):
        if action not in seq:
            fail("InstallExecuteSequence: %s missing" % action)
    if seq.get("InstallServices", 0) <= seq.get("InstallFiles", 0) or \
       seq.get("StartServices", 0) <= seq.get("InstallServices", 0):
        fail("InstallExecuteSequence: services installed or started before the files")

    if args.exe or args.policy:
        with tempfile.TemporaryDirectory() as d:
            subprocess.run(["msiextract", "-C", d, msi], check=True,
                           capture_output=True)
            found = {}
            for root, _, names in os.walk(d):
                for n in names:
                    found[n] = os.path.join(root, n)
            for name, want in (("vssguard.exe", args.exe), ("policy.yaml", args.policy)):
                if want and (name not in found or not filecmp.cmp(found[name], want, shallow=False)):
                    fail("packaged %s differs from %s" % (name, want))

    for e in errors:
        print("FAIL: %s: %s" % (msi, e))
    if errors:
        return 1
    print("ProductCode %s" % props["ProductCode"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
