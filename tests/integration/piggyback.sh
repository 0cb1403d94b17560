#!/usr/bin/env bash
# Piggyback on a restart Windows needs anyway, through the platform's test
# hook on Linux (VSSGUARD_TEST_RESTART_PENDING names a file that stands for
# Windows Update's RebootRequired key). With the count below the threshold
# but at piggyback.min_count and a restart pending, the agent plans the next
# allowed slot, says why (event 1045), and the reboot command runs once,
# only after the window opened; `vssguard plan` shows the cause. Below
# min_count nothing is planned.
source "$(dirname "$0")/lib.sh"

events=$vg_work/events.xml
state=$vg_work/state
log=$vg_work/agent.log
reboots=$vg_work/reboots
pending=$vg_work/pending
vg_reboot_logger "$vg_work/reboot.sh" "$reboots"

t0=$(date +%s)
opens=$((t0 + 20))
day=$(date -u -d "@$opens" +%a | tr '[:upper:]' '[:lower:]')
hms=$(date -u -d "@$opens" +%H:%M:%S)
vg_policy_file "$vg_work/policy.yaml" 50 \
  "{ days: [$day], start: \"$hms\", duration: 10m }" \
  "piggyback: { windows_update: true, min_count: 2 }"

echo "Windows Update needs a restart (RebootRequired)" >"$pending"
export VSSGUARD_TEST_RESTART_PENDING=$pending
: >"$events"
vg_run_agent "$log" --policy "$vg_work/policy.yaml" --state "$state" \
  --events-follow "$events" --reboot-command "$vg_work/reboot.sh" --seed 7
vg_wait_log "started" "$log" 20 || vg_fail "agent did not start"

# One run: count 1, below min_count 2: nothing planned.
vg_backup_run_rec $((t0 - 60)) 1000 >>"$events"
vg_wait_log "run counted: 1/50" "$log" 20 || vg_fail "first run not counted"
sleep 1
grep -q "reboot scheduled" "$log" && vg_fail "planned below min_count"

# The second run reaches min_count: the next slot is planned, and why.
vg_backup_run_rec $((t0 - 30)) 1003 >>"$events"
vg_wait_log "run counted: 2/50" "$log" 20 || vg_fail "second run not counted"
vg_wait_log "RebootRequired.*piggyback.min_count 2.*reboot planned in the next allowed slot" \
  "$log" 20 || vg_fail "no piggyback line"
vg_wait_log "reboot scheduled at" "$log" 20 || vg_fail "no reboot scheduled"

out=$(vg_cli plan --policy "$vg_work/policy.yaml" --state "$state")
grep -q "because    Windows Update needs a restart (RebootRequired)" <<<"$out" ||
  vg_fail "plan does not show the cause: $out"
json=$(vg_cli plan --policy "$vg_work/policy.yaml" --state "$state" --json)
grep -q '"cause":"piggyback"' <<<"$json" || vg_fail "plan --json: $json"

vg_wait_log "." "$reboots" 60 || vg_fail "the reboot command did not run"
vg_wait_log "reboot initiated: Windows Update needs a restart" "$log" 10 ||
  vg_fail "the reboot line does not say why"
ran_at=$(cut -d' ' -f1 "$reboots")
[ "$ran_at" -ge "$opens" ] || vg_fail "reboot at $ran_at, before the window opened at $opens"
sleep 2
[ "$(wc -l <"$reboots")" -eq 1 ] || vg_fail "reboot command ran $(wc -l <"$reboots") times"

# Without the hook file, plan shows no cause.
rm -f "$pending"
json=$(vg_cli plan --policy "$vg_work/policy.yaml" --state "$state" --json)
grep -q '"cause":null' <<<"$json" || vg_fail "plan --json without a pending restart: $json"
vg_stop_agent
echo "ok: piggyback reboot at $ran_at (window opened at $opens)"
