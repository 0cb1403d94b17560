#!/usr/bin/env bash
# End to end under Wine: the piggyback on a restart Windows needs anyway.
# The count (2) is below the threshold (3) but at piggyback.min_count, in an
# open window. Without any pending restart there is no reboot; with the
# registry key RebootRequired of Windows Update, then with a non-empty
# PendingFileRenameOperations value, vssguard.exe plans the slot, logs
# event 1045 saying why, and calls InitiateSystemShutdownExW once; `vssguard
# plan` shows the cause. The registry values are removed on exit, also on
# failure.
source "$(dirname "$0")/lib.sh"

WU='HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired'
SM='HKLM\SYSTEM\CurrentControlSet\Control\Session Manager'
unset_pending() {
  wine_ reg delete "$WU" /f >/dev/null 2>&1 || true
  wine_ reg delete "$SM" /v PendingFileRenameOperations /f >/dev/null 2>&1 || true
}
trap 'stop_agent; unset_pending' EXIT
unset_pending

now=$(date +%s)
add_run 301 $((now - 400))
add_run 304 $((now - 300))
write_policy "$T/policy.yaml" "daily $(hhmm $((now - 120))) 3h" \
  "piggyback: { windows_update: true, min_count: 2 }"
P=$(winpath "$T/policy.yaml")

# 1. Nothing pending: no reboot.
start_agent "$T/none.log" --policy "$P" --state "$(winpath "$T/state1")"
wait_for "$T/none.log" 'started: count 2/3' 120
sleep 3
stop_agent
grep -q 'InitiateSystemShutdownExW' "$T/none.log" && fail "reboot with nothing pending"
grep -q '\[1045\]' "$T/none.log" && fail "piggyback without a pending restart"

# 2. Windows Update's RebootRequired key.
wine_ reg add "$WU" /f >/dev/null
out=$(wine_ "$EXE" plan --policy "$P" --state "$(winpath "$T/state1")" 2>&1)
grep -q 'because    Windows Update needs a restart (RebootRequired)' <<<"$out" ||
  fail "plan does not show the cause: $out"
start_agent "$T/wu.log" --policy "$P" --state "$(winpath "$T/state2")"
wait_for "$T/wu.log" '\[1045\].*RebootRequired.*piggyback.min_count 2' 120
wait_for "$T/wu.log" "$SHUTDOWN_RE" 60
wait_for "$T/wu.log" 'reboot initiated: Windows Update needs a restart' 30
stop_agent
n=$(grep -Ec "$SHUTDOWN_RE" "$T/wu.log")
[ "$n" -eq 1 ] || fail "expected one InitiateSystemShutdownExW call, saw $n"
wine_ reg delete "$WU" /f >/dev/null

# 3. A pending file rename (REG_MULTI_SZ, not empty). Wine's session start
# (wineboot) carries out and clears pending renames, as a boot does, so the
# value is set by a batch file that then runs the agent in the same process
# tree.
printf '%s\r\n' '@echo off' \
  "reg add \"$SM\" /v PendingFileRenameOperations /t REG_MULTI_SZ /d \"\\??\\C:\\windows\\temp\\vg-old.dll\" /f" \
  "reg query \"$SM\" /v PendingFileRenameOperations" \
  "$(winpath "$EXE") run --policy $P --state $(winpath "$T/state3")" >"$T/pfro.bat"
WINEDEBUG=fixme+advapi VG_FAKE_TRACE=1 wine_ cmd /c "$(winpath "$T/pfro.bat")" \
  >"$T/pfro.log" 2>&1 &
AGENT_PID=$!
wait_for "$T/pfro.log" 'PendingFileRenameOperations +REG_MULTI_SZ' 60
wait_for "$T/pfro.log" '\[1045\].*PendingFileRenameOperations' 120
wait_for "$T/pfro.log" "$SHUTDOWN_RE" 60
stop_agent
echo "PASS: piggyback reboots for RebootRequired and PendingFileRenameOperations, none without"
