#!/usr/bin/env bash
# Exactly-once counting across crashes: 50 times, the agent is started,
# backup runs are appended to the followed file while it runs, and it is
# killed with SIGKILL at a random moment (sometimes while it starts, while
# it reads, or between writing the state's temporary file and renaming it,
# widened by VG_TEST_SLOW_WRITE_MS). After every kill the state file parses;
# at the end the count equals the number of distinct runs appended.
# VG_KILLS overrides the number of kills (under valgrind: 10 by default).
source "$(dirname "$0")/agent-lib.bash"

kills=${VG_KILLS:-50}
if [ -n "$VG_WRAP" ] && [ -z "${VG_KILLS:-}" ]; then kills=10; fi

events=$work/events.xml
state=$work/state
log=$work/agent.log
cat >"$work/policy.yaml" <<'YAML'
threshold: 63
timezone: UTC
maintenance_windows:
  - "sun 03:00 1h"
dry_run: true
YAML
chmod 0644 "$work/policy.yaml"
: >"$events"

RANDOM=4242
t0=$(date +%s)
runs=0
rec=1
count_of() {
  ${VG_WRAP:-} "$VSSGUARD" status --state "$state" --json |
    sed -n 's/.*"count":\([0-9]*\).*/\1/p'
}

for ((i = 1; i <= kills; i++)); do
  slow=0
  [ $((RANDOM % 3)) -eq 0 ] && slow=$((RANDOM % 40 + 5))
  VG_TEST_SLOW_WRITE_MS=$slow start_agent "$log" --policy "$work/policy.yaml" \
    --state "$state" --events-follow "$events" --dry-run
  n=$((RANDOM % 4))
  for ((k = 0; k < n; k++)); do
    backup_run $((t0 + runs * 7)) $rec >>"$events"
    runs=$((runs + 1))
    rec=$((rec + 3))
    sleep "0.0$((RANDOM % 10))"
  done
  sleep "0.$((RANDOM % 3))$((RANDOM % 10))"
  kill -KILL "$agent_pid" 2>/dev/null || true
  wait "$agent_pid" 2>/dev/null || true
  if [ -e "$state" ]; then
    ${VG_WRAP:-} "$VSSGUARD" status --state "$state" --json >/dev/null ||
      fail "state file does not parse after kill $i: $(cat "$state")"
  fi
done
[ ! -e "$state.corrupt" ] || fail "a state file was found corrupt and set aside"

# A last run, undisturbed: it catches up with everything appended.
start_agent "$log" --policy "$work/policy.yaml" --state "$state" \
  --events-follow "$events" --dry-run
for ((s = 0; s < 200; s++)); do
  [ "$(count_of 2>/dev/null || echo -1)" = "$runs" ] && break
  sleep 0.1
done
stop_agent
got=$(count_of)
[ "$got" = "$runs" ] || fail "count $got after $kills kills, expected $runs distinct runs"
[ "$(grep -c '^run ' "$state")" -eq "$runs" ] || fail "run list does not hold $runs runs"
echo "ok: $kills kills, $runs runs, count $got"
