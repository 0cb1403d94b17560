#!/usr/bin/env bash
# The agent follows a growing event file: backup runs appended past the
# threshold schedule a reboot in a window that opens seconds later, and the
# reboot command runs exactly once, only after the window opened. SIGTERM
# then saves the state and exits 0.
source "$(dirname "$0")/lib.sh"

events=$vg_work/events.xml
state=$vg_work/state
log=$vg_work/agent.log
reboots=$vg_work/reboots
vg_reboot_logger "$vg_work/reboot.sh" "$reboots"

t0=$(date +%s)
opens=$((t0 + 8))
vg_window_policy "$vg_work/policy.yaml" "$opens"

# The file does not exist yet: the agent waits for it to appear.
vg_run_agent "$log" --policy "$vg_work/policy.yaml" --state "$state" \
  --events-follow "$events" --reboot-command "$vg_work/reboot.sh" --seed 7
vg_wait_log "started" "$log" 20 || vg_fail "agent did not start"

rec=1000
for k in 0 1 2 3; do
  vg_backup_run_rec $((t0 - 30 + k * 5)) $rec >>"$events"
  rec=$((rec + 3))
  sleep 0.2
done
vg_wait_log "run counted: 4/3" "$log" 20 || vg_fail "runs not counted"
vg_wait_log "reboot scheduled at" "$log" 10 || vg_fail "no reboot scheduled"

vg_wait_log "." "$reboots" 40 || vg_fail "the reboot command did not run"
vg_wait_log "reboot initiated" "$log" 10 || vg_fail "no 'reboot initiated' logged"
# More events in the window must not cause a second reboot.
vg_backup_run_rec $((t0 - 2)) $rec >>"$events"
vg_wait_log "run counted: 5/3" "$log" 20 || vg_fail "fifth run not counted"
sleep 2

[ "$(wc -l <"$reboots")" -eq 1 ] || vg_fail "reboot command ran $(wc -l <"$reboots") times"
ran_at=$(cut -d' ' -f1 "$reboots")
[ "$ran_at" -ge "$opens" ] || vg_fail "reboot at $ran_at, before the window opened at $opens"
grep -q "Scheduled maintenance reboot" "$reboots" || vg_fail "message not passed: $(cat "$reboots")"
grep -q "already initiated in the slot" "$log" || vg_fail "the slot guard did not hold"

vg_stop_agent
grep -q "stopped: state saved" "$log" || vg_fail "no 'stopped' line"
grep -q "^reboot $ran_at\|^reboot " "$state" || vg_fail "attempt not in the state file"
echo "ok: one reboot at $ran_at (window opened at $opens)"
