#!/usr/bin/env bash
# The live source never gives up and never crashes: the first subscriptions
# fail (System; Backup after its bookmark, and its fallback without one):
# each failure is logged with the text of EvtGetExtendedStatus (read on the
# failing thread, before any other Evt call) and retried after 30 s, while
# the other channels run. The events of the boot are read in the meantime;
# the retry subscribes after the bookmark and counts the new run; then the
# subscription reports an error (EvtSubscribeActionError), which is logged
# with its extended status and retried while the agent keeps running.
source "$(dirname "$0")/lib.sh"

now=$(date +%s)
add_run 501 $((now - 500))
add_run 504 $((now - 400))
write_policy "$T/policy.yaml" "daily $(hhmm $((now + 6 * 3600))) 1h"
sed -i 's/^threshold: 3/threshold: 10/' "$T/policy.yaml"

# Three failures: System, then Backup after its bookmark and its fallback
# without one; Application subscribes.
export VG_FAKE_FAIL_SUBSCRIBE=3 VG_FAKE_ACTION_ERROR=3
start_agent "$T/agent.log" --policy "$(winpath "$T/policy.yaml")" \
  --state "$(winpath "$T/state")"
ext='The specified channel could not be found: test failure'
wait_for "$T/agent.log" "subscribing to the System log failed: error 15007: $ext; retrying in 30 s" 120
wait_for "$T/agent.log" "subscribing to the Microsoft-Windows-Backup log after the saved bookmark failed \(error 15007: $ext\)" 5
wait_for "$T/agent.log" "subscribing to the Microsoft-Windows-Backup log failed: error 15007: $ext; retrying in 30 s" 5
wait_for "$T/agent.log" 'subscribed to the Application log \(since the boot\)' 5
wait_for "$T/agent.log" 'run counted: 2/10' 30
add_run 507 $((now - 100))
wait_for "$T/agent.log" 'subscribed to the Microsoft-Windows-Backup log \(after the saved bookmark\)' 60
wait_for "$T/agent.log" 'subscribed to the System log \(since the boot\)' 5
wait_for "$T/agent.log" 'run counted: 3/10' 30
wait_for "$T/agent.log" 'the Microsoft-Windows-Backup subscription failed: error 15011: The query result is stale: test action error; retrying in 30 s' 30
wait_count "$T/state" 3 30
kill -0 "$AGENT_PID" 2>/dev/null || fail "the agent exited"
stop_agent
[ "$(grep -c '^run ' "$T/state")" = 3 ] || fail "expected 3 runs"
echo "PASS: subscription failures are logged and retried"
