#!/usr/bin/env bash
# Group Policy bursts reach a running agent: values written 100-200 ms apart,
# and Group Policy's way of re-applying a value (delete Enabled, write
# Enabled = 0 again 10-50 ms later), always leave the agent with the policy
# the registry holds at the end. Enabled = 0 is the fleet's kill switch
# (dry run): losing the second write would leave it off.
source "$(dirname "$0")/lib.sh"

KEY='HKLM\Software\Policies\VssGuard'
PROBE=$(dirname "$VG_FAKE_WEVTAPI")/vg_probe.exe
burst_cleanup() {
  wine_ reg delete "$KEY" /f >/dev/null 2>&1 || true
  stop_agent
}
trap burst_cleanup EXIT
wine_ reg delete "$KEY" /f >/dev/null 2>&1 || true

cat >"$T/policy.yaml" <<'YAML'
threshold: 20
timezone: UTC
maintenance_windows:
  - "sun 02:00 3h"
YAML
wine_ "$PROBE" gpo set:Enabled=0 || fail "writing Enabled"

start_agent "$T/agent.log" --policy "$(winpath "$T/policy.yaml")" \
  --state "$(winpath "$T/state")"
wait_for "$T/agent.log" 'started: count' 120
grep -q 'loaded: threshold 20, .*dry run on' "$T/agent.log" ||
  { cat "$T/agent.log"; fail "Enabled = 0 at start is not a dry run"; }

reloads() {
  grep -c 'reloaded: ' "$T/agent.log" || true
}

# burst WANT STEP...: runs the steps inside Wine, waits for the agent to
# reload, lets it settle, and checks that its last reload says WANT.
burst() {
  local want=$1 before i=0 last
  shift
  before=$(reloads)
  wine_ "$PROBE" gpo "$@" || fail "vg_probe gpo $*"
  while [ "$(reloads)" -le "$before" ]; do
    i=$((i + 1))
    [ "$i" -le 100 ] || { cat "$T/agent.log"; fail "no reload after: $*"; }
    sleep 0.2
  done
  # Longer than the agent's quiet period: a late reload would show here.
  sleep 2
  last=$(grep 'reloaded: ' "$T/agent.log" | tail -n1)
  echo "$* -> $last"
  echo "$last" | grep -q "$want" ||
    { cat "$T/agent.log"; fail "after '$*' the agent has '$last', not '$want'"; }
}

# Two values 100-200 ms apart.
burst 'threshold 33, .*dry run on' set:Threshold=20 sleep:100 set:Threshold=33
burst 'threshold 44, .*dry run on' set:Threshold=40 sleep:150 set:Threshold=44
burst 'threshold 45, .*dry run on' set:Threshold=41 sleep:200 set:Threshold=45

# Group Policy re-applies Enabled = 0: delete, then write it again.
for gap in 10 20 30 50; do
  burst 'dry run on' del:Enabled sleep:$gap set:Enabled=0
done
# And the kill switch lifted the same way ends as dry run off.
burst 'dry run off' del:Enabled sleep:20 set:Enabled=1
burst 'dry run on' del:Enabled sleep:20 set:Enabled=0
kill -0 "$AGENT_PID" 2>/dev/null || fail "the agent exited"
echo "PASS: Group Policy bursts end with the registry's policy"
