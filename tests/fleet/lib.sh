# Shared helpers of the fleet tests (sourced, not run): the real FleetLock
# stack on loopback, a 3-member etcd cluster (Debian etcd-server) and
# airlock built from the vendored upstream source, plus small Python
# servers for other answers. Everything started here is stopped on exit
# (the trap of tests/integration/lib.sh), with bounded waits.
#
# airlock's source: $VG_AIRLOCK_TARBALL, else
# <repo>/../shared/third_party/airlock-a3585ed.tar.gz. Without it (or
# without etcd or Go) a test exits 77, which CTest reports as skipped, after
# saying loudly what it looked for. The binary is built once and cached as
# build/airlock/airlock.

source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

: "${VG_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

fl_skip() {
  echo "SKIP: $*" >&2
  echo "SKIP: this fleet test did not run; it is not a pass" >&2
  exit 77
}

# fl_need_tools: etcd, etcdctl, go and the airlock source, or skip.
fl_need_tools() {
  local t
  for t in etcd etcdctl python3 curl; do
    command -v "$t" >/dev/null || fl_skip "$t not found (scripts/setup installs etcd-server, etcd-client, curl)"
  done
  fl_airlock_bin
}

# fl_airlock_bin: builds airlock once (under a lock) and sets fl_airlock.
fl_airlock_bin() {
  local cache=$VG_SRC/build/airlock tarball
  tarball=${VG_AIRLOCK_TARBALL:-$VG_SRC/../shared/third_party/airlock-a3585ed.tar.gz}
  fl_airlock=$cache/airlock
  if [ -x "$fl_airlock" ] && [ "$fl_airlock" -nt "$tarball" -o ! -e "$tarball" ]; then
    return 0
  fi
  [ -f "$tarball" ] || fl_skip "airlock source not found at $tarball (set VG_AIRLOCK_TARBALL)"
  command -v go >/dev/null || fl_skip "go not found (scripts/setup installs golang-go)"
  mkdir -p "$cache"
  (
    flock -w 800 9 || exit 1
    if [ ! -x "$fl_airlock" ] || [ "$tarball" -nt "$fl_airlock" ]; then
      echo "fleet: building airlock from $tarball" >&2
      rm -rf "$cache/src"
      mkdir -p "$cache/src"
      tar xzf "$tarball" -C "$cache/src" --strip-components=1
      (cd "$cache/src" && GOFLAGS=-mod=vendor GOPROXY=off GOCACHE=$cache/gocache \
        timeout 600 go build -o "$fl_airlock.tmp" .) &&
        mv "$fl_airlock.tmp" "$fl_airlock"
    fi
  ) 9>"$cache/.lock" || vg_fail "airlock did not build"
  [ -x "$fl_airlock" ] || vg_fail "airlock did not build"
}

# fl_free_ports N: N free TCP ports on 127.0.0.1, space-separated.
fl_free_ports() {
  python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
PY
}

# fl_wait_port PORT SECONDS: waits until something listens on PORT.
fl_wait_port() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# fl_stop PID: SIGTERM, then SIGKILL after 5 s.
fl_stop() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

# fl_start_etcd: a 3-member cluster on free loopback ports. Sets
# fl_etcd_pids[1..3], fl_endpoints (comma-separated client URLs).
fl_start_etcd() {
  local ports i cluster="" name
  read -r -a ports <<<"$(fl_free_ports 6)"
  for i in 1 2 3; do
    cluster+="${cluster:+,}e$i=http://127.0.0.1:${ports[$((i + 2))]}"
  done
  fl_endpoints=""
  for i in 1 2 3; do
    name=e$i
    fl_client_port[$i]=${ports[$((i - 1))]}
    fl_endpoints+="${fl_endpoints:+,}http://127.0.0.1:${ports[$((i - 1))]}"
    etcd --name "$name" --data-dir "$vg_work/etcd-$name" \
      --listen-peer-urls "http://127.0.0.1:${ports[$((i + 2))]}" \
      --initial-advertise-peer-urls "http://127.0.0.1:${ports[$((i + 2))]}" \
      --listen-client-urls "http://127.0.0.1:${ports[$((i - 1))]}" \
      --advertise-client-urls "http://127.0.0.1:${ports[$((i - 1))]}" \
      --initial-cluster "$cluster" --initial-cluster-state new \
      --initial-cluster-token "vg-$$" >>"$vg_work/etcd-$name.log" 2>&1 &
    fl_etcd_pids[$i]=$!
    vg_cleanups+=("fl_stop ${fl_etcd_pids[$i]}")
  done
  for ((i = 0; i < 300; i++)); do
    if ETCDCTL_API=3 etcdctl --endpoints "$fl_endpoints" --command-timeout=2s \
      endpoint health >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  vg_fail "etcd cluster not healthy after 30 s"
}

# fl_etcdctl ARGS...: etcdctl v3 against the cluster.
fl_etcdctl() {
  ETCDCTL_API=3 etcdctl --endpoints "$fl_endpoints" --command-timeout=5s "$@"
}

