#!/usr/bin/env bash
# Verified remediation and foreign sessions, end to end:
#  - replay: three nightly runs reach threshold 3, the agent would reboot in
#    the window; the next recorded run (without VSS 12289) verifies the
#    remediation, and replay says so (text and --json);
#  - replay: soon after a recorded boot, a VSS 12289 reports 20 active
#    sessions after one run: another requestor leaks sessions;
#  - the running agent: after the boot that confirms its reboot, the first
#    clean run logs "remediation verified" (1049), the metric
#    vssguard_remediation_verified_timestamp_seconds holds its end, and a
#    12289 with too many sessions logs the warning (1050).
source "$(dirname "$0")/lib.sh"

d0=$(( ($(date +%s) / 86400 - 20) * 86400 ))   # a midnight 20 days ago
vg_policy_file "$vg_work/policy.yaml" 3 '"daily 03:00 2h"'
ev=$vg_work/events.xml
{
  for k in 0 1 2 3; do vg_backup_run $((d0 + k * 86400 + 79200)); done
} >"$ev"
out=$(vg_cli replay --policy "$vg_work/policy.yaml" --events "$ev")
grep -q "would reboot" <<<"$out" || vg_fail "no simulated reboot: $out"
grep -Eq "remediation verified +the first backup run after the reboot ended without VSS 12289" \
  <<<"$out" || vg_fail "replay does not show the verified remediation: $out"
json=$(vg_cli replay --policy "$vg_work/policy.yaml" --events "$ev" --json)
grep -q '"event":"remediation verified"' <<<"$json" || vg_fail "replay --json: $json"

ev2=$vg_work/foreign.xml
{
  vg_boot_event $((d0 + 3600)) 1
  vg_backup_run $((d0 + 79200))
  vg_vss_event $((d0 + 86400 + 79300)) 1 20
} >"$ev2"
out=$(vg_cli replay --policy "$vg_work/policy.yaml" --events "$ev2")
grep -Eq "foreign sessions +20 active sessions with only 1 run\(s\) since the boot: another VSS requestor leaks sessions" \
  <<<"$out" || vg_fail "replay does not show the foreign sessions: $out"
grep -Eq "calibrated +1 -> 20/3" <<<"$out" || vg_fail "the count does not follow 12289: $out"

# The running agent, from a state whose reboot attempt is pending.
state=$vg_work/state
prom=$vg_work/vg.prom
now=$(date +%s)
# An old boot time: the host's boot (any time since) is the confirming one.
printf 'vssguard-state 1\nboot_time 1000000\ncount 3\nlast_event_time 1000100\nattempts 1\nlocked 0\nreboot 1000200 3 0\nend\n' \
  >"$state"
vg_policy "$vg_work/p2.yaml" 50 "metrics_file: $prom"
follow=$vg_work/follow.xml
: >"$follow"
log=$vg_work/agent.log
vg_run_agent "$log" --policy "$vg_work/p2.yaml" --state "$state" \
  --events-follow "$follow" --dry-run
vg_wait_log "started" "$log" 20 || vg_fail "agent did not start"
vg_wait_log "remediation confirmed" "$log" 20 || vg_fail "no confirmed boot"
vg_backup_run $((now - 60)) >>"$follow"
vg_wait_log "remediation verified: the first backup run after the reboot" "$log" 20 ||
  vg_fail "no verified remediation"
vg_wait_log "^vssguard_remediation_verified_timestamp_seconds $((now - 60 + 40))$" \
  "$prom" 10 || vg_fail "metric not set: $(grep remediation "$prom")"
vg_vss_event $((now - 10)) 2 30 >>"$follow"
vg_wait_log "VSS 12289 reports 30 active sessions soon after the boot, with only 1 backup run\(s\) since it: another VSS requestor leaks sessions too; counting on from 30" \
  "$log" 20 || vg_fail "no foreign-sessions warning"
vg_stop_agent
grep -q "^remediation 0 $((now - 60 + 40))$" "$state" || vg_fail "not in the state: $(cat "$state")"
out=$(vg_cli status --state "$state")
grep -q "^Verified: .*remediation verified" <<<"$out" || vg_fail "status: $out"
echo "ok: verified remediation and foreign sessions in replay and in the agent"
