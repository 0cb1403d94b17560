#!/usr/bin/env bash
# locksmith's lesson: the slot is granted only after the maintenance slot's
# usable part ended (a server that answers pre-reboot 200 after 8 s). The
# agent checks again at that instant, does not reboot, gives the slot back
# (steady-state) and postpones to the next slot.
source "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || fl_skip "python3 not found"

SLOW=8 python3 "$(dirname "$0")/fake_fleetlock.py" slow "$vg_work/slow.port" &
vg_pids+=($!)
vg_wait_log "." "$vg_work/slow.port" 10 || vg_fail "server did not start"
port=$(cat "$vg_work/slow.port")

# A window that opened 55 s ago and lasts 118 s; min_time_left 1m leaves
# about 3 s in which a reboot may start.
opened=$(($(date +%s) - 55))
FL_WINDOW="{ days: [$(date -u -d "@$opened" +%a | tr '[:upper:]' '[:lower:]')], start: \"$(date -u -d "@$opened" +%H:%M:%S)\", duration: 118s }"
fl_policy "$vg_work/p.yaml" "http://127.0.0.1:$port/" g1 node-a
fl_sim_reboot "$vg_work/reboot.sh" "$vg_work/ev.xml" "$vg_work/rb"
: >"$vg_work/ev.xml"
fl_runs "$vg_work/ev.xml" 3
vg_run_agent "$vg_work/a.log" --policy "$vg_work/p.yaml" --state "$vg_work/s" \
  --events-follow "$vg_work/ev.xml" --reboot-command "$vg_work/reboot.sh" --seed 1
vg_wait_log "FleetLock slot acquired" "$vg_work/a.log" 40 || vg_fail "no grant"
vg_wait_log "reboot postponed: the checks no longer pass at the moment of the reboot" \
  "$vg_work/a.log" 10 || vg_fail "no postponement after the late grant"
vg_wait_log "FleetLock slot released.*the checks no longer passed" "$vg_work/a.log" 20 ||
  vg_fail "the unused slot was not released"
sleep 2
[ ! -s "$vg_work/rb" ] || vg_fail "rebooted outside the usable part of the slot"
grep -q "^fleet_slot" "$vg_work/s" && vg_fail "the state still holds the slot"
[ "$(grep -c 'steady-state' "$vg_work/slow.port.log")" -ge 2 ] ||
  vg_fail "no steady-state after the grant: $(cat "$vg_work/slow.port.log")"
vg_stop_agent
echo "ok: late grant: checked again, no reboot, slot given back, postponed"
