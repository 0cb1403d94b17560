#!/usr/bin/env bash
# Disk full: the state lives on a 64 KiB tmpfs that fills up while the agent
# runs. The run that reaches the threshold inside an open window cannot be
# saved: the agent keeps running, logs a clear error, keeps the last good
# state file intact, and does not reboot on the unsaved state. Once space
# is freed the next save succeeds, the agent says so, and the reboot runs
# exactly once.
#
# The tmpfs is mounted with "mount -t tmpfs -o size=64k" (the tests run as
# root). Where mounting is not permitted, the write fails the same way from
# a file size limit instead: the running agent's RLIMIT_FSIZE is set to the
# size of its current state file with prlimit (SIGXFSZ ignored, its log
# through a pipe), so the next, longer state write fails with EFBIG, and
# lifting the limit frees the "disk".
source "$(dirname "$0")/lib.sh"

mnt=$vg_work/mnt
events=$vg_work/events.xml
log=$vg_work/agent.log
reboots=$vg_work/reboots
mkdir "$mnt"
vg_policy "$vg_work/policy.yaml" 3
vg_reboot_logger "$vg_work/reboot.sh" "$reboots"
t0=$(($(date +%s) - 60))
: >"$events"

# VG_DISK_FULL_MODE=fsize picks the fallback on purpose.
if [ "${VG_DISK_FULL_MODE:-tmpfs}" = tmpfs ] &&
  mount -t tmpfs -o size=64k vgtest "$mnt" 2>/dev/null; then
  vg_cleanups+=("umount '$mnt'")
  mode=tmpfs
  echo "disk full: a 64 KiB tmpfs"
else
  mode=fsize-limit
  echo "disk full: no tmpfs; the agent's file size limit (prlimit --fsize) instead"
fi
state=$mnt/state

start() {
  if [ "$mode" = tmpfs ]; then
    vg_run_agent "$log" --policy "$vg_work/policy.yaml" --state "$state" \
      --events-follow "$events" --reboot-command "$vg_work/reboot.sh"
  else
    # shellcheck disable=SC2086
    (
      trap '' XFSZ
      exec $VG_WRAP "$VSSGUARD" run --policy "$vg_work/policy.yaml" \
        --state "$state" --events-follow "$events" \
        --reboot-command "$vg_work/reboot.sh"
    ) 2> >(cat >>"$log") &
    vg_agent_pid=$!
    vg_pids+=("$vg_agent_pid")
  fi
}

# Two runs, saved while there is space.
vg_backup_run "$t0" >>"$events"
vg_backup_run $((t0 + 900)) >>"$events"
start
vg_wait_log "run counted: 2/3" "$log" 30 || vg_fail "the first two runs were not counted"
for ((i = 0; i < 100; i++)); do
  [ "$(vg_count "$state" 2>/dev/null)" = 2 ] && break
  sleep 0.1
done
[ "$(vg_count "$state")" = 2 ] || vg_fail "the state with count 2 was not saved"

if [ "$mode" = tmpfs ]; then
  dd if=/dev/zero of="$mnt/fill" bs=4k 2>/dev/null || true
  if echo probe >"$mnt/probe" 2>/dev/null; then
    vg_fail "the tmpfs is not full"
  fi
  rm -f "$mnt/probe"
else
  prlimit --pid "$vg_agent_pid" --fsize="$(stat -c %s "$state")":unlimited ||
    vg_fail "cannot limit the agent's file size either"
fi

# The third run reaches the threshold inside the open window.
vg_backup_run $((t0 + 1800)) >>"$events"
vg_wait_log "run counted: 3/3" "$log" 30 || vg_fail "the third run was not counted"
vg_wait_log "cannot write the state file $state" "$log" 30 ||
  vg_fail "no clear error about the state file"
vg_wait_log "reboot postponed: state not saved" "$log" 30 ||
  vg_fail "no postponement because the state is not saved"
sleep 2
[ ! -e "$reboots" ] || vg_fail "rebooted on a state it could not save: $(cat "$reboots")"
kill -0 "$vg_agent_pid" 2>/dev/null || vg_fail "the agent died on a full disk"
[ "$(vg_count "$state")" = 2 ] ||
  vg_fail "the last good state file was damaged: $(cat "$state")"
grep -q "reboot initiated" "$log" && vg_fail "a reboot was initiated on a full disk"

# Space again: the next event's save succeeds and the reboot follows, once.
rm -f "$mnt/fill" "$state.tmp"
[ "$mode" = tmpfs ] || prlimit --pid "$vg_agent_pid" --fsize=unlimited:unlimited
vg_backup_run $((t0 + 2700)) >>"$events"
vg_wait_log "state file $state written again" "$log" 30 ||
  vg_fail "the agent did not say the state is written again"
vg_wait_log "reboot initiated" "$log" 30 || vg_fail "no reboot once the state could be saved"
for ((i = 0; i < 100; i++)); do
  [ -s "$reboots" ] && break
  sleep 0.1
done
sleep 1
vg_stop_agent
[ "$(wc -l <"$reboots")" -eq 1 ] || vg_fail "the reboot command ran $(wc -l <"$reboots") times"
[ "$(vg_count "$state")" = 4 ] || vg_fail "count $(vg_count "$state") after the disk was freed, expected 4"
echo "ok: full disk ($mode): error logged, no reboot on unsaved state, one reboot after space returned"
