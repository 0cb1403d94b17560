#!/usr/bin/env bash
# The state's lock (state.lock) between a running agent and the
# administrators' commands. A command's read-modify-write is stretched by
# the test hook VG_TEST_CMD_HOLD_MS (it holds the lock between its read and
# its write); the agent's save by VG_TEST_SLOW_WRITE_MS (between its write
# and its rename). Each case loses something without the lock:
#   count    the agent counts a run while `pause` holds the state: the file
#            must end with the run and the pause (the command's older file
#            hid the run);
#   attempt  the pre-reboot hook ends while `resume` holds the state: the
#            agent waits for the lock, the reboot attempt is on disk after
#            the reboot (the command's older file hid it: a reboot-loop
#            guard that counts one attempt short);
#   window   `pause` runs while the agent is between its read-back and its
#            rename: the pause must survive (the rename replaced it);
#   bound    a command waits for the lock at most 10 s, then fails with a
#            clear error and changes nothing; a holder that dies releases it.
source "$(dirname "$0")/lib.sh"

reboots=$vg_work/reboots
vg_reboot_logger "$vg_work/reboot.sh" "$reboots"

# wait_status STATE PATTERN SECONDS: waits until `status --json` of STATE
# matches the extended regex PATTERN; sets json. Returns 1 after SECONDS.
wait_status() {
  local i
  for ((i = 0; i < $3 * 5; i++)); do
    json=$(vg_cli status --state "$1" --json)
    grep -Eq -- "$2" <<<"$json" && return 0
    sleep 0.2
  done
  return 1
}

# ---- count: a run counted while pause holds the state -------------------
state=$vg_work/state1
events=$vg_work/events1.xml
log=$vg_work/count.log
t0=$(date +%s)
vg_policy "$vg_work/p1.yaml" 5
: >"$events"
vg_run_agent "$log" --policy "$vg_work/p1.yaml" --state "$state" \
  --events-follow "$events" --reboot-command "$vg_work/reboot.sh"
vg_wait_log "started" "$log" 20 || vg_fail "agent did not start"
vg_backup_run_rec $((t0 - 300)) 100 >>"$events"
vg_wait_log "run counted: 1/5" "$log" 20 || vg_fail "run 1 not counted"
VG_TEST_CMD_HOLD_MS=3000 vg_cli pause --until +1h --reason "count race" \
  --state "$state" >/dev/null 2>"$vg_work/count-cmd.log" &
cpid=$!
vg_pids+=("$cpid")
vg_wait_log "test hook: state read" "$vg_work/count-cmd.log" 30 ||
  vg_fail "pause did not read the state"
vg_backup_run_rec $((t0 - 200)) 110 >>"$events"
vg_wait_log "run counted: 2/5" "$log" 20 || vg_fail "run 2 not counted"
wait "$cpid" || vg_fail "pause failed: $(cat "$vg_work/count-cmd.log")"
wait_status "$state" '"count":2' 10 ||
  vg_fail "the run counted while pause held the state is not on disk: $json"
grep -q '"pause":{.*"reason":"count race"' <<<"$json" ||
  vg_fail "the pause is not on disk: $json"
vg_wait_log "reboots paused by an administrator until .*: count race" "$log" 10 ||
  vg_fail "the agent did not take the pause over"
vg_stop_agent
echo "count: run and pause both on disk"

# ---- attempt: the reboot attempt while resume holds the state -----------
state=$vg_work/state2
events=$vg_work/events2.xml
log=$vg_work/attempt.log
cat >"$vg_work/hook.sh" <<EOF
#!/bin/sh
: >"$vg_work/hook.started"
i=0
while [ ! -e "$vg_work/hook.release" ] && [ \$i -lt 300 ]; do
  sleep 0.1
  i=\$((i + 1))
done
exit 0
EOF
chmod 0755 "$vg_work/hook.sh"
vg_policy "$vg_work/p2.yaml" 2 "hooks: { pre_reboot: { path: '$vg_work/hook.sh', timeout: 1m } }"
: >"$events"
vg_run_agent "$log" --policy "$vg_work/p2.yaml" --state "$state" \
  --events-follow "$events" --reboot-command "$vg_work/reboot.sh"
