#!/usr/bin/env bash
# The Alertmanager gate and the notifications against Debian's
# prometheus-alertmanager on 127.0.0.1 (started and stopped here):
#   1. a firing alert postpones a due reboot and event 1009 names it; once
#      the alert is resolved the reboot happens inside the slot. The
#      agent's own VssGuardRebootScheduled never blocks it.
#   2. a silenced alert does not block.
#   3. Alertmanager down: on_error: block postpones, allow reboots.
#   4. after the simulated reboot and boot, Alertmanager lists
#      VssGuardRebootInitiated and VssGuardRemediated with the configured
#      label, and the silence for instance=<host> was created before the
#      reboot and expired after the boot.
#   5. notifications to an Alertmanager that is down: the reboot goes
#      ahead, with warning 1038.
source "$(dirname "$0")/am_lib.bash"

am_start
host=$(hostname)
dead="http://127.0.0.1:$(am_free_port)/"
gate="alertmanager: { url: '$am_url', on_error: block }"

# 1 and 4: a firing alert, then resolved; notifications and the silence.
am_alert DiskFull fs9 $(($(date +%s) + 600))
am_case firing "gates: { $gate, retry: 1s }
notify:
  alertmanager: { url: '$am_url', labels: { team: wintel }, silence: 10m }"
# 2: a silenced alert.
am_alert NightlyJob fs9 $(($(date +%s) + 600))
am_silence NightlyJob >/dev/null
am_case silenced "gates: { alertmanager: { url: '$am_url', alert_filter_regexp: '^DiskFull\$' }, retry: 1s }"
# 3: Alertmanager down.
am_case down_block "gates: { alertmanager: { url: '$dead', on_error: block }, retry: 1s }"
am_case down_allow "gates: { alertmanager: { url: '$dead', on_error: allow }, retry: 1s }"
# 5: notifications to an Alertmanager that is down never block the reboot.
am_case notify_dead "notify: { alertmanager: { url: '$dead', silence: 10m } }"

vg_wait_log "\[1009\] reboot postponed by a gate: alertmanager: 1 alert firing: DiskFull" \
  "$vg_work/firing.log" 30 || vg_fail "1: the firing alert did not postpone the reboot"
vg_wait_log "." "$vg_work/silenced/reboots" 30 || vg_fail "2: a silenced alert blocked the reboot"
vg_wait_log "reboot postponed by a gate: alertmanager: could not be asked" \
  "$vg_work/down_block.log" 30 || vg_fail "3: on_error: block did not postpone"
vg_wait_log "\[1035\] Alertmanager could not be asked" "$vg_work/down_block.log" 5 ||
  vg_fail "3: no warning 1035"
vg_wait_log "." "$vg_work/down_allow/reboots" 30 || vg_fail "3: on_error: allow did not reboot"
vg_wait_log "." "$vg_work/notify_dead/reboots" 30 || vg_fail "5: a dead Alertmanager blocked the reboot"
vg_wait_log "\[1038\] silence not created in Alertmanager: .*the reboot goes ahead" \
  "$vg_work/notify_dead.log" 10 || vg_fail "5: no warning 1038 for the silence"
sleep 2
[ -s "$vg_work/firing/reboots" ] && vg_fail "1: rebooted while DiskFull fired"
[ -s "$vg_work/down_block/reboots" ] && vg_fail "3: rebooted with Alertmanager down and on_error: block"
# The warning holds across the retries: logged once, not every second.
n=$(grep -c "\[1035\] Alertmanager could not be asked" "$vg_work/down_block.log")
[ "$n" -eq 1 ] || vg_fail "3: warning 1035 logged $n times across the retries"

# The agent's own alert is there and did not block: only DiskFull is named.
am_get "api/v2/alerts?filter=alertname%3DVssGuardRebootScheduled" | grep -q "\"instance\":\"$host\"" ||
  vg_fail "4: VssGuardRebootScheduled was not pushed"

am_alert DiskFull fs9 $(($(date +%s) - 1))
vg_wait_log "." "$vg_work/firing/reboots" 30 || vg_fail "1: no reboot after the alert was resolved"
vg_wait_log "\[1039\] silence [0-9a-f-]+ created for instance $host" "$vg_work/firing.log" 5 ||
  vg_fail "4: no silence before the reboot"
sid=$(sed -n 's/.*\[1039\] silence \([0-9a-f-]*\) created.*/\1/p' "$vg_work/firing.log" | head -n1)
grep -q "^silence $sid " "$vg_work/firing/state" ||
  grep -q "silence $sid" "$vg_work/firing.log" || vg_fail "4: silence id not kept"
c1=$(grep -n "\[1039\] silence .* created" "$vg_work/firing.log" | cut -d: -f1)
c2=$(grep -n "\[1010\] reboot initiated" "$vg_work/firing.log" | cut -d: -f1)
[ "$c1" -lt "$c2" ] || vg_fail "4: the silence came after the shutdown call"
vg_wait_log "remediation confirmed" "$vg_work/firing.log" 30 || vg_fail "4: boot not confirmed"
vg_wait_log "\[1039\] silence $sid expired after the boot" "$vg_work/firing.log" 30 ||
  vg_fail "4: the silence was not expired after the boot"
for i in $(seq 1 50); do
  grep -q "^silence " "$vg_work/firing/state" || break
  sleep 0.1
done
grep -q "^silence " "$vg_work/firing/state" && vg_fail "4: the silence is still in the state"

alerts=$(am_get "api/v2/alerts")
for name in VssGuardRebootInitiated VssGuardRemediated; do
  python3 - "$name" "$host" <<PY || vg_fail "4: $name not listed with instance and team labels: $alerts"
import json, sys
name, host = sys.argv[1], sys.argv[2]
alerts = json.loads('''$alerts''')
ok = any(a["labels"].get("alertname") == name and a["labels"].get("instance") == host
         and a["labels"].get("team") == "wintel" and a["annotations"].get("summary")
         for a in alerts)
sys.exit(0 if ok else 1)
PY
done
am_get "api/v2/silences" | python3 -c '
import json, sys
sid = sys.argv[1]
s = [x for x in json.load(sys.stdin) if x["id"] == sid]
assert s, "silence %s unknown" % sid
m = {x["name"]: x for x in s[0]["matchers"]}
assert m["instance"]["value"] == sys.argv[2], m
assert s[0]["status"]["state"] == "expired", s[0]["status"]
' "$sid" "$host" || vg_fail "4: the silence is not an expired instance=$host silence"

[ "$(wc -l <"$vg_work/firing/reboots")" -eq 1 ] || vg_fail "1: more than one reboot"
for c in firing silenced down_block down_allow notify_dead; do
  eval "vg_stop_agent \$pid_$c"
done
echo "ok: firing alert postponed then reboot in the slot; silenced alert ignored; Alertmanager down blocks or allows; Initiated/Remediated pushed; silence created before and expired after"
