#!/usr/bin/env bash
# replay: one history gives the same figures in every form administrators
# export it (issue 9): oldest first, newest first, one export per channel
# concatenated, a random interleaving, UTF-16LE and UTF-8 with a byte order
# mark, Event Viewer's "Save as XML", /f:RenderedXml and Get-WinEvent's
# ToXml() lines. scripts/export-forms writes the forms. Prints the table of
# figures per form.
. "$(dirname "$0")/cli_lib.bash"

forms="oldest-first newest-first per-channel shuffled utf16le-bom utf8-bom eventviewer rendered towxml"

# figures FILE: the figures of a replay --json --summary, one line.
figures() {
  python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
keys = ("events", "runs_counted", "failed_runs_not_counted", "calibrations",
        "calibrations_ignored", "boots", "duplicates", "malformed",
        "max_count", "final_count")
print(" ".join("%s=%s" % (k, d[k]) for k in keys) +
      " reboots=" + ",".join("%s@%d" % (r["at"], r["count"]) for r in d["reboots"]))
PY
}

# check_history NAME HISTORY.xml: every form of HISTORY replays to the
# figures of the oldest-first export, with failed runs counted and not.
check_history() {
  local name=$1 hist=$2 policy want got form cf
  "$VG_SRC/scripts/export-forms" --seed 7 "$hist" "$T/$name" >/dev/null ||
    fail "export-forms failed on $hist"
  for cf in true false; do
    policy="$T/p-$cf.yaml"
    sed "s/^threshold: 10$/threshold: 63/" "$T/p.yaml" >"$policy"
    printf 'count_failed_backups: %s\n' "$cf" >>"$policy"
    want=""
    printf '\n%s, count_failed_backups: %s\n' "$name" "$cf"
    printf '| form | order in the file | runs counted | failed not counted | boots | calibrations (ignored) | duplicates | final count | reboots |\n'
    printf '|---|---|---|---|---|---|---|---|---|\n'
    for form in $forms; do
      expect_rc 0 replay --policy "$policy" --events "$T/$name/$form.xml" --json --summary
      got=$(figures "$T/out")
      python3 - "$T/out" "$form" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("| %s | %s | %d | %d | %d | %d (%d) | %d | %d | %d |" % (
    sys.argv[2], d["input_order"], d["runs_counted"],
    d["failed_runs_not_counted"], d["boots"], d["calibrations"],
    d["calibrations_ignored"],
    d["duplicates"], d["final_count"], len(d["reboots"])))
PY
      if [ -z "$want" ]; then
        want=$got
      elif [ "$got" != "$want" ]; then
        fail "$name: $form gives
  $got
oldest first gives
  $want"
      fi
    done
  done
}

write_policy "$T/p.yaml"

# A generated 2008 R2 history: 150 nights, boots on days 0, 72 and 112,
# VSS 12289 once 64 sessions are active, failures, duplicates written up to
# 40 events after their original, and every start event logged 25 minutes
# before its run's BackupTime.
python3 "$VG_SRC/scripts/gen-events" --start 2026-01-05 --days 150 \
  --boots 0,72,112 --failures 6 --duplicates 8 --duplicate-gap 40 \
  --start-gap -1500 -o "$T/gen.xml" 2>"$T/expect"
check_history generated "$T/gen.xml"
# Its figures are the generator's. gen-events writes two VSS 12289 (two
# writers) in a run once 64 sessions are active; each includes its run, so
# that run is counted by the calibration, not as "run counted".
expect_rc 0 replay --policy "$T/p-true.yaml" --events "$T/gen.xml" --json --summary
pycheck \
  'import re; x = dict(re.findall(r"(\w+)=(\S+)", open("'"$T/expect"'").read()))' \
  'assert d["boots"] == int(x["boots"]), (d["boots"], x)' \
  'assert d["runs_counted"] + d["calibrations"] // 2 == int(x["runs_total"]), (d["runs_counted"], x)' \
  'import collections; evs = re.findall(r"<Event .*?</Event>", open("'"$T/gen.xml"'").read())' \
  'key = lambda e: (re.search("<Channel>(.*?)<", e).group(1), re.search("<EventID[^>]*>(.*?)<", e).group(1), re.search("<EventRecordID>(.*?)<", e).group(1))' \
  'matter = lambda k: k[0] == "Microsoft-Windows-Backup" or (k[0], k[1]) in (("Application", "12289"), ("System", "6005"), ("System", "12"))' \
  'c = collections.Counter(key(e) for e in evs); dups = sum(n - 1 for k, n in c.items() if matter(k))' \
  'assert d["duplicates"] == dups and sum(n - 1 for n in c.values()) == int(x["duplicates"]), (d["duplicates"], dups, x)' \
  'assert d["events"] + d["passed_over"] == len(evs), (d["events"], d["passed_over"], len(evs))' \
  'assert d["calibrations"] + d["calibrations_ignored"] == int(x["vss_12289"]), x' \
  'assert d["malformed"] == 0'

