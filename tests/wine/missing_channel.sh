#!/usr/bin/env bash
# A server without Windows Server Backup has no Microsoft-Windows-Backup
# channel (error 15007). The other channels are still read (here a VSS
# 12289 calibrates the count); the missing one is logged once with the
# text of EvtGetExtendedStatus and retried with backoff, the identical
# error not logged again; when the channel appears it is subscribed on its
# own and its runs are counted.
source "$(dirname "$0")/lib.sh"

now=$(date +%s)
vss_event() {
  local rid=$1 t=$2 n=$3
  printf "%s\n" "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='VSS'/><EventID Qualifiers='0'>12289</EventID><Version>0</Version><Level>2</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x80000000000000</Keywords><TimeCreated SystemTime='$(iso "$t")'/><EventRecordID>$rid</EventRecordID><Correlation/><Execution ProcessID='0' ThreadID='0'/><Channel>Application</Channel><Computer>FS01.corp.example</Computer><Security/></System><EventData><Data>0x80042409</Data><Data>Operation:&#xA;   PostSnapshot Event&#xA;&#xA;Context:&#xA;   Maximum supported sessions: 64&#xA;   Completed sessions: 8&#xA;   Active sessions: $n&#xA;   Aborted sessions: 0</Data></EventData></Event>"
}
vss_event 9001 $((now - 900)) 7 >>"$EVENTS"
add_run 601 $((now - 300))
write_policy "$T/policy.yaml" "daily $(hhmm $((now + 6 * 3600))) 1h"
sed -i 's/^threshold: 3/threshold: 20/' "$T/policy.yaml"

echo "VG_FAKE_MISSING=Microsoft-Windows-Backup" >"$T/wevtapi-knobs.txt"
start_agent "$T/agent.log" --policy "$(winpath "$T/policy.yaml")" \
  --state "$(winpath "$T/state")"
ext='The specified channel could not be found: Microsoft-Windows-Backup'
wait_for "$T/agent.log" "cannot read the Microsoft-Windows-Backup log since the boot: error 15007: $ext" 120
wait_for "$T/agent.log" "subscribing to the Microsoft-Windows-Backup log failed: error 15007: $ext; retrying in 30 s" 10
wait_for "$T/agent.log" 'subscribed to the System log \(since the boot\)' 10
wait_for "$T/agent.log" 'subscribed to the Application log' 10
wait_for "$T/agent.log" 'calibrated from VSS 12289: 7 active sessions' 10
wait_count "$T/state" 7 10

# The retry after 30 s fails the same way: not logged again.
i=0
while [ "$(grep -c 'channel Microsoft-Windows-Backup missing' "$T/agent.log")" -lt 3 ]; do
  i=$((i + 1))
  [ "$i" -le 250 ] || { cat "$T/agent.log"; fail "no retry of the missing channel"; }
  sleep 0.2
done
sleep 1
n=$(grep -c '^vssguard: error: \[1015\] subscribing to the Microsoft-Windows-Backup log failed' "$T/agent.log")
[ "$n" = 1 ] || { cat "$T/agent.log"; fail "the identical error was logged $n times"; }

# The channel appears (the feature is installed): the next retry, 60 s
# later, subscribes it and counts its run.
: >"$T/wevtapi-knobs.txt"
wait_for "$T/agent.log" 'subscribed to the Microsoft-Windows-Backup log \(since the boot\)' 120
wait_for "$T/agent.log" 'run counted: 8/20' 30
wait_count "$T/state" 8 30
grep -q "^bookmark Microsoft-Windows-Backup .*RecordId='603'" "$T/state" ||
  fail "no bookmark saved for the Backup channel"
grep -q "^bookmark Application .*RecordId='9001'" "$T/state" ||
  fail "no bookmark saved for the Application channel"
kill -0 "$AGENT_PID" 2>/dev/null || fail "the agent exited"
echo "PASS: a missing channel does not stop the others and is added when it appears"