# fl_start_airlock GROUP SLOTS [GROUP SLOTS]...: airlock on a free port with
# each GROUP of its SLOTS slots (and the default group). Sets
# fl_airlock_pid, fl_url.
fl_start_airlock() {
  local ports groups=""
  while [ $# -ge 2 ]; do
    groups+=$(printf '\n[[lock.groups]]\nname = "%s"\nslots = %s\n' "$1" "$2")
    shift 2
  done
  if [ -z "${fl_airlock_port:-}" ]; then
    read -r -a ports <<<"$(fl_free_ports 2)"
    fl_airlock_port=${ports[0]}
    fl_status_port=${ports[1]}
  fi
  local eps
  eps=$(sed 's/[^,]*/"&"/g' <<<"$fl_endpoints")
  cat >"$vg_work/airlock.toml" <<TOML
[status]
enabled = true
address = "127.0.0.1"
port = $fl_status_port
tls = false

[service]
address = "127.0.0.1"
port = $fl_airlock_port
tls = false

[etcd3]
endpoints = [ $eps ]

[lock]
default_group_name = "default"
default_slots = 1
$groups
TOML
  "$fl_airlock" serve -c "$vg_work/airlock.toml" >>"$vg_work/airlock.log" 2>&1 &
  fl_airlock_pid=$!
  vg_cleanups+=("fl_stop $fl_airlock_pid")
  fl_url="http://127.0.0.1:$fl_airlock_port/"
  fl_wait_port "$fl_airlock_port" 20 || vg_fail "airlock did not listen"
}

# fl_holders GROUP: the holders array of GROUP's semaphore in etcd, as
# "id1 id2" (empty when none or no key yet).
fl_holders() {
  fl_etcdctl get --print-value-only "com.coreos.airlock/groups/$1/v1/semaphore" |
    python3 -c 'import json,sys
t=sys.stdin.read().strip()
print(" ".join(json.loads(t).get("holders") or []) if t else "")'
}

# fl_policy FILE URL GROUP ID [RETRY]: threshold 3, a window open now (12 h,
# or the window of FL_WINDOW), no warning, fleet_lock with URL/GROUP/ID.
fl_policy() {
  local extra
  extra=$(printf 'fleet_lock:\n  url: "%s"\n  group: %s\n  id: %s\n  retry: %s\n' \
    "$2" "$3" "$4" "${5:-1s}")
  if [ -n "${FL_WINDOW:-}" ]; then
    vg_policy_file "$1" 3 "$FL_WINDOW" "$extra"
  else
    vg_policy "$1" 3 "$extra"
  fi
}

# fl_sim_reboot FILE EVENTS OUT: a --reboot-command that returns at once
# (as `shutdown -r` does) and simulates the reboot in the background: logs
# "start EPOCH" to OUT, takes 2 s, logs "end EPOCH", then appends a boot
# event (6005) to EVENTS, as the server coming back would.
fl_sim_reboot() {
  cat >"$1" <<SH
#!/bin/sh
(
echo "start \$(date +%s.%N)" >>"$3"
sleep 2
now=\$(date +%s)
echo "end \$(date +%s.%N)" >>"$3"
rec=\$(( (now % 100000) * 10 + 5 ))
printf '%s\n' "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='EventLog'/><EventID>6005</EventID><Version>0</Version><Level>4</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='\$(date -u -d @\$now +%Y-%m-%dT%H:%M:%S.500000000Z)'/><EventRecordID>\$rec</EventRecordID><Correlation/><Execution ProcessID='4' ThreadID='8'/><Channel>System</Channel><Computer>FS01</Computer><Security/></System><EventData><Data></Data></EventData></Event>" >>"$2"
) </dev/null >/dev/null 2>&1 &
exit 0
SH
  chmod 0755 "$1"
}

# fl_runs EVENTS N: appends N backup runs (from a minute ago) to EVENTS.
fl_runs() {
  local k t0
  t0=$(($(date +%s) - 60))
  for ((k = 0; k < $2; k++)); do
    vg_backup_run $((t0 + k * 5)) >>"$1"
  done
}

# fl_check_no_overlap OUT...: the [start, end] intervals of every agent's
# reboot log never overlap (one slot: one reboot at a time).
fl_check_no_overlap() {
  python3 - "$@" <<'PY' || vg_fail "two reboots overlapped"
import sys
iv = []
for path in sys.argv[1:]:
    s = None
    for line in open(path):
        k, t = line.split()
        if k == "start":
            s = float(t)
        elif k == "end" and s is not None:
            iv.append((s, float(t), path))
            s = None
iv.sort()
for a, b in zip(iv, iv[1:]):
    if b[0] < a[1]:
        print("overlap: %s and %s" % (a, b))
        sys.exit(1)
print("%d reboots, none overlapping" % len(iv))
PY
}
