#!/usr/bin/env bash
# A blackout covering the window that opens seconds from now: runs past the
# threshold schedule the reboot in the next window instead, the log says
# that the window was skipped for the blackout, and the reboot command
# never runs.
source "$(dirname "$0")/lib.sh"

events=$vg_work/events.xml
log=$vg_work/agent.log
reboots=$vg_work/reboots
vg_reboot_logger "$vg_work/reboot.sh" "$reboots"

t0=$(date +%s)
opens=$((t0 + 6))
from=$(date -u -d "@$((opens - 3600))" +%Y-%m-%dT%H:%M)
to=$(date -u -d "@$((opens + 3600))" +%Y-%m-%dT%H:%M)
vg_window_policy "$vg_work/policy.yaml" "$opens" "blackouts:
  - { name: test freeze, start: $from, end: $to }"

: >"$events"
vg_run_agent "$log" --policy "$vg_work/policy.yaml" --state "$vg_work/state" \
  --events-follow "$events" --reboot-command "$vg_work/reboot.sh" --seed 7
rec=1
for k in 0 1 2; do
  vg_backup_run_rec $((t0 - 30 + k * 5)) $rec >>"$events"
  rec=$((rec + 3))
done
vg_wait_log "run counted: 3/3" "$log" 20 || vg_fail "runs not counted"
vg_wait_log "reboot scheduled at" "$log" 10 || vg_fail "no reboot scheduled"
grep "reboot scheduled at" "$log" | grep -q "blackout 'test freeze'" ||
  vg_fail "the log does not say the window was skipped for the blackout"
next=$(date -u -d "@$((opens + 7 * 86400))" +%Y-%m-%dT%H:%M:%S)
grep -q "reboot scheduled at $next" "$log" || vg_fail "not scheduled in next week's window ($next)"

# Past the moment the window opened, and a little more.
while [ "$(date +%s)" -le $((opens + 3)) ]; do sleep 0.5; done
[ ! -e "$reboots" ] || vg_fail "the reboot command ran: $(cat "$reboots")"
grep -q "reboot initiated" "$log" && vg_fail "a reboot was initiated"
vg_stop_agent
echo "ok: no reboot inside the blackout"
