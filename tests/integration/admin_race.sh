#!/usr/bin/env bash
# An administrator's command that a running agent is not told about (no
# SIGHUP) is not written away by the agent's next save. `vssguard pause`,
# then a backup run the agent counts and saves: status still shows the
# pause, and no reboot happens when the window opens. `vssguard reset` on a
# locked guard, then a run: the lock does not come back, and the reboot
# happens when the window opens.
source "$(dirname "$0")/lib.sh"

reboots=$vg_work/reboots
vg_reboot_logger "$vg_work/reboot.sh" "$reboots"

# window_policy FILE OPENS_AT: threshold 2, 10 minutes from epoch OPENS_AT.
window_policy() {
  local day hms
  day=$(date -u -d "@$2" +%a | tr '[:upper:]' '[:lower:]')
  hms=$(date -u -d "@$2" +%H:%M:%S)
  vg_policy_file "$1" 2 "{ days: [$day], start: \"$hms\", duration: 10m }"
}

# ---- pause --------------------------------------------------------------
state=$vg_work/state
events=$vg_work/events.xml
log=$vg_work/pause.log
t0=$(date +%s)
opens=$((t0 + 15))
window_policy "$vg_work/p1.yaml" "$opens"
: >"$events"
vg_run_agent "$log" --policy "$vg_work/p1.yaml" --state "$state" \
  --events-follow "$events" --reboot-command "$vg_work/reboot.sh" --seed 7
vg_wait_log "started" "$log" 20 || vg_fail "agent did not start"
vg_backup_run_rec $((t0 - 120)) 1000 >>"$events"
vg_wait_log "run counted: 1/2" "$log" 20 || vg_fail "run 1 not counted"
vg_cli pause --until +1h --reason "quarter end" --state "$state" >/dev/null ||
  vg_fail "vssguard pause failed"
# No SIGHUP. The second run reaches the threshold; the agent saves.
vg_backup_run_rec $((t0 - 60)) 1010 >>"$events"
vg_wait_log "run counted: 2/2" "$log" 20 || vg_fail "run 2 not counted"
for ((i = 0; i < 100; i++)); do
  json=$(vg_cli status --state "$state" --json)
  grep -q '"count":2' <<<"$json" && break
  sleep 0.1
done
grep -q '"count":2' <<<"$json" || vg_fail "the count is not saved: $json"
grep -q '"pause":{.*"reason":"quarter end"' <<<"$json" ||
  vg_fail "the agent's save wrote the pause away: $json"
vg_wait_log "reboots paused by an administrator until .*: quarter end" "$log" 10 ||
  vg_fail "the agent did not take the pause over when it saved"
# The window opens: nothing happens.
while [ "$(date +%s)" -lt $((opens + 4)) ]; do sleep 0.5; done
[ ! -s "$reboots" ] || vg_fail "reboot during the pause: $(cat "$reboots")"
vg_stop_agent
json=$(vg_cli status --state "$state" --json)
grep -q '"pause":{.*"reason":"quarter end"' <<<"$json" ||
  vg_fail "the pause is not in the state after the stop: $json"

# ---- reset --------------------------------------------------------------
state=$vg_work/state2
events=$vg_work/events2.xml
: >"$events"
t1=$(date +%s)
opens=$((t1 + 15))
window_policy "$vg_work/p2.yaml" "$opens"
# A state of this boot whose guard holds (3 attempts without a boot).
vg_run_agent "$vg_work/first.log" --policy "$vg_work/p2.yaml" --state "$state" \
  --events-follow "$events" --reboot-command "$vg_work/reboot.sh" --seed 7
vg_wait_log "started" "$vg_work/first.log" 20 || vg_fail "agent did not start"
vg_stop_agent
sed -i 's/^attempts 0$/attempts 3/; s/^locked 0$/locked 1/' "$state"
grep -q '^locked 1$' "$state" || vg_fail "could not lock the guard: $(cat "$state")"
log=$vg_work/reset.log
vg_run_agent "$log" --policy "$vg_work/p2.yaml" --state "$state" \
  --events-follow "$events" --reboot-command "$vg_work/reboot.sh" --seed 7
vg_wait_log "started" "$log" 20 || vg_fail "agent did not start"
vg_backup_run_rec $((t1 - 120)) 2000 >>"$events"
vg_wait_log "run counted: 1/2" "$log" 20 || vg_fail "run 1 not counted"
vg_cli reset --state "$state" >/dev/null || vg_fail "vssguard reset failed"
vg_backup_run_rec $((t1 - 60)) 2010 >>"$events"
vg_wait_log "run counted: 2/2" "$log" 20 || vg_fail "run 2 not counted"
for ((i = 0; i < 100; i++)); do
  json=$(vg_cli status --state "$state" --json)
  grep -q '"count":2' <<<"$json" && break
  sleep 0.1
done
grep -q '"count":2' <<<"$json" || vg_fail "the count is not saved: $json"
grep -q '"locked":false' <<<"$json" || vg_fail "the agent's save wrote its lock back: $json"
vg_wait_log "reboot guard reset by an administrator" "$log" 10 ||
  vg_fail "the agent did not take the reset over when it saved"
vg_wait_log "." "$reboots" 40 || vg_fail "no reboot in the window after the reset"
ran_at=$(cut -d' ' -f1 "$reboots")
[ "$ran_at" -ge "$opens" ] || vg_fail "reboot at $ran_at, before the window opened at $opens"
vg_stop_agent
echo "ok: a pause and a reset survive the agent's saves without a reload; reboot at $ran_at"
