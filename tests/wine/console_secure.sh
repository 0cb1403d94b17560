#!/usr/bin/env bash
# `vssguard run` in a console protects its data as the service does
# (agent/win/state_acl.c): a state.tmp planted as a hard link to another
# file is deleted before the first save, so saving does not write through
# it; a state that is a hard link is removed, not loaded; a missing data
# directory is created. A console that does not act as Administrators (an
# unelevated one: vg_probe gives the run a token with Administrators for
# deny only) is refused with a clear error and touches nothing.
source "$(dirname "$0")/lib.sh"

now=$(date +%s)
add_run 501 $((now - 300))
write_policy "$T/policy.yaml" "daily $(hhmm $((now + 6 * 3600))) 1h"
D=$T/data
mkdir -p "$D"
printf 'another file\n' >"$T/victim"
printf 'not a state\n' >"$T/victim2"
ln "$T/victim" "$D/state.tmp"
ln "$T/victim2" "$D/state"

# Unelevated: refused before anything is read or written.
PROBE=$(dirname "$VG_FAKE_WEVTAPI")/vg_probe.exe
wine_ "$PROBE" unelevated "$(winpath "$EXE") run --dry-run --policy $(winpath "$T/policy.yaml") --state $(winpath "$T/new/state")" \
  >"$T/unelevated.log" 2>&1 &
AGENT_PID=$!
i=0
while kill -0 "$AGENT_PID" 2>/dev/null; do
  i=$((i + 1))
  [ "$i" -le 300 ] || fail "unelevated run: still running after 60 s"
  sleep 0.2
done
rc=0
wait "$AGENT_PID" || rc=$?
AGENT_PID=
cat "$T/unelevated.log"
[ "$rc" = 1 ] || fail "unelevated run: exit $rc, expected 1"
grep -q 'not elevated: start it with "Run as administrator"' "$T/unelevated.log" ||
  fail "unelevated run: no clear error"
[ ! -e "$T/new" ] || fail "unelevated run created the data directory"

# Elevated (Wine's default token): the planted links are dealt with, the
# run is counted and saved, the other files are untouched.
start_agent "$T/agent.log" --dry-run --policy "$(winpath "$T/policy.yaml")" \
  --state "$(winpath "$D/state")"
wait_for "$T/agent.log" 'was a hard link or a reparse point: removed' 60
wait_for "$T/agent.log" 'run counted: 1/3' 60
wait_count "$D/state" 1 30
stop_agent
[ "$(cat "$T/victim")" = "another file" ] || fail "the save wrote through the planted state.tmp"
[ "$(cat "$T/victim2")" = "not a state" ] || fail "the linked state's other file changed"
[ "$(stat -c %h "$D/state")" = 1 ] || fail "the state is still a hard link"
tail -n1 "$D/state" | grep -qx end || fail "state not complete"

# A missing data directory is created (with the protected DACL, which Wine
# does not keep: tests/wine/test_state_acl.c checks it where it is kept).
start_agent "$T/agent2.log" --dry-run --policy "$(winpath "$T/policy.yaml")" \
  --state "$(winpath "$T/new/sub/state")"
wait_for "$T/agent2.log" 'run counted: 1/3' 60
wait_count "$T/new/sub/state" 1 30
stop_agent
echo "PASS: a console run secures its data like the service; unelevated is refused"