# The issue's history: 70 nightly runs, start events far from BackupTime,
# threshold 63: 70 runs counted, not 140, and no reboot before the count
# really reached 63.
python3 "$VG_SRC/scripts/gen-events" --start 2026-01-05 --days 70 --no-vss \
  --start-gap -1500 -o "$T/seventy.xml" 2>/dev/null
printf 'threshold: 63\ntimezone: UTC\nmaintenance_windows:\n  - sun 02:00 3h\n' >"$T/p63.yaml"
chmod 600 "$T/p63.yaml"
for form in oldest-first newest-first shuffled; do
  "$VG_SRC/scripts/export-forms" "$T/seventy.xml" "$T/seventy" >/dev/null
  expect_rc 0 replay --policy "$T/p63.yaml" --events "$T/seventy/$form.xml" --json --summary
  pycheck 'assert d["runs_counted"] == 70 and d["max_count"] <= 70, d' \
    'assert all(r["count"] >= 63 for r in d["reboots"]), d["reboots"]'
done

# Histories derived from real Windows events (tests/data/real).
# The real System records (three boots minutes apart, Kernel-General 12
# logged after 6005 with an earlier time, noise) and 120 nights of backups.
"$VG_SRC/scripts/real-history" --nights 120 --fail-nights 5,40 \
  -o "$T/real.xml" 2>"$T/real-expect" || fail "real-history failed"
check_history real "$T/real.xml"
expect_rc 0 replay --policy "$T/p-true.yaml" --events "$T/real.xml" --json --summary
pycheck \
  'import re; x = dict(re.findall(r"(\w+)=(\S+)", open("'"$T/real-expect"'").read()))' \
  'assert d["boots"] == 3 and d["malformed"] == 0, d' \
  'assert d["runs_counted"] + d["calibrations"] // 2 == int(x["runs_total"]) == 120, (d["runs_counted"], x)' \
  'assert d["calibrations"] + d["calibrations_ignored"] == int(x["vss_12289"]), x'
expect_rc 0 replay --policy "$T/p-false.yaml" --events "$T/real.xml" --json --summary
pycheck 'assert d["runs_counted"] + d["calibrations"] // 2 == 118 and d["failed_runs_not_counted"] == 2, d'

# The real System and Application logs of a Windows Server 2022 machine:
# three boots, two of them 106 s apart, the clock stepped back three hours
# between the 6005 and the Kernel-General 12 of one boot (each channel in
# record order in the oldest-first form). Three boots in every form.
"$VG_SRC/scripts/real-history" --machine server2022 --nights 120 \
  --fail-nights 5,40 -o "$T/real2022.xml" 2>"$T/real2022-expect" ||
  fail "real-history --machine server2022 failed"
check_history server2022 "$T/real2022.xml"
expect_rc 0 replay --policy "$T/p-true.yaml" --events "$T/real2022.xml" --json --summary
pycheck \
  'import re; x = dict(re.findall(r"(\w+)=(\S+)", open("'"$T/real2022-expect"'").read()))' \
  'assert d["boots"] == int(x["real_boots"]) == 3 and d["malformed"] == 0, d' \
  'assert d["runs_counted"] + d["calibrations"] // 2 == int(x["runs_total"]) == 120, (d["runs_counted"], x)' \
  'assert d["calibrations"] + d["calibrations_ignored"] == int(x["vss_12289"]), x'

# The same real System log with one backup run at 03:30 that day, after
# its last boot (02:46 by the clock set back three hours; its first boot
# was logged at 05:43 before the step). Each channel is taken in record
# order, merged by time, so the run follows the last boot: count 1. A
# random interleaving loses the order Windows logged (replay then sorts by
# time, and the first boot, logged at 05:43, resets the count), so it is
# not among the forms here.
python3 "$VG_SRC/scripts/gen-events" --start 2023-10-18 --days 1 \
  --time 03:30 --boots "" --no-noise --no-vss --wsb-version 3 \
  --computer WIN-FUDU2CKJOE8 -o "$T/run0330.xml" 2>/dev/null ||
  fail "gen-events failed"
cat "$VG_SRC/tests/data/real/server2022-system.xml" "$T/run0330.xml" \
  >"$T/step.xml"
"$VG_SRC/scripts/export-forms" "$T/step.xml" "$T/step" >/dev/null ||
  fail "export-forms failed on $T/step.xml"
for form in oldest-first newest-first per-channel utf16le-bom utf8-bom \
  eventviewer rendered towxml; do
  expect_rc 0 replay --policy "$T/p-true.yaml" --events "$T/step/$form.xml" --json --summary
  pycheck 'assert (d["runs_counted"], d["boots"], d["final_count"]) == (1, 3, 1), (d["runs_counted"], d["boots"], d["final_count"])' \
    'assert d["replay_order"] == "record", d["replay_order"]'
done

pass
