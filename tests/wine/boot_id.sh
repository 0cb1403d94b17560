#!/usr/bin/env bash
# The Windows boot id under Wine: the agent keeps a random id in the
# volatile key HKLM\SOFTWARE\VssGuard\Boot. Starts in one wineserver (one
# boot), of `vssguard run` and of the service, keep the id and the count,
# even when the state's boot_ident line says the clock stepped forward by
# more than the uptime at the save (the uptime rule alone would take that
# for a boot); commands do not create the key. After `wineserver -k`
# (Wine's reboot: volatile keys are not saved) the key is gone, the id
# changes and the count resets. A key made by hand (not volatile, so it
# would survive a reboot) is not trusted: the uptime rule decides.
#
# `wineserver -k` ends every program of its prefix, so this test runs in a
# prefix of its own: hard links to the build's prefix, with copies of the
# registry files wineboot wrote when it made that prefix (.vg-clean, see
# scripts/wine-run; the wineserver replaces registry files by rename). Not
# the build prefix's live files: its wineserver (persistent in
# scripts/test-win) saves them every 30 s, so they may still hold the
# VssGuard service an earlier test installed and removed, which this
# prefix's services.exe would start (auto start) with that test's
# executable and state, and `sc start` here would fail (error 1056, already
# running). A prefix without .vg-clean: a new prefix instead (about 9 s).
source "$(dirname "$0")/lib.sh"

SERVICE_DIAG=1
base=$VG_WINEPREFIX
[ -f "$base/.vg-ready" ] || "$VG_WINE_RUN" --prefix "$base" --init
P=$T/prefix
if [ -f "$base/.vg-clean/system.reg" ]; then
  cp -al "$base" "$P"
  for f in "$base"/.vg-clean/*.reg; do
    cp --remove-destination "$f" "$P/$(basename "$f")"
  done
else
  "$VG_WINE_RUN" --prefix "$P" --init
fi
export VG_WINEPREFIX=$P
# The services of this prefix (the VssGuard service's lines) log here.
export VG_WINE_SERVICES_LOG=$T/services.log

server() {
  WINEPREFIX=$P wineserver "$@"
}
boot_cleanup() {
  stop_agent
  server -k 2>/dev/null || true
  rm -rf "$P"
}
trap boot_cleanup EXIT

# boot_field N: field N of the state's boot_ident line (2 saved at,
# 3 uptime, 4 id).
boot_field() {
  awk -v n="$1" '$1 == "boot_ident" { print $n; exit }' "$T/state"
}
# reg_id: the BootId value of the key, or nothing.
reg_id() {
  wine_ reg query 'HKLM\Software\VssGuard\Boot' /v BootId 2>/dev/null |
    tr -d '\r' | awk '$1 == "BootId" { print $3 }'
}

now=$(date +%s)
add_run 501 $((now - 500))
add_run 504 $((now - 400))
write_policy "$T/policy.yaml" "daily $(hhmm $((now + 6 * 3600))) 1h"
sed -i 's/^threshold: 3/threshold: 10/' "$T/policy.yaml"
args=(--policy "$(winpath "$T/policy.yaml")" --state "$(winpath "$T/state")")

# One boot: the server outlives the agent between the starts. A key left
# in the build's prefix (made by hand) is removed first.
server -p
wine_ reg delete 'HKLM\Software\VssGuard\Boot' /f >/dev/null 2>&1 || true
wine_ sc query VssGuard >/dev/null 2>&1 &&
  fail "the new prefix has a VssGuard service already"
[ -z "$(reg_id)" ] || fail "cannot remove an old key"
start_agent "$T/first.log" "${args[@]}"
wait_for "$T/first.log" 'started: count 2/10' 120
wait_count "$T/state" 2 30
stop_agent
id1=$(boot_field 4)
[[ $id1 =~ ^[0-9a-f]{32}$ ]] || fail "no boot id saved: '$id1'"
[ "$(reg_id)" = "$id1" ] || fail "the key holds '$(reg_id)', the state '$id1'"
echo "first start: boot id $id1, uptime $(boot_field 3) s"

# The clock stepped forward 30 days since the save, the uptime then was one
# minute: by the uptime rule the machine booted since.
at=$(boot_field 2)
sed -i "s/^boot_ident .*/boot_ident $((at - 30 * 86400)) 60 $id1/" "$T/state"
start_agent "$T/second.log" "${args[@]}"
wait_for "$T/second.log" 'started: count [0-9]+/10' 120
stop_agent
grep -q 'boot detected' "$T/second.log" &&
  fail "a step of the clock was taken for a boot"
grep -q 'started: count 2/10' "$T/second.log" || fail "the count was not kept"
[ "$(boot_field 4)" = "$id1" ] || fail "the id changed within one boot"
[ "$(state_value "$T/state" count)" = 2 ] || fail "count after the second start"

# The same as a service (services.exe starts it; the fake wevtapi is set for
# this executable name in the registry, as in service.sh).
wine_ reg add "HKCU\\Software\\Wine\\AppDefaults\\$EXE_NAME\\DllOverrides" \
  /v wevtapi /d native /f >/dev/null 2>&1 || fail "reg add DllOverrides"
vg service install "${args[@]}" >"$T/install.log" 2>&1 || fail "service install"
at=$(boot_field 2)
sed -i "s/^boot_ident .*/boot_ident $((at - 30 * 86400)) 60 $id1/" "$T/state"
service_start
i=0
until [ "$(boot_field 2)" -gt $((at - 30 * 86400)) ] 2>/dev/null; do
  i=$((i + 1))
  [ "$i" -le 600 ] || fail "the service saved no state"
  sleep 0.2
done
service_stop
[ "$(boot_field 4)" = "$id1" ] || fail "the service has another id"
[ "$(state_value "$T/state" count)" = 2 ] || fail "the service reset the count"
vg service uninstall >/dev/null 2>&1 || fail "service uninstall"

# Wine's reboot: the volatile key goes with the server.
server -k
server -w
[ -z "$(reg_id)" ] || fail "the volatile key survived wineserver -k"
# Commands never create the key: only the agent does.
vg plan "${args[@]}" >"$T/plan.log" 2>&1 || fail "plan"
vg status --state "$(winpath "$T/state")" >"$T/status.log" 2>&1 || fail "status"
[ -z "$(reg_id)" ] || fail "a command created the boot key"
server -k
server -w
start_agent "$T/third.log" "${args[@]}"
wait_for "$T/third.log" 'started: count [0-9]+/10' 120
stop_agent
grep -q 'boot detected.*count reset from 2 to 0' "$T/third.log" ||
  fail "the reboot was not detected"
id3=$(boot_field 4)
[[ $id3 =~ ^[0-9a-f]{32}$ ]] || fail "no boot id saved after the reboot"
[ "$id3" != "$id1" ] || fail "the id did not change with the boot"

# A key made by hand is not volatile: it is not trusted, and the uptime
# rule decides (no id is saved).
server -k
server -w
wine_ reg add 'HKLM\Software\VssGuard\Boot' /v BootId /d "$id3" /f >/dev/null 2>&1 ||
  fail "reg add"
start_agent "$T/fourth.log" "${args[@]}"
wait_for "$T/fourth.log" 'started: count [0-9]+/10' 120
stop_agent
grep -q 'Boot: the key is not volatile' "$T/fourth.log" ||
  fail "a non-volatile key was not reported"
[ "$(boot_field 4)" = "-" ] || fail "an id from a non-volatile key was used"
[ -n "$(reg_id)" ] || fail "the hand-made key was removed"
echo "PASS: the boot id holds across restarts and clock steps, changes with a boot"
