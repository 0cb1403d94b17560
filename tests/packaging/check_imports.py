#!/usr/bin/env python3
"""Checks that vssguard.exe still loads on Windows Server 2008 (NT 6.0).

The Windows loader refuses to start an executable when one function it
imports is missing from the DLL, and Windows Server 2008 lacks many
functions of later versions. Every function vssguard.exe imports today was
checked against Windows Server 2008 SP2 and is listed in
packaging/windows/imports-nt60.txt ("dll function" lines, sorted). This
check reads the import table of the built executable with objdump and fails
on any import missing from that list, and on a PE header that asks for a
newer OS or subsystem than 6.0.

  check_imports.py --exe build/mingw/vssguard.exe \
                   --list packaging/windows/imports-nt60.txt [--objdump PROG]
  check_imports.py --exe ... --print    prints the imports in list format

Exit 0 when every import is listed, 1 otherwise, 77 when objdump is missing.
"""

import argparse
import re
import shutil
import subprocess
import sys


def read_pe(objdump, exe):
    """Returns ({(dll, function)}, {header field: value}) of exe."""
    out = subprocess.run([objdump, "-p", exe], check=True,
                         stdout=subprocess.PIPE, universal_newlines=True).stdout
    imports, header, dll = set(), {}, None
    in_imports = False
    for line in out.split("\n"):
        m = re.match(r"^(Major|Minor)(OSystem|Subsystem)Version\s+(\d+)", line)
        if m:
            header[m.group(1) + m.group(2)] = int(m.group(3))
            continue
        if line.startswith("The Import Tables"):
            in_imports = True
            continue
        if in_imports and re.match(r"^The \w+ Tables?", line) \
                and not line.startswith("The Import Tables"):
            in_imports = False
        if not in_imports:
            continue
        m = re.match(r"^\s*DLL Name:\s*(\S+)", line)
        if m:
            dll = m.group(1).lower()
            continue
        # "\t346b4e\t    1  AcquireSRWLockExclusive": hint, then name; an
        # import by ordinal has "<none>" as its name and is listed as "#N".
        m = re.match(r"^\t[0-9a-f]+\t\s*(\d+)\s+(\S+)", line)
        if m and dll is not None:
            name = m.group(2)
            if name == "<none>":
                name = "#" + m.group(1)
            imports.add((dll, name))
    return imports, header


def read_list(path):
    listed = set()
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split()
            if len(parts) != 2:
                sys.exit("%s:%d: expected 'dll function', got %r"
                         % (path, n, line))
            listed.add((parts[0].lower(), parts[1]))
    return listed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exe", required=True)
    ap.add_argument("--list")
    ap.add_argument("--objdump", default="x86_64-w64-mingw32-objdump")
    ap.add_argument("--print", action="store_true")
    a = ap.parse_args()
    if shutil.which(a.objdump) is None:
        print("check_imports: %s not found; skipped" % a.objdump)
        return 77
    imports, header = read_pe(a.objdump, a.exe)
    if not imports:
        print("check_imports: no import table found in %s" % a.exe)
        return 1
    if a.print:
        for dll, fn in sorted(imports):
            print(dll, fn)
        return 0
    listed = read_list(a.list)
    ok = True
    new = sorted(imports - listed)
    for dll, fn in new:
        print("%s: imports %s from %s, which is not in %s"
              % (a.exe, fn, dll, a.list))
    if new:
        ok = False
        print("""
vssguard.exe must load on Windows Server 2008 (NT 6.0): the loader refuses
an executable that imports one function the system DLL lacks. For each
function above, open its page on learn.microsoft.com and read
"Minimum supported server" under Requirements:
  - Windows Server 2008 or earlier: add its line to %s
    (keep the file sorted), in the same commit as the code that needs it:
%s
  - Windows Server 2008 R2 or later: do not import it; find it at run time
    with GetProcAddress and keep a fallback for 2008, or use an older API.
A new DLL (for example winhttp.dll, wtsapi32.dll) follows the same rule.
Functions the C runtime or libuv pull in count too."""
              % (a.list, "\n".join("        %s %s" % n for n in new)))
    for key, limit in (("MajorOSystem", 6), ("MajorSubsystem", 6)):
        major = header.get(key)
        minor = header.get(key.replace("Major", "Minor"))
        if major is not None and (major, minor) > (limit, 0):
            ok = False
            print("%s: the PE header asks for %sVersion %d.%d, above 6.0 "
                  "(Windows Server 2008)" % (a.exe, key.replace("Major", ""),
                                             major, minor))
    stale = sorted(listed - imports)
    if stale:
        print("note: %d listed function(s) are no longer imported (harmless; "
              "remove them from %s when convenient): %s"
              % (len(stale), a.list,
                 ", ".join("%s %s" % s for s in stale[:10])))
    if ok:
        print("check_imports: all %d imports of %s are known to exist on "
              "Windows Server 2008" % (len(imports), a.exe))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
