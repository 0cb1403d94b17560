# Shared helpers of the Wine end-to-end tests (sourced, not run).
#
# Environment from CTest: VSSGUARD (vssguard.exe), VG_FAKE_WEVTAPI (the
# test-only wevtapi.dll), VG_SRC, VG_BUILD, VG_WINE_RUN (scripts/wine-run).
# Each test works in its own directory with a copy of the exe and the fake
# dll side by side; Wine loads that dll instead of its own wevtapi through
# a DLL override.

set -euo pipefail

: "${VSSGUARD:?}" "${VG_FAKE_WEVTAPI:?}" "${VG_BUILD:?}" "${VG_SRC:?}"
VG_WINE_RUN=${VG_WINE_RUN:-$VG_SRC/scripts/wine-run}
export VG_WINEPREFIX=${VG_WINEPREFIX:-$VG_BUILD/wineprefix}

name=$(basename "$0" .sh)
T=$VG_BUILD/wine-tests/$name
rm -rf "$T"
mkdir -p "$T"
# An executable name of this test only: stop_agent ends it by name
# without touching other programs that share the Wine prefix.
EXE_NAME=vssguard-$name.exe
cp "$VSSGUARD" "$T/$EXE_NAME"
cp "$VG_FAKE_WEVTAPI" "$T/wevtapi.dll"
EXE=$T/$EXE_NAME
EVENTS=$T/events.xml
: >"$EVENTS"

# Wine's services (the VssGuard service among them) log to this file when a
# program of the test starts them (scripts/wine-run); scripts/test-win sets
# it for its persistent server.
export VG_WINE_SERVICES_LOG=${VG_WINE_SERVICES_LOG:-$VG_BUILD/wine-services.log}

