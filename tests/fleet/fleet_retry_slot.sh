#!/usr/bin/env bash
# The reboot call answered "not ready" (exit 75) while this machine held
# its FleetLock slot on the real airlock (1-slot group). During the 30 s
# before the retry another machine takes the slot (an etcdctl put, as a
# manual unlock and someone else's grant leave it): the retry confirms the
# slot with a pre-reboot (recursive for a holder), is refused, and does not
# reboot. Once the other machine releases, the agent gets the slot and
# reboots; the state holds one attempt.
source "$(dirname "$0")/lib.sh"
fl_need_tools
fl_start_etcd
fl_start_airlock g1 1

dir=$vg_work/fr
mkdir -p "$dir"
fl_policy "$dir/p.yaml" "$fl_url" g1 node-a
printf '#!/bin/sh\nif [ ! -e "%s/asked" ]; then touch "%s/asked"; exit 75; fi\necho "reboot $(date +%%s)" >>"%s/reboots"\n' \
  "$dir" "$dir" "$dir" >"$dir/reboot.sh"
chmod 0755 "$dir/reboot.sh"
: >"$dir/ev.xml"
vg_run_agent "$vg_work/a.log" --policy "$dir/p.yaml" --state "$dir/s" \
  --events-follow "$dir/ev.xml" --reboot-command "$dir/reboot.sh" --seed 1
vg_wait_log "FleetLock slot released.*at start" "$vg_work/a.log" 30 || vg_fail "no release at start"
fl_runs "$dir/ev.xml" 3
vg_wait_log "retrying in 30 s" "$vg_work/a.log" 30 || vg_fail "no not-ready answer"
[ "$(fl_holders g1)" = node-a ] || vg_fail "node-a does not hold the slot: $(fl_holders g1)"
grep -q "^fleet_slot [0-9]* g1 node-a$" "$dir/s" || vg_fail "the state does not hold the slot"
key=com.coreos.airlock/groups/g1/v1/semaphore
fl_etcdctl put "$key" '{"total_slots":1,"holders":["node-b"]}' >/dev/null
vg_wait_log "waiting for a FleetLock slot of group g1|reboot initiated" "$vg_work/a.log" 45 ||
  vg_fail "the retry did not come"
sleep 1
[ -s "$dir/reboots" ] && vg_fail "the retry rebooted without the slot: $(cat "$dir/reboots")"
[ "$(fl_holders g1)" = node-b ] || vg_fail "holders changed: $(fl_holders g1)"
fl_etcdctl put "$key" '{"total_slots":1,"holders":[]}' >/dev/null
vg_wait_log "." "$dir/reboots" 20 || vg_fail "no reboot once the slot was free"
[ "$(fl_holders g1)" = node-a ] || vg_fail "rebooted but holders are: $(fl_holders g1)"
vg_stop_agent
grep -q "^attempts 1$" "$dir/s" || vg_fail "the state does not hold one attempt: $(grep '^attempts' "$dir/s")"
echo "ok: the retry confirms the FleetLock slot; taken by another machine, no reboot until it is free"
