#!/usr/bin/env bash
# A piggyback reboot (count below the threshold, a restart pending) passes
# the checks made again after the pre-reboot hook and after the silence
# request: they see the pending restart too (VSSGUARD_TEST_RESTART_PENDING
# stands for Windows Update's RebootRequired key on Linux).
source "$(dirname "$0")/lib.sh"

dir=$vg_work/pb
mkdir -p "$dir"
printf '#!/bin/sh\nexit 0\n' >"$dir/hook.sh"
chmod 0755 "$dir/hook.sh"
vg_policy "$dir/policy.yaml" 50 "piggyback: { windows_update: true, min_count: 2 }
hooks: { pre_reboot: { path: '$dir/hook.sh' } }"
vg_reboot_logger "$dir/reboot.sh" "$dir/reboots"
echo "Windows Update needs a restart (RebootRequired)" >"$dir/pending"
export VSSGUARD_TEST_RESTART_PENDING=$dir/pending
t0=$(($(date +%s) - 300))
vg_rec=1
{
  vg_backup_run "$t0"
  vg_backup_run $((t0 + 60))
} >"$dir/events.xml"
vg_run_agent "$vg_work/pb.log" --policy "$dir/policy.yaml" \
  --state "$dir/state" --events-follow "$dir/events.xml" \
  --reboot-command "$dir/reboot.sh"
vg_wait_log "hook pre_reboot: exit status 0" "$vg_work/pb.log" 30 || vg_fail "the hook did not run"
vg_wait_log "." "$dir/reboots" 10 ||
  vg_fail "no piggyback reboot after the hook: $(grep 1009 "$vg_work/pb.log" | head -n2)"
vg_stop_agent
echo "ok: a piggyback reboot passes the checks after the pre-reboot hook"
