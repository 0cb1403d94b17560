#!/usr/bin/env bash
# The fleet simulation of scripts/bench (not a test: nothing is asserted).
# N agents (default 100) of one group with S slots (default 2) on the real
# airlock over a 3-member etcd cluster on loopback, each with a --reboot-
# command that simulates a reboot of R seconds (default 1) and then appends
# a boot event. All cross the threshold at the same moment; the script
# reports:
#   drain       from that moment until the last agent's reboot ended, beside
#               the ideal N x R / S;
#   holders     the most holders ever seen in the etcd key (sampled every
#               etcdctl get in a loop) and the most reboots overlapping in time (from the
#               commands' timestamps): both must be <= S;
#   requests    pre-reboot requests per waiting agent per minute (airlock's
#               airlock_v1_pre_reboot_incoming_requests_total over the sum of
#               the agents' waits), with fleet_lock.retry = RETRY;
#   memory      VmRSS of one idle agent with fleet_lock and without.
#
#   scripts/bench.d/fleet.sh VSSGUARD [--agents N] [--slots S]
#                            [--reboot-seconds R] [--retry DUR] [--json FILE]
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
export VSSGUARD=$1
shift
agents=100 slots=2 rsecs=1 retry=1s json=""
while [ $# -gt 0 ]; do
  case $1 in
    --agents) agents=$2; shift 2 ;;
    --slots) slots=$2; shift 2 ;;
    --reboot-seconds) rsecs=$2; shift 2 ;;
    --retry) retry=$2; shift 2 ;;
    --json) json=$2; shift 2 ;;
    *) echo "fleet.sh: unknown option $1" >&2; exit 64 ;;
  esac
done
export VG_SRC=$here
source "$here/tests/fleet/lib.sh"
fl_need_tools
say() { printf 'bench fleet: %s\n' "$*" >&2; }

say "3-member etcd cluster and airlock (group bench, $slots slots)"
fl_start_etcd
fl_start_airlock bench "$slots"

