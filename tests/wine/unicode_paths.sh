#!/usr/bin/env bash
# End to end under Wine: a policy, a state file, a metrics file and an event
# export whose paths hold characters outside the ANSI code page (Greek,
# beside the French and German of C:\Données\Überwachung). The command line
# reaches the agent in UTF-8 and every file is opened through the wide API:
# check-policy reads the policy, replay reads the export, and the running
# agent counts runs into its state and writes its metrics there.
source "$(dirname "$0")/lib.sh"

dir="$T/Données/Überwachung/Ωμέγα"
mkdir -p "$dir"
now=$(date +%s)
add_run 301 $((now - 400))
add_run 304 $((now - 300))
add_run 307 $((now - 200))
cp "$EVENTS" "$dir/export Δ.xml"

# A window far from now: counted, scheduled, no reboot during the test.
write_policy "$dir/richtlinie ü.yaml" "daily $(hhmm $((now + 6 * 3600))) 1h" \
  "metrics_file: '$(winpath "$dir")\\métriques Σ.prom'"

# 1. check-policy: the policy file opens.
vg check-policy "$(winpath "$dir/richtlinie ü.yaml")" >"$T/check.log" 2>&1 ||
  { cat "$T/check.log" >&2; fail "check-policy cannot read a policy under $dir"; }

# 2. replay: the export opens.
vg replay --policy "$(winpath "$dir/richtlinie ü.yaml")" \
  --events "$(winpath "$dir/export Δ.xml")" --json >"$T/replay.json" 2>"$T/replay.err" ||
  { cat "$T/replay.err" >&2; fail "replay cannot read an export under $dir"; }
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["runs_counted"] == 3, d["runs_counted"]' \
  "$T/replay.json" || fail "replay did not count the 3 runs of the export"

# 3. The agent: state (with its .tmp and rename) and metrics under $dir.
start_agent "$T/agent.log" --policy "$(winpath "$dir/richtlinie ü.yaml")" \
  --state "$(winpath "$dir/état Ω")"
wait_for "$T/agent.log" 'run counted: 3/3' 120
wait_count "$dir/état Ω" 3 60
for i in $(seq 1 150); do
  [ -f "$dir/métriques Σ.prom" ] && break
  sleep 0.2
done
stop_agent
[ -f "$dir/métriques Σ.prom" ] || { cat "$T/agent.log" >&2; fail "no metrics file under $dir"; }
grep -q ' 3$' "$dir/métriques Σ.prom" || fail "the metrics file does not show the count 3"
[ ! -e "$dir/état Ω.tmp" ] || fail "state.tmp left behind"
if grep -q 'InitiateSystemShutdownExW' "$T/agent.log"; then
  fail "reboot outside the window"
fi
echo "PASS: policy, export, state and metrics under a non-ANSI path"
