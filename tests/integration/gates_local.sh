#!/usr/bin/env bash
# The local gates and hooks on the real binary (policy gates: and hooks:),
# each case an agent whose reboot is due in an open window:
#   processes   a program named in gates.processes runs: no reboot, event
#               1009 names it; once it ends the reboot happens in the slot.
#   veto 0/75/1/hang   the veto command allows with 0; 75 postpones; 1 and a
#               hang past its timeout postpone with a warning (1035).
#   veto env    the command sees VSSGUARD_COUNT, _THRESHOLD, _SLOT_END and
#               _DRY_RUN, and no VSSGUARD_* of the agent's own environment.
#   pre_reboot  a failing pre-reboot hook postpones (1037, 1009).
#   post_boot   after the confirmed boot the post-boot hook runs once, also
#               when the agent is killed with SIGKILL while it runs and
#               started again.
#   dry run     every gate and the pre-reboot hook run with
#               VSSGUARD_DRY_RUN=1, event 1040 says what would have blocked,
#               and nothing reboots.
source "$(dirname "$0")/lib.sh"

# script FILE BODY: an executable shell script.
script() {
  printf '#!/bin/sh\n%s\n' "$2" >"$1"
  chmod 0755 "$1"
}

# start_case NAME EXTRA_YAML [ARGS...]: an agent whose reboot is due now
# (threshold 3, 3 runs, window open), gates retried every second.
start_case() {
  local name=$1 extra=$2 dir=$vg_work/$1
  shift 2
  mkdir -p "$dir"
  vg_policy "$dir/policy.yaml" 3 "$extra"
  vg_sim_reboot "$dir/reboot.sh" "$dir/events.xml" "$dir/reboots"
  local t0=$(($(date +%s) - 300))
  vg_three_runs "$dir/events.xml" "$t0"
  vg_run_dir_agent "$dir" "$vg_work/$name.log" "$@"
  eval "pid_$name=$vg_agent_pid"
}

rebooted() { [ -s "$vg_work/$1/reboots" ]; }

# --- processes ---
cp "$(command -v sleep)" "$vg_work/vgsleeper"
"$vg_work/vgsleeper" 300 &
sleeper=$!
vg_cleanups+=("kill $sleeper 2>/dev/null")
start_case processes "gates: { processes: [ 'other.exe', 'VGSleeper' ], retry: 1s }"

# --- veto command exit codes ---
for code in 0 75 1; do
  script "$vg_work/veto$code.sh" "exit $code"
  start_case "veto$code" "gates: { command: { path: '$vg_work/veto$code.sh', timeout: 10s }, retry: 1s }"
done
script "$vg_work/vetohang.sh" "exec sleep 60"
start_case vetohang "gates: { command: { path: '$vg_work/vetohang.sh', timeout: 1s }, retry: 30s }"

# --- the command's environment ---
script "$vg_work/vetoenv.sh" "env | grep '^VSSGUARD_' | sort >'$vg_work/veto.env'; exit 75"
VSSGUARD_LEAK=1 start_case vetoenv "gates: { command: { path: '$vg_work/vetoenv.sh' }, retry: 30s }"

# --- pre-reboot hook fails ---
script "$vg_work/prefail.sh" "echo ran >>'$vg_work/prefail.out'; exit 1"
start_case prefail "hooks: { pre_reboot: { path: '$vg_work/prefail.sh' } }
gates: { retry: 1s }"

# --- post-boot hook: once per boot, across kill -9 ---
script "$vg_work/post.sh" "echo \"post \$(date +%s)\" >>'$vg_work/post.out'; sleep 3"
script "$vg_work/pre_ok.sh" "echo ok >>'$vg_work/pre_ok.out'"
start_case postboot "hooks: { pre_reboot: { path: '$vg_work/pre_ok.sh' }, post_boot: { path: '$vg_work/post.sh', timeout: 30s } }"

# --- dry run rehearses everything ---
cp "$(command -v sleep)" "$vg_work/vgdrysleeper"
"$vg_work/vgdrysleeper" 300 &
drysleeper=$!
vg_cleanups+=("kill $drysleeper 2>/dev/null")
script "$vg_work/dryveto.sh" "echo \"dry=\$VSSGUARD_DRY_RUN\" >>'$vg_work/dry.out'; exit 75"
script "$vg_work/drypre.sh" "echo \"pre dry=\$VSSGUARD_DRY_RUN\" >>'$vg_work/dry.out'; exit 0"
start_case dry "dry_run: true
gates: { processes: [ vgdrysleeper ], command: { path: '$vg_work/dryveto.sh' } }
hooks: { pre_reboot: { path: '$vg_work/drypre.sh' } }"

# Checks.
vg_wait_log "reboot postponed by a gate: processes: VGSleeper is running" \
  "$vg_work/processes.log" 30 || vg_fail "processes: no 1009 naming the program"
grep -q "\[1009\] reboot postponed by a gate: processes" "$vg_work/processes.log" ||
  vg_fail "processes: the postponement is not event 1009"