vg_wait_log "started" "$log" 20 || vg_fail "agent did not start"
vg_backup_run_rec $((t0 - 300)) 200 >>"$events"
vg_backup_run_rec $((t0 - 200)) 210 >>"$events"
vg_wait_log "run counted: 2/2" "$log" 20 || vg_fail "runs not counted"
for ((i = 0; i < 600; i++)); do
  [ -e "$vg_work/hook.started" ] && break
  sleep 0.05
done
[ -e "$vg_work/hook.started" ] || vg_fail "the pre-reboot hook did not start"
VG_TEST_CMD_HOLD_MS=3000 vg_cli resume --state "$state" >/dev/null \
  2>"$vg_work/attempt-cmd.log" &
cpid=$!
vg_pids+=("$cpid")
vg_wait_log "test hook: state read" "$vg_work/attempt-cmd.log" 30 ||
  vg_fail "resume did not read the state"
# The hook ends while resume holds the state: the attempt waits for it.
: >"$vg_work/hook.release"
wait "$cpid" || vg_fail "resume failed: $(cat "$vg_work/attempt-cmd.log")"
vg_wait_log "." "$reboots" 30 || vg_fail "no reboot after the hook"
wait_status "$state" '"pending_attempts":1' 10 ||
  vg_fail "the reboot attempt is not on disk after resume wrote the state: $json"
[ "$(vg_lines "$reboots")" -eq 1 ] || vg_fail "the reboot command ran $(vg_lines "$reboots") times"
vg_stop_agent
echo "attempt: the attempt made while resume held the state is on disk"

# ---- window: pause between the agent's read-back and its rename ---------
state=$vg_work/state3
events=$vg_work/events3.xml
log=$vg_work/window.log
vg_policy "$vg_work/p3.yaml" 5
: >"$events"
VG_TEST_SLOW_WRITE_MS=3000 vg_run_agent "$log" --policy "$vg_work/p3.yaml" \
  --state "$state" --events-follow "$events" --reboot-command "$vg_work/reboot.sh"
vg_wait_log "started" "$log" 30 || vg_fail "agent did not start"
vg_backup_run_rec $((t0 - 300)) 300 >>"$events"
for ((i = 0; i < 400; i++)); do
  [ -e "$state.tmp" ] && break
  sleep 0.05
done
[ -e "$state.tmp" ] || vg_fail "the agent's save did not start"
out=$(vg_cli pause --until +1h --reason "window race" --state "$state" 2>&1) ||
  vg_fail "pause failed: $out"
wait_status "$state" '"count":1' 10 || vg_fail "the run is not on disk: $json"
grep -q '"pause":{.*"reason":"window race"' <<<"$json" ||
  vg_fail "the agent's rename replaced the pause: $json"
vg_stop_agent
json=$(vg_cli status --state "$state" --json)
grep -q '"pause":{.*"reason":"window race"' <<<"$json" ||
  vg_fail "the pause is not on disk after the stop: $json"
echo "window: the pause survives the agent's save"

# ---- bound: a command waits at most 10 s --------------------------------
state=$vg_work/state1
before=$(cat "$state")
# Not through vg_cli (a function: its background job is a subshell whose
# death would leave the command running): the command's own pid.
# shellcheck disable=SC2086
VG_TEST_CMD_HOLD_MS=40000 $VG_WRAP "$VSSGUARD" resume --state "$state" \
  >/dev/null 2>"$vg_work/holder.log" &
hpid=$!
vg_pids+=("$hpid")
vg_wait_log "test hook: state read" "$vg_work/holder.log" 30 ||
  vg_fail "the holder did not read the state"
rc=0
out=$(vg_cli pause --until +2h --reason "too late" --state "$state" 2>&1) || rc=$?
[ "$rc" -eq 1 ] || vg_fail "pause exited with $rc while the state was locked: $out"
grep -q "state1.lock is locked by another process" <<<"$out" ||
  vg_fail "no clear error for a lock held too long: $out"
[ "$(cat "$state")" = "$before" ] || vg_fail "pause changed the state without the lock"
# A holder that dies releases the lock.
kill -KILL "$hpid"
wait "$hpid" 2>/dev/null || true
out=$(vg_cli pause --until +2h --reason "after the holder" --state "$state" 2>&1) ||
  vg_fail "pause failed after the holder died: $out"
json=$(vg_cli status --state "$state" --json)
grep -q '"reason":"after the holder"' <<<"$json" || vg_fail "the pause is not on disk: $json"
echo "ok: the state's lock keeps runs, attempts and commands; a command waits at most 10 s"
