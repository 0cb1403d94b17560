#!/usr/bin/env bash
# The fleet commands against the real airlock: `fleet-lock id`, `fleet-lock
# unlock --id` for a server that died holding the slot (the runbook),
# `status`/`plan` showing group, id and the held slot (text and --json), and
# check-policy rejecting a bad fleet_lock with file:line:col.
source "$(dirname "$0")/lib.sh"
fl_need_tools
fl_start_etcd
fl_start_airlock g1 1

fl_policy "$vg_work/p.yaml" "$fl_url" g1 node-a
[ "$(vg_cli fleet-lock id --policy "$vg_work/p.yaml")" = node-a ] || vg_fail "fleet-lock id"
id=$(vg_cli fleet-lock id)
[ "$id" = "$(hostname | tr '[:upper:]' '[:lower:]')" ] || vg_fail "default id '$id'"

# A server that died holding the only slot.
curl -fsS -X POST -H 'fleet-lock-protocol: true' \
  -d '{"client_params":{"id":"dead-node","group":"g1"}}' "${fl_url}v1/pre-reboot" >/dev/null ||
  vg_fail "could not take the slot"
[ "$(fl_holders g1)" = dead-node ] || vg_fail "dead-node does not hold the slot"
out=$(vg_cli fleet-lock unlock --policy "$vg_work/p.yaml" --id dead-node) || vg_fail "unlock failed: $out"
grep -q "released: id dead-node, group g1" <<<"$out" || vg_fail "unlock said: $out"
[ -z "$(fl_holders g1)" ] || vg_fail "still held: $(fl_holders g1)"

# Unlocking against a stopped server fails, with the reason.
fl_stop "$fl_airlock_pid"
rc=0
err=$(vg_cli fleet-lock unlock --policy "$vg_work/p.yaml" 2>&1) || rc=$?
[ "$rc" -eq 1 ] || vg_fail "unlock against a stopped server exited $rc: $err"
grep -q "not released" <<<"$err" || vg_fail "no reason: $err"

# status and plan show the group, the id and the held slot.
printf 'vssguard-state 1\nboot_time 1796000000\ncount 3\nlast_event_time 1796000000\nattempts 0\nlocked 0\nfleet_slot 1796000100 g1 node-a\nend\n' >"$vg_work/s"
vg_cli status --state "$vg_work/s" --policy "$vg_work/p.yaml" >"$vg_work/st.txt"
grep -q "Fleet lock:   group g1, id node-a" "$vg_work/st.txt" || vg_fail "status: $(cat "$vg_work/st.txt")"
grep -q "HOLDS a slot of group g1 as node-a" "$vg_work/st.txt" || vg_fail "status does not show the slot"
json=$(vg_cli status --state "$vg_work/s" --policy "$vg_work/p.yaml" --json)
python3 -c 'import json,sys; f=json.loads(sys.argv[1])["fleet_lock"]; assert f["group"]=="g1" and f["id"]=="node-a" and f["held"] is True, f' "$json" ||
  vg_fail "status --json: $json"
json=$(vg_cli plan --policy "$vg_work/p.yaml" --state "$vg_work/s" --json)
python3 -c 'import json,sys; f=json.loads(sys.argv[1])["fleet_lock"]; assert f["group"]=="g1" and f["held"] is True, f' "$json" ||
  vg_fail "plan --json: $json"
vg_cli plan --policy "$vg_work/p.yaml" --state "$vg_work/s" | grep -q "Fleet lock: group g1, id node-a" ||
  vg_fail "plan does not show the group"

# check-policy names the bad line and column.
printf 'maintenance_windows: ["sun 02:00 3h"]\nfleet_lock:\n  url: airlock:3333\n  group: a_b\n' >"$vg_work/bad.yaml"
rc=0
err=$(vg_cli check-policy "$vg_work/bad.yaml" 2>&1) || rc=$?
[ "$rc" -eq 2 ] || vg_fail "check-policy exited $rc"
grep -q "bad.yaml:3:8: fleet_lock.url must be an http:// or https:// URL" <<<"$err" || vg_fail "$err"
grep -q "bad.yaml:4:10: fleet_lock.group must match" <<<"$err" || vg_fail "$err"
echo "ok: fleet-lock id/unlock, status/plan with the slot, check-policy errors"
