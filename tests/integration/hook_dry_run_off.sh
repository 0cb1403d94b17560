#!/usr/bin/env bash
# A pre-reboot hook started as a dry-run rehearsal (VSSGUARD_DRY_RUN=1)
# while a reload turns dry run off: the rehearsal does not stand for the
# real hook. The reboot comes only after a run with VSSGUARD_DRY_RUN=0.
source "$(dirname "$0")/lib.sh"

dir=$vg_work/hook
mkdir -p "$dir"
printf '#!/bin/sh\necho "start $VSSGUARD_DRY_RUN" >>"%s/hook.log"\nsleep 3\necho "end $VSSGUARD_DRY_RUN" >>"%s/hook.log"\nexit 0\n' \
  "$dir" "$dir" >"$dir/hook.sh"
chmod 0755 "$dir/hook.sh"
hooks="hooks: { pre_reboot: { path: '$dir/hook.sh' } }"
vg_policy "$dir/policy.yaml" 3 "$hooks
dry_run: true"
printf '#!/bin/sh\necho "reboot after: $(tail -n1 %s/hook.log)" >>"%s/reboots"\n' \
  "$dir" "$dir" >"$dir/reboot.sh"
chmod 0755 "$dir/reboot.sh"
t0=$(($(date +%s) - 300))
vg_three_runs "$dir/events.xml" "$t0"
vg_run_dir_agent "$dir" "$vg_work/hook.log"
vg_wait_log "^start 1" "$dir/hook.log" 30 || vg_fail "the rehearsal of the hook did not start"
vg_policy "$dir/policy.yaml" 3 "$hooks"
kill -HUP "$vg_agent_pid"
vg_wait_log "reloaded: .*dry run off" "$vg_work/hook.log" 10 || vg_fail "no reload out of dry run"
vg_wait_log "." "$dir/reboots" 30 || vg_fail "no reboot once dry run was off"
grep -q "reboot after: end 0" "$dir/reboots" ||
  vg_fail "rebooted after the dry-run rehearsal of the hook only: $(cat "$dir/reboots"; cat "$dir/hook.log")"
vg_stop_agent
echo "ok: a rehearsal of the pre-reboot hook does not stand for the real one"
