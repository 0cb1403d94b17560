#!/usr/bin/env bash
# Stopping the service while an Event Log callback is still running: the
# test wevtapi.dll's EvtClose returns at once, without waiting for the
# callback (which takes 4 s to render its event). The agent must wait for
# the callback to end before it frees what the callback uses: the callback
# returns (the dll notes it) before the process ends, and the service stops
# cleanly with a complete state.
source "$(dirname "$0")/lib.sh"

now=$(date +%s)
add_run 701 $((now - 500))
write_policy "$T/policy.yaml" "daily $(hhmm $((now + 6 * 3600))) 1h"
sed -i 's/^threshold: 3/threshold: 10/' "$T/policy.yaml"

service_setup

{
  echo "VG_FAKE_LATE_MS=4000"
  echo "VG_FAKE_MARK=$(winpath "$T/mark")"
} >"$T/wevtapi-knobs.txt"

service_install
service_start
wait_count "$T/state" 1 120
sleep 2

# One new event: its callback is now rendering for 4 s.
backup_event 704 1 $((now - 100)) >>"$EVENTS"
sleep 1.5
[ -e "$T/mark" ] && fail "the callback returned too early for this test"
service_stop
# The process is gone: what the callback did is final.
sleep 1
grep -qx 'returned 704' "$T/mark" 2>/dev/null ||
  fail "the process ended while the callback was running (stop did not wait)"
tail -n1 "$T/state" | grep -qx end || fail "state not complete after stop"
[ "$(state_value "$T/state" count)" = 1 ] || fail "count after stop"
echo "PASS: stop waits for a callback that outlives EvtClose"
