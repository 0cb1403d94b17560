#!/usr/bin/env bash
# End to end under Wine: the agent counts two runs and is killed; a third
# run is logged while it is down; on restart it subscribes after the saved
# bookmark (StartAfterBookmark), is given only the new events, and counts
# each run exactly once.
source "$(dirname "$0")/lib.sh"

now=$(date +%s)
add_run 301 $((now - 500))
add_run 304 $((now - 400))
write_policy "$T/policy.yaml" "daily $(hhmm $((now + 6 * 3600))) 1h" \
  "count_failed_backups: true"
sed -i 's/^threshold: 3/threshold: 10/' "$T/policy.yaml"
args=(--policy "$(winpath "$T/policy.yaml")" --state "$(winpath "$T/state")")

start_agent "$T/first.log" "${args[@]}"
wait_for "$T/first.log" 'run counted: 2/10' 120
wait_for "$T/first.log" 'started: count 2/10' 60
stop_agent
[ "$(state_value "$T/state" count)" = 2 ] || fail "count after the first run"
grep -q "^bookmark Microsoft-Windows-Backup .*RecordId='306'" "$T/state" ||
  fail "no bookmark saved for the Backup channel"

add_run 307 $((now - 100))

start_agent "$T/second.log" "${args[@]}"
wait_for "$T/second.log" 'run counted: 3/10' 120
wait_for "$T/second.log" 'deliver Microsoft-Windows-Backup #309' 30
wait_count "$T/state" 3 30
stop_agent
# 65539: EvtSubscribeStartAfterBookmark (3) | EvtSubscribeStrict (0x10000).
grep -q 'EvtSubscribe flags=65539 bookmark=yes' "$T/second.log" ||
  fail "the restart did not subscribe after the bookmark"
grep -q 'after Microsoft-Windows-Backup #306' "$T/second.log" ||
  fail "the bookmark did not hold record 306"
grep -q 'EvtQuery' "$T/second.log" && fail "the restart read the log again"
grep -Eq 'deliver Microsoft-Windows-Backup #30[1-6]$' "$T/second.log" &&
  fail "old events were delivered again"
[ "$(state_value "$T/state" count)" = 3 ] || fail "a run was counted twice"
[ "$(grep -c '^run ' "$T/state")" = 3 ] || fail "expected 3 runs in the state"

# A restart with nothing new counts nothing.
start_agent "$T/third.log" "${args[@]}"
wait_for "$T/third.log" 'started: count 3/10' 120
stop_agent
grep -q 'run counted' "$T/third.log" && fail "a run was counted again"
echo "PASS: restart after the bookmark counts every run once"
