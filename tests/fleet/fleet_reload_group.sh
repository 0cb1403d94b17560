#!/usr/bin/env bash
# A reload that changes fleet_lock.group or fleet_lock.id must not strand a
# slot in the old group (real airlock, groups g1 and g2 of 1 slot each).
#   in flight  node-a's pre-reboot for g1 goes through a proxy that passes it
#              to airlock at once and answers 4 s later; meanwhile a reload
#              moves node-a to g2. The late grant (for g1) is given back in
#              g1 and not used: node-a reboots only with a slot of g2.
#   held       node-b holds its g1 slot across its reboot; a reload changes
#              its id before the boot. The release after the boot goes to
#              the slot it holds (g1 as node-b), not to the new id.
source "$(dirname "$0")/lib.sh"
fl_need_tools
fl_start_etcd
fl_start_airlock g1 1 g2 1

# boot_event FILE: appends a boot (EventLog 6005) now, as the server back.
boot_rec=900000
boot_event() {
  boot_rec=$((boot_rec + 1))
  vg_boot_event "$(date +%s)" "$boot_rec" >>"$1"
}

# --- in flight ---
SLOW=4 TARGET=$fl_airlock_port python3 "$(dirname "$0")/fake_fleetlock.py" delay "$vg_work/proxy.port" &
vg_pids+=($!)
vg_wait_log "." "$vg_work/proxy.port" 10 || vg_fail "proxy did not start"
proxy="http://127.0.0.1:$(cat "$vg_work/proxy.port")/"
a=$vg_work/a
mkdir -p "$a"
fl_policy "$a/p.yaml" "$proxy" g1 node-a
vg_reboot_logger "$a/reboot.sh" "$a/reboots"
: >"$a/ev.xml"
vg_run_agent "$vg_work/a.log" --policy "$a/p.yaml" --state "$a/s" \
  --events-follow "$a/ev.xml" --reboot-command "$a/reboot.sh" --seed 1
pid_a=$vg_agent_pid
vg_wait_log "FleetLock slot released.*at start" "$vg_work/a.log" 30 || vg_fail "a: no release at start"
fl_runs "$a/ev.xml" 3
vg_wait_log "pre-reboot" "$vg_work/proxy.port.log" 30 || vg_fail "a: no pre-reboot"
for ((i = 0; i < 100; i++)); do
  [ "$(fl_holders g1)" = node-a ] && break
  sleep 0.05
done
[ "$(fl_holders g1)" = node-a ] || vg_fail "a: airlock did not grant g1: $(fl_holders g1)"
fl_policy "$a/p.yaml" "$proxy" g2 node-a
kill -HUP "$pid_a"
vg_wait_log "reloaded" "$vg_work/a.log" 10 || vg_fail "a: no reload"
grep -q "FleetLock slot acquired" "$vg_work/a.log" && vg_fail "a: the answer came before the reload: the test did not test"
vg_wait_log "." "$a/reboots" 40 || vg_fail "a: no reboot with a slot of g2"
[ -z "$(fl_holders g1)" ] || vg_fail "a: the slot of g1 granted after the reload is still taken: $(fl_holders g1)"
[ "$(fl_holders g2)" = node-a ] || vg_fail "a: rebooted without the slot of g2: g2 holders '$(fl_holders g2)'"
grep -q "FleetLock slot acquired: group g2, id node-a" "$vg_work/a.log" || vg_fail "a: no grant in g2"
grep -q "^fleet_slot [0-9]* g2 node-a$" "$a/s" || vg_fail "a: the state does not hold the slot of g2"
boot_event "$a/ev.xml"
vg_wait_log "FleetLock slot released: group g2, id node-a \(after the boot\)" "$vg_work/a.log" 30 ||
  vg_fail "a: no release of g2 after the boot"
[ -z "$(fl_holders g2)" ] || vg_fail "a: g2 still taken after the boot: $(fl_holders g2)"
vg_stop_agent "$pid_a"
[ "$(vg_lines "$a/reboots")" -eq 1 ] || vg_fail "a: rebooted $(vg_lines "$a/reboots") times"

# --- held ---
b=$vg_work/b
mkdir -p "$b"
fl_policy "$b/p.yaml" "$fl_url" g1 node-b
vg_reboot_logger "$b/reboot.sh" "$b/reboots"
: >"$b/ev.xml"
vg_run_agent "$vg_work/b.log" --policy "$b/p.yaml" --state "$b/s" \
  --events-follow "$b/ev.xml" --reboot-command "$b/reboot.sh" --seed 2
pid_b=$vg_agent_pid
vg_wait_log "FleetLock slot released.*at start" "$vg_work/b.log" 30 || vg_fail "b: no release at start"
fl_runs "$b/ev.xml" 3
vg_wait_log "." "$b/reboots" 30 || vg_fail "b: no reboot"
[ "$(fl_holders g1)" = node-b ] || vg_fail "b: rebooted without its slot: $(fl_holders g1)"
fl_policy "$b/p.yaml" "$fl_url" g1 node-b2
kill -HUP "$pid_b"
vg_wait_log "reloaded" "$vg_work/b.log" 10 || vg_fail "b: no reload"
boot_event "$b/ev.xml"
vg_wait_log "FleetLock slot released.*after the boot" "$vg_work/b.log" 30 ||
  vg_fail "b: no release after the boot"
[ -z "$(fl_holders g1)" ] || vg_fail "b: the slot held before the reload is still taken: $(fl_holders g1)"
grep -q "FleetLock slot released: group g1, id node-b (after the boot)" "$vg_work/b.log" ||
  vg_fail "b: the release did not name the slot it held"
vg_stop_agent "$pid_b"
grep -q "^fleet_slot" "$b/s" && vg_fail "b: the state still holds a slot"
echo "ok: a reload of fleet_lock.group/id strands no slot: a late grant is given back, a held slot is released where it was granted"
