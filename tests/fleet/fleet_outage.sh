#!/usr/bin/env bash
# airlock is stopped while a reboot is due: no reboot, the errors are logged
# (event 1034, once per distinct error) and counted in the metrics; once
# airlock is back, the reboot happens inside the slot and the slot is
# released after the boot.
source "$(dirname "$0")/lib.sh"
fl_need_tools
fl_start_etcd
fl_start_airlock g1 1

fl_policy "$vg_work/p.yaml" "$fl_url" g1 node-a
printf 'metrics_file: %s\n' "$vg_work/m.prom" >>"$vg_work/p.yaml"
fl_sim_reboot "$vg_work/reboot.sh" "$vg_work/ev.xml" "$vg_work/rb"
: >"$vg_work/ev.xml"
vg_run_agent "$vg_work/a.log" --policy "$vg_work/p.yaml" --state "$vg_work/s" \
  --events-follow "$vg_work/ev.xml" --reboot-command "$vg_work/reboot.sh" --seed 1
vg_wait_log "slot released.*at start" "$vg_work/a.log" 30 || vg_fail "no release at start"

fl_stop "$fl_airlock_pid"
fl_runs "$vg_work/ev.xml" 3
vg_wait_log "run counted: 3/3" "$vg_work/a.log" 20 || vg_fail "runs not counted"
vg_wait_log "\[1034\].*pre-reboot" "$vg_work/a.log" 20 || vg_fail "no lock error logged"
sleep 4 # about four more attempts (retry 1s)
[ ! -s "$vg_work/rb" ] || vg_fail "rebooted while airlock was down"
n=$(grep -c '\[1034\].*pre-reboot' "$vg_work/a.log")
[ "$n" -eq 1 ] || vg_fail "the same error was logged $n times"
grep -q 'vssguard_fleet_lock_errors_total{kind="network"} [1-9]' "$vg_work/m.prom" ||
  vg_fail "errors not counted: $(grep fleet "$vg_work/m.prom")"
grep -q '^vssguard_fleet_lock_held 0' "$vg_work/m.prom" || vg_fail "held should be 0"
# Counting goes on meanwhile.
vg_backup_run $(($(date +%s) - 5)) >>"$vg_work/ev.xml"
vg_wait_log "run counted: 4/3" "$vg_work/a.log" 20 || vg_fail "counting stopped"

fl_start_airlock g1 1
vg_wait_log "^end " "$vg_work/rb" 40 || vg_fail "no reboot after airlock came back"
vg_wait_log "slot released.*after the boot" "$vg_work/a.log" 30 || vg_fail "no release after the boot"
grep -q "slot acquired: group g1, id node-a" "$vg_work/a.log" || vg_fail "no 'slot acquired'"
[ "$(grep -c '^start' "$vg_work/rb")" -eq 1 ] || vg_fail "more than one reboot"
[ -z "$(fl_holders g1)" ] || vg_fail "holders left: $(fl_holders g1)"
vg_stop_agent
echo "ok: no reboot while airlock was down (1 error event, counted), reboot after it came back, slot released"
