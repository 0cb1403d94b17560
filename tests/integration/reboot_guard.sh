#!/usr/bin/env bash
# The reboot-loop guard: five short windows open one after the other, the
# threshold is reached, and the reboot command "succeeds" each time but no
# boot follows. After 3 such attempts (one per window) the agent stops
# trying: the fourth window brings an error naming 'vssguard reset', no
# command runs, and status shows the lock. An administrator runs 'vssguard
# reset' and reloads the running agent (SIGHUP), which takes the reset over,
# keeps it, and reboots again in the next window.
source "$(dirname "$0")/lib.sh"

dir=$vg_work
log=$vg_work/agent.log
reboots=$vg_work/reboots
state=$vg_work/state
vg_reboot_logger "$dir/reboot.sh" "$reboots"

# Windows of 8 s every 10 s, the first opening in 6 s (times of day in UTC);
# 14 of them, so that a slow start or slow commands (valgrind, a loaded
# machine) still leave windows for every step.
now=$(date +%s)
first=$((now + 6))
wins=""
for ((k = 0; k < 14; k++)); do
  wins="$wins  - \"daily $(date -u -d "@$((first + k * 10))" +%H:%M:%S) 8s\""$'\n'
done
cat >"$dir/policy.yaml" <<YAML
threshold: 3
timezone: UTC
maintenance_windows:
$wins
reboot:
  warning: 0s
  splay: 0s
  min_uptime: 0s
  min_time_left: 0s
  max_per_week: 10
  wait_for_backup: true
YAML
chmod 0644 "$dir/policy.yaml"
t0=$((now - 60))
{
  vg_backup_run "$t0"
  vg_backup_run $((t0 + 900))
  vg_backup_run $((t0 + 1800))
} >"$dir/events.xml"

vg_run_agent "$log" --policy "$dir/policy.yaml" --state "$state" \
  --events-follow "$dir/events.xml" --reboot-command "$dir/reboot.sh"
vg_wait_log "run counted: 3/3" "$log" 20 || vg_fail "runs not counted"
vg_wait_log "attempts did not lead to a boot" "$log" 60 ||
  vg_fail "no error after repeated reboots without a boot"
n=$(vg_lines "$reboots")
[ "$n" -eq 3 ] || vg_fail "the reboot command ran $n times before the lock, expected 3"
grep -q "vssguard reset" "$log" || vg_fail "the error does not name 'vssguard reset'"
# The next window passes without a reboot.
sleep 11
n=$(vg_lines "$reboots")
[ "$n" -eq 3 ] || vg_fail "the reboot command ran again while locked ($n times)"
kill -0 "$vg_agent_pid" 2>/dev/null || vg_fail "the agent stopped when it locked"
json=$(vg_cli status --state "$state" --json)
grep -q '"locked":true' <<<"$json" || vg_fail "status does not show the lock: $json"
[ "$(vg_json_int "$json" pending_attempts)" = 3 ] ||
  vg_fail "status does not show 3 pending attempts: $json"

# The administrator resets the guard while the agent runs, then reloads it:
# the agent takes the reset over instead of writing its lock back.
out=$(vg_cli reset --state "$state") || vg_fail "vssguard reset failed"
grep -q "it was locked" <<<"$out" || vg_fail "reset did not say it was locked: $out"
grep -q "SIGHUP" <<<"$out" || vg_fail "reset does not say how a running agent takes it over: $out"
kill -HUP "$vg_agent_pid"
vg_wait_log "reboot guard reset by an administrator: reboots are allowed again" "$log" 20 ||
  vg_fail "the running agent did not take the reset over on reload"
# The running agent reboots again in the next window.
for ((i = 0; i < 300; i++)); do
  [ "$(vg_lines "$reboots")" -ge 4 ] && break
  sleep 0.1
done
vg_stop_agent
n=$(vg_lines "$reboots")
[ "$n" -eq 4 ] || vg_fail "after the reset the reboot command ran $((n - 3)) times, expected 1"
json=$(vg_cli status --state "$state" --json)
grep -q '"locked":false' <<<"$json" || vg_fail "the agent wrote its lock back over the reset: $json"
echo "ok: 3 attempts without a boot lock reboots; 'vssguard reset' and a reload re-enable them"
