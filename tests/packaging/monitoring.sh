#!/usr/bin/env bash
# Checks the monitoring pack (packaging/monitoring): `promtool check rules`,
# `promtool test rules` (a firing and a silent case per alert), and that the
# dashboard and the rules query only metrics the agent writes
# (check_monitoring.py). Then proves the checks can fail: a rule with a
# changed threshold must fail its test, a dashboard or rules file querying a
# metric the agent does not write must fail the cross-check.
# Env: VG_SRC source tree. Exit 0 pass, 1 fail, 77 skip (no promtool: install
# Debian's prometheus, scripts/setup does).
set -uo pipefail

src=${VG_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
mon=$src/packaging/monitoring


check="python3 $src/tests/packaging/check_monitoring.py --src $src"
if ! command -v promtool >/dev/null; then
  echo "SKIP: promtool not found (Debian package prometheus)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail() {
  echo "FAIL: $*"
  fails=$((fails + 1))
}

promtool check rules "$mon/vssguard.rules.yml" || fail "promtool check rules"
(cd "$mon" && promtool test rules vssguard.rules.test.yml) || fail "promtool test rules"
$check || fail "the monitoring pack queries metrics the agent does not write"

# Every alert of the rules file has test cases.
for a in $(sed -n 's/^ *- alert: *//p' "$mon/vssguard.rules.yml"); do
  grep -q "alertname: $a\$" "$mon/vssguard.rules.test.yml" ||
    fail "alert $a has no test case"
done

# Mutations: each must make a check fail.
cp "$mon/vssguard.rules.yml" "$mon/vssguard.rules.test.yml" "$work/"
sed -i 's/vssguard_active_sessions_estimated >= 60/vssguard_active_sessions_estimated >= 61/' \
  "$work/vssguard.rules.yml"
if (cd "$work" && promtool test rules vssguard.rules.test.yml >/dev/null 2>&1); then
  fail "promtool test rules passed with the count alert moved to 61"
fi
cp "$mon/vssguard.rules.yml" "$work/"
sed -i 's/for: 2h/for: 3h/' "$work/vssguard.rules.yml"
if (cd "$work" && promtool test rules vssguard.rules.test.yml >/dev/null 2>&1); then
  fail "promtool test rules passed with the fleet slot alert moved to 3 h"
fi

sed 's/vssguard_runs_since_boot/vssguard_runs_since_boots/' \
  "$mon/vssguard-dashboard.json" >"$work/dash.json"
out=$($check --dashboard "$work/dash.json" 2>&1)
if [ $? -eq 0 ] || ! grep -q "vssguard_runs_since_boots, which the agent does not write" <<<"$out"; then
  fail "the cross-check accepted a dashboard querying an unknown metric: $out"
fi
sed 's/vssguard_reboot_locked == 1/vssguard_reboot_lock == 1/' \
  "$mon/vssguard.rules.yml" >"$work/rules.yml"
out=$($check --rules "$work/rules.yml" 2>&1)
if [ $? -eq 0 ] || ! grep -q 'rule "VssGuardLocked" queries vssguard_reboot_lock,' <<<"$out"; then
  fail "the cross-check accepted a rule querying an unknown metric: $out"
fi

if [ $fails -ne 0 ]; then
  echo "$fails failure(s)"
  exit 1
fi
echo "ok: rules checked and tested, every queried metric is written by the agent, mutations caught"