rebooted processes && vg_fail "processes: rebooted while the program ran"
kill "$sleeper"
vg_wait_log "." "$vg_work/processes/reboots" 30 ||
  vg_fail "processes: no reboot after the program ended"

vg_wait_log "." "$vg_work/veto0/reboots" 30 || vg_fail "veto 0: no reboot"
vg_wait_log "reboot postponed by a gate: command: exit status 75" "$vg_work/veto75.log" 30 ||
  vg_fail "veto 75: not postponed"
vg_wait_log "\[1035\] gate command: exit status 1" "$vg_work/veto1.log" 30 ||
  vg_fail "veto 1: no warning 1035"
vg_wait_log "reboot postponed by a gate: command: exit status 1" "$vg_work/veto1.log" 10 ||
  vg_fail "veto 1: not postponed"
vg_wait_log "reboot postponed by a gate: command: killed after its 1 s timeout" \
  "$vg_work/vetohang.log" 30 || vg_fail "hang: not postponed after the timeout"
vg_wait_log "." "$vg_work/veto.env" 30 || vg_fail "env: the command did not run"
expected="VSSGUARD_COUNT=3
VSSGUARD_DRY_RUN=0
VSSGUARD_SLOT_END=$(sed -n 's/^scheduled [0-9]* [0-9]* \([0-9]*\)$/\1/p' "$vg_work/vetoenv/state" | xargs -I{} date -u -d @{} +%Y-%m-%dT%H:%M:%SZ)
VSSGUARD_THRESHOLD=3"
[ "$(cat "$vg_work/veto.env")" = "$expected" ] ||
  vg_fail "env: got $(cat "$vg_work/veto.env"), expected $expected"

vg_wait_log "\[1037\] hook pre_reboot: exit status 1" "$vg_work/prefail.log" 30 ||
  vg_fail "pre_reboot: no 1037"
vg_wait_log "reboot postponed: pre-reboot hook: exit status 1" "$vg_work/prefail.log" 10 ||
  vg_fail "pre_reboot: not postponed"
for i in $(seq 1 100); do
  [ "$(cat "$vg_work/prefail.out" 2>/dev/null | wc -l)" -ge 2 ] && break
  sleep 0.1
done
[ "$(cat "$vg_work/prefail.out" 2>/dev/null | wc -l)" -ge 2 ] ||
  vg_fail "pre_reboot: not tried again within the slot ($(ls -l "$vg_work"/prefail* 2>&1))"

vg_wait_log "\[1040\] dry run: the gates would have postponed the reboot: processes: vgdrysleeper is running; command: exit status 75" \
  "$vg_work/dry.log" 30 || vg_fail "dry: no 1040 naming the program and the veto command"
vg_wait_log "dry run: hook pre_reboot: exit status 0" "$vg_work/dry.log" 10 ||
  vg_fail "dry: the pre-reboot hook did not run"
vg_wait_log "dry run: would reboot now" "$vg_work/dry.log" 10 || vg_fail "dry: no 1020"
grep -qx "dry=1" "$vg_work/dry.out" && grep -qx "pre dry=1" "$vg_work/dry.out" ||
  vg_fail "dry: VSSGUARD_DRY_RUN=1 not given: $(cat "$vg_work/dry.out")"

# post_boot: reboot, boot event, hook starts; kill -9 while it runs; restart.
vg_wait_log "." "$vg_work/postboot/reboots" 30 || vg_fail "post_boot: no reboot"
vg_wait_log "remediation confirmed" "$vg_work/postboot.log" 30 ||
  vg_fail "post_boot: the boot was not confirmed"
vg_wait_log "post " "$vg_work/post.out" 20 || vg_fail "post_boot: the hook did not run"
kill -KILL "$pid_postboot"
grep -q "^post_boot " "$vg_work/postboot/state" || vg_fail "post_boot: mark not in the state"
for round in 1 2; do
  vg_run_dir_agent "$vg_work/postboot" "$vg_work/postboot$round.log"
  vg_wait_log "started" "$vg_work/postboot$round.log" 20 || vg_fail "post_boot: no restart"
  sleep 4
  vg_stop_agent "$vg_agent_pid"
done
[ "$(wc -l <"$vg_work/post.out")" -eq 1 ] ||
  vg_fail "post_boot: the hook ran $(wc -l <"$vg_work/post.out") times for one boot"
[ "$(wc -l <"$vg_work/postboot/reboots")" -eq 1 ] || vg_fail "post_boot: rebooted again"

for c in veto75 veto1 vetohang vetoenv prefail dry; do
  rebooted "$c" && vg_fail "$c: rebooted although postponed"
done
for c in processes veto0 veto75 veto1 vetohang vetoenv prefail dry; do
  eval "vg_stop_agent \$pid_$c"
done
echo "ok: processes, veto 0/75/1/hang, environment, pre_reboot failure, post_boot once across kill -9, dry run"
