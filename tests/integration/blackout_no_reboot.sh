#!/usr/bin/env bash
# A blackout covering the window that opens seconds from now: runs past the
# threshold schedule the reboot in the next window instead, the log says
# that the window was skipped for the blackout, and the reboot command
# never runs.
source "$(dirname "$0")/agent-lib.bash"

events=$work/events.xml
log=$work/agent.log
reboots=$work/reboots
reboot_script "$work/reboot.sh" "$reboots"

t0=$(date +%s)
opens=$((t0 + 6))
from=$(date -u -d "@$((opens - 3600))" +%Y-%m-%dT%H:%M)
to=$(date -u -d "@$((opens + 3600))" +%Y-%m-%dT%H:%M)
window_policy "$work/policy.yaml" "$opens" "blackouts:
  - { name: test freeze, start: $from, end: $to }"

: >"$events"
start_agent "$log" --policy "$work/policy.yaml" --state "$work/state" \
  --events-follow "$events" --reboot-command "$work/reboot.sh" --seed 7
rec=1
for k in 0 1 2; do
  backup_run $((t0 - 30 + k * 5)) $rec >>"$events"
  rec=$((rec + 3))
done
wait_for "run counted: 3/3" "$log" 20 || fail "runs not counted"
wait_for "reboot scheduled at" "$log" 10 || fail "no reboot scheduled"
grep "reboot scheduled at" "$log" | grep -q "blackout 'test freeze'" ||
  fail "the log does not say the window was skipped for the blackout"
next=$(date -u -d "@$((opens + 7 * 86400))" +%Y-%m-%dT%H:%M:%S)
grep -q "reboot scheduled at $next" "$log" || fail "not scheduled in next week's window ($next)"

# Past the moment the window opened, and a little more.
while [ "$(date +%s)" -le $((opens + 3)) ]; do sleep 0.5; done
[ ! -e "$reboots" ] || fail "the reboot command ran: $(cat "$reboots")"
grep -q "reboot initiated" "$log" && fail "a reboot was initiated"
stop_agent
echo "ok: no reboot inside the blackout"
