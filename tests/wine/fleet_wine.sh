#!/usr/bin/env bash
# vssguard.exe under Wine, through WinHTTP, against the real airlock on a
# 3-member etcd cluster (the stack of tests/fleet): the agent releases at
# start, reaches the threshold, gets the group's slot (etcd shows it), calls
# InitiateSystemShutdownExW once, and releases the slot after the boot
# event. Exits 77 (skipped) when airlock's source, etcd or Go is missing.
source "$(dirname "$0")/../fleet/lib.sh"
fl_need_tools
source "$(dirname "$0")/lib.sh"
trap 'cleanup; vg_cleanup' EXIT

fl_start_etcd
fl_start_airlock wine-g 1

now=$(date +%s)
add_run 501 $((now - 400))
add_run 504 $((now - 300))
write_policy "$T/policy.yaml" "daily $(hhmm $((now - 120))) 3h" \
  "fleet_lock:" "  url: \"$fl_url\"" "  group: wine-g" "  id: wine-node" \
  "  retry: 1s"

start_agent "$T/agent.log" --policy "$(winpath "$T/policy.yaml")" \
  --state "$(winpath "$T/state")"
wait_for "$T/agent.log" 'FleetLock slot released: group wine-g, id wine-node \(at start\)' 120
wait_for "$T/agent.log" 'run counted: 2/3' 60
grep -Eq "$SHUTDOWN_RE" "$T/agent.log" && fail "reboot below the threshold"

add_run 507 $((now - 60))
wait_for "$T/agent.log" 'run counted: 3/3' 60
wait_for "$T/agent.log" 'FleetLock slot acquired: group wine-g, id wine-node' 60
[ "$(fl_holders wine-g)" = wine-node ] || fail "etcd holders: '$(fl_holders wine-g)'"
wait_for "$T/agent.log" "$SHUTDOWN_RE" 60
grep -q '^fleet_slot [0-9]* wine-g wine-node$' "$T/state" || fail "the state does not hold the slot"

# The server comes back: a boot event (EventLog 6005).
boot=$(date +%s)
printf "%s\n" "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='EventLog'/><EventID Qualifiers='32768'>6005</EventID><Version>0</Version><Level>4</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x80000000000000</Keywords><TimeCreated SystemTime='$(iso "$boot")'/><EventRecordID>9001</EventRecordID><Correlation/><Execution ProcessID='0' ThreadID='0'/><Channel>System</Channel><Computer>FS01.corp.example</Computer><Security/></System><EventData><Data></Data></EventData></Event>" >>"$EVENTS"
wait_for "$T/agent.log" 'boot detected' 60
wait_for "$T/agent.log" 'FleetLock slot released: group wine-g, id wine-node \(after the boot\)' 60
[ -z "$(fl_holders wine-g)" ] || fail "holders left: $(fl_holders wine-g)"
n=$(grep -Ec "$SHUTDOWN_RE" "$T/agent.log")
[ "$n" -eq 1 ] || fail "expected one InitiateSystemShutdownExW call, saw $n"
stop_agent
grep -q '^fleet_slot' "$T/state" && fail "the state still holds the slot"
echo "PASS: WinHTTP acquire, one InitiateSystemShutdownExW, release after the boot"
