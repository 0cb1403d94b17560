#!/usr/bin/env bash
# The administrators' commands with the service under Wine: `vssguard pause`
# and `vssguard reboot --next-slot` write the state, `sc control VssGuard
# paramchange` makes the running service take them over: paused, the
# request waits (no schedule, no reboot attempt in the state); after
# `vssguard resume` and another paramchange the service reboots in the open
# window (an attempt is recorded), although the count (2) is below the
# threshold (10).
source "$(dirname "$0")/lib.sh"

now=$(date +%s)
add_run 501 $((now - 500))
add_run 504 $((now - 400))
write_policy "$T/policy.yaml" "daily $(hhmm $((now - 120))) 3h"
sed -i 's/^threshold: 3/threshold: 10/' "$T/policy.yaml"
S=$(winpath "$T/state")

APPKEY="HKCU\\Software\\Wine\\AppDefaults\\$EXE_NAME"
wine_ reg add "$APPKEY\DllOverrides" /v wevtapi /d native /f >/dev/null 2>&1
svc_cleanup() {
  wine_ sc stop VssGuard >/dev/null 2>&1 || true
  vg service uninstall >/dev/null 2>&1 || true
  wine_ reg delete "$APPKEY" /f >/dev/null 2>&1 || true
}
trap svc_cleanup EXIT
vg service uninstall >/dev/null 2>&1 || true
vg service install --policy "$(winpath "$T/policy.yaml")" --state "$S" \
  >"$T/install.log" 2>&1 || { cat "$T/install.log"; fail "service install"; }
wine_ sc start VssGuard >"$T/start.log" 2>&1 || { cat "$T/start.log"; fail "sc start"; }
wait_count "$T/state" 2 120

# What `sc control VssGuard paramchange` does on Windows (Wine's sc lacks it).
PROBE=$(dirname "$VG_FAKE_WEVTAPI")/vg_probe.exe
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

vg resume --state "$S" >/dev/null || fail "resume"
paramchange
i=0
until grep -q '^reboot ' "$T/state"; do
  i=$((i + 1))
  [ "$i" -le 150 ] || { cat "$T/state"; fail "no reboot attempt after resume"; }
  sleep 0.2
done
grep -q '^pause ' "$T/state" && fail "the pause came back"
echo "PASS: pause, reboot --next-slot and resume taken over on paramchange"
