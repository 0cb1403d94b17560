#!/usr/bin/env bash
# Servers other than airlock, each with an agent due now: one that answers
# like poseidon/fleetlock (423 with a text body, then 200 with text), one
# that answers bytes that are not HTTP, one that never answers. The first
# agent waits, then reboots; the other two never reboot, log their error
# once (event 1034) and count it (network / timeout), and go on counting.
source "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || fl_skip "python3 not found"

for mode in poseidon garbage hang; do
  python3 "$(dirname "$0")/fake_fleetlock.py" "$mode" "$vg_work/$mode.port" &
  vg_pids+=($!)
done
for mode in poseidon garbage hang; do
  vg_wait_log "." "$vg_work/$mode.port" 10 || vg_fail "$mode server did not start"
  port=$(cat "$vg_work/$mode.port")
  fl_policy "$vg_work/$mode.yaml" "http://127.0.0.1:$port/" g1 "node-$mode"
  printf 'metrics_file: %s\n' "$vg_work/$mode.prom" >>"$vg_work/$mode.yaml"
  fl_sim_reboot "$vg_work/$mode-reboot.sh" "$vg_work/$mode.xml" "$vg_work/$mode.rb"
  : >"$vg_work/$mode.xml"
  vg_run_agent "$vg_work/$mode.log" --policy "$vg_work/$mode.yaml" \
    --state "$vg_work/$mode.state" --events-follow "$vg_work/$mode.xml" \
    --reboot-command "$vg_work/$mode-reboot.sh" --seed 1
  eval "pid_$mode=\$vg_agent_pid"
done
vg_wait_log "slot released.*at start" "$vg_work/poseidon.log" 20 || vg_fail "poseidon: no release at start"
for mode in poseidon garbage hang; do fl_runs "$vg_work/$mode.xml" 3; done

vg_wait_log "waiting for a FleetLock slot of group g1: 423 http_423 \(lock_held\)" \
  "$vg_work/poseidon.log" 20 || vg_fail "poseidon: the 423 was not logged as a wait"
vg_wait_log "^end " "$vg_work/poseidon.rb" 30 || vg_fail "poseidon: no reboot after the 200"
vg_wait_log "slot released.*after the boot" "$vg_work/poseidon.log" 20 || vg_fail "poseidon: no release"
grep -q '"id":"node-poseidon","group":"g1"' "$vg_work/poseidon.port.log" || vg_fail "poseidon: body not seen"

vg_wait_log "\[1034\].*\(network\)" "$vg_work/garbage.log" 20 || vg_fail "garbage: no error logged"
# A request that never ends: the 30 s total timeout.
vg_wait_log "\[1034\].*\(timeout\)" "$vg_work/hang.log" 60 || vg_fail "hang: no timeout logged"
sleep 2
for mode in garbage hang; do
  [ ! -s "$vg_work/$mode.rb" ] || vg_fail "$mode: rebooted"
  n=$(grep -c '\[1034\]' "$vg_work/$mode.log")
  [ "$n" -eq 1 ] || vg_fail "$mode: the error was logged $n times"
done
grep -q 'vssguard_fleet_lock_errors_total{kind="network"} [1-9]' "$vg_work/garbage.prom" ||
  vg_fail "garbage: not counted"
vg_wait_log 'vssguard_fleet_lock_errors_total\{kind="timeout"\} [1-9]' "$vg_work/hang.prom" 5 ||
  vg_fail "hang: not counted"
vg_backup_run $(($(date +%s) - 5)) >>"$vg_work/garbage.xml"
vg_wait_log "run counted: 4/3" "$vg_work/garbage.log" 20 || vg_fail "garbage: counting stopped"
vg_stop_agent "$pid_poseidon"
vg_stop_agent "$pid_garbage"
vg_stop_agent "$pid_hang"
echo "ok: poseidon-like 423/text then 200: rebooted and released; garbage and hang: no reboot, one error each, counted"
