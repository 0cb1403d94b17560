#!/usr/bin/env bash
# SIGHUP with a broken policy: every error is logged with file:line:col,
# the agent says it keeps the last good policy, keeps running and keeps
# acting on that policy (its threshold of 3, not the broken file's). A
# later SIGHUP with a valid policy takes effect.
source "$(dirname "$0")/lib.sh"

events=$vg_work/events.xml
log=$vg_work/agent.log
reboots=$vg_work/reboots
vg_reboot_logger "$vg_work/reboot.sh" "$reboots"

t0=$(date +%s)
opens=$((t0 + 10))
vg_window_policy "$vg_work/policy.yaml" "$opens"
: >"$events"
vg_run_agent "$log" --policy "$vg_work/policy.yaml" --state "$vg_work/state" \
  --events-follow "$events" --reboot-command "$vg_work/reboot.sh" --seed 7
vg_wait_log "started" "$log" 20 || vg_fail "agent did not start"

cat >"$vg_work/policy.yaml" <<'YAML'
threshold: 999
timezone: Mars/Olympus
maintenance_windows:
  - "sun 25:00 3h"
YAML
kill -HUP "$vg_agent_pid"
vg_wait_log "keeping the last good policy" "$log" 10 || vg_fail "no 'keeping the last good policy'"
grep -Eq "policy.yaml:[0-9]+:[0-9]+: " "$log" || vg_fail "errors do not name file:line:col"
kill -0 "$vg_agent_pid" || vg_fail "agent died after a bad reload"

rec=1
for k in 0 1 2; do
  vg_backup_run_rec $((t0 - 30 + k * 5)) $rec >>"$events"
  rec=$((rec + 3))
done
vg_wait_log "run counted: 3/3" "$log" 20 || vg_fail "not counting against the last good threshold"
vg_wait_log "." "$reboots" 30 || vg_fail "the last good policy's reboot did not happen"
[ "$(wc -l <"$reboots")" -eq 1 ] || vg_fail "reboot ran $(wc -l <"$reboots") times"

vg_window_policy "$vg_work/policy.yaml" "$opens"
sed -i 's/^threshold: 3$/threshold: 10/' "$vg_work/policy.yaml"
kill -HUP "$vg_agent_pid"
vg_wait_log "reloaded: threshold 10" "$log" 10 || vg_fail "the valid policy was not reloaded"
vg_wait_log "scheduled reboot cancelled" "$log" 10 || vg_fail "schedule not cancelled under threshold 10"
vg_stop_agent
echo "ok: bad reload kept the last good policy"
