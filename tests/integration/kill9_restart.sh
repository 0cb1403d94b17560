#!/usr/bin/env bash
# Exactly-once counting across crashes: 50 times, the agent is started,
# backup runs are appended to the followed file while it runs, and it is
# killed with SIGKILL at a random moment (sometimes while it starts, while
# it reads, or between writing the state's temporary file and renaming it,
# widened by VG_TEST_SLOW_WRITE_MS). After every kill the state file parses;
# at the end the count equals the number of distinct runs appended.
# VG_KILLS overrides the number of kills (under valgrind: 10 by default).
source "$(dirname "$0")/lib.sh"

kills=${VG_KILLS:-50}
if [ -n "$VG_WRAP" ] && [ -z "${VG_KILLS:-}" ]; then kills=10; fi

events=$vg_work/events.xml
state=$vg_work/state
log=$vg_work/agent.log
cat >"$vg_work/policy.yaml" <<'YAML'
threshold: 63
timezone: UTC
maintenance_windows:
  - "sun 03:00 1h"
dry_run: true
YAML
chmod 0644 "$vg_work/policy.yaml"
: >"$events"

RANDOM=4242
t0=$(date +%s)
runs=0
rec=1
for ((i = 1; i <= kills; i++)); do
  slow=0
  [ $((RANDOM % 3)) -eq 0 ] && slow=$((RANDOM % 40 + 5))
  VG_TEST_SLOW_WRITE_MS=$slow vg_run_agent "$log" --policy "$vg_work/policy.yaml" \
    --state "$state" --events-follow "$events" --dry-run
  n=$((RANDOM % 4))
  for ((k = 0; k < n; k++)); do
    vg_backup_run_rec $((t0 + runs * 7)) $rec >>"$events"
    runs=$((runs + 1))
    rec=$((rec + 3))
    sleep "0.0$((RANDOM % 10))"
  done
  sleep "0.$((RANDOM % 3))$((RANDOM % 10))"
  kill -KILL "$vg_agent_pid" 2>/dev/null || true
  wait "$vg_agent_pid" 2>/dev/null || true
  if [ -e "$state" ]; then
    vg_cli status --state "$state" --json >/dev/null ||
      vg_fail "state file does not parse after kill $i: $(cat "$state")"
  fi
done
[ ! -e "$state.corrupt" ] || vg_fail "a state file was found corrupt and set aside"

# A last run, undisturbed: it catches up with everything appended. The
# state may already show every run (the killed agent got that far), so the
# stop waits until this agent has started: a SIGTERM before its handlers are
# in place would end it by the signal's default action.
started=$(grep -c '\[1001\] started' "$log" || true)
vg_run_agent "$log" --policy "$vg_work/policy.yaml" --state "$state" \
  --events-follow "$events" --dry-run
for ((s = 0; s < 600; s++)); do
  [ "$(grep -c '\[1001\] started' "$log" || true)" -gt "$started" ] && break
  sleep 0.1
done
[ "$(grep -c '\[1001\] started' "$log" || true)" -gt "$started" ] ||
  vg_fail "the last agent did not start within 60 s"
for ((s = 0; s < 200; s++)); do
  [ "$(vg_count "$state" 2>/dev/null || echo -1)" = "$runs" ] && break
  sleep 0.1
done
vg_stop_agent
got=$(vg_count "$state")
[ "$got" = "$runs" ] || vg_fail "count $got after $kills kills, expected $runs distinct runs"
[ "$(grep -c '^run ' "$state")" -eq "$runs" ] || vg_fail "run list does not hold $runs runs"
echo "ok: $kills kills, $runs runs, count $got"
