#!/usr/bin/env bash
# End to end under Wine: the threshold is reached inside an open window,
# but (1) a blackout covers the window, then (2) the policy says dry_run:
# there must be no InitiateSystemShutdownExW call at all.
source "$(dirname "$0")/lib.sh"

now=$(date +%s)
add_run 201 $((now - 400))
add_run 204 $((now - 300))
add_run 207 $((now - 200))
window="daily $(hhmm $((now - 120))) 3h"

# 1. A blackout over the whole window.
from=$(date -u -d "@$((now - 86400))" +%Y-%m-%dT%H:%MZ)
to=$(date -u -d "@$((now + 3 * 86400))" +%Y-%m-%dT%H:%MZ)
write_policy "$T/blackout.yaml" "$window" "blackouts:" \
  "  - { name: test freeze, start: $from, end: $to }"
start_agent "$T/blackout.log" --policy "$(winpath "$T/blackout.yaml")" \
  --state "$(winpath "$T/state1")"
wait_for "$T/blackout.log" 'run counted: 3/3' 120
wait_for "$T/blackout.log" 'started: count 3/3' 60
stop_agent
if grep -q 'InitiateSystemShutdownExW' "$T/blackout.log"; then
  cat "$T/blackout.log" >&2
  fail "reboot inside a blackout"
fi
grep -q '^reboot ' "$T/state1" && fail "a reboot was recorded in a blackout"

# 2. dry_run: true.
write_policy "$T/dry.yaml" "$window" "dry_run: true"
start_agent "$T/dry.log" --policy "$(winpath "$T/dry.yaml")" \
  --state "$(winpath "$T/state2")"
wait_for "$T/dry.log" 'run counted: 3/3' 120
wait_for "$T/dry.log" '\[1020\]' 60
wait_for "$T/dry.log" 'started: count 3/3' 60
stop_agent
if grep -q 'InitiateSystemShutdownExW' "$T/dry.log"; then
  cat "$T/dry.log" >&2
  fail "reboot in a dry run"
fi
echo "PASS: no InitiateSystemShutdownExW call in a blackout or a dry run"
