#!/usr/bin/env bash
# The service and its errors under Wine:
# - the settings an MSI cannot make (recovery actions, "recovery on error
#   exits", delayed start) are applied, and what fails is reported as
#   event 1021 through the log, not as a bare stderr note (Wine rejects
#   SERVICE_CONFIG_DELAYED_AUTO_START_INFO and
#   SERVICE_CONFIG_FAILURE_ACTIONS_FLAG with error 124, and cannot query
#   the failure actions: see docs/windows-testing.md);
# - an invalid policy at start does not stop the service: it runs in
#   count-only mode, counts and saves; the fixed file is taken when it is
#   written, and the reboot is scheduled;
# - when the service does stop on an error, dwServiceSpecificExitCode holds
#   the agent's error (3, I/O, when the Event Log cannot be opened).
source "$(dirname "$0")/lib.sh"

PROBE=$(dirname "$VG_FAKE_WEVTAPI")/vg_probe.exe
now=$(date +%s)
add_run 801 $((now - 500))
add_run 804 $((now - 400))
printf 'threshold: 0\n' >"$T/policy.yaml"

service_setup

service_install
cat "$T/install.log"
grep -q 'warning: \[1021\] setting the recovery on error exits failed: error 124' \
  "$T/install.log" || fail "SERVICE_CONFIG_FAILURE_ACTIONS_FLAG not set or not reported"
grep -q 'warning: \[1021\] setting the recovery actions failed' "$T/install.log" &&
  fail "the recovery actions were refused"
wine_ "$PROBE" qfailure VssGuard >"$T/qfailure.log" 2>&1 || true
echo "QueryServiceConfig2W under Wine: $(tr -d '\r' <"$T/qfailure.log" | tr '\n' ' ')"
if grep -q '^actions 3' "$T/qfailure.log"; then
  [ "$(grep -c '^action 1 60000' "$T/qfailure.log")" = 3 ] ||
    fail "recovery actions are not three restarts after 60 s"
fi

# Count-only mode: the service runs and counts with an invalid policy.
service_start
wait_count "$T/state" 2 120
wine_ sc query VssGuard | grep -q RUNNING || fail "the service stopped on the invalid policy"
grep -q '^scheduled ' "$T/state" && fail "count-only mode scheduled a reboot"
# The fixed file: taken when written, and the count schedules.
write_policy "$T/fixed.yaml" "daily $(hhmm $((now + 6 * 3600))) 1h"
sed -i 's/^threshold: 3/threshold: 2/' "$T/fixed.yaml"
mv "$T/fixed.yaml" "$T/policy.yaml"
i=0
until grep -q '^scheduled ' "$T/state"; do
  i=$((i + 1))
  [ "$i" -le 100 ] || fail "the fixed policy was not taken (no reboot scheduled)"
  sleep 0.2
done
service_stop

# Stopping on an error: the Event Log cannot be opened.
echo "VG_FAKE_FAIL_BOOKMARK=1" >"$T/wevtapi-knobs.txt"
wine_ sc start VssGuard >"$T/start2.log" 2>&1 || true
wait_stopped "on the error"
wine_ "$PROBE" status VssGuard | tr -d '\r' >"$T/status.log"
cat "$T/status.log"
grep -qx 'state 1 win32 1066 specific 3' "$T/status.log" ||
  fail "the stop on an error does not report ERROR_SERVICE_SPECIFIC_ERROR with code 3"
echo "PASS: service settings reported, count-only start, error exit code"
