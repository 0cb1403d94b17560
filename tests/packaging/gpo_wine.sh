#!/usr/bin/env bash
# Group Policy values change what the Windows agent plans: under Wine, values
# written with `reg add` under HKLM\Software\Policies\VssGuard (the layout
# VssGuard.admx writes: scalars as values of the key, lists as values "1",
# "2", ... of a subkey) must show up in `vssguard.exe plan --json` with
# origin "gpo", an invalid value must be rejected naming the registry value
# (exit 2), and Enabled=0 must force dry run. FleetLockUrl and FleetLockGroup
# must show up in the plan's fleet_lock object.
# Needs the real vssguard.exe ($VG_WIN_EXE, default build/mingw/vssguard.exe).
# Env: VG_SRC source tree. Exit 0 pass, 1 fail, 77 skip.
set -uo pipefail

src=${VG_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
exe=${VG_WIN_EXE:-$src/build/mingw/vssguard.exe}
if [ ! -f "$exe" ]; then
  echo "SKIP: $exe not built (cmake --preset mingw && cmake --build --preset mingw)"
  exit 77
fi
if ! command -v wine64 >/dev/null && [ ! -x /usr/lib/wine/wine64 ]; then
  echo "SKIP: wine64 not installed (scripts/setup --win)"
  exit 77
fi

work=$(mktemp -d /tmp/vg-gpo-wine.XXXXXX)
prefix=$work/prefix
W() { "$src/scripts/wine-run" --prefix "$prefix" "$@"; }
trap 'WINEPREFIX=$prefix wineserver -k 2>/dev/null || /usr/lib/wine/wineserver64 -k 2>/dev/null || true; rm -rf "$work"' EXIT
W --init || { echo "FAIL: cannot create the Wine prefix"; exit 1; }

winpath() { echo "Z:$(echo "$1" | tr / '\\')"; }
cat >"$work/policy.yaml" <<'YAML'
threshold: 56
timezone: UTC
maintenance_windows:
  - "sun 02:00 3h"
dry_run: true
YAML
policy=$(winpath "$work/policy.yaml")
key='HKLM\Software\Policies\VssGuard'

fails=0
# plan: runs plan --json into $work/plan.json; returns the exit code.
plan() {
  W "$exe" plan --policy "$policy" --count 56 --from 2026-11-30T00:00:00Z --json \
    >"$work/plan.json" 2>"$work/plan.err"
}
# expect KEY VALUE ORIGIN: settings.KEY in the last plan has that value and origin.
expect() {
  local got
  got=$(python3 - "$work/plan.json" "$1" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["settings"].get(sys.argv[2], {})
print("%s|%s" % (s.get("value"), s.get("origin")))
PY
)
  if [ "$got" = "$2|$3" ]; then
    echo "ok: $1 = $2 ($3)"
  else
    echo "FAIL: $1 is '$got', expected '$2|$3'"
    fails=$((fails + 1))
  fi
}

echo "== without Group Policy values"
plan || { echo "FAIL: plan exited $?"; cat "$work/plan.err"; exit 1; }
expect threshold 56 file
expect dry_run true file
expect maintenance_windows "1 windows" file

echo "== with Group Policy values"
W reg add "$key" /v Threshold /t REG_DWORD /d 40 /f >/dev/null
W reg add "$key" /v DryRun /t REG_DWORD /d 0 /f >/dev/null
W reg add "$key" /v MaxRebootsPerWeek /t REG_DWORD /d 3 /f >/dev/null
W reg add "$key" /v WarningSeconds /t REG_DWORD /d 120 /f >/dev/null
W reg add "$key" /v RebootMessage /t REG_SZ /d "Maintenance reboot (GPO)" /f >/dev/null
W reg add "$key\\MaintenanceWindows" /v 1 /t REG_SZ /d "wed 23:30 2h" /f >/dev/null
W reg add "$key\\MaintenanceWindows" /v 2 /t REG_SZ /d "daily 01:00 90m" /f >/dev/null
W reg add "$key\\Blackouts" /v 1 /t REG_SZ /d "2026-12-20T00:00/2027-01-04T00:00 year-end freeze" /f >/dev/null
plan || { echo "FAIL: plan exited $? with valid Group Policy values"; cat "$work/plan.err"; fails=$((fails + 1)); }
expect threshold 40 gpo
expect dry_run false gpo
expect reboot.max_per_week 3 gpo
expect reboot.warning 2m gpo
expect reboot.message "Maintenance reboot (GPO)" gpo
expect maintenance_windows "2 windows" gpo
expect blackouts "1 blackouts" gpo

echo "== Enabled = 0 forces dry run"
W reg add "$key" /v Enabled /t REG_DWORD /d 0 /f >/dev/null
plan || { echo "FAIL: plan exited $?"; cat "$work/plan.err"; fails=$((fails + 1)); }
expect dry_run true gpo
W reg delete "$key" /v Enabled /f >/dev/null

echo "== an invalid value is rejected, naming the value"
W reg add "$key" /v Threshold /t REG_DWORD /d 99 /f >/dev/null
plan
rc=$?
if [ $rc -eq 2 ] && grep -q 'Policies\\VssGuard\\Threshold' "$work/plan.err"; then
  echo "ok: Threshold 99 rejected: $(grep -m1 Threshold "$work/plan.err" | tr -d '\r')"
else
  echo "FAIL: Threshold 99: exit $rc (expected 2), stderr:"; sed 's/^/    /' "$work/plan.err"
  fails=$((fails + 1))
fi
W reg add "$key\\MaintenanceWindows" /v 1 /t REG_SZ /d "sun 25:00 3h" /f >/dev/null
W reg add "$key" /v Threshold /t REG_DWORD /d 40 /f >/dev/null
plan
rc=$?
if [ $rc -eq 2 ] && grep -q 'Policies\\VssGuard\\MaintenanceWindows' "$work/plan.err"; then
  echo "ok: a bad window rejected: $(grep -m1 MaintenanceWindows "$work/plan.err" | tr -d '\r')"
else
  echo "FAIL: window 'sun 25:00 3h': exit $rc (expected 2), stderr:"; sed 's/^/    /' "$work/plan.err"
  fails=$((fails + 1))
fi

echo "== fleet coordination from Group Policy (FleetLockUrl, FleetLockGroup)"
W reg delete "$key" /f >/dev/null
W reg add "$key" /v FleetLockUrl /t REG_SZ /d "http://airlock.corp.example:3333/" /f >/dev/null
W reg add "$key" /v FleetLockGroup /t REG_SZ /d "dc-site-a" /f >/dev/null
plan || { echo "FAIL: plan exited $? with FleetLockUrl/FleetLockGroup"; cat "$work/plan.err"; fails=$((fails + 1)); }
got=$(python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["fleet_lock"] or {}; print("%s|%s" % (f.get("url"), f.get("group")))' "$work/plan.json")
if [ "$got" = "http://airlock.corp.example:3333/|dc-site-a" ]; then
  echo "ok: fleet_lock from Group Policy: $got"
else
  echo "FAIL: fleet_lock is '$got'"
  fails=$((fails + 1))
fi
W reg add "$key" /v FleetLockGroup /t REG_SZ /d "site a" /f >/dev/null
plan
rc=$?
if [ $rc -eq 2 ] && grep -q 'Policies\\VssGuard\\FleetLockGroup' "$work/plan.err"; then
  echo "ok: a bad group rejected: $(grep -m1 FleetLockGroup "$work/plan.err" | tr -d '\r')"
else
  echo "FAIL: FleetLockGroup 'site a': exit $rc (expected 2), stderr:"; sed 's/^/    /' "$work/plan.err"
  fails=$((fails + 1))
fi

echo "== removing the values restores the file's settings"
W reg delete "$key" /f >/dev/null
plan || { echo "FAIL: plan exited $?"; cat "$work/plan.err"; fails=$((fails + 1)); }
expect threshold 56 file
expect maintenance_windows "1 windows" file

if [ $fails -ne 0 ]; then
  echo "gpo_wine: $fails failure(s)"
  exit 1
fi
echo "gpo_wine: pass"
