#!/usr/bin/env bash
# End to end under Wine: two recorded backup runs are read at start (the
# backfill since the boot), a third arrives live through the subscription
# callback and reaches the threshold; the reboot waits for the allowed slot,
# which opens seconds later, and then Wine's InitiateSystemShutdownExW
# prints exactly one call with the policy's message, warning, force and
# reason.
source "$(dirname "$0")/lib.sh"

now=$(date +%s)
add_run 101 $((now - 400))
add_run 104 $((now - 300))
# The window is open, but a blackout holds it closed for 20 more seconds:
# the allowed slot opens at the blackout's end, to the second.
slot=$((now + 20))
write_policy "$T/policy.yaml" "daily $(hhmm $((now - 120))) 3h" "blackouts:" \
  "  - { name: opens soon, start: $(date -u -d "@$((now - 3600))" +%Y-%m-%dT%H:%M:%SZ), end: $(date -u -d "@$slot" +%Y-%m-%dT%H:%M:%SZ) }"

start_agent "$T/agent.log" --policy "$(winpath "$T/policy.yaml")" \
  --state "$(winpath "$T/state")"
wait_for "$T/agent.log" 'run counted: 2/3' 120
wait_for "$T/agent.log" 'subscribed to the Application log' 60
grep -Eq "$SHUTDOWN_RE" "$T/agent.log" && fail "reboot below the threshold"

# The third run arrives while the agent runs.
add_run 107 $((now - 60))
wait_for "$T/agent.log" 'run counted: 3/3' 60
wait_for "$T/agent.log" 'deliver Microsoft-Windows-Backup #109' 10
wait_for "$T/agent.log" 'reboot scheduled' 30
if grep -Eq "$SHUTDOWN_RE" "$T/agent.log"; then
  [ "$(date +%s)" -ge "$slot" ] || fail "reboot before the window opened"
fi

# The window opens: the call, then the agent moves on to the next slot.
wait_for "$T/agent.log" "$SHUTDOWN_RE" 150
[ "$(date +%s)" -ge "$slot" ] || fail "reboot before the window opened"
wait_for "$T/agent.log" 'reboot postponed: a reboot was already initiated' 30
n=$(grep -Ec "$SHUTDOWN_RE" "$T/agent.log")
[ "$n" -eq 1 ] || fail "expected one InitiateSystemShutdownExW call, saw $n"
grep 'InitiateSystemShutdownExW' "$T/agent.log"
# The Event Log got "reboot initiated" (1010) with the full message id of
# the message table (its severity bits as packaging/windows/vssguard.mc
# declares them) and the event type of the same level, so Event Viewer's
# Level column and the message agree (a Warning: docs/events.md).
sev=$(awk '/^MessageId=1010$/ { f = 1 } f && /^Severity=/ { sub(/Severity=/, ""); print; exit }' \
  "$VG_SRC/packaging/windows/vssguard.mc")
case $sev in
Informational) id=0x400003f2 type=0x0004 ;; Warning) id=0x800003f2 type=0x0002 ;;
Error) id=0xc00003f2 type=0x0001 ;; *) id=0x000003f2 type=0x0000 ;;
esac
grep -Eq "ReportEventW \([0-9A-F]+,$type,0x0000,$id," "$T/agent.log" ||
  fail "no Event Log entry 1010 ($sev: type $type, id $id) for the reboot"

# The attempt was recorded in the state before the call.
stop_agent
[ "$(state_value "$T/state" count)" = 3 ] || fail "count is not 3"
grep -q '^reboot ' "$T/state" || fail "no reboot record in the state"
tail -n1 "$T/state" | grep -qx end || fail "state not complete"
echo "PASS: one InitiateSystemShutdownExW call inside the window"
