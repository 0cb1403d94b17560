#!/usr/bin/env bash
# Three Linux agents share a 1-slot group on the real airlock over a
# 3-member etcd cluster. All three cross the threshold together; their
# reboots (a command that takes 2 s, then appends a boot event) happen one
# after another, never two at once: checked from the commands' timestamps
# and from the etcd key, sampled throughout. One etcd member is killed in
# the middle of the run, which still completes. At the end no holder is
# left and each agent rebooted exactly once.
source "$(dirname "$0")/lib.sh"
fl_need_tools
fl_start_etcd
fl_start_airlock g1 1

for n in 1 2 3; do
  fl_policy "$vg_work/p$n.yaml" "$fl_url" g1 "node-$n"
  fl_sim_reboot "$vg_work/reboot$n.sh" "$vg_work/ev$n.xml" "$vg_work/rb$n"
  : >"$vg_work/ev$n.xml"
  : >"$vg_work/rb$n"
done

# The etcd key, sampled every 0.2 s: the most holders ever seen.
(
  while :; do
    fl_holders g1 2>/dev/null | wc -w >>"$vg_work/samples"
    sleep 0.2
  done
) &
vg_pids+=($!)

for n in 1 2 3; do
  vg_run_agent "$vg_work/a$n.log" --policy "$vg_work/p$n.yaml" \
    --state "$vg_work/s$n" --events-follow "$vg_work/ev$n.xml" \
    --reboot-command "$vg_work/reboot$n.sh" --seed "$n"
  eval "pid$n=\$vg_agent_pid"
done
for n in 1 2 3; do
  vg_wait_log "FleetLock slot released.*at start" "$vg_work/a$n.log" 30 ||
    vg_fail "agent $n: no release at start"
done
# All three cross the threshold at the same moment.
for n in 1 2 3; do fl_runs "$vg_work/ev$n.xml" 3; done

# Kill one etcd member once the first reboot has started.
for ((i = 0; i < 600; i++)); do
  [ -s "$vg_work/rb1" ] || [ -s "$vg_work/rb2" ] || [ -s "$vg_work/rb3" ] && break
  sleep 0.05
done
kill -KILL "${fl_etcd_pids[3]}"
echo "killed etcd member e3 after the first reboot started"

for n in 1 2 3; do
  vg_wait_log "^end " "$vg_work/rb$n" 90 || vg_fail "agent $n did not reboot"
done
fl_check_no_overlap "$vg_work/rb1" "$vg_work/rb2" "$vg_work/rb3"
max=$(sort -n "$vg_work/samples" | tail -n1)
[ "${max:-9}" -le 1 ] || vg_fail "the etcd key showed $max holders at once"
for n in 1 2 3; do
  vg_wait_log "FleetLock slot released.*after the boot" "$vg_work/a$n.log" 60 ||
    vg_fail "agent $n did not release after its boot"
done
sleep 1
for n in 1 2 3; do
  [ "$(grep -c '^start' "$vg_work/rb$n")" -eq 1 ] ||
    vg_fail "agent $n rebooted $(grep -c '^start' "$vg_work/rb$n") times"
  grep -q "FleetLock slot acquired: group g1, id node-$n" "$vg_work/a$n.log" ||
    vg_fail "agent $n: no 'slot acquired'"
done
left=$(fl_holders g1)
[ -z "$left" ] || vg_fail "holders left at the end: $left"
# Some agent waited while another held the slot.
grep -q "waiting for a FleetLock slot of group g1" "$vg_work"/a*.log ||
  vg_fail "no agent ever waited for the slot"
for n in 1 2 3; do
  eval "vg_stop_agent \$pid$n"
  grep -q "^fleet_slot" "$vg_work/s$n" && vg_fail "agent $n state still holds a slot"
done
echo "ok: 3 agents rebooted one at a time (max holders seen $max, $(wc -l <"$vg_work/samples") samples), etcd member killed mid-run, no holder left"
