#!/usr/bin/env bash
# The reboot call answered "not ready" (the command exits 75): the agent
# calls again after 30 s. A pause given meanwhile (vssguard pause, and a
# reload as the service does on PARAMCHANGE) holds that retry too.
source "$(dirname "$0")/lib.sh"

dir=$vg_work/retry
mkdir -p "$dir"
vg_policy "$dir/policy.yaml" 3
# Not ready the first time; a reboot (logged) after that.
printf '#!/bin/sh\nif [ ! -e "%s/asked" ]; then touch "%s/asked"; exit 75; fi\necho "reboot $(date +%%s)" >>"%s/reboots"\n' \
  "$dir" "$dir" "$dir" >"$dir/reboot.sh"
chmod 0755 "$dir/reboot.sh"
t0=$(($(date +%s) - 300))
vg_three_runs "$dir/events.xml" "$t0"
vg_run_dir_agent "$dir" "$vg_work/retry.log"
vg_wait_log "retrying in 30 s" "$vg_work/retry.log" 30 || vg_fail "no not-ready answer"
vg_cli pause --until +2h --reason "change freeze" --state "$dir/state" >/dev/null ||
  vg_fail "vssguard pause failed"
kill -HUP "$vg_agent_pid"
vg_wait_log "reloaded" "$vg_work/retry.log" 10 || vg_fail "no reload"
# The retry comes 30 s after the first call.
vg_wait_log "reboot retry|reboot initiated" "$vg_work/retry.log" 45 ||
  vg_fail "the retry did not come"
sleep 1
[ -s "$dir/reboots" ] && vg_fail "the retry rebooted while paused: $(cat "$dir/reboots")"
vg_stop_agent
echo "ok: a pause given during the not-ready retry holds the retry"
