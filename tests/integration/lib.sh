# Shared helpers of the integration tests that run the agent and of
# scripts/stress: a scratch directory removed on exit, Windows Server
# Backup, boot and VSS events in wevtutil's /f:xml form, policies with a
# window open now or opening at a given moment, a logging reboot command,
# waiting for a log line with a bounded timeout, and running the real
# binary.
#
# Sourced by the tests. CTest also runs it as a test of its own (every
# tests/integration/*.sh is one): run directly, it checks that the events it
# writes are counted as intended by "vssguard replay".
#
# Environment: VSSGUARD = the binary (set by CTest), VG_SRC, VG_BUILD.
# VG_WRAP, when set (the valgrind stage of scripts/test), is put in front of
# every vssguard invocation: use vg_run_agent and vg_cli, never "$VSSGUARD"
# directly.

set -euo pipefail

: "${VSSGUARD:?VSSGUARD must name the vssguard binary}"
VG_WRAP=${VG_WRAP:-}

vg_work=$(mktemp -d "${TMPDIR:-/tmp}/vg-hard.XXXXXX")
vg_pids=()
vg_rec=1
vg_cleanups=()

vg_logs_shown=0

# The exit trap: a test that ends with an error other than through vg_fail
# (a command failing under set -e) shows the logs too; 77 is a skip.
vg_cleanup() {
  local rc=$? p c
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ "$vg_logs_shown" = 0 ]; then
    echo "FAIL: exit status $rc" >&2
    vg_show_logs
  fi
  for p in "${vg_pids[@]}"; do
    kill -KILL "$p" 2>/dev/null || true
  done
  for c in "${vg_cleanups[@]}"; do
    eval "$c" || true
  done
  if [ -n "${VG_KEEP:-}" ]; then
    echo "kept $vg_work" >&2
  else
    rm -rf "$vg_work"
  fi
}
trap vg_cleanup EXIT

