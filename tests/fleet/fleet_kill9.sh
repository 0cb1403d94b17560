#!/usr/bin/env bash
# kill -9 of an agent just after it got the slot (seen in etcd): after its
# restart it either reboots (and releases after the boot) or releases at
# start and asks again; it never keeps the slot. Meanwhile a second agent of
# the same 1-slot group waits, and reboots only once the slot is free.
source "$(dirname "$0")/lib.sh"
fl_need_tools
fl_start_etcd
fl_start_airlock g1 1

for n in 1 2; do
  fl_policy "$vg_work/p$n.yaml" "$fl_url" g1 "node-$n"
  fl_sim_reboot "$vg_work/reboot$n.sh" "$vg_work/ev$n.xml" "$vg_work/rb$n"
  : >"$vg_work/ev$n.xml"
done
start_agent() {
  vg_run_agent "$vg_work/a$1.log" --policy "$vg_work/p$1.yaml" \
    --state "$vg_work/s$1" --events-follow "$vg_work/ev$1.xml" \
    --reboot-command "$vg_work/reboot$1.sh" --seed "$1"
}
start_agent 1
pid1=$vg_agent_pid
vg_wait_log "slot released.*at start" "$vg_work/a1.log" 30 || vg_fail "agent 1: no release at start"
fl_runs "$vg_work/ev1.xml" 3
for ((i = 0; i < 400; i++)); do
  [ "$(fl_holders g1)" = node-1 ] && break
  sleep 0.05
done
kill -KILL "$pid1"
wait "$pid1" 2>/dev/null || true
echo "killed agent 1 once it held the slot (state: $(grep -c fleet_slot "$vg_work/s1") fleet_slot line)"
[ "$(fl_holders g1)" = node-1 ] || vg_fail "node-1 did not hold the slot"

start_agent 2
pid2=$vg_agent_pid
fl_runs "$vg_work/ev2.xml" 3
vg_wait_log "waiting for a FleetLock slot of group g1" "$vg_work/a2.log" 30 ||
  vg_fail "agent 2 did not wait while node-1 held the slot"

start_agent 1
vg_wait_log "slot released" "$vg_work/a1.log" 40 || vg_fail "agent 1 never released after its restart"
vg_wait_log "^end " "$vg_work/rb1" 40 || vg_fail "agent 1 did not reboot"
vg_wait_log "slot released.*after the boot" "$vg_work/a1.log" 30 || vg_fail "agent 1: no release after its boot"
vg_wait_log "^end " "$vg_work/rb2" 60 || vg_fail "agent 2 never got the slot"
vg_wait_log "slot released.*after the boot" "$vg_work/a2.log" 30 || vg_fail "agent 2: no release after its boot"
fl_check_no_overlap "$vg_work/rb1" "$vg_work/rb2"
[ -z "$(fl_holders g1)" ] || vg_fail "holders left: $(fl_holders g1)"
how="rebooted before the kill, released after the boot"
[ "$(grep -c 'slot released.*at start' "$vg_work/a1.log")" -ge 2 ] &&
  how="released at start after the restart, then got the slot again and rebooted"
vg_stop_agent "$pid2"
vg_stop_agent "$vg_agent_pid"
echo "ok: killed holder restarted ($how), nothing held at the end, the other agent rebooted after it"
