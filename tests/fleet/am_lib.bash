# Helpers of the Alertmanager tests (sourced, not a test): Debian's
# prometheus-alertmanager on 127.0.0.1, started with its own data
# directory and stopped on exit (the trap of tests/integration/lib.sh),
# with bounded waits; and small curl helpers for its API v2.

source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

am_skip() {
  echo "SKIP: $*" >&2
  echo "SKIP: this Alertmanager test did not run; it is not a pass" >&2
  exit 77
}

# am_free_port: a TCP port nothing listens on, from the kernel.
am_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# am_start: starts Alertmanager; sets am_url (with a trailing /) and am_pid.
am_start() {
  command -v prometheus-alertmanager >/dev/null ||
    am_skip "prometheus-alertmanager not found (scripts/setup installs it)"
  command -v curl >/dev/null || am_skip "curl not found"
  local port dir=$vg_work/am
  port=$(am_free_port)
  mkdir -p "$dir"
  printf 'route:\n  receiver: none\nreceivers:\n  - name: none\n' >"$dir/am.yml"
  prometheus-alertmanager --config.file="$dir/am.yml" --storage.path="$dir/data" \
    --web.listen-address="127.0.0.1:$port" --cluster.listen-address= \
    >"$vg_work/alertmanager.out" 2>&1 &
  am_pid=$!
  vg_cleanups+=("kill $am_pid 2>/dev/null; wait $am_pid 2>/dev/null")
  am_url="http://127.0.0.1:$port/"
  local i
  for i in $(seq 1 100); do
    curl -fsS "${am_url}-/ready" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  vg_fail "Alertmanager did not become ready on $am_url"
}

# am_alert NAME INSTANCE ENDS_EPOCH: posts (or resolves, with a past end) an alert.
am_alert() {
  local ends
  ends=$(date -u -d "@$3" +%Y-%m-%dT%H:%M:%SZ)
  curl -fsS -XPOST -H 'Content-Type: application/json' "${am_url}api/v2/alerts" \
    -d "[{\"labels\":{\"alertname\":\"$1\",\"instance\":\"$2\"},\"annotations\":{\"summary\":\"test\"},\"endsAt\":\"$ends\"}]" ||
    vg_fail "cannot post alert $1"
}

# am_silence NAME: silences alertname=NAME for an hour; prints the id.
am_silence() {
  local now ends
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  ends=$(date -u -d "@$(($(date +%s) + 3600))" +%Y-%m-%dT%H:%M:%SZ)
  curl -fsS -XPOST -H 'Content-Type: application/json' "${am_url}api/v2/silences" \
    -d "{\"matchers\":[{\"name\":\"alertname\",\"value\":\"$1\",\"isRegex\":false}],\"startsAt\":\"$now\",\"endsAt\":\"$ends\",\"createdBy\":\"test\",\"comment\":\"test\"}" ||
    vg_fail "cannot silence $1"
}

# am_get PATH: GET from the API.
am_get() {
  curl -fsS "${am_url}$1"
}

# am_case NAME EXTRA_YAML: an agent whose reboot is due now (threshold 3,
# 3 runs, window open); its pid in pid_NAME, its log $vg_work/NAME.log.
am_case() {
  local name=$1 dir=$vg_work/$1 t0
  mkdir -p "$dir"
  vg_policy "$dir/policy.yaml" 3 "$2"
  vg_sim_reboot "$dir/reboot.sh" "$dir/events.xml" "$dir/reboots"
  t0=$(($(date +%s) - 300))
  vg_three_runs "$dir/events.xml" "$t0"
  vg_run_dir_agent "$dir" "$vg_work/$name.log"
  eval "pid_$name=$vg_agent_pid"
}
