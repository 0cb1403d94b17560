#!/usr/bin/env bash
# The kill switch wins over a FleetLock request in flight: dry run is
# turned on by a reload (SIGHUP) while pre-reboot waits for its answer (a
# server that grants after 4 s). The grant that comes is given back at
# once (steady-state), the state holds no slot, and nothing reboots.
source "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || fl_skip "python3 not found"

SLOW=4 python3 "$(dirname "$0")/fake_fleetlock.py" slow "$vg_work/slow.port" &
vg_pids+=($!)
vg_wait_log "." "$vg_work/slow.port" 10 || vg_fail "server did not start"
port=$(cat "$vg_work/slow.port")

fl_policy "$vg_work/p.yaml" "http://127.0.0.1:$port/" g1 node-a
fl_sim_reboot "$vg_work/reboot.sh" "$vg_work/ev.xml" "$vg_work/rb"
: >"$vg_work/ev.xml"
fl_runs "$vg_work/ev.xml" 3
vg_run_agent "$vg_work/a.log" --policy "$vg_work/p.yaml" --state "$vg_work/s" \
  --events-follow "$vg_work/ev.xml" --reboot-command "$vg_work/reboot.sh" --seed 1
# The request is on its way when the server logs it (it answers 4 s later).
vg_wait_log "pre-reboot" "$vg_work/slow.port.log" 40 || vg_fail "no pre-reboot request"
printf 'dry_run: true\n' >>"$vg_work/p.yaml"
kill -HUP "$vg_agent_pid"
vg_wait_log "reloaded: .*dry run on" "$vg_work/a.log" 10 || vg_fail "no reload into dry run"
vg_wait_log "FleetLock slot acquired" "$vg_work/a.log" 20 || vg_fail "no grant"
vg_wait_log "FleetLock slot released" "$vg_work/a.log" 20 ||
  vg_fail "the slot granted after dry run was turned on is still held"
for i in $(seq 1 50); do
  grep -q "^fleet_slot" "$vg_work/s" || break
  sleep 0.1
done
grep -q "^fleet_slot" "$vg_work/s" && vg_fail "the state still holds the slot"
[ "$(grep -c 'steady-state' "$vg_work/slow.port.log")" -ge 2 ] ||
  vg_fail "no steady-state after the grant: $(cat "$vg_work/slow.port.log")"
sleep 2
[ ! -s "$vg_work/rb" ] || vg_fail "rebooted in dry run"
vg_stop_agent
echo "ok: dry run turned on during pre-reboot: the late grant is given back, no reboot"
