#!/usr/bin/env bash
# Dry run turned on by a reload after the FleetLock slot was granted (real
# airlock, 1-slot group), while the pre-reboot hook runs: no reboot, and
# the slot, really held, goes back to the group at once (the steady-state
# is sent despite dry run), so the other machines of the group are not
# held up by a machine that will not reboot.
source "$(dirname "$0")/lib.sh"
fl_need_tools
fl_start_etcd
fl_start_airlock g1 1

dir=$vg_work/dh
mkdir -p "$dir"
printf '#!/bin/sh\necho start >>"%s/hook.out"\nsleep 3\n' "$dir" >"$dir/hook.sh"
chmod 0755 "$dir/hook.sh"
hooks="hooks: { pre_reboot: { path: '$dir/hook.sh' } }"
fl_policy "$dir/p.yaml" "$fl_url" g1 node-a
printf '%s\n' "$hooks" >>"$dir/p.yaml"
vg_reboot_logger "$dir/reboot.sh" "$dir/reboots"
: >"$dir/ev.xml"
vg_run_agent "$vg_work/a.log" --policy "$dir/p.yaml" --state "$dir/s" \
  --events-follow "$dir/ev.xml" --reboot-command "$dir/reboot.sh" --seed 1
vg_wait_log "FleetLock slot released.*at start" "$vg_work/a.log" 30 || vg_fail "no release at start"
fl_runs "$dir/ev.xml" 3
vg_wait_log "start" "$dir/hook.out" 30 || vg_fail "the pre-reboot hook did not start"
[ "$(fl_holders g1)" = node-a ] || vg_fail "the hook runs without the slot: $(fl_holders g1)"
printf 'dry_run: true\n' >>"$dir/p.yaml"
kill -HUP "$vg_agent_pid"
vg_wait_log "reloaded: .*dry run on" "$vg_work/a.log" 10 || vg_fail "no reload into dry run"
vg_wait_log "dry run: would reboot now" "$vg_work/a.log" 20 || vg_fail "no dry-run reboot"
vg_wait_log "FleetLock slot released: group g1, id node-a \(dry run: no reboot\)" "$vg_work/a.log" 20 ||
  vg_fail "the slot held when dry run was turned on is not given back"
[ -z "$(fl_holders g1)" ] || vg_fail "airlock still has holders: $(fl_holders g1)"
grep -q "^fleet_slot" "$dir/s" && vg_fail "the state still holds the slot"
[ -s "$dir/reboots" ] && vg_fail "rebooted in dry run"
vg_stop_agent
echo "ok: dry run turned on while the slot was held: no reboot, the slot goes back at once"
