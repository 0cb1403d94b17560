#!/usr/bin/env bash
# A log cleared while the agent is stopped: its record ids restart at 1 and
# the saved bookmark's record is gone. Windows, asked to start after that
# bookmark without EvtSubscribeStrict, begins after the record closest to
# it, the newest one, and the runs logged between the clear and the start
# are never read; with the flag the call fails with ERROR_NOT_FOUND
# (EVT_SUBSCRIBE_FLAGS), and the fake wevtapi does both. The agent counts
# two runs and is stopped; the Backup channel is cleared and two runs are
# logged; the restarted agent counts exactly those two, once, logs the
# clear once (1026), and a further restart counts nothing again.
source "$(dirname "$0")/lib.sh"

now=$(date +%s)
add_run 301 $((now - 500))
add_run 304 $((now - 400))
write_policy "$T/policy.yaml" "daily $(hhmm $((now + 6 * 3600))) 1h"
sed -i 's/^threshold: 3/threshold: 10/' "$T/policy.yaml"
args=(--policy "$(winpath "$T/policy.yaml")" --state "$(winpath "$T/state")")

start_agent "$T/first.log" "${args[@]}"
wait_for "$T/first.log" 'run counted: 2/10' 120
wait_count "$T/state" 2 30
stop_agent
grep -q "^bookmark Microsoft-Windows-Backup .*RecordId='306'" "$T/state" ||
  fail "no bookmark at record 306 saved for the Backup channel"

# The Backup log cleared (every event of the file was of that channel), and
# two runs logged after it, numbered from 1.
: >"$EVENTS"
add_run 1 $((now - 300))
add_run 4 $((now - 200))

start_agent "$T/second.log" "${args[@]}"
wait_for "$T/second.log" 'run counted: 4/10' 120
wait_for "$T/second.log" 'deliver Microsoft-Windows-Backup #6[[:space:]]*$' 30
wait_count "$T/state" 4 30
stop_agent
grep -q 'bookmarked Microsoft-Windows-Backup #306 not found (strict)' \
  "$T/second.log" || fail "the restart did not subscribe strictly after 306"
[ "$(grep -c 'no longer holds the event of the saved bookmark' "$T/second.log")" = 1 ] ||
  fail "the cleared log was not logged exactly once"
grep -q 'subscribed to the Microsoft-Windows-Backup log (from the last event read' \
  "$T/second.log" || fail "the Backup log was not read again"
[ "$(state_value "$T/state" count)" = 4 ] || fail "count is not 4 after the clear"
[ "$(grep -c '^run ' "$T/state")" = 4 ] || fail "expected 4 runs in the state"
grep -q "^bookmark Microsoft-Windows-Backup .*RecordId='6'" "$T/state" ||
  fail "the Backup position is not the new log's record 6"

# A restart with nothing new: after the new bookmark, nothing counted.
start_agent "$T/third.log" "${args[@]}"
wait_for "$T/third.log" 'started: count 4/10' 120
wait_for "$T/third.log" 'subscribed to the Microsoft-Windows-Backup log \(after the saved bookmark\)' 30
stop_agent
grep -q 'run counted' "$T/third.log" && fail "a run was counted again"
grep -q 'no longer holds' "$T/third.log" && fail "a clear was reported again"
[ "$(state_value "$T/state" count)" = 4 ] || fail "count changed on the third start"
echo "PASS: runs logged after a clear while stopped count, each once"
