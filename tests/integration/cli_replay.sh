#!/usr/bin/env bash
# replay: the agent's decisions over a recorded history in simulated time,
# on generated histories with known answers and on the bundled example.
. "$(dirname "$0")/cli_lib.bash"

write_policy "$T/p.yaml"

# 30 nights from Sunday 2026-03-01; threshold 10, Sunday windows only.
# Count 10 on Mar 10; reboot Sun Mar 15 02:00 at 14; again Mar 29 at 14.
gen_events "$T/a.xml" 2026-03-01 30
expect_rc 0 replay --policy "$T/p.yaml" --events "$T/a.xml" --json
pycheck \
  'assert d["runs_counted"] == 29, d["runs_counted"]' \
  'assert d["calibrations"] == 1 and d["boots"] == 0' \
  'assert d["final_count"] == 2, d["final_count"]' \
  'assert d["max_count"] == 14' \
  'assert [r["at"] for r in d["reboots"]] == ["2026-03-15T02:00:00Z", "2026-03-29T02:00:00Z"], d["reboots"]' \
  'assert [r["count"] for r in d["reboots"]] == [14, 14]' \
  'assert d["scheduled"] is None' \
  'ev = [e["event"] for e in d["timeline"]]' \
  'assert ev.count("would reboot") == 2 and ev.count("boot after reboot") == 2' \
  'assert ev.count("reboot scheduled") == 2 and ev.count("calibrated") == 1' \
  'assert ev.count("run counted") == 29' \
  'assert all(e["at"].endswith("Z") for e in d["timeline"])' \
  'ts = [e["at"] for e in d["timeline"]]; assert ts == sorted(ts)'

# A recorded boot on day 5 resets the count: one reboot, on Mar 22 at 16.
gen_events "$T/b.xml" 2026-03-01 30 5
expect_rc 0 replay --policy "$T/p.yaml" --events "$T/b.xml" --json --summary
pycheck \
  'assert "timeline" not in d' \
  'assert d["boots"] == 1' \
  'assert [(r["at"], r["count"]) for r in d["reboots"]] == [("2026-03-22T02:00:00Z", 16)], d["reboots"]' \
  'assert d["final_count"] == 9'

# The human timeline folds runs and shows every decision.
expect_rc 0 replay --policy "$T/p.yaml" --events "$T/a.xml"
expect_out '^2026-03-01 22:(05|09)  calibrated +0 -> 1/10'
expect_out '^2026-03-02 23:00  runs counted +1 -> 10/10  \(9 runs up to 2026-03-10 23:00\)$'
expect_out '^2026-03-10 23:00  reboot scheduled +for Sun 2026-03-15 02:00 \+00:00'
expect_out '^2026-03-15 02:00  would reboot +count 14/10'
expect_out '^2026-03-15 02:02  boot after reboot +count 14 -> 0$'
expect_out '^  reboots: +2 '
expect_rc 0 replay --policy "$T/p.yaml" --events "$T/a.xml" --verbose
[ "$(grep -c ' run counted ' "$T/out")" -eq 29 ] || fail "--verbose: not one line per run"

# --until continues past the history: 12 nights reach the threshold, the
# reboot comes on the next Sunday.
gen_events "$T/c.xml" 2026-03-01 12
expect_rc 0 replay --policy "$T/p.yaml" --events "$T/c.xml" --json --summary
pycheck 'assert d["reboots"] == []' \
  'assert d["scheduled"]["at"] == "2026-03-15T02:00:00Z", d["scheduled"]'
expect_rc 0 replay --policy "$T/p.yaml" --events "$T/c.xml" --json --summary --until 2026-03-20T00:00Z
pycheck 'assert [r["at"] for r in d["reboots"]] == ["2026-03-15T02:00:00Z"]' \
  'assert d["scheduled"] is None and d["final_count"] == 0'

# Splay: the seed fixes the moment; it stays inside the first 30 minutes.
sed 's/splay: 0s/splay: 30m/' "$T/p.yaml" >"$T/s.yaml"
expect_rc 0 replay --policy "$T/s.yaml" --events "$T/a.xml" --json --summary --seed 42
cp "$T/out" "$T/first.json"
expect_rc 0 replay --policy "$T/s.yaml" --events "$T/a.xml" --json --summary --seed 42
cmp -s "$T/out" "$T/first.json" || fail "replay with the same seed differs"
pycheck 'assert all("2026-03-15T02:00:00Z" <= r["at"] < "2026-03-15T02:30:00Z" for r in d["reboots"][:1]), d["reboots"]'

