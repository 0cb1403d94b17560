#!/usr/bin/env bash
# The agent follows a growing event file: backup runs appended past the
# threshold schedule a reboot in a window that opens seconds later, and the
# reboot command runs exactly once, only after the window opened. SIGTERM
# then saves the state and exits 0.
source "$(dirname "$0")/agent-lib.bash"

events=$work/events.xml
state=$work/state
log=$work/agent.log
reboots=$work/reboots
reboot_script "$work/reboot.sh" "$reboots"

t0=$(date +%s)
opens=$((t0 + 8))
window_policy "$work/policy.yaml" "$opens"

# The file does not exist yet: the agent waits for it to appear.
start_agent "$log" --policy "$work/policy.yaml" --state "$state" \
  --events-follow "$events" --reboot-command "$work/reboot.sh" --seed 7
wait_for "started" "$log" 20 || fail "agent did not start"

rec=1000
for k in 0 1 2 3; do
  backup_run $((t0 - 30 + k * 5)) $rec >>"$events"
  rec=$((rec + 3))
  sleep 0.2
done
wait_for "run counted: 4/3" "$log" 20 || fail "runs not counted"
wait_for "reboot scheduled at" "$log" 10 || fail "no reboot scheduled"

wait_for "." "$reboots" 40 || fail "the reboot command did not run"
wait_for "reboot initiated" "$log" 10 || fail "no 'reboot initiated' logged"
# More events in the window must not cause a second reboot.
backup_run $((t0 - 2)) $rec >>"$events"
wait_for "run counted: 5/3" "$log" 20 || fail "fifth run not counted"
sleep 2

[ "$(wc -l <"$reboots")" -eq 1 ] || fail "reboot command ran $(wc -l <"$reboots") times"
ran_at=$(cut -d' ' -f1 "$reboots")
[ "$ran_at" -ge "$opens" ] || fail "reboot at $ran_at, before the window opened at $opens"
grep -q "Scheduled maintenance reboot" "$reboots" || fail "message not passed: $(cat "$reboots")"
grep -q "already initiated in the slot" "$log" || fail "the slot guard did not hold"

stop_agent
grep -q "stopped: state saved" "$log" || fail "no 'stopped' line"
grep -q "^reboot $ran_at\|^reboot " "$state" || fail "attempt not in the state file"
echo "ok: one reboot at $ran_at (window opened at $opens)"
