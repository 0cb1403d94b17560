#!/usr/bin/env bash
# Group Policy overrides under Wine: values written with `reg add` under
# HKLM\Software\Policies\VssGuard (decimal and boolean settings as
# REG_DWORD, text as REG_SZ, lists as a subkey with values "1", "2", ...)
# change `vssguard plan --json` and say they come from "gpo"; a bad value is
# an input error naming the value; a running agent reloads on a change.
source "$(dirname "$0")/lib.sh"

KEY='HKLM\Software\Policies\VssGuard'
gpo_cleanup() {
  wine_ reg delete "$KEY" /f >/dev/null 2>&1 || true
  stop_agent
}
trap gpo_cleanup EXIT
wine_ reg delete "$KEY" /f >/dev/null 2>&1 || true

cat >"$T/policy.yaml" <<'YAML'
threshold: 20
timezone: UTC
maintenance_windows:
  - "sun 02:00 3h"
YAML
P=$(winpath "$T/policy.yaml")
plan() {
  vg plan --policy "$P" --count 50 --from 2026-12-01T00:00Z --json
}
reg_add() {
  wine_ reg add "$@" /f >/dev/null 2>&1 || fail "reg add $*"
}

plan >"$T/plan0.json" || fail "plan without Group Policy"
grep -q '"threshold":{"value":20,"origin":"file"}' "$T/plan0.json" ||
  { cat "$T/plan0.json"; fail "file threshold"; }
grep -q '"slot_start":"2026-12-06T02:00:00Z"' "$T/plan0.json" ||
  { cat "$T/plan0.json"; fail "file window"; }

# Scalars: REG_DWORD for numbers and booleans, REG_SZ for text.
reg_add "$KEY" /v Threshold /t REG_DWORD /d 42
reg_add "$KEY" /v DryRun /t REG_DWORD /d 1
reg_add "$KEY" /v RebootMessage /t REG_SZ /d "Reboot set by Group Policy"
reg_add "$KEY" /v WarningSeconds /t REG_DWORD /d 300
# A list: one REG_SZ value per item in a subkey.
reg_add "$KEY\\MaintenanceWindows" /v 1 /t REG_SZ /d "wed 23:30 2h"
reg_add "$KEY\\Blackouts" /v 1 /t REG_SZ \
  /d "2026-12-02T00:00/2026-12-04T00:00 test freeze"

plan >"$T/plan1.json" || { cat "$T/plan1.json"; fail "plan with Group Policy"; }
cat "$T/plan1.json"
for want in '"threshold":{"value":42,"origin":"gpo"}' \
  '"dry_run":{"value":"true","origin":"gpo"}' \
  '"reboot.message":{"value":"Reboot set by Group Policy","origin":"gpo"}' \
  '"reboot.warning":{"value":"5m","origin":"gpo"}' \
  '"maintenance_windows":{"value":"1 windows","origin":"gpo"}' \
  '"blackouts":{"value":"1 blackouts","origin":"gpo"}' \
  '"slot_start":"2026-12-09T23:30:00Z"'; do
  grep -qF "$want" "$T/plan1.json" || fail "missing $want"
done

# A bad value: exit 2, and the error names the registry value.
reg_add "$KEY" /v Threshold /t REG_DWORD /d 99
set +e
plan >"$T/plan2.json" 2>"$T/plan2.err"
rc=$?
set -e
[ "$rc" = 2 ] || { cat "$T/plan2.err"; fail "bad value: exit $rc, not 2"; }
grep -q 'HKLM\\SOFTWARE\\Policies\\VssGuard\\Threshold' "$T/plan2.err" ||
  { cat "$T/plan2.err"; fail "the error does not name the value"; }
reg_add "$KEY" /v Threshold /t REG_DWORD /d 42

# Enabled = 0: no reboots (counts go on).
reg_add "$KEY" /v DryRun /t REG_DWORD /d 0
reg_add "$KEY" /v Enabled /t REG_DWORD /d 0
plan >"$T/plan3.json" || fail "plan with Enabled = 0"
grep -qF '"dry_run":{"value":"true","origin":"gpo"}' "$T/plan3.json" ||
  { cat "$T/plan3.json"; fail "Enabled = 0 does not stop reboots"; }
wine_ reg delete "$KEY" /v Enabled /f >/dev/null 2>&1

# A running agent reloads when Group Policy changes the key.
start_agent "$T/agent.log" --policy "$P" --state "$(winpath "$T/state")"
wait_for "$T/agent.log" 'started: count' 120
wait_for "$T/agent.log" 'threshold 42' 5
reg_add "$KEY" /v Threshold /t REG_DWORD /d 33
wait_for "$T/agent.log" 'Group Policy settings changed' 30
wait_for "$T/agent.log" 'reloaded.*threshold 33' 30
echo "PASS: Group Policy registry values override the policy file"