# Several exports concatenated (one per channel) are out of time order:
# the replay notices, sorts by itself and says so; the answer is the ordered
# file's (--sort is still accepted and changes nothing).
python3 - "$T/b.xml" "$T/cat.xml" <<'PY'
import re, sys
evs = re.findall(r"<Event .*?</Event>", open(sys.argv[1]).read(), re.S)
chan = lambda e: re.search(r"<Channel>(.*?)</Channel>", e).group(1)
groups = [[e for e in evs if chan(e) == c] for c in ("System", "Application", "Microsoft-Windows-Backup")]
assert sum(map(len, groups)) == len(evs)
open(sys.argv[2], "w").write("\n".join(e for g in groups for e in g) + "\n")
PY
expect_rc 0 replay --policy "$T/p.yaml" --events "$T/cat.xml"
expect_out '^  order: +interleaved in the file \([0-9]+ events older than the one before them\); replayed each channel in record order, merged by time$'
if grep -q -- '--sort' "$T/out"; then fail "the output still recommends --sort"; fi
expect_rc 0 replay --policy "$T/p.yaml" --events "$T/b.xml" --json --summary
pycheck 'assert d["input_order"] == "oldest first" and d["sorted"] is False and d["replay_order"] == "file"'
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); [d.pop(k) for k in ("out_of_order","input_order","sorted","replay_order")]; json.dump(d,open(sys.argv[2],"w"),sort_keys=True)' "$T/out" "$T/ordered.json"
for opt in "" --sort; do
  expect_rc 0 replay --policy "$T/p.yaml" --events "$T/cat.xml" --json --summary $opt
  pycheck 'assert d["input_order"] == "interleaved" and d["sorted"] is True and d["out_of_order"] > 0' \
    'assert d["boots"] == 1 and len(d["reboots"]) == 1'
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); [d.pop(k) for k in ("out_of_order","input_order","sorted","replay_order")]; json.dump(d,open(sys.argv[2],"w"),sort_keys=True)' "$T/out" "$T/cat.json"
  cmp -s "$T/cat.json" "$T/ordered.json" || fail "replay of the concatenated exports ($opt) differs from the ordered file"
done

# Bad input: missing events file, bad policy.
expect_rc 2 replay --policy "$T/p.yaml" --events "$T/none.xml"
expect_err "none\.xml"
printf 'threshold: 99\n' >"$T/bad.yaml"
expect_rc 2 replay --policy "$T/bad.yaml" --events "$T/a.xml"
expect_err "bad\.yaml:1:[0-9]+: "

# A boot logged before the clock was set back 3 h: its 6005 (record 11)
# says 09:00:40 by the clock ahead, the Kernel-General 12 after it (record
# 12) 06:00:05 by the corrected one, then runs at 06:10 and 07:10 by the
# corrected clock, then a real boot at 12:00 and a run at 13:00. Each
# channel in record order: the boot is taken at 06:00:05, the time of the
# record after it, so the runs after it count (before: both stale, the boot
# time taken from the 6005), and the boot at 12:00 still resets the count.
ev() { # channel provider id epoch record [data]
  printf "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='%s'/><EventID>%s</EventID><Level>4</Level><TimeCreated SystemTime='%s'/><EventRecordID>%s</EventRecordID><Channel>%s</Channel><Computer>FS01</Computer></System><EventData>%s</EventData></Event>\n" \
    "$2" "$3" "$(date -u -d "@$4" +%Y-%m-%dT%H:%M:%S.500000000Z)" "$5" "$1" "${6:-}"
}
run() { # start record
  local w=Microsoft-Windows-Backup
  ev $w $w 1 "$1" "$2"
  ev $w $w 4 $(($1 + 1800)) $(($2 + 1)) "<Data Name='HRESULT'>0</Data><Data Name='BackupTime'>$(date -u -d "@$1" +%Y-%m-%dT%H:%M:%S.000000000Z)</Data>"
}
t=$(date -u -d 2026-03-02T06:00:00Z +%s)
{
  ev System EventLog 6005 $((t + 3 * 3600 + 40)) 11
  ev System Microsoft-Windows-Kernel-General 12 $((t + 5)) 12
  run $((t + 600)) 1
  run $((t + 4200)) 3
  ev System EventLog 6005 $((t + 6 * 3600)) 60
  run $((t + 7 * 3600)) 5
} >"$T/setback.xml"
expect_rc 0 replay --policy "$T/p.yaml" --events "$T/setback.xml" --json
pycheck \
  'assert d["replay_order"] == "record", d["replay_order"]' \
  'assert (d["runs_counted"], d["boots"]) == (3, 2), (d["runs_counted"], d["boots"])' \
  'assert d["max_count"] == 2 and d["final_count"] == 1, (d["max_count"], d["final_count"])' \
  'b = [e["at"] for e in d["timeline"] if e["event"] == "boot"]' \
  'assert b == ["2026-03-02T06:00:05Z", "2026-03-02T12:00:00Z"], b'

# The bundled example: a 2008 R2 server with nightly backups over months.
ex="$VG_SRC/tests/data/example-2008r2.xml"
[ -f "$ex" ] || fail "the bundled example $ex is missing"
expect_rc 0 replay --policy "$VG_SRC/policy/examples/policy.yaml" --events "$ex" --json
pycheck \
  'assert isinstance(d["runs_counted"], int) and d["runs_counted"] >= 60, d["runs_counted"]' \
  'assert isinstance(d["final_count"], int) and 0 <= d["final_count"] < 64' \
  'assert d["boots"] >= 1 and d["calibrations"] + d["calibrations_ignored"] >= 1' \
  'assert isinstance(d["reboots"], list) and len(d["reboots"]) >= 1' \
  'assert all(r["at"].endswith("Z") and len(r["at"]) == 20 for r in d["reboots"])' \
  'assert all(r["count"] >= 56 for r in d["reboots"]), d["reboots"]' \
  'assert isinstance(d["timeline"], list) and len(d["timeline"]) > d["runs_counted"] // 2'

# The point of it all: the agent reboots before the first VSS 12289 error
# that the server, left alone, logged.
first_vss=$(python3 - "$ex" <<'PY'
import re, sys
t = re.findall(r"<EventID[^>]*>12289</EventID>.*?SystemTime='([0-9T:-]{19})", open(sys.argv[1]).read())
print(min(t))
PY
)
pycheck "assert d['reboots'][0]['at'][:19] < '$first_vss', (d['reboots'][0], '$first_vss')"

pass
