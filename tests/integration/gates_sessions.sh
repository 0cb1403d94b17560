#!/usr/bin/env bash
# The interactive-sessions gate on the Linux build, through a utmp file
# given with the test hook VSSGUARD_TEST_UTMP (a test cannot sign a user
# in): a live login session postpones the due reboot (1009 naming the user)
# for gates.interactive_sessions.wait, then the reboot goes ahead with
# warning 1041; a stale entry (its process gone) does not count.
source "$(dirname "$0")/lib.sh"

# utmp FILE USER LINE PID: one USER_PROCESS record (glibc x86-64 layout).
utmp() {
  python3 - "$@" <<'PY'
import struct, sys, time
path, user, line, pid = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
rec = struct.pack("<h2xi32s4s32s256shhiii4i20s", 7, pid, line.encode(), b"ts/7",
                  user.encode(), b"", 0, 0, 0, int(time.time()), 0, 0, 0, 0, 0, b"")
assert len(rec) == 384
open(path, "ab").write(rec)
PY
}

sleep 300 &
live=$!
vg_cleanups+=("kill $live 2>/dev/null")
sh -c 'exit 0' &
dead=$!
wait "$dead"

start_case() { # NAME UTMP
  local dir=$vg_work/$1 t0=$(($(date +%s) - 600))
  mkdir -p "$dir"
  vg_policy "$dir/policy.yaml" 3 "gates: { interactive_sessions: { wait: 20s }, retry: 2s }"
  vg_reboot_logger "$dir/reboot.sh" "$dir/reboots"
  vg_three_runs "$dir/events.xml" "$t0"
  VSSGUARD_TEST_UTMP=$2 vg_run_dir_agent "$dir" "$vg_work/$1.log"
  eval "pid_$1=$vg_agent_pid"
}

utmp "$vg_work/live.utmp" alice pts/7 "$live"
utmp "$vg_work/stale.utmp" bob pts/9 "$dead"
start_case live "$vg_work/live.utmp"
start_case stale "$vg_work/stale.utmp"
begin=$(date +%s)

vg_wait_log "\[1009\] reboot postponed by a gate: interactive_sessions: 1 active \(alice \(pts/7\)\); waiting up to 20s" \
  "$vg_work/live.log" 30 || vg_fail "live: the signed-in user did not postpone the reboot"
vg_wait_log "." "$vg_work/stale/reboots" 30 || vg_fail "stale: an entry of a dead process held the reboot"
[ -e "$vg_work/live/reboots" ] && vg_fail "live: rebooted while the user was signed in"
vg_wait_log "\[1041\] interactive sessions still active after 20s: alice \(pts/7\); the reboot goes ahead" \
  "$vg_work/live.log" 60 || vg_fail "live: no 1041 after the wait"
vg_wait_log "." "$vg_work/live/reboots" 30 || vg_fail "live: no reboot after the wait"
took=$(($(cut -d' ' -f1 "$vg_work/live/reboots") - begin))
[ "$took" -ge 18 ] || vg_fail "live: rebooted after $took s, before the 20 s wait"
vg_stop_agent "$pid_live"
vg_stop_agent "$pid_stale"
echo "ok: a signed-in user held the reboot for the 20 s wait ($took s), then it went ahead; a stale entry did not count"