# The simulated reboot: returns at once, reboots for R seconds.
mkreboot() {
  cat >"$1" <<SH
#!/bin/sh
(
echo "start \$(date +%s.%N)" >>"$3"
sleep $rsecs
now=\$(date +%s)
echo "end \$(date +%s.%N)" >>"$3"
printf '%s\n' "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='EventLog'/><EventID>6005</EventID><Version>0</Version><Level>4</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='\$(date -u -d @\$now +%Y-%m-%dT%H:%M:%S.500000000Z)'/><EventRecordID>\$(( (now % 100000) * 10 + 5 ))</EventRecordID><Correlation/><Execution ProcessID='4' ThreadID='8'/><Channel>System</Channel><Computer>FS01</Computer><Security/></System><EventData><Data></Data></EventData></Event>" >>"$2"
) </dev/null >/dev/null 2>&1 &
exit 0
SH
  chmod 0755 "$1"
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# Memory: one agent without fleet_lock, one with it, each idle after start.
vg_policy "$vg_work/off.yaml" 50
fl_policy "$vg_work/on.yaml" "$fl_url" bench rss-probe "$retry"
sed -i 's/^threshold: 3/threshold: 50/' "$vg_work/on.yaml"
: >"$vg_work/off.xml"
: >"$vg_work/on.xml"
vg_run_agent "$vg_work/off.log" --policy "$vg_work/off.yaml" --state "$vg_work/off.state" \
  --events-follow "$vg_work/off.xml" --reboot-command /bin/false
off_pid=$vg_agent_pid
vg_run_agent "$vg_work/on.log" --policy "$vg_work/on.yaml" --state "$vg_work/on.state" \
  --events-follow "$vg_work/on.xml" --reboot-command /bin/false
on_pid=$vg_agent_pid
vg_wait_log "started" "$vg_work/off.log" 30 || vg_fail "the memory probe did not start"
vg_wait_log "slot released.*at start" "$vg_work/on.log" 30 || vg_fail "the memory probe did not release"
sleep 2
rss_off=$(rss_kb "$off_pid")
rss_on=$(rss_kb "$on_pid")
fl_stop "$off_pid"
fl_stop "$on_pid"
say "idle RSS: ${rss_off} KiB without fleet_lock, ${rss_on} KiB with it"

say "starting $agents agents"
for ((n = 1; n <= agents; n++)); do
  d=$vg_work/n$n
  mkdir -p "$d"
  fl_policy "$d/p.yaml" "$fl_url" bench "node-$n" "$retry"
  mkreboot "$d/reboot.sh" "$d/ev.xml" "$d/rb"
  : >"$d/ev.xml"
  : >"$d/rb"
  vg_run_agent "$d/a.log" --policy "$d/p.yaml" --state "$d/s" \
    --events-follow "$d/ev.xml" --reboot-command "$d/reboot.sh" --seed "$n"
done
for ((n = 1; n <= agents; n++)); do
  vg_wait_log "slot released.*at start" "$vg_work/n$n/a.log" 120 ||
    vg_fail "agent $n did not start"
done
sleep 1

metric() {
  curl -s "http://127.0.0.1:$fl_status_port/metrics" |
    awk -v m="$1" '$1 == m {print $2}'
}
pre0=$(metric airlock_v1_pre_reboot_incoming_requests_total)
(
  while :; do
    fl_holders bench 2>/dev/null | wc -w >>"$vg_work/samples"
    sleep 0.1
  done
) &
vg_pids+=($!)

# Everyone crosses the threshold at once.
tr=$(($(date +%s) - 60))
for ((n = 1; n <= agents; n++)); do
  {
    vg_backup_run "$tr"
    vg_backup_run $((tr + 5))
    vg_backup_run $((tr + 10))
  } >"$vg_work/n$n/ev.tmp"
done
t0=$(date +%s.%N)
for ((n = 1; n <= agents; n++)); do
  cat "$vg_work/n$n/ev.tmp" >>"$vg_work/n$n/ev.xml"
done
say "all $agents agents due at $t0; waiting for the fleet to drain"
limit=$((agents * rsecs * 10 / slots + 120))
for ((n = 1; n <= agents; n++)); do
  vg_wait_log "^end " "$vg_work/n$n/rb" "$limit" || vg_fail "agent $n never rebooted"
done
for ((n = 1; n <= agents; n++)); do
  vg_wait_log "slot released.*after the boot" "$vg_work/n$n/a.log" 60 ||
    vg_fail "agent $n did not release"
done
pre1=$(metric airlock_v1_pre_reboot_incoming_requests_total)
sleep 0.5
left=$(fl_holders bench)
for p in "${vg_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done

python3 - "$vg_work" "$agents" "$slots" "$rsecs" "$retry" "$t0" "$pre0" "$pre1" \
  "$rss_off" "$rss_on" "${json:-}" "$left" <<'PY'
import glob, json, os, sys
work, agents, slots, rsecs, retry, t0, pre0, pre1, rss_off, rss_on, out, left = sys.argv[1:13]
agents, slots, rsecs = int(agents), int(slots), float(rsecs)
t0, pre0, pre1 = float(t0), float(pre0 or 0), float(pre1 or 0)
iv = []
for n in range(1, agents + 1):
    s = e = None
    for line in open(os.path.join(work, "n%d" % n, "rb")):
        k, t = line.split()
        if k == "start" and s is None:
            s = float(t)
        elif k == "end" and e is None:
            e = float(t)
    iv.append((s, e))
drain = max(e for _, e in iv) - t0
ideal = agents * rsecs / slots
events = sorted([(s, 1) for s, _ in iv] + [(e, -1) for _, e in iv])
cur = most = 0
for _, d in events:
    cur += d
    most = max(most, cur)
samples = [int(x) for x in open(os.path.join(work, "samples")).read().split()]
waits = [s - t0 for s, _ in iv]
wait_min = sum(waits) / 60.0
reqs = pre1 - pre0
rate = (reqs - agents) / wait_min if wait_min > 0 else 0.0
res = {
    "agents": agents, "slots": slots, "reboot_seconds": rsecs, "retry": retry,
    "drain_seconds": round(drain, 1), "ideal_seconds": ideal,
    "drain_over_ideal": round(drain / ideal, 2),
    "max_holders_etcd": max(samples) if samples else None,
    "etcd_samples": len(samples),
    "max_overlapping_reboots": most,
    "pre_reboot_requests": int(reqs),
    "mean_wait_seconds": round(sum(waits) / len(waits), 1),
    "requests_per_waiting_agent_per_minute": round(rate, 1),
    "rss_kib_fleet_off": int(rss_off), "rss_kib_fleet_on": int(rss_on),
    "holders_left": left,
}
print("| fleet simulation | value |")
print("|---|---|")
print("| agents, slots, simulated reboot, retry | %d, %d, %g s, %s |" % (agents, slots, rsecs, retry))
print("| drain time (due -> last reboot ended) | %.1f s (ideal %g s = %d x %g s / %d; x%.2f) |" % (drain, ideal, agents, rsecs, slots, drain / ideal))
print("| most holders in the etcd key | %s (%d samples, etcdctl get in a loop) |" % (res["max_holders_etcd"], len(samples)))
print("| most reboots overlapping (command timestamps) | %d |" % most)
print("| pre-reboot requests per waiting agent per minute | %.1f (%d requests, mean wait %.1f s) |" % (rate, reqs, res["mean_wait_seconds"]))
print("| idle RSS, fleet_lock off / on | %s KiB / %s KiB |" % (rss_off, rss_on))
print("| holders left at the end | %s |" % (left or "none"))
if out:
    with open(out, "w") as f:
        json.dump(res, f, indent=2)
PY
