#!/usr/bin/env bash
# The local gates of vssguard.exe under Wine, through the real Windows APIs:
#   processes   a helper .exe (vg_probe sleep, copied as vg_gate_helper.exe)
#               runs: the Toolhelp snapshot finds it, the due reboot is
#               postponed (1009 naming it) and no InitiateSystemShutdownExW
#               is called; once it exits, exactly one call follows.
#   sessions    WTSEnumerateSessionsW as far as Wine implements it: the
#               agent logs what it saw; Wine reports no active session with
#               a user name, so the gate lets the reboot go (see
#               docs/windows-testing.md for what this does not show).
source "$(dirname "$0")/lib.sh"

cp "$VG_BUILD/tests/wine/vg_probe.exe" "$T/vg_gate_helper.exe"
now=$(date +%s)
add_run 101 $((now - 400))
add_run 104 $((now - 300))
add_run 107 $((now - 200))
write_policy "$T/policy.yaml" "daily $(hhmm $((now - 120))) 3h" \
  "gates:" \
  "  processes: [ 'VG_GATE_HELPER.EXE' ]" \
  "  interactive_sessions: { wait: 30m }" \
  "  retry: 2s"

# The helper runs for 25 s from now.
wine_ "$T/vg_gate_helper.exe" sleep 25000 >"$T/helper.log" 2>&1 &
helper=$!
trap 'kill $helper 2>/dev/null || true; cleanup' EXIT
sleep 3

start_agent "$T/agent.log" --policy "$(winpath "$T/policy.yaml")" \
  --state "$(winpath "$T/state")"
wait_for "$T/agent.log" 'run counted: 3/3' 120
wait_for "$T/agent.log" 'reboot postponed by a gate: processes: VG_GATE_HELPER.EXE is running' 60
grep -Eq "$SHUTDOWN_RE" "$T/agent.log" && fail "reboot while the helper ran"
grep -E 'interactive_sessions' "$T/agent.log" || true

wait "$helper" || true
wait_for "$T/agent.log" "$SHUTDOWN_RE" 90
n=$(grep -Ec "$SHUTDOWN_RE" "$T/agent.log")
[ "$n" -eq 1 ] || fail "expected one InitiateSystemShutdownExW call, saw $n"
# Wine's WTS: no active session with a user, so nothing was postponed for
# sessions (a real server with a signed-in user would postpone).
grep -q 'interactive_sessions:' "$T/agent.log" &&
  fail "Wine reported an active interactive session; update docs/windows-testing.md"
grep -q 'fixme:wtsapi:WTSEnumerateSessionsW' "$T/agent.log" ||
  fail "the sessions gate did not call WTSEnumerateSessionsW"
stop_agent
echo "PASS: processes gate held the reboot while the helper ran; one call after it exited; Wine reports no interactive session"
