#!/usr/bin/env bash
# The clock set back while the agent runs (a virtual machine whose clock
# starts hours ahead, set right by time sync): the events logged after the
# step carry times before the boot time the agent took at its start. The
# subscriptions still deliver them: after a channel's bookmark with no time
# condition, and from the oldest record of a channel without a position
# from 48 h before that boot time. Wine's clock cannot be set back, so the
# step is modelled by events appended while the agent runs, timed 5 h
# before the boot time it saved. They lie before the boot the tracker knows
# too (it takes a boot time later than now back to the platform's, see
# test_tracker), so they are stale here: delivered, the count unchanged.
# Before, the subscriptions' time condition (the boot time - 2 min) dropped
# them, and on a real server the backups of the hours after the step.
source "$(dirname "$0")/lib.sh"

now=$(date +%s)
vss_event() {
  local rid=$1 t=$2 n=$3
  printf "%s\n" "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='VSS'/><EventID Qualifiers='0'>12289</EventID><Version>0</Version><Level>2</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x80000000000000</Keywords><TimeCreated SystemTime='$(iso "$t")'/><EventRecordID>$rid</EventRecordID><Correlation/><Execution ProcessID='0' ThreadID='0'/><Channel>Application</Channel><Computer>FS01.corp.example</Computer><Security/></System><EventData><Data>0x80042409</Data><Data>Operation:&#xA;   PostSnapshot Event&#xA;&#xA;Context:&#xA;   Maximum supported sessions: 64&#xA;   Completed sessions: 8&#xA;   Active sessions: $n&#xA;   Aborted sessions: 0</Data></EventData></Event>"
}
add_run 301 $((now - 500))
write_policy "$T/policy.yaml" "daily $(hhmm $((now + 6 * 3600))) 1h"
sed -i 's/^threshold: 3/threshold: 10/' "$T/policy.yaml"

start_agent "$T/agent.log" --policy "$(winpath "$T/policy.yaml")" \
  --state "$(winpath "$T/state")"
wait_for "$T/agent.log" 'run counted: 1/10' 120
wait_for "$T/agent.log" 'subscribed to the Microsoft-Windows-Backup log \(after the saved bookmark\)' 30
wait_for "$T/agent.log" 'subscribed to the Application log \(since the boot\)' 30
boot=$(state_value "$T/state" boot_time)
[ -n "$boot" ] && [ "$boot" -gt 0 ] || fail "no boot time in the state"
early=$((boot - 5 * 3600))
add_run 304 "$early"
vss_event 9001 $((early + 600)) 7 >>"$EVENTS"
wait_for "$T/agent.log" 'deliver Microsoft-Windows-Backup #306' 60
wait_for "$T/agent.log" 'deliver Application #9001' 60
# A run by the clock as it is still comes and counts.
add_run 307 $((now - 60))
wait_for "$T/agent.log" 'run counted: 2/10' 60
wait_count "$T/state" 2 10
stop_agent
grep -q '^bookmark Microsoft-Windows-Backup .*RecordId=.309.' "$T/state" ||
  fail "the Backup channel's position is not its last record"
grep -q 'calibrated' "$T/agent.log" && fail "an event from before the boot calibrated"
echo "PASS: events timed before the boot time still come (after the bookmark, and from 48 h before it)"
