#!/usr/bin/env bash
# The service path under Wine: `vssguard service install` creates the
# service (own process, automatic delayed start, restart on failure),
# `sc start` runs the agent as a service, which reads the recorded runs and
# reacts to a new one; `sc stop` saves a consistent state; `service
# uninstall` removes the service.
source "$(dirname "$0")/lib.sh"

now=$(date +%s)
add_run 401 $((now - 500))
add_run 404 $((now - 400))
write_policy "$T/policy.yaml" "daily $(hhmm $((now + 6 * 3600))) 1h"
sed -i 's/^threshold: 3/threshold: 10/' "$T/policy.yaml"

service_setup

service_install
cat "$T/install.log"
# Wine's sc has no "qc": read the service's registry key instead.
wine_ reg query 'HKLM\System\CurrentControlSet\Services\VssGuard' \
  >"$T/qc.raw" 2>&1 || { cat "$T/qc.raw"; fail "the service key"; }
tr -d '\r' <"$T/qc.raw" >"$T/qc.log"
cat "$T/qc.log"
grep -Eq 'Type\s+REG_DWORD\s+0x10$' "$T/qc.log" || fail "not an own-process service"
grep -Eq 'Start\s+REG_DWORD\s+0x2$' "$T/qc.log" || fail "not automatic start"
grep -q 'service run --policy' "$T/qc.log" || fail "binary path"
grep -Eq 'PreshutdownTimeout\s+REG_DWORD' "$T/qc.log" || fail "no preshutdown timeout"

service_start
wait_count "$T/state" 2 120
grep -q '^bookmark Microsoft-Windows-Backup' "$T/state" ||
  fail "no bookmark saved by the service"

# A new run while the service runs.
add_run 407 $((now - 100))
wait_count "$T/state" 3 60

service_stop
tail -n1 "$T/state" | grep -qx end || fail "state not complete after stop"
[ "$(state_value "$T/state" count)" = 3 ] || fail "count after stop"
[ "$(grep -c '^run ' "$T/state")" = 3 ] || fail "runs after stop"
vg status --state "$(winpath "$T/state")" --json >"$T/status.json" ||
  fail "status on the stopped service's state"
grep -q '"count": *3' "$T/status.json" || { cat "$T/status.json"; fail "status count"; }

vg service uninstall >"$T/uninstall.log" 2>&1 ||
  { cat "$T/uninstall.log"; fail "service uninstall"; }
if wine_ sc query VssGuard >"$T/query.log" 2>&1 &&
  ! grep -q '1060' "$T/query.log"; then
  cat "$T/query.log"
  fail "the service still exists"
fi
[ -f "$T/state" ] || fail "uninstall removed the state"
echo "PASS: service install, start, events, stop, uninstall"
