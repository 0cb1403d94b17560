#!/usr/bin/env bash
# The administrators' commands with a running agent: `vssguard pause`
# holds every reboot (status, plan, the metric vssguard_paused and log 1047
# show it), `vssguard reboot --next-slot` asks for a reboot whatever the
# count (1046) but waits for the pause, and `vssguard resume` (1048) lets it
# happen in the next allowed slot, once. Each is taken over on SIGHUP. plan
# warns when a pause pushes the first reboot past the projected limit of 64;
# a pause longer than 30 days needs --force.
source "$(dirname "$0")/lib.sh"

events=$vg_work/events.xml
state=$vg_work/state
log=$vg_work/agent.log
reboots=$vg_work/reboots
prom=$vg_work/vssguard.prom
vg_reboot_logger "$vg_work/reboot.sh" "$reboots"

t0=$(date +%s)
opens=$((t0 + 15))
day=$(date -u -d "@$opens" +%a | tr '[:upper:]' '[:lower:]')
hms=$(date -u -d "@$opens" +%H:%M:%S)
vg_policy_file "$vg_work/policy.yaml" 50 \
  "{ days: [$day], start: \"$hms\", duration: 10m }" "metrics_file: $prom"
: >"$events"
vg_run_agent "$log" --policy "$vg_work/policy.yaml" --state "$state" \
  --events-follow "$events" --reboot-command "$vg_work/reboot.sh" --seed 7
vg_wait_log "started" "$log" 20 || vg_fail "agent did not start"
vg_backup_run_rec $((t0 - 60)) 1000 >>"$events"
vg_wait_log "run counted: 1/50" "$log" 20 || vg_fail "run not counted"

# Bad uses: no --until, a pause in the past, more than 30 days, no --next-slot.
for args in "pause" "pause --until 2000-01-01T00:00Z" "pause --until +31d" \
  "reboot" "pause --until +1h --reason $(printf 'x%.0s' {1..201})"; do
  rc=0
  # shellcheck disable=SC2086
  vg_cli $args --state "$state" >/dev/null 2>&1 || rc=$?
  [ "$rc" -eq 64 ] || vg_fail "'$args' exited $rc, not 64"
done

# Pause, taken over on SIGHUP.
vg_cli pause --until +2h --reason "change freeze" --state "$state" >/dev/null
kill -HUP "$vg_agent_pid"
vg_wait_log "reboots paused by an administrator until .*: change freeze" "$log" 10 ||
  vg_fail "the agent did not take the pause over"
vg_wait_log "^vssguard_paused 1" "$prom" 10 || vg_fail "metric vssguard_paused is not 1"
out=$(vg_cli status --state "$state")
grep -q "PAUSED: .*change freeze" <<<"$out" || vg_fail "status does not show the pause: $out"

# A reboot request, whatever the count: it waits for the pause.
vg_cli reboot --next-slot --reason "driver update" --state "$state" >/dev/null
kill -HUP "$vg_agent_pid"
vg_wait_log "reboot at the next allowed slot requested by an administrator: driver update" \
  "$log" 10 || vg_fail "the agent did not take the request over"
vg_wait_log "reboot postponed: .*paused by an administrator" "$log" 10 ||
  vg_fail "no postponement for the pause"
out=$(vg_cli plan --policy "$vg_work/policy.yaml" --state "$state")
grep -q "^Paused: .*change freeze" <<<"$out" || vg_fail "plan does not show the pause: $out"
grep -q "reboot scheduled" "$log" && vg_fail "scheduled during the pause"

# Resume: the request is planned in the window and carried out once.
vg_cli resume --state "$state" >/dev/null
kill -HUP "$vg_agent_pid"
vg_wait_log "pause lifted by an administrator" "$log" 10 || vg_fail "resume not taken over"
vg_wait_log "reboot scheduled at" "$log" 10 || vg_fail "no reboot scheduled after resume"
vg_wait_log "^vssguard_paused 0" "$prom" 10 || vg_fail "metric vssguard_paused is not 0"
vg_wait_log "." "$reboots" 40 || vg_fail "the reboot command did not run"
vg_wait_log "reboot initiated: an administrator asked for a reboot at the next allowed slot \(driver update\)" \
  "$log" 10 || vg_fail "the reboot line does not say why"
ran_at=$(cut -d' ' -f1 "$reboots")
[ "$ran_at" -ge "$opens" ] || vg_fail "reboot at $ran_at, before the window opened at $opens"
sleep 2
[ "$(wc -l <"$reboots")" -eq 1 ] || vg_fail "reboot command ran $(wc -l <"$reboots") times"
vg_stop_agent

# plan warns when a pause pushes the first reboot past the limit of 64.
printf 'vssguard-state 1\nboot_time 1000\ncount 60\nlast_event_time 0\nattempts 0\nlocked 0\nend\n' \
  >"$vg_work/st2"
vg_cli pause --until +10d --state "$vg_work/st2" >/dev/null
out=$(vg_cli plan --policy "$vg_work/policy.yaml" --state "$vg_work/st2" --runs-per-day 1)
grep -q "WARNING: the pause pushes the first reboot past the projected hard limit of 64" \
  <<<"$out" || vg_fail "plan gives no warning: $out"
vg_cli pause --until +40d --force --state "$vg_work/st2" >/dev/null ||
  vg_fail "--force did not allow 40 days"
echo "ok: pause, reboot --next-slot and resume taken over; one reboot at $ran_at"
