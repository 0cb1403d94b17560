#!/usr/bin/env bash
# The metrics file says when the policy is in trouble, for the alert rule
# VssGuardPolicyInvalid (packaging/monitoring): a reload of a broken policy
# sets vssguard_policy_invalid to 1 (the last good policy stays in force), a
# fixed one sets it back to 0. A policy made world writable and reloaded sets
# vssguard_policy_insecure to 1 in the file the trusted policy named, and the
# file the untrusted policy names is never written.
source "$(dirname "$0")/lib.sh"

dir=$vg_work/flags
mkdir "$dir"
vg_policy "$dir/policy.yaml" 10 "metrics_file: $dir/metrics.prom"
chmod 0644 "$dir/policy.yaml"
: >"$dir/events.xml"
log=$vg_work/agent.log
vg_run_agent "$log" --policy "$dir/policy.yaml" --state "$dir/state" \
  --events-follow "$dir/events.xml" --reboot-command /bin/false

# wait_metric NAME VALUE: until the metrics file has "NAME VALUE" (10 s).
wait_metric() {
  local i
  for i in $(seq 1 100); do
    grep -qx "$1 $2" "$dir/metrics.prom" 2>/dev/null && return 0
    sleep 0.1
  done
  vg_fail "metrics file: no line '$1 $2' (has: $(grep "^$1 " "$dir/metrics.prom" 2>/dev/null))"
}

wait_metric vssguard_policy_invalid 0
wait_metric vssguard_policy_insecure 0

printf 'threshold: [\n' >"$dir/policy.yaml"
kill -HUP "$vg_agent_pid"
vg_wait_log "not reloaded: keeping the last good policy" "$log" 30 ||
  vg_fail "the broken policy was not refused"
wait_metric vssguard_policy_invalid 1
wait_metric vssguard_policy_errors_total 1

vg_policy "$dir/policy.yaml" 10 "metrics_file: $dir/metrics.prom"
kill -HUP "$vg_agent_pid"
wait_metric vssguard_policy_invalid 0

vg_policy "$dir/policy.yaml" 10 "metrics_file: $dir/other.prom"
chmod 0666 "$dir/policy.yaml"
kill -HUP "$vg_agent_pid"
vg_wait_log "refusing to schedule reboots" "$log" 30 ||
  vg_fail "the world-writable policy was not refused"
wait_metric vssguard_policy_insecure 1
[ ! -e "$dir/other.prom" ] || vg_fail "wrote the metrics file named by an untrusted policy"

chmod 0644 "$dir/policy.yaml"
kill -HUP "$vg_agent_pid"
for i in $(seq 1 100); do
  grep -qx "vssguard_policy_insecure 0" "$dir/other.prom" 2>/dev/null && break
  sleep 0.1
done
grep -qx "vssguard_policy_insecure 0" "$dir/other.prom" 2>/dev/null ||
  vg_fail "the trusted policy's metrics file was not written after the fix"
vg_stop_agent
echo "ok: vssguard_policy_invalid and vssguard_policy_insecure follow reloads; no file of an untrusted policy written"
