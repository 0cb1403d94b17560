#!/usr/bin/env bash
# The veto command of the gates started as a dry-run rehearsal
# (VSSGUARD_DRY_RUN=1) while a reload turns dry run off: the rehearsal's
# answer does not stand for the real gates. The command here allows only
# in dry run, so the real run (VSSGUARD_DRY_RUN=0) postpones the reboot.
source "$(dirname "$0")/lib.sh"

dir=$vg_work/gatesdry
mkdir -p "$dir"
printf '#!/bin/sh\necho "start $VSSGUARD_DRY_RUN" >>"%s/veto.log"\nsleep 3\necho "end $VSSGUARD_DRY_RUN" >>"%s/veto.log"\n[ "$VSSGUARD_DRY_RUN" = 1 ]\n' \
  "$dir" "$dir" >"$dir/veto.sh"
chmod 0755 "$dir/veto.sh"
gates="gates: { command: { path: '$dir/veto.sh' }, retry: 1h }"
vg_policy "$dir/policy.yaml" 3 "$gates
dry_run: true"
vg_reboot_logger "$dir/reboot.sh" "$dir/reboots"
t0=$(($(date +%s) - 300))
vg_three_runs "$dir/events.xml" "$t0"
vg_run_dir_agent "$dir" "$vg_work/gatesdry.log"
vg_wait_log "^start 1" "$dir/veto.log" 30 || vg_fail "the rehearsal of the veto command did not start"
vg_policy "$dir/policy.yaml" 3 "$gates"
kill -HUP "$vg_agent_pid"
vg_wait_log "reloaded: .*dry run off" "$vg_work/gatesdry.log" 10 || vg_fail "no reload out of dry run"
vg_wait_log "^end 1" "$dir/veto.log" 10 || vg_fail "the rehearsal of the veto command did not end"
vg_wait_log "^end 0" "$dir/veto.log" 30 ||
  vg_fail "the veto command did not run for real: $(cat "$dir/veto.log"; cat "$dir/reboots" 2>/dev/null)"
vg_wait_log "postponed by a gate" "$vg_work/gatesdry.log" 10 || vg_fail "the real veto did not postpone the reboot"
[ ! -s "$dir/reboots" ] ||
  vg_fail "rebooted on the answer of the dry-run rehearsal: $(cat "$dir/reboots" "$dir/veto.log")"
vg_stop_agent
echo "ok: a rehearsal of the gates does not let a real reboot through"
