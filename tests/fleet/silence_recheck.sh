#!/usr/bin/env bash
# The silence request is the last network step before the shutdown call:
# when its answer comes, every check is made again. Here an Alertmanager
# stand-in on 127.0.0.1 answers the silence 4 s late and meanwhile the
# policy is reloaded with the window closed: no reboot, event 1009.
source "$(dirname "$0")/../integration/lib.sh"

command -v python3 >/dev/null || { echo "SKIP: python3 not found; not a pass" >&2; exit 77; }
dir=$vg_work/sil
mkdir -p "$dir"
vg_am_standin "$dir" 4
notify="notify: { alertmanager: { url: 'http://127.0.0.1:$(cat "$dir/port")/', silence: 10m } }"

vg_policy "$dir/policy.yaml" 3 "$notify"
vg_reboot_logger "$dir/reboot.sh" "$dir/reboots"
t0=$(($(date +%s) - 300))
vg_three_runs "$dir/events.xml" "$t0"
vg_run_dir_agent "$dir" "$vg_work/sil.log"
pid=$vg_agent_pid
for i in $(seq 1 300); do [ -e "$dir/silence.asked" ] && break; sleep 0.1; done
[ -e "$dir/silence.asked" ] || vg_fail "no silence was asked for within 30 s"
# While the silence request waits: the window now opens in two hours.
vg_window_policy "$dir/policy.yaml" $(($(date +%s) + 7200)) "$notify"
kill -HUP "$pid"
vg_wait_log "reloaded" "$vg_work/sil.log" 10 || vg_fail "no reload logged"
vg_wait_log "\[1039\] silence .* created" "$vg_work/sil.log" 15 || vg_fail "the silence answer was not taken"
sleep 2
[ -s "$dir/reboots" ] && vg_fail "rebooted outside the window after the silence answer"
grep -Eq "\[1009\] reboot postponed: the checks no longer pass" "$vg_work/sil.log" ||
  vg_fail "no postponement (1009) after the silence answer"
vg_stop_agent "$pid"
echo "ok: a window closed by a reload during the silence request: no reboot, 1009"
