# Helpers for the agent's integration tests (sourced, not a test itself):
# a scratch directory removed on exit, realistic Windows Server Backup
# events in wevtutil's /f:xml form, policies with a window opening soon,
# and waiting for a line in a log without sleeping longer than needed.
#
# Environment (set by CTest): VSSGUARD = the binary, VG_SRC, VG_BUILD.
# VG_WRAP, when set, is prepended to every agent command (valgrind).

set -euo pipefail

: "${VSSGUARD:?VSSGUARD must name the vssguard binary}"
VG_WRAP=${VG_WRAP:-}

work=$(mktemp -d "${TMPDIR:-/tmp}/vg-agent.XXXXXX")
agent_pids=()

cleanup() {
  local p
  for p in "${agent_pids[@]}"; do
    kill -KILL "$p" 2>/dev/null || true
  done
  if [ -n "${keep_work:-}" ]; then
    echo "kept $work" >&2
  else
    chattr -R -i "$work" 2>/dev/null || true
    rm -rf "$work"
  fi
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  for f in "$work"/*.log; do
    [ -f "$f" ] || continue
    echo "---- $f" >&2
    tail -n 60 "$f" >&2
  done
  exit 1
}

# rfc3339 EPOCH [FRACTION]: "2026-11-28T18:20:05.123000000Z".
rfc3339() {
  date -u -d "@$1" +"%Y-%m-%dT%H:%M:%S.${2:-000000000}Z"
}

# backup_run START RECID: the three events of one successful run started at
# epoch START (1 = started, 4 = finished with BackupTime, 14 = completed),
# with record ids RECID, RECID+1, RECID+2.
backup_run() {
  local start=$1 rec=$2
  local g="Guid='{1db28f2e-8f80-4027-8c5a-a11f7f10f62d}'"
  local sys_tail="<Correlation/><Execution ProcessID='1884' ThreadID='2240'/><Channel>Microsoft-Windows-Backup</Channel><Computer>FS01.corp.example</Computer><Security UserID='S-1-5-18'/></System>"
  printf "%s\n" "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Backup' $g/><EventID>1</EventID><Version>0</Version><Level>4</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='$(rfc3339 "$start" 468750000)'/><EventRecordID>$rec</EventRecordID>$sys_tail<EventData></EventData></Event>"
  printf "%s\n" "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Backup' $g/><EventID>4</EventID><Version>0</Version><Level>4</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='$(rfc3339 "$start" 562500000)'/><EventRecordID>$((rec + 1))</EventRecordID>$sys_tail<EventData><Data Name='BackupTemplateID'>{4e2c1a7d-3b1f-4a8e-9d6c-2f0b7e5a9c13}</Data><Data Name='HRESULT'>0</Data><Data Name='BackupState'>1</Data><Data Name='BackupTime'>$(rfc3339 "$start" 437000000)</Data><Data Name='BackupTarget'>\\\\?\\Volume{6b1e3c2a-0f4d-11e5-8a3b-806e6f6e6963}</Data><Data Name='BackupTargetLabel'>FS01 DISK_01</Data></EventData></Event>"
  printf "%s\n" "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Backup' $g/><EventID>14</EventID><Version>0</Version><Level>4</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='$(rfc3339 "$start" 750000000)'/><EventRecordID>$((rec + 2))</EventRecordID>$sys_tail<EventData><Data Name='HRESULT'>0</Data></EventData></Event>"
}

# window_policy FILE OPENS_AT [EXTRA_YAML]: threshold 3, UTC, one 10-minute
# window opening at epoch OPENS_AT, no splay, no minimum uptime.
window_policy() {
  local file=$1 at=$2 extra=${3:-}
  local day hms
  day=$(date -u -d "@$at" +%a | tr '[:upper:]' '[:lower:]')
  hms=$(date -u -d "@$at" +%H:%M:%S)
  cat >"$file" <<EOF
threshold: 3
timezone: UTC
count_failed_backups: true
maintenance_windows:
  - { days: [$day], start: "$hms", duration: 10m }
reboot:
  warning: 0s
  message: "Scheduled maintenance reboot to clear VSS writer sessions (VSS 12289)."
  splay: 0s
  min_uptime: 0s
  min_time_left: 1m
  max_per_week: 2
  wait_for_backup: true
$extra
EOF
  chmod 0644 "$file"
}

# reboot_script FILE OUT: a --reboot-command that appends "EPOCH MESSAGE".
reboot_script() {
  cat >"$1" <<EOF
#!/bin/sh
echo "\$(date +%s) \$VSSGUARD_WARNING_S \$1" >>"$2"
EOF
  chmod 0755 "$1"
}

# start_agent LOG ARGS...: starts "vssguard run ARGS" in the background,
# stderr to LOG; sets agent_pid.
start_agent() {
  local log=$1
  shift
  # shellcheck disable=SC2086
  $VG_WRAP "$VSSGUARD" run "$@" 2>>"$log" &
  agent_pid=$!
  agent_pids+=("$agent_pid")
}

# wait_for PATTERN FILE SECONDS: waits until FILE has a line matching the
# extended regex PATTERN; returns 1 on timeout.
wait_for() {
  local pattern=$1 file=$2 secs=$3 i
  for ((i = 0; i < secs * 10; i++)); do
    if [ -f "$file" ] && grep -Eq -- "$pattern" "$file"; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# stop_agent: SIGTERM, then the exit status must be 0.
stop_agent() {
  kill -TERM "$agent_pid"
  local rc=0
  wait "$agent_pid" || rc=$?
  [ "$rc" -eq 0 ] || fail "agent exited with $rc after SIGTERM"
}
