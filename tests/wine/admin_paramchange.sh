#!/usr/bin/env bash
# The administrators' commands with the service under Wine: `vssguard pause`
# and `vssguard reboot --next-slot` write the state, `sc control VssGuard
# paramchange` makes the running service take them over: paused, the
# request waits (no schedule, no reboot attempt in the state); after
# `vssguard resume` and another paramchange the service reboots in the open
# window (an attempt is recorded), although the count (2) is below the
# threshold (10). Before the resume, the state's lock (LockFileEx): a run
# the service counts while a stretched command holds the state, and two
# commands at once, each keep what the other wrote.
source "$(dirname "$0")/lib.sh"

now=$(date +%s)
add_run 501 $((now - 500))
add_run 504 $((now - 400))
write_policy "$T/policy.yaml" "daily $(hhmm $((now - 120))) 3h"
sed -i 's/^threshold: 3/threshold: 10/' "$T/policy.yaml"
S=$(winpath "$T/state")
SERVICE_DIAG=1

APPKEY="HKCU\\Software\\Wine\\AppDefaults\\$EXE_NAME"
wine_ reg add "$APPKEY\DllOverrides" /v wevtapi /d native /f >/dev/null 2>&1
# A program that keeps the wineserver up for the whole test: when the last
# program other than Wine's own services exits, the wineserver ends them
# all, and the next command starts the service again in a new "boot" (a new
# volatile boot id, the count reset to 0).
PROBE=$(dirname "$VG_FAKE_WEVTAPI")/vg_probe.exe
# exec: $! is the Wine program itself, which the cleanup ends.
(WINEDLLOVERRIDES="mscoree,mshtml=" exec "$VG_WINE_RUN" "$PROBE" sleep 240000 \
  >/dev/null 2>&1) &
keeper=$!
svc_cleanup() {
  kill "$keeper" 2>/dev/null || true
  wine_ sc stop VssGuard >/dev/null 2>&1 || true
  vg service uninstall >/dev/null 2>&1 || true
  wine_ reg delete "$APPKEY" /f >/dev/null 2>&1 || true
}
trap svc_cleanup EXIT
vg service uninstall >/dev/null 2>&1 || true
vg service install --policy "$(winpath "$T/policy.yaml")" --state "$S" \
  >"$T/install.log" 2>&1 || { cat "$T/install.log"; fail "service install"; }
service_start
wait_count "$T/state" 2 120

# What `sc control VssGuard paramchange` does on Windows (Wine's sc lacks it).
paramchange() {
  wine_ "$PROBE" paramchange VssGuard >"$T/pc.log" 2>&1 ||
    { cat "$T/pc.log"; fail "paramchange"; }
}

vg pause --until +2h --reason "wine freeze" --state "$S" >/dev/null || fail "pause"
paramchange
vg reboot --next-slot --reason "wine test" --state "$S" >/dev/null || fail "reboot --next-slot"
paramchange
sleep 5
grep -q '^pause ' "$T/state" || { cat "$T/state"; fail "the service dropped the pause"; }
grep -q '^request ' "$T/state" || { cat "$T/state"; fail "the service dropped the request"; }
grep -q '^reboot ' "$T/state" && { cat "$T/state"; fail "a reboot attempt during the pause"; }
grep -q '^scheduled ' "$T/state" && { cat "$T/state"; fail "scheduled during the pause"; }
vg status --state "$S" >"$T/status.log" 2>&1
grep -q 'PAUSED: .*wine freeze' "$T/status.log" || { cat "$T/status.log"; fail "status"; }

# The state's lock (LockFileEx on state.lock) between the running service
# and the commands. A `pause` whose read-modify-write the test hook
# stretches holds it while the service counts a run: the service's save
# waits for the lock instead of being written away by the command's older
# file, so the state ends with both the run and the new pause.
# wait_read LOG: waits (30 s at most) until the stretched command whose
# stderr is LOG has read the state.
wait_read() {
  local i=0
  until grep -q "test hook: state read" "$1" 2>/dev/null; do
    i=$((i + 1))
    [ "$i" -le 150 ] || fail "the stretched command did not read the state ($1)"
    sleep 0.2
  done
}
c0=$(state_value "$T/state" count)
VG_TEST_CMD_HOLD_MS=4000 vg pause --until +3h --reason "wine lock" --state "$S" \
  >/dev/null 2>"$T/hold.log" &
hold=$!
wait_read "$T/hold.log"
add_run 507 $((now - 300))
wait "$hold" || fail "the stretched pause failed"
i=0
until [ "$(state_value "$T/state" count)" = $((c0 + 1)) ] && grep -q '^pause .*wine lock' "$T/state"; do
  i=$((i + 1))
  [ "$i" -le 100 ] || { cat "$T/state"; fail "the run counted while pause held the lock is not on disk"; }
  sleep 0.2
done
grep -q '^request ' "$T/state" || { cat "$T/state"; fail "the request was lost"; }
# Two commands: the second waits for the first's write and keeps it.
VG_TEST_CMD_HOLD_MS=3000 vg reboot --next-slot --reason "first" --state "$S" \
  >/dev/null 2>"$T/first.log" &
first=$!
wait_read "$T/first.log"
vg pause --until +3h --reason "second" --state "$S" >/dev/null 2>"$T/second.log" ||
  fail "the waiting pause failed"
wait "$first" || fail "the stretched reboot --next-slot failed"
grep -q '^request .*first' "$T/state" || { cat "$T/state"; fail "the first command's request is lost"; }
grep -q '^pause .*second' "$T/state" || { cat "$T/state"; fail "the second command's pause is lost"; }
[ "$(state_value "$T/state" count)" = $((c0 + 1)) ] || { cat "$T/state"; fail "the count went back"; }

vg resume --state "$S" >/dev/null || fail "resume"
paramchange
i=0
until grep -q '^reboot ' "$T/state"; do
  i=$((i + 1))
  [ "$i" -le 150 ] || { cat "$T/state"; fail "no reboot attempt after resume"; }
  sleep 0.2
done
grep -q '^pause ' "$T/state" && fail "the pause came back"
echo "PASS: pause, reboot --next-slot and resume taken over on paramchange; the state's lock keeps a run and both commands' writes"
