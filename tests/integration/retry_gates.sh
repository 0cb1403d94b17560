#!/usr/bin/env bash
# The reboot call answered "not ready" (the command exits 75) and the agent
# retries 30 s later: the retry goes through the due moment's stages again.
# A veto command that starts vetoing during the delay stops the retry; once
# it allows again the pre-reboot hook runs again before the call, and the
# state holds one attempt for the one call that started a reboot.
source "$(dirname "$0")/lib.sh"

dir=$vg_work/rg
mkdir -p "$dir"
printf '#!/bin/sh\nif [ -e "%s/veto" ]; then exit 75; fi\nexit 0\n' "$dir" >"$dir/veto.sh"
printf '#!/bin/sh\necho "hook $(date +%%s)" >>"%s/hook.out"\n' "$dir" >"$dir/hook.sh"
# Not ready the first time; a reboot (logged) after that.
printf '#!/bin/sh\nif [ ! -e "%s/asked" ]; then touch "%s/asked"; exit 75; fi\necho "reboot $(date +%%s)" >>"%s/reboots"\n' \
  "$dir" "$dir" "$dir" >"$dir/reboot.sh"
chmod 0755 "$dir/veto.sh" "$dir/hook.sh" "$dir/reboot.sh"
vg_policy "$dir/policy.yaml" 3 "gates: { command: { path: '$dir/veto.sh', timeout: 10s }, retry: 1s }
hooks: { pre_reboot: { path: '$dir/hook.sh' } }"
t0=$(($(date +%s) - 300))
vg_three_runs "$dir/events.xml" "$t0"
vg_run_dir_agent "$dir" "$vg_work/rg.log"
vg_wait_log "retrying in 30 s" "$vg_work/rg.log" 30 || vg_fail "no not-ready answer"
[ "$(vg_lines "$dir/hook.out")" -eq 1 ] || vg_fail "the hook did not run once before the first call"
touch "$dir/veto"
# The retry comes 30 s after the first call.
vg_wait_log "reboot postponed by a gate: command: exit status 75|reboot initiated" \
  "$vg_work/rg.log" 45 || vg_fail "the retry did not come"
sleep 1
[ -s "$dir/reboots" ] && vg_fail "the retry rebooted although the veto command vetoed: $(cat "$dir/reboots")"
[ "$(vg_lines "$dir/hook.out")" -eq 1 ] || vg_fail "the hook ran although a gate vetoed"
rm "$dir/veto"
vg_wait_log "." "$dir/reboots" 20 || vg_fail "no reboot once the veto command allowed again"
[ "$(vg_lines "$dir/hook.out")" -eq 2 ] ||
  vg_fail "the pre-reboot hook did not run again before the retried call: $(cat "$dir/hook.out")"
vg_stop_agent
grep -q "^attempts 1$" "$dir/state" || vg_fail "the state does not hold one attempt: $(grep '^attempts' "$dir/state")"
[ "$(grep -c '^reboot ' "$dir/state")" -eq 1 ] ||
  vg_fail "the state does not hold one reboot record: $(grep '^reboot ' "$dir/state")"
echo "ok: the retry after a not-ready answer goes through the gates and the hook again; one attempt recorded"
