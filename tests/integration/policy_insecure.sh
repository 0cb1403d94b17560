#!/usr/bin/env bash
# A policy file that others could have written is not trusted: group or
# world writable (0664, 0666) or owned by another user (chown nobody). The
# agent still counts runs, but refuses to schedule reboots from it and logs
# why, even with the threshold reached inside an open window. A file of the
# right owner and mode 0644 reboots (the control case, so the test can
# fail), and trust is checked again on every reload (SIGHUP): a policy made
# world writable and reloaded stops the reboot; made safe and reloaded,
# allows it. An untrusted policy must not make the agent write anywhere
# either: its metrics_file is not written.
source "$(dirname "$0")/lib.sh"

t0=$(($(date +%s) - 60))
nobody_uid=$(id -u nobody 2>/dev/null || echo 65534)

# start_case NAME MODE OWNER: starts an agent on a policy (threshold 3,
# window open, a metrics file) with 3 runs to read; leaves its pid in
# pid_NAME.
start_case() {
  local name=$1 mode=$2 owner=$3 dir=$vg_work/$1
  mkdir "$dir"
  vg_policy "$dir/policy.yaml" 3 "metrics_file: $dir/metrics.prom"
  chmod "$mode" "$dir/policy.yaml"
  [ "$owner" = self ] || chown "$owner" "$dir/policy.yaml"
  vg_reboot_logger "$dir/reboot.sh" "$dir/reboots"
  vg_rec=1
  {
    vg_backup_run "$t0"
    vg_backup_run $((t0 + 900))
    vg_backup_run $((t0 + 1800))
  } >"$dir/events.xml"
  vg_run_agent "$vg_work/$name.log" --policy "$dir/policy.yaml" \
    --state "$dir/state" --events-follow "$dir/events.xml" \
    --reboot-command "$dir/reboot.sh"
  eval "pid_$name=$vg_agent_pid"
}

start_case group 0664 self
start_case world 0666 self
start_case other 0644 nobody
start_case safe 0644 self

vg_wait_log "reboot initiated" "$vg_work/safe.log" 30 ||
  vg_fail "the control case with a 0644 policy did not reboot"

expect_refused() { # NAME REASON
  local log=$vg_work/$1.log
  vg_wait_log "run counted: 3/3" "$log" 30 || vg_fail "$1: runs not counted"
  vg_wait_log "$2.*refusing to schedule reboots" "$log" 10 ||
    vg_fail "$1: no log line saying why the policy is refused"
  vg_wait_log "no reboot scheduled: the policy file is not trusted" "$log" 10 ||
    vg_fail "$1: no log line that no reboot is scheduled"
}
expect_refused group "writable by group or others \\(mode 664\\)"
expect_refused world "writable by group or others \\(mode 666\\)"
expect_refused other "owned by uid $nobody_uid"
sleep 2
for c in group world other; do
  [ ! -e "$vg_work/$c/reboots" ] || vg_fail "$c: rebooted from an untrusted policy"
  grep -Eq "reboot initiated|\] reboot scheduled at" "$vg_work/$c.log" &&
    vg_fail "$c: a reboot was scheduled from an untrusted policy"
  eval "vg_stop_agent \$pid_$c"
  [ ! -e "$vg_work/$c/metrics.prom" ] ||
    vg_fail "$c: wrote the metrics file named by an untrusted policy"
done
vg_stop_agent "$pid_safe"
[ -s "$vg_work/safe/metrics.prom" ] || vg_fail "the control case wrote no metrics file"
[ "$(wc -l <"$vg_work/safe/reboots")" -eq 1 ] || vg_fail "the control case rebooted more than once"

# Reload: trusted, threshold not reached; made world writable with a
# threshold that is reached, then reloaded: refused. Made safe again and
# reloaded: the reboot runs.
dir=$vg_work/reload
mkdir "$dir"
vg_policy "$dir/policy.yaml" 10
vg_reboot_logger "$dir/reboot.sh" "$dir/reboots"
vg_rec=1
{
  vg_backup_run "$t0"
  vg_backup_run $((t0 + 900))
  vg_backup_run $((t0 + 1800))
} >"$dir/events.xml"
log=$vg_work/reload.log
vg_run_agent "$log" --policy "$dir/policy.yaml" --state "$dir/state" \
  --events-follow "$dir/events.xml" --reboot-command "$dir/reboot.sh"
vg_wait_log "run counted: 3/10" "$log" 30 || vg_fail "reload: runs not counted"
vg_policy "$dir/policy.yaml" 3
chmod 0666 "$dir/policy.yaml"
kill -HUP "$vg_agent_pid"
vg_wait_log "writable by group or others \\(mode 666\\).*refusing" "$log" 30 ||
  vg_fail "reload: a world-writable policy was not refused"
sleep 2
[ ! -e "$dir/reboots" ] || vg_fail "reload: rebooted from a world-writable policy"
chmod 0644 "$dir/policy.yaml"
kill -HUP "$vg_agent_pid"
vg_wait_log "reboot initiated" "$log" 30 || vg_fail "reload: no reboot once the policy was safe again"
vg_stop_agent
[ "$(wc -l <"$dir/reboots")" -eq 1 ] || vg_fail "reload: the reboot command ran more than once"
echo "ok: group/world-writable and foreign-owned policies refused (also on reload); 0644 reboots once"
