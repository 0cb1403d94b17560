#!/usr/bin/env bash
# A gate that keeps postponing holds the reboot only inside its slot: the
# veto command always answers 75, the usable part of the slot ends about 15 s
# after the start, and then the agent plans the next slot (event 1008 for
# the next day) without ever calling the reboot command.
source "$(dirname "$0")/lib.sh"

now=$(date +%s)
opens=$((now - 5))
day=$(date -u -d "@$opens" +%a | tr '[:upper:]' '[:lower:]')
hms=$(date -u -d "@$opens" +%H:%M:%S)
printf '#!/bin/sh\necho "veto $(date +%%s)" >>"%s"\nexit 75\n' "$vg_work/veto.out" >"$vg_work/veto.sh"
chmod 0755 "$vg_work/veto.sh"
# 80 s window, min_time_left 1m: the usable slot ends 20 s after it opens.
vg_policy_file "$vg_work/policy.yaml" 3 "{ days: [$day], start: \"$hms\", duration: 80s }" \
  "gates: { command: { path: '$vg_work/veto.sh' }, retry: 2s }"
vg_reboot_logger "$vg_work/reboot.sh" "$vg_work/reboots"
t0=$((now - 600))
vg_three_runs "$vg_work/events.xml" "$t0"
vg_run_dir_agent "$vg_work" "$vg_work/agent.log"
vg_wait_log "reboot postponed by a gate: command: exit status 75" "$vg_work/agent.log" 30 ||
  vg_fail "the veto did not postpone"
next=$(date -u -d "@$((opens + 7 * 86400))" +%Y-%m-%d)
vg_wait_log "reboot scheduled at $next" "$vg_work/agent.log" 60 ||
  vg_fail "no next slot ($next) planned after the slot ended"
asked=$(wc -l <"$vg_work/veto.out")
[ "$asked" -ge 2 ] || vg_fail "the veto was asked only $asked time(s) inside the slot"
last=$(tail -n1 "$vg_work/veto.out" | cut -d' ' -f2)
[ "$last" -le $((opens + 21)) ] || vg_fail "the veto was asked at $last, after the usable slot ended at $((opens + 20))"
sleep 3
[ ! -e "$vg_work/reboots" ] || vg_fail "rebooted although the gate postponed"
vg_stop_agent
echo "ok: postponed $asked times inside the slot, then the next slot ($next) planned, no reboot"
