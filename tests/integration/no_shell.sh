#!/usr/bin/env bash
# Nothing from the policy, the events or the command line goes through a
# shell. The policy's reboot message is full of shell syntax ($(...),
# backticks, ;, |, &&, >) and printf directives (%s %n), event fields carry
# the same, and the reboot command lives under a directory whose name is
# itself shell syntax. The command must receive the message as exactly one
# argument, byte for byte, and no marker file may appear. A command given
# without a slash is not looked up in PATH. A message longer than 511 bytes
# is refused (exit 2).
source "$(dirname "$0")/lib.sh"

m=$vg_work/markers
mkdir "$m"
weird="$vg_work/bin \$(touch $m/path1);touch $m/path2 \`touch $m/path3\`"
mkdir -p "$weird"
out=$vg_work/argv
printf '%s\n' '#!/bin/sh' \
  "printf '%s\\n' \"\$#\" >\"$out\"" \
  "printf '%s' \"\$1\" >\"$out.msg\"" >"$weird/reboot"
chmod 0755 "$weird/reboot"

msg="Reboot \$(touch $m/msg1) \`touch $m/msg2\`; touch $m/msg3 | touch $m/msg4 && touch $m/msg5 > $m/msg6 %s%n%x \$HOME"
opened=$(date -u -d "@$(($(date +%s) - 60))" +%H:%M)
# A YAML single-quoted scalar holds the message verbatim.
{
  echo "threshold: 3"
  echo "timezone: UTC"
  echo "maintenance_windows:"
  echo "  - \"daily $opened 12h\""
  echo "reboot:"
  echo "  warning: 0s"
  echo "  message: '$msg'"
  echo "  splay: 0s"
  echo "  min_uptime: 0s"
  echo "  min_time_left: 1m"
} >"$vg_work/policy.yaml"
chmod 0644 "$vg_work/policy.yaml"

t0=$(($(date +%s) - 60))
ch=Microsoft-Windows-Backup
evil="\$(touch $m/ev1)\`touch $m/ev2\`;touch $m/ev3"
{
  vg_backup_run "$t0"
  vg_backup_run $((t0 + 900))
  vg_event $ch $ch 1 4 $((t0 + 1800)) 100
  vg_event $ch $ch 4 4 $((t0 + 1840)) 101 \
    "<Data Name='BackupTime'>$(vg_rfc3339 $((t0 + 1800)))</Data><Data Name='BackupTargetLabel'>$evil</Data>"
} >"$vg_work/events.xml"

log=$vg_work/agent.log
vg_run_agent "$log" --policy "$vg_work/policy.yaml" --state "$vg_work/state" \
  --events-follow "$vg_work/events.xml" --reboot-command "$weird/reboot"
vg_wait_log "reboot initiated" "$log" 30 || vg_fail "no reboot"
for ((i = 0; i < 50; i++)); do
  [ -s "$out.msg" ] && break
  sleep 0.1
done
vg_stop_agent
[ "$(cat "$out")" = 1 ] || vg_fail "the reboot command got $(cat "$out") arguments, expected 1"
[ "$(cat "$out.msg")" = "$msg" ] ||
  vg_fail "the message changed on its way: got '$(cat "$out.msg")', expected '$msg'"
left=$(ls -A "$m")
[ -z "$left" ] || vg_fail "something ran through a shell: $left"

# No PATH search: "touch" without a slash is not /usr/bin/touch. The agent
# runs in the markers directory, where /usr/bin/touch would create a file
# named after the (plain) message.
sed "s/^  message: .*/  message: plainmsg/" "$vg_work/policy.yaml" >"$vg_work/plain.yaml"
chmod 0644 "$vg_work/plain.yaml"
log2=$vg_work/agent2.log
cd "$m"
vg_run_agent "$log2" --policy "$vg_work/plain.yaml" --state "$vg_work/state2" \
  --events-follow "$vg_work/events.xml" --reboot-command touch
vg_wait_log "cannot run touch|reboot failed" "$log2" 30 ||
  vg_fail "a command without a slash did not fail"
vg_stop_agent
cd "$vg_work"
left=$(ls -A "$m")
[ -z "$left" ] || vg_fail "the reboot command was looked up in PATH: $left"

# The message length is bounded.
long=$(head -c 512 /dev/zero | tr '\0' 'x')
sed "s/^  message: .*/  message: '$long'/" "$vg_work/policy.yaml" >"$vg_work/long.yaml"
rc=0
vg_cli check-policy "$vg_work/long.yaml" >/dev/null 2>"$vg_work/long.err" || rc=$?
[ "$rc" -eq 2 ] || vg_fail "a 512-byte message: exit $rc, expected 2"
grep -q "message" "$vg_work/long.err" ||
  vg_fail "the error does not name the message: $(cat "$vg_work/long.err")"
sed "s/^  message: .*/  message: '${long:1}'/" "$vg_work/policy.yaml" >"$vg_work/ok.yaml"
vg_cli check-policy "$vg_work/ok.yaml" >/dev/null || vg_fail "a 511-byte message was refused"
echo "ok: message passed verbatim as one argument, no shell, no PATH search, length bounded"
