#!/usr/bin/env bash
# The reboot call answers "not ready" (the command exits 75) and the retry,
# 30 s later, goes through the due moment's stages again. The Alertmanager
# silence asked for before the first call still covers the retry: it is
# kept, not asked for again. A new silence at each retry left the earlier
# ones in force after the boot, where only the last one is expired.
source "$(dirname "$0")/../integration/lib.sh"

command -v python3 >/dev/null || { echo "SKIP: python3 not found; not a pass" >&2; exit 77; }
dir=$vg_work/silretry
mkdir -p "$dir"
vg_am_standin "$dir" 0
notify="notify: { alertmanager: { url: 'http://127.0.0.1:$(cat "$dir/port")/', silence: 10m } }"

vg_policy "$dir/policy.yaml" 3 "$notify"
# Not ready the first time; a reboot (logged) after that.
printf '#!/bin/sh\nif [ ! -e "%s/asked" ]; then touch "%s/asked"; exit 75; fi\necho "reboot $(date +%%s)" >>"%s/reboots"\n' \
  "$dir" "$dir" "$dir" >"$dir/reboot.sh"
chmod 0755 "$dir/reboot.sh"
t0=$(($(date +%s) - 300))
vg_three_runs "$dir/events.xml" "$t0"
vg_run_dir_agent "$dir" "$vg_work/silretry.log"
vg_wait_log "retrying in 30 s" "$vg_work/silretry.log" 30 || vg_fail "no not-ready answer"
vg_wait_log "reboot initiated" "$vg_work/silretry.log" 45 || vg_fail "the retry did not reboot"
[ -s "$dir/reboots" ] || vg_fail "the reboot command did not run a second time"
n=$(wc -l <"$dir/silences")
[ "$n" = 1 ] || vg_fail "$n silences asked for, one per call (1 expected: the first still covers the retry)"
grep -Eq "\[1039\] silence .* kept" "$vg_work/silretry.log" || vg_fail "the kept silence was not logged"
vg_stop_agent
echo "ok: the retry after a not-ready answer keeps the silence asked for before the first call"