# vg_show_logs: the end of every log of the test, on stderr.
vg_show_logs() {
  local f
  vg_logs_shown=1
  # Seen on a shared machine: another session removed /tmp/vg-hard.* while
  # tests ran; the failure is then about the missing files, not the agent.
  [ -d "$vg_work" ] || echo "NOTE: $vg_work was removed from outside this test" >&2
  for f in "$vg_work"/*.log; do
    [ -f "$f" ] || continue
    echo "---- $f" >&2
    tail -n 40 "$f" >&2
  done
}

# vg_fail MESSAGE: says why, shows the end of every log, exits 1.
vg_fail() {
  echo "FAIL: $*" >&2
  vg_show_logs
  exit 1
}

# vg_lines FILE: the number of lines of FILE, 0 when it does not exist (a
# reboot logger's file before the first reboot).
vg_lines() {
  if [ -f "$1" ]; then
    wc -l <"$1"
  else
    echo 0
  fi
}

# vg_rfc3339 EPOCH [FRACTION]: "2026-11-28T18:20:05.123000000Z".
vg_rfc3339() {
  date -u -d "@$1" +"%Y-%m-%dT%H:%M:%S.${2:-000000000}Z"
}

# vg_event CHANNEL PROVIDER ID LEVEL EPOCH RECID [EVENTDATA [FRACTION [GUID]]]:
# one event, created at EPOCH plus FRACTION nanoseconds (default
# 468750000); GUID, when given, is the provider's Guid attribute.
vg_event() {
  printf "%s\n" "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='$2'${9:+ Guid='$9'}/><EventID>$3</EventID><Version>0</Version><Level>$4</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='$(vg_rfc3339 "$5" "${8:-468750000}")'/><EventRecordID>$6</EventRecordID><Correlation/><Execution ProcessID='1884' ThreadID='2240'/><Channel>$1</Channel><Computer>FS01.corp.example</Computer><Security UserID='S-1-5-18'/></System><EventData>${7:-}</EventData></Event>"
}

# vg_backup_run START: the three events of one successful run started at
# epoch START (1 started, 4 finished with BackupTime, 14 completed), with
# the next three record ids of the Backup channel (the first one is left in
# vg_last_rec). Call it in the current shell, not in $(...), so the record
# ids keep rising.
vg_backup_run() {
  local start=$1 ch=Microsoft-Windows-Backup
  vg_last_rec=$vg_rec
  vg_event $ch $ch 1 4 "$start" $vg_rec
  vg_event $ch $ch 4 4 $((start + 40)) $((vg_rec + 1)) \
    "<Data Name='HRESULT'>0</Data><Data Name='BackupState'>1</Data><Data Name='BackupTime'>$(vg_rfc3339 "$start" 437000000)</Data>"
  vg_event $ch $ch 14 4 $((start + 41)) $((vg_rec + 2)) "<Data Name='HRESULT'>0</Data>"
  vg_rec=$((vg_rec + 3))
}

# vg_backup_run_rec START RECID: one successful run as Windows Server Backup
# on 2008 R2 logs it in full (provider GUID, template, target and label),
# events 1, 4 and 14 within the first second after epoch START, with record
# ids RECID, RECID+1 and RECID+2 given by the caller (vg_rec is left alone).
vg_backup_run_rec() {
  local start=$1 rec=$2 ch=Microsoft-Windows-Backup
  local g='{1db28f2e-8f80-4027-8c5a-a11f7f10f62d}'
  vg_event $ch $ch 1 4 "$start" "$rec" "" 468750000 "$g"
  vg_event $ch $ch 4 4 "$start" $((rec + 1)) \
    "<Data Name='BackupTemplateID'>{4e2c1a7d-3b1f-4a8e-9d6c-2f0b7e5a9c13}</Data><Data Name='HRESULT'>0</Data><Data Name='BackupState'>1</Data><Data Name='BackupTime'>$(vg_rfc3339 "$start" 437000000)</Data><Data Name='BackupTarget'>\\\\?\\Volume{6b1e3c2a-0f4d-11e5-8a3b-806e6f6e6963}</Data><Data Name='BackupTargetLabel'>FS01 DISK_01</Data>" \
    562500000 "$g"
  vg_event $ch $ch 14 4 "$start" $((rec + 2)) "<Data Name='HRESULT'>0</Data>" \
    750000000 "$g"
}

# vg_boot_event EPOCH RECID: EventLog 6005 (the event log service started).
vg_boot_event() {
  vg_event System EventLog 6005 4 "$1" "$2" "<Data></Data>"
}

# vg_vss_event EPOCH RECID N: VSS 12289 reporting N active sessions.
vg_vss_event() {
  vg_event Application VSS 12289 2 "$1" "$2" \
    "<Data>0x80042409</Data><Data>Operation:&#xA;   PostSnapshot Event&#xA;&#xA;Context:&#xA;   Maximum supported sessions: 64&#xA;   Completed sessions: 8&#xA;   Active sessions: $3&#xA;   Aborted sessions: 0</Data>"
}

# vg_policy_file FILE THRESHOLD WINDOW [EXTRA_YAML]: UTC, the one
# maintenance window WINDOW (a YAML list item), no splay, no warning, no
# minimum uptime, EXTRA_YAML appended; mode 0644.
vg_policy_file() {
  cat >"$1" <<YAML
threshold: $2
timezone: UTC
count_failed_backups: true
maintenance_windows:
  - $3
reboot:
  warning: 0s
  message: "Scheduled maintenance reboot to clear VSS writer sessions (VSS 12289)."
  splay: 0s
  min_uptime: 0s
  min_time_left: 1m
  max_per_week: 2
  wait_for_backup: true
${4:-}
YAML
  chmod 0644 "$1"
}

# vg_policy FILE THRESHOLD [EXTRA_YAML]: one daily 12-hour window that
# opened a minute ago (see vg_policy_file).
vg_policy() {
  local opened
  opened=$(date -u -d "@$(($(date +%s) - 60))" +%H:%M)
  vg_policy_file "$1" "$2" "\"daily $opened 12h\"" "${3:-}"
}

# vg_window_policy FILE OPENS_AT [EXTRA_YAML]: threshold 3, one 10-minute
# window opening at epoch OPENS_AT (see vg_policy_file).
vg_window_policy() {
  local day hms
  day=$(date -u -d "@$2" +%a | tr '[:upper:]' '[:lower:]')
  hms=$(date -u -d "@$2" +%H:%M:%S)
  vg_policy_file "$1" 3 "{ days: [$day], start: \"$hms\", duration: 10m }" "${3:-}"
}

# vg_reboot_logger FILE OUT: a --reboot-command that appends
# "EPOCH ARGC MESSAGE" to OUT and exits 0.
vg_reboot_logger() {
  printf '%s\n' '#!/bin/sh' "echo \"\$(date +%s) \$# \$1\" >>\"$2\"" >"$1"
  chmod 0755 "$1"
}

# vg_sim_reboot FILE EVENTS OUT: a reboot command that logs to OUT and appends
# a boot event (6005) to EVENTS a second later, as the server coming back.
vg_sim_reboot() {
  cat >"$1" <<SH
#!/bin/sh
echo "reboot \$(date +%s)" >>"$3"
(
sleep 1
now=\$(date +%s)
printf '%s\n' "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='EventLog'/><EventID>6005</EventID><Version>0</Version><Level>4</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='\$(date -u -d @\$now +%Y-%m-%dT%H:%M:%S.500000000Z)'/><EventRecordID>900\$now</EventRecordID><Correlation/><Execution ProcessID='4' ThreadID='8'/><Channel>System</Channel><Computer>FS01</Computer><Security/></System><EventData><Data></Data></EventData></Event>" >>"$2"
) </dev/null >/dev/null 2>&1 &
exit 0
SH
  chmod 0755 "$1"
}

# vg_run_agent LOG ARGS...: starts "vssguard run ARGS" in the background
# (under VG_WRAP), stderr appended to LOG; sets vg_agent_pid.
vg_run_agent() {
  local log=$1
  shift
  # shellcheck disable=SC2086
  $VG_WRAP "$VSSGUARD" run "$@" 2>>"$log" &
  vg_agent_pid=$!
  vg_pids+=("$vg_agent_pid")
}

# vg_three_runs FILE T0: three successful backup runs started at epochs
# T0, T0+60 and T0+120, record ids from 1, written to FILE: with threshold
# 3 a reboot is due as soon as the agent has read them.
vg_three_runs() {
  vg_rec=1
  {
    vg_backup_run "$2"
    vg_backup_run $(($2 + 60))
    vg_backup_run $(($2 + 120))
  } >"$1"
}

# vg_run_dir_agent DIR LOG [ARGS...]: vg_run_agent on DIR's policy.yaml,
# state, events.xml (followed) and reboot.sh (the reboot command), stderr
# appended to LOG, then ARGS.
vg_run_dir_agent() {
  local dir=$1 log=$2
  shift 2
  vg_run_agent "$log" --policy "$dir/policy.yaml" --state "$dir/state" \
    --events-follow "$dir/events.xml" --reboot-command "$dir/reboot.sh" "$@"
}

# vg_cli ARGS...: runs "vssguard ARGS" in the foreground under VG_WRAP.
vg_cli() {
  # shellcheck disable=SC2086
  $VG_WRAP "$VSSGUARD" "$@"
}

# vg_wait_log PATTERN FILE SECONDS: waits until FILE has a line matching
# the extended regex PATTERN; returns 1 after SECONDS.
vg_wait_log() {
  local pattern=$1 file=$2 secs=$3 i
  for ((i = 0; i < secs * 20; i++)); do
    if [ -f "$file" ] && grep -Eq -- "$pattern" "$file"; then
      return 0
    fi
    sleep 0.05
  done
  return 1
}

# vg_stop_agent [PID]: SIGTERM; the agent must exit 0 (under valgrind: with
# no error and no leak).
vg_stop_agent() {
  local pid=${1:-$vg_agent_pid} rc=0
  kill -TERM "$pid"
  wait "$pid" || rc=$?
  [ "$rc" -eq 0 ] || vg_fail "agent $pid exited with $rc after SIGTERM"
}

# vg_am_standin DIR DELAY: starts the Alertmanager stand-in of
# tests/fleet/am_standin.py on 127.0.0.1 (a silence answered after DELAY
# seconds; DIR/port, DIR/silence.asked, DIR/silences), stopped at exit.
vg_am_standin() {
  local i
  python3 "$(dirname "${BASH_SOURCE[0]}")/../fleet/am_standin.py" "$1" "$2" &
  local pid=$!
  vg_cleanups+=("kill $pid 2>/dev/null; wait $pid 2>/dev/null")
  for i in $(seq 1 100); do [ -s "$1/port" ] && break; sleep 0.1; done
  [ -s "$1/port" ] || vg_fail "the Alertmanager stand-in did not start"
}

# vg_json_int JSON KEY: the integer value of the first "KEY" in JSON.
vg_json_int() {
  grep -oE "\"$2\":-?[0-9]+" <<<"$1" | head -n1 | sed 's/.*://'
}

# vg_count STATE: the count in a state file, by "vssguard status --json".
vg_count() {
  local out
  out=$(vg_cli status --state "$1" --json) || return 1
  vg_json_int "$out" count
}

# Run directly: the helpers' events must count as intended.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  t0=$(($(date +%s) - 86400))
  ev=$vg_work/events.xml
  vg_policy "$vg_work/policy.yaml" 63
  {
    vg_backup_run "$t0"
    vg_backup_run $((t0 + 3600))
    vg_boot_event $((t0 + 7200)) 1
    vg_backup_run $((t0 + 10800))
    vg_vss_event $((t0 + 14400)) 1 7
    vg_backup_run $((t0 + 18000))
  } >"$ev"
  out=$(vg_cli replay --policy "$vg_work/policy.yaml" --events "$ev" --json) ||
    vg_fail "replay failed"
  [ "$(vg_json_int "$out" final_count)" = 8 ] ||
    vg_fail "final count $(vg_json_int "$out" final_count), expected 8: $out"
  [ "$(vg_json_int "$out" runs_counted)" = 4 ] ||
    vg_fail "runs counted $(vg_json_int "$out" runs_counted), expected 4"
  echo "ok: helper events: 4 runs, a boot and a calibration to 7 give 8"
fi
