#!/usr/bin/env bash
# The maintenance slot ends while the agent waits for a FleetLock slot that
# another machine holds: the reboot is postponed to the next slot (event
# 1009), nothing is rebooted and the agent holds nothing.
source "$(dirname "$0")/lib.sh"
fl_need_tools
fl_start_etcd
fl_start_airlock g1 1

# Another machine holds the only slot.
curl -fsS -X POST -H 'fleet-lock-protocol: true' \
  -d '{"client_params":{"id":"other","group":"g1"}}' "${fl_url}v1/pre-reboot" ||
  vg_fail "could not take the slot for 'other'"
[ "$(fl_holders g1)" = other ] || vg_fail "'other' does not hold the slot"

# A window that opened 30 s ago and lasts 115 s; min_time_left 1m leaves
# about 25 s in which a reboot may start: time for the agent to start,
# count and ask once, also under ASan on a loaded machine.
opened=$(($(date +%s) - 30))
FL_WINDOW="{ days: [$(date -u -d "@$opened" +%a | tr '[:upper:]' '[:lower:]')], start: \"$(date -u -d "@$opened" +%H:%M:%S)\", duration: 115s }"
fl_policy "$vg_work/p.yaml" "$fl_url" g1 node-a
fl_sim_reboot "$vg_work/reboot.sh" "$vg_work/ev.xml" "$vg_work/rb"
: >"$vg_work/ev.xml"
vg_run_agent "$vg_work/a.log" --policy "$vg_work/p.yaml" --state "$vg_work/s" \
  --events-follow "$vg_work/ev.xml" --reboot-command "$vg_work/reboot.sh" --seed 1
vg_wait_log "slot released.*at start" "$vg_work/a.log" 30 || vg_fail "no release at start"
fl_runs "$vg_work/ev.xml" 3
vg_wait_log "waiting for a FleetLock slot of group g1" "$vg_work/a.log" 20 || vg_fail "no wait"
vg_wait_log "reboot postponed: no FleetLock slot of group g1" "$vg_work/a.log" 60 ||
  vg_fail "not postponed when the slot ended"
sleep 2
[ ! -s "$vg_work/rb" ] || vg_fail "rebooted without a slot"
[ "$(fl_holders g1)" = other ] || vg_fail "holders: $(fl_holders g1)"
grep -q "^fleet_slot" "$vg_work/s" && vg_fail "the state holds a slot"
grep -q "reboot scheduled at" "$vg_work/a.log" || vg_fail "no next slot planned"
vg_stop_agent
echo "ok: the slot ended while waiting: postponed, no reboot, nothing held"
