#!/usr/bin/env bash
# The followed file may appear late, be replaced by another file (a new
# export written beside it and renamed over it) or be truncated and
# rewritten: the agent reads the new content from its start each time, and
# the tracker counts every run once (duplicates by channel and record id).
# It stays idle between changes: no timer while below the threshold.
source "$(dirname "$0")/lib.sh"

events=$vg_work/events.xml
log=$vg_work/agent.log
cat >"$vg_work/policy.yaml" <<'YAML'
threshold: 50
timezone: UTC
maintenance_windows: ["sun 03:00 1h"]
YAML
chmod 0644 "$vg_work/policy.yaml"
t0=$(date +%s)

vg_run_agent "$log" --policy "$vg_work/policy.yaml" --state "$vg_work/state" \
  --events-follow "$events" --dry-run
vg_wait_log "waiting for it to appear" "$log" 20 || vg_fail "no 'waiting for it to appear'"

# Created late, in two appends, the second one split mid-event.
vg_backup_run_rec "$t0" 10 >"$events"
vg_wait_log "run counted: 1/50" "$log" 20 || vg_fail "run 1 not counted"
vg_backup_run_rec $((t0 + 10)) 13 >"$vg_work/chunk"
head -c 700 "$vg_work/chunk" >>"$events"
sleep 0.3
tail -c +701 "$vg_work/chunk" >>"$events"
vg_wait_log "run counted: 2/50" "$log" 20 || vg_fail "run 2 (split) not counted"

# Replaced: the old events again plus a new run.
{ cat "$events"; vg_backup_run_rec $((t0 + 20)) 16; } >"$vg_work/new.xml"
mv "$vg_work/new.xml" "$events"
vg_wait_log "run counted: 3/50" "$log" 20 || vg_fail "run 3 (replaced file) not counted"
vg_wait_log "was replaced" "$log" 5 || vg_fail "replacement not noticed"

# Truncated and rewritten with only a new run.
vg_backup_run_rec $((t0 + 30)) 19 >"$vg_work/last.xml"
: >"$events"
sleep 0.3
cat "$vg_work/last.xml" >>"$events"
vg_wait_log "run counted: 4/50" "$log" 20 || vg_fail "run 4 (truncated file) not counted"
sleep 0.5
[ "$(grep -c 'run counted' "$log")" -eq 4 ] || vg_fail "a run was counted twice"
vg_stop_agent
grep -q "^count 4$" "$vg_work/state" || vg_fail "state count is not 4: $(cat "$vg_work/state")"
echo "ok: late creation, split append, replacement and truncation"