# fail MESSAGE: says why, shows the end of the test's logs (and, in a test
# of the service, what service_diag finds), exits 1.
SERVICE_DIAG=
fail() {
  local f
  echo "FAIL: $*" >&2
  if [ -n "$SERVICE_DIAG" ]; then
    SERVICE_DIAG=
    service_diag >"$T/service-diag.log" 2>&1 || true
  fi
  for f in "$T"/*.log; do
    [ -f "$f" ] || continue
    echo "---- $f" >&2
    tail -n 40 "$f" >&2
  done
  exit 1
}

# winpath PATH: the Z: drive path Wine gives a Unix path.
winpath() {
  local p=$1
  printf 'Z:%s' "${p//\//\\}"
}

# The fake dll finds the event file through the environment, or (for a
# service, whose environment comes from services.exe) through a file
# beside it.
winpath "$EVENTS" >"$T/wevtapi.txt"
export VG_FAKE_EVENTS
VG_FAKE_EVENTS=$(winpath "$EVENTS")

# wine ARGS...: runs a Windows program with the fake wevtapi.
wine_() {
  WINEDLLOVERRIDES="wevtapi=n;mscoree,mshtml=" "$VG_WINE_RUN" "$@"
}

# vg ARGS...: runs vssguard.exe.
vg() {
  wine_ "$EXE" "$@"
}

# iso EPOCH: RFC 3339 UTC with nanoseconds, as wevtutil prints it.
iso() {
  date -u -d "@$1" +%Y-%m-%dT%H:%M:%S.000000000Z
}

# backup_event RID ID EPOCH [START_EPOCH]: one Microsoft-Windows-Backup event
# (1 started, 4 succeeded with BackupTime, 14 completed).
backup_event() {
  local rid=$1 id=$2 t=$3 start=${4:-$3} data=""
  if [ "$id" = 4 ]; then
    data="<Data Name='BackupTemplateID'>{4e2c1a7d-3b1f-4a8e-9d6c-2f0b7e5a9c13}</Data><Data Name='HRESULT'>0</Data><Data Name='BackupState'>1</Data><Data Name='BackupTime'>$(iso "$start")</Data><Data Name='BackupTarget'>\\\\?\\Volume{6b1e3c2a-0f4d-11e5-8a3b-806e6f6e6963}</Data>"
  elif [ "$id" = 14 ]; then
    data="<Data Name='HRESULT'>0</Data>"
  fi
  printf "%s\n" "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Backup' Guid='{1db28f2e-8f80-4027-8c5a-a11f7f10f62d}'/><EventID>$id</EventID><Version>0</Version><Level>4</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='$(iso "$t")'/><EventRecordID>$rid</EventRecordID><Correlation/><Execution ProcessID='1884' ThreadID='2240'/><Channel>Microsoft-Windows-Backup</Channel><Computer>FS01.corp.example</Computer><Security UserID='S-1-5-18'/></System><EventData>$data</EventData></Event>"
}

# add_run FIRST_RID START_EPOCH: appends one backup run (events 1, 4, 14
# with record ids FIRST_RID .. FIRST_RID+2) to the event file, atomically
# enough for the fake's reader (whole lines).
add_run() {
  local rid=$1 t=$2
  {
    backup_event "$rid" 1 "$t"
    backup_event $((rid + 1)) 4 $((t + 30)) "$t"
    backup_event $((rid + 2)) 14 $((t + 31))
  } >"$T/run.tmp"
  cat "$T/run.tmp" >>"$EVENTS"
}

# write_policy FILE WINDOW [EXTRA YAML LINES...]: a small policy in UTC.
write_policy() {
  local file=$1 window=$2
  shift 2
  {
    echo "threshold: 3"
    echo "timezone: UTC"
    echo "maintenance_windows:"
    echo "  - \"$window\""
    echo "reboot:"
    echo "  warning: 90"
    echo "  message: \"VssGuard test reboot\""
    echo "  force_close_apps: true"
    echo "  splay: 0s"
    echo "  min_uptime: 0s"
    echo "  min_time_left: 1m"
    for l in "$@"; do echo "$l"; done
  } >"$file"
}

# hhmm EPOCH: the UTC time of day.
hhmm() {
  date -u -d "@$1" +%H:%M
}

# next_minute [LEAD]: the epoch of the next full minute at least LEAD
# seconds (default 20) away.
next_minute() {
  local lead=${1:-20} now
  now=$(date +%s)
  echo $(((now + lead + 59) / 60 * 60))
}

AGENT_PID=
# start_agent LOG ARGS...: runs `vssguard run ARGS` in the background with
# WINEDEBUG=fixme+advapi (Wine prints each InitiateSystemShutdownExW call).
start_agent() {
  local log=$1
  shift
  WINEDEBUG=fixme+advapi VG_FAKE_TRACE=1 wine_ "$EXE" run "$@" >"$log" 2>&1 &
  AGENT_PID=$!
}

# stop_agent: ends the agent the way a crash would (the state must already
# be consistent on disk) and waits for it.
stop_agent() {
  if [ -n "$AGENT_PID" ]; then
    wine_ taskkill /f /im "$EXE_NAME" >/dev/null 2>&1 || true
    wait "$AGENT_PID" 2>/dev/null || true
    AGENT_PID=
  fi
}

cleanup() {
  stop_agent
}
trap cleanup EXIT

# wait_for FILE PATTERN SECONDS: waits until FILE contains PATTERN (an
# extended regex); fails the test on timeout or when the agent exited.
wait_for() {
  local file=$1 pat=$2 secs=$3 i=0
  while ! grep -Eq -- "$pat" "$file" 2>/dev/null; do
    if [ -n "$AGENT_PID" ] && ! kill -0 "$AGENT_PID" 2>/dev/null; then
      cat "$file" >&2
      fail "the agent exited before '$pat'"
    fi
    i=$((i + 1))
    if [ "$i" -gt $((secs * 5)) ]; then
      cat "$file" >&2
      fail "timed out waiting for '$pat' in $file"
    fi
    sleep 0.2
  done
}

# state_value FILE KEY: the value of a "KEY value" line of the state file.
state_value() {
  awk -v k="$2" '$1 == k { print $2; exit }' "$1"
}

SHUTDOWN_RE='InitiateSystemShutdownExW \(null\) L"VssGuard test reboot" 90 1 1 0x80040001'

# wait_count STATE N SECONDS: waits until the state file holds count N.
wait_count() {
  local i=0
  while [ "$(state_value "$1" count 2>/dev/null)" != "$2" ]; do
    i=$((i + 1))
    [ "$i" -le $(($3 * 5)) ] || fail "state $1 never reached count $2"
    sleep 0.2
  done
}

# ---- the service (tests that run vssguard.exe as the VssGuard service) ----

# service_setup: readies a test of the service. The service's environment
# comes from services.exe, so Wine loads the fake wevtapi.dll through the
# AppDefaults key of this test's executable name only (other tests run
# vssguard.exe with Wine's own wevtapi). A program (vg_probe sleep) keeps
# the wineserver up for the whole test: when the last program other than
# Wine's own services exits, the wineserver ends them all, and the next
# command starts the service again in a new "boot" (volatile keys gone: a
# new boot id, the count reset to 0). A service left by another test is
# removed; on exit the service is stopped and removed, the key deleted and
# the keeper ended.
SERVICE_KEEPER=
service_setup() {
  SERVICE_DIAG=1
  APPKEY="HKCU\\Software\\Wine\\AppDefaults\\$EXE_NAME"
  trap service_cleanup EXIT
  # exec: $! is the Wine program itself, which the cleanup ends.
  (WINEDLLOVERRIDES="mscoree,mshtml=" exec "$VG_WINE_RUN" \
    "$(dirname "$VG_FAKE_WEVTAPI")/vg_probe.exe" sleep 240000 >/dev/null 2>&1) &
  SERVICE_KEEPER=$!
  wine_ reg add "$APPKEY\DllOverrides" /v wevtapi /d native /f >/dev/null 2>&1
  vg service uninstall >/dev/null 2>&1 || true
}

service_cleanup() {
  stop_agent
  wine_ sc stop VssGuard >/dev/null 2>&1 || true
  vg service uninstall >/dev/null 2>&1 || true
  wine_ reg delete "$APPKEY" /f >/dev/null 2>&1 || true
  if [ -n "$SERVICE_KEEPER" ]; then
    kill "$SERVICE_KEEPER" 2>/dev/null || true
    wait "$SERVICE_KEEPER" 2>/dev/null || true
  fi
}

# service_install: `vssguard service install` with the test's policy.yaml
# and state (its output in install.log), or fails.
service_install() {
  vg service install --policy "$(winpath "$T/policy.yaml")" \
    --state "$(winpath "$T/state")" >"$T/install.log" 2>&1 ||
    { cat "$T/install.log"; fail "service install"; }
}

# service_diag: what a failed test of the service shows (fail runs it when
# SERVICE_DIAG is set): the service's status (sc query, and the exit codes
# from QueryServiceStatus), its configuration from the registry (Wine's sc
# has no qc: ImagePath names the executable, policy and state of the test
# that installed it), the end of the services' log (the service's own
# lines: scripts/wine-run, VG_WINE_SERVICES_LOG) and the programs running.
service_diag() {
  local probe
  probe=$(dirname "$VG_FAKE_WEVTAPI")/vg_probe.exe
  echo "== sc query VssGuard"
  wine_ sc query VssGuard 2>&1 || echo "(sc query: exit $?)"
  echo "== QueryServiceStatus"
  wine_ "$probe" status VssGuard 2>&1 || true
  echo
  echo "== HKLM\\System\\CurrentControlSet\\Services\\VssGuard"
  wine_ reg query 'HKLM\System\CurrentControlSet\Services\VssGuard' 2>&1 |
    tr -d '\r' || true
  case $VG_WINE_SERVICES_LOG in
  "$T"/*.log) ;; # fail shows the test's own logs
  *)
    echo "== $VG_WINE_SERVICES_LOG (end)"
    tail -n 30 "$VG_WINE_SERVICES_LOG" 2>/dev/null || true
    ;;
  esac
  echo "== VssGuard programs running"
  ps -eo pid,args | grep -i "vssguard.*\.exe" | grep -v grep || true
}

# service_start: `sc start VssGuard` (output in start.log, with Wine's
# error number when it fails), or fails.
service_start() {
  WINEDEBUG=-all,err+sc wine_ sc start VssGuard >"$T/start.log" 2>&1 ||
    { cat "$T/start.log"; fail "sc start"; }
}

# wait_stopped [WHY]: waits up to 30 s for the service to be STOPPED, or
# fails ("the service did not stop WHY").
wait_stopped() {
  local i=0
  until wine_ sc query VssGuard 2>/dev/null | grep -q STOPPED; do
    i=$((i + 1))
    [ "$i" -le 60 ] || fail "the service did not stop${1:+ $1}"
    sleep 0.5
  done
}

# service_stop: `sc stop VssGuard` (output in stop.log) and waits until
# the service is stopped, or fails.
service_stop() {
  wine_ sc stop VssGuard >"$T/stop.log" 2>&1 ||
    { cat "$T/stop.log"; fail "sc stop"; }
  wait_stopped
}
