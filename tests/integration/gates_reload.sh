#!/usr/bin/env bash
# A policy reload (SIGHUP) while the veto command of the gates runs: the
# gate check goes on with the gates it started with, never with the
# policy the reload freed. The agent runs under valgrind here (whatever
# VG_WRAP says; an ASan build under ASan alone), which reports a read of
# freed memory; the reboot then
# happens in the slot once the command allows it.
source "$(dirname "$0")/lib.sh"

command -v valgrind >/dev/null || {
  echo "SKIP: valgrind not found (scripts/setup installs it); not a pass" >&2
  exit 77
}
dir=$vg_work/reload
mkdir -p "$dir"
printf '#!/bin/sh\ntouch "%s/veto.started"\nsleep 3\nexit 0\n' "$dir" >"$dir/veto.sh"
chmod 0755 "$dir/veto.sh"
dead="http://127.0.0.1:9/"
extra="gates: { command: { path: '$dir/veto.sh' }, alertmanager: { url: '$dead', on_error: allow }, retry: 1s }"
vg_policy "$dir/policy.yaml" 3 "$extra"
vg_reboot_logger "$dir/reboot.sh" "$dir/reboots"
t0=$(($(date +%s) - 300))
vg_three_runs "$dir/events.xml" "$t0"
# An ASan build (the asan stage) cannot run under valgrind; ASan itself
# reports a read of freed memory there, and the agent aborts.
wrap="valgrind -q --error-exitcode=99 --log-file=$dir/valgrind.log"
if grep -qa __asan_init "$VSSGUARD"; then wrap=""; fi
VG_WRAP=$wrap \
  vg_run_dir_agent "$dir" "$vg_work/reload.log"
pid=$vg_agent_pid

for i in $(seq 1 600); do
  [ -e "$dir/veto.started" ] && break
  sleep 0.1
done
[ -e "$dir/veto.started" ] || vg_fail "the veto command did not start within 60 s"
# The same policy again, with an extra blackout far away: a new policy
# object replaces the one the check was started with.
vg_policy "$dir/policy.yaml" 3 "$extra
blackouts:
  - { name: far, start: 2099-01-01T00:00, end: 2099-01-02T00:00 }"
kill -HUP "$pid"
vg_wait_log "reloaded" "$vg_work/reload.log" 30 || vg_fail "no reload logged"
vg_wait_log "." "$dir/reboots" 60 || vg_fail "no reboot after the veto command allowed it"
if grep -qs "Invalid read\|Invalid write" "$dir/valgrind.log"; then
  cat "$dir/valgrind.log" >&2
  vg_fail "the gate check read the policy the reload freed"
fi
vg_stop_agent "$pid"
echo "ok: a reload while the veto command runs: no read of the freed policy; reboot in the slot"
