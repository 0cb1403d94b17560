#!/usr/bin/env bash
# The backfill (a first start, or saved positions from another boot) reads
# events that span a clock set back: a VSS 12289 logged while the clock
# was an hour ahead, then, by the corrected clock, an earlier-timed 12289
# with one more active session and a backup run. Each channel must be
# applied in record order (as the subscriptions deliver it), merged with
# the others by time: the sessions go 2, 3, then the run makes 4, and one
# more run 5. Ordered by time alone, the older 12289 (2 sessions) came
# last and undid the run and the newer 12289: count 2, then 3 (and its
# bookmark, saved last, was the older record's, so a restart applied the
# newer 12289 again).
source "$(dirname "$0")/lib.sh"

now=$(date +%s)
vss_event() {
  local rid=$1 t=$2 n=$3
  printf "%s\n" "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='VSS'/><EventID Qualifiers='0'>12289</EventID><Version>0</Version><Level>2</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x80000000000000</Keywords><TimeCreated SystemTime='$(iso "$t")'/><EventRecordID>$rid</EventRecordID><Correlation/><Execution ProcessID='0' ThreadID='0'/><Channel>Application</Channel><Computer>FS01.corp.example</Computer><Security/></System><EventData><Data>0x80042409</Data><Data>Operation:&#xA;   PostSnapshot Event&#xA;&#xA;Context:&#xA;   Maximum supported sessions: 64&#xA;   Completed sessions: 8&#xA;   Active sessions: $n&#xA;   Aborted sessions: 0</Data></EventData></Event>"
}
# Logged while the clock was an hour ahead, then after the step.
vss_event 10 $((now + 3600)) 2 >>"$EVENTS"
vss_event 11 $((now - 2400)) 3 >>"$EVENTS"
add_run 20 $((now - 1800))
write_policy "$T/policy.yaml" "daily $(hhmm $((now + 6 * 3600))) 1h"
sed -i 's/^threshold: 3/threshold: 10/' "$T/policy.yaml"

start_agent "$T/agent.log" --policy "$(winpath "$T/policy.yaml")" \
  --state "$(winpath "$T/state")"
wait_for "$T/agent.log" 'read 5 event\(s\) logged since the boot' 120
wait_for "$T/agent.log" 'started: count' 60
grep -q 'started: count 4/10' "$T/agent.log" ||
  fail "count after the backfill is not 4 (2 and 3 sessions, then a run)"
# One more run, counted after the backfill's events.
add_run 30 $((now - 60))
i=0
while [ "$(grep -c 'run counted' "$T/agent.log")" -lt 2 ]; do
  i=$((i + 1))
  [ "$i" -le 300 ] || fail "the second run was not counted"
  sleep 0.2
done
grep -q 'run counted: 5/10' "$T/agent.log" ||
  fail "count after the second run is not 5 (2 and 3 sessions, then 2 runs)"
wait_count "$T/state" 5 30
stop_agent
grep -q '^bookmark Application .*RecordId=.11.' "$T/state" ||
  fail "the Application position is not its last record"
echo "PASS: the backfill applies each channel in record order across a clock set back"
