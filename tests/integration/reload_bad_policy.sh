#!/usr/bin/env bash
# SIGHUP with a broken policy: every error is logged with file:line:col,
# the agent says it keeps the last good policy, keeps running and keeps
# acting on that policy (its threshold of 3, not the broken file's). A
# later SIGHUP with a valid policy takes effect.
source "$(dirname "$0")/agent-lib.bash"

events=$work/events.xml
log=$work/agent.log
reboots=$work/reboots
reboot_script "$work/reboot.sh" "$reboots"

t0=$(date +%s)
opens=$((t0 + 10))
window_policy "$work/policy.yaml" "$opens"
: >"$events"
start_agent "$log" --policy "$work/policy.yaml" --state "$work/state" \
  --events-follow "$events" --reboot-command "$work/reboot.sh" --seed 7
wait_for "started" "$log" 20 || fail "agent did not start"

cat >"$work/policy.yaml" <<'YAML'
threshold: 999
timezone: Mars/Olympus
maintenance_windows:
  - "sun 25:00 3h"
YAML
kill -HUP "$agent_pid"
wait_for "keeping the last good policy" "$log" 10 || fail "no 'keeping the last good policy'"
grep -Eq "policy.yaml:[0-9]+:[0-9]+: " "$log" || fail "errors do not name file:line:col"
kill -0 "$agent_pid" || fail "agent died after a bad reload"

rec=1
for k in 0 1 2; do
  backup_run $((t0 - 30 + k * 5)) $rec >>"$events"
  rec=$((rec + 3))
done
wait_for "run counted: 3/3" "$log" 20 || fail "not counting against the last good threshold"
wait_for "." "$reboots" 30 || fail "the last good policy's reboot did not happen"
[ "$(wc -l <"$reboots")" -eq 1 ] || fail "reboot ran $(wc -l <"$reboots") times"

window_policy "$work/policy.yaml" "$opens"
sed -i 's/^threshold: 3$/threshold: 10/' "$work/policy.yaml"
kill -HUP "$agent_pid"
wait_for "reloaded: threshold 10" "$log" 10 || fail "the valid policy was not reloaded"
wait_for "scheduled reboot cancelled" "$log" 10 || fail "schedule not cancelled under threshold 10"
stop_agent
echo "ok: bad reload kept the last good policy"
