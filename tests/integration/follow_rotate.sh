#!/usr/bin/env bash
# The followed file may appear late, be replaced by another file (a new
# export written beside it and renamed over it) or be truncated and
# rewritten: the agent reads the new content from its start each time, and
# the tracker counts every run once (duplicates by channel and record id).
# It stays idle between changes: no timer while below the threshold.
source "$(dirname "$0")/agent-lib.bash"

events=$work/events.xml
log=$work/agent.log
cat >"$work/policy.yaml" <<'YAML'
threshold: 50
timezone: UTC
maintenance_windows: ["sun 03:00 1h"]
YAML
chmod 0644 "$work/policy.yaml"
t0=$(date +%s)

start_agent "$log" --policy "$work/policy.yaml" --state "$work/state" \
  --events-follow "$events" --dry-run
wait_for "waiting for it to appear" "$log" 20 || fail "no 'waiting for it to appear'"

# Created late, in two appends, the second one split mid-event.
backup_run "$t0" 10 >"$events"
wait_for "run counted: 1/50" "$log" 20 || fail "run 1 not counted"
backup_run $((t0 + 10)) 13 >"$work/chunk"
head -c 700 "$work/chunk" >>"$events"
sleep 0.3
tail -c +701 "$work/chunk" >>"$events"
wait_for "run counted: 2/50" "$log" 20 || fail "run 2 (split) not counted"

# Replaced: the old events again plus a new run.
{ cat "$events"; backup_run $((t0 + 20)) 16; } >"$work/new.xml"
mv "$work/new.xml" "$events"
wait_for "run counted: 3/50" "$log" 20 || fail "run 3 (replaced file) not counted"
wait_for "was replaced" "$log" 5 || fail "replacement not noticed"

# Truncated and rewritten with only a new run.
backup_run $((t0 + 30)) 19 >"$work/last.xml"
: >"$events"
sleep 0.3
cat "$work/last.xml" >>"$events"
wait_for "run counted: 4/50" "$log" 20 || fail "run 4 (truncated file) not counted"
sleep 0.5
[ "$(grep -c 'run counted' "$log")" -eq 4 ] || fail "a run was counted twice"
stop_agent
grep -q "^count 4$" "$work/state" || fail "state count is not 4: $(cat "$work/state")"
echo "ok: late creation, split append, replacement and truncation"
