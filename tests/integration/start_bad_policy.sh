#!/usr/bin/env bash
# An invalid policy at start does not stop `vssguard run`: it runs in
# count-only mode (counts runs, saves the state, never reboots), logs each
# distinct set of errors once (event 1004), loads the policy again when the
# file changes or on SIGHUP, and schedules and reboots once a valid policy
# arrives.
source "$(dirname "$0")/lib.sh"

events=$vg_work/events.xml
log=$vg_work/agent.log
reboots=$vg_work/reboots
policy=$vg_work/policy.yaml
vg_reboot_logger "$vg_work/reboot.sh" "$reboots"

printf 'threshold: 0\n' >"$policy"
chmod 0644 "$policy"
: >"$events"
t0=$(date +%s)
vg_run_agent "$log" --policy "$policy" --state "$vg_work/state" \
  --events-follow "$events" --reboot-command "$vg_work/reboot.sh" --seed 7
vg_wait_log "started" "$log" 20 || vg_fail "the agent did not start with a bad policy"
grep -Eq "\[1004\] .*policy.yaml:1:[0-9]+: threshold 0 is out of range" "$log" ||
  vg_fail "the error does not name file:line:col"
grep -q "\[1004\] no valid policy in .*: counting only" "$log" ||
  vg_fail "count-only mode not logged"

rec=1
for k in 0 1 2; do
  vg_backup_run_rec $((t0 - 300 + k * 5)) $rec >>"$events"
  rec=$((rec + 3))
done
vg_wait_log "run counted: 3/" "$log" 20 || vg_fail "runs not counted in count-only mode"
sleep 1
[ "$(vg_count "$vg_work/state")" = 3 ] || vg_fail "count 3 not saved"
grep -q "reboot scheduled" "$log" && vg_fail "count-only mode scheduled a reboot"
[ -e "$reboots" ] && vg_fail "count-only mode rebooted"

# Another bad policy written to the file: loaded, its error logged.
printf 'threshold: 3\nmaintenance_windows: [\n' >"$vg_work/bad2.yaml"
mv "$vg_work/bad2.yaml" "$policy"
vg_wait_log "policy file .*policy.yaml changed" "$log" 10 || vg_fail "the file change was not seen"
vg_wait_log "\[1004\] .*policy.yaml:3:1: invalid YAML" "$log" 10 || vg_fail "the new error was not logged"
vg_wait_log "not loaded: still counting only" "$log" 10 || vg_fail "no 'still counting only'"

# SIGHUP with the same errors: not logged again.
kill -HUP "$vg_agent_pid"
vg_wait_log "SIGHUP: reloading" "$log" 10 || vg_fail "SIGHUP not seen"
sleep 1
[ "$(grep -c 'invalid YAML' "$log")" = 1 ] || vg_fail "the same error was logged again"
[ "$(grep -c 'threshold 0 is out of range' "$log")" = 1 ] || vg_fail "the first error was logged again"
kill -0 "$vg_agent_pid" || vg_fail "the agent died"

# A valid policy and SIGHUP: in force at once, the saved count schedules.
vg_window_policy "$vg_work/good.yaml" $(($(date +%s) + 8))
mv "$vg_work/good.yaml" "$policy"
kill -HUP "$vg_agent_pid"
vg_wait_log "reloaded: threshold 3" "$log" 10 || vg_fail "the valid policy was not loaded on SIGHUP"
vg_wait_log "reboots are scheduled again" "$log" 10 || vg_fail "count-only mode not left"
vg_wait_log "reboot scheduled" "$log" 10 || vg_fail "no reboot scheduled with the valid policy"
vg_wait_log "." "$reboots" 40 || vg_fail "the reboot did not happen in the window"
sleep 1
[ "$(wc -l <"$reboots")" -eq 1 ] || vg_fail "reboot ran $(wc -l <"$reboots") times"
vg_stop_agent
echo "ok: a bad policy at start counts only, then a valid one schedules"
