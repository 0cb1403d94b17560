#!/usr/bin/env bash
# An invalid Group Policy value at start does not stop the agent: it runs
# in count-only mode (counts, never schedules), logs the error once even
# when Group Policy writes the same value again, and takes the policy as
# soon as the value is fixed.
source "$(dirname "$0")/lib.sh"

KEY='HKLM\Software\Policies\VssGuard'
PROBE=$(dirname "$VG_FAKE_WEVTAPI")/vg_probe.exe
gco_cleanup() {
  wine_ reg delete "$KEY" /f >/dev/null 2>&1 || true
  stop_agent
}
trap gco_cleanup EXIT
wine_ reg delete "$KEY" /f >/dev/null 2>&1 || true

now=$(date +%s)
add_run 901 $((now - 500))
add_run 904 $((now - 400))
write_policy "$T/policy.yaml" "daily $(hhmm $((now + 6 * 3600))) 1h"
wine_ "$PROBE" gpo set:Threshold=99 || fail "writing Threshold"

start_agent "$T/agent.log" --policy "$(winpath "$T/policy.yaml")" \
  --state "$(winpath "$T/state")"
wait_for "$T/agent.log" 'started: count' 120
err='vssguard: error: \[1004\] HKLM\\SOFTWARE\\Policies\\VssGuard\\Threshold'
wait_for "$T/agent.log" "$err" 5
wait_for "$T/agent.log" 'counting only' 5
wait_for "$T/agent.log" 'run counted: 2/' 30
wait_count "$T/state" 2 30

# Group Policy re-applies the same bad value (delete, write again): reloaded,
# not logged again.
wine_ "$PROBE" gpo del:Threshold sleep:20 set:Threshold=99 || fail "writing Threshold"
wait_for "$T/agent.log" 'Group Policy settings changed' 10
sleep 2
[ "$(grep -c "$err" "$T/agent.log")" = 1 ] ||
  { cat "$T/agent.log"; fail "the same error was logged again"; }
grep -q 'reboot scheduled' "$T/agent.log" && fail "count-only mode scheduled a reboot"

# Fixed: the policy is in force and the count of 2 reaches threshold 2.
wine_ "$PROBE" gpo set:Threshold=2 || fail "writing Threshold"
wait_for "$T/agent.log" 'reloaded: threshold 2,' 10
wait_for "$T/agent.log" 'reboots are scheduled again' 5
wait_for "$T/agent.log" 'reboot scheduled' 10
echo "PASS: an invalid Group Policy value at start counts only until fixed"
