#!/usr/bin/env bash
# windows: the next allowed slots, in the human and the JSON form, with
# blackouts taken out and local times in the policy's zone.
. "$(dirname "$0")/cli_lib.bash"

cat >"$T/p.yaml" <<'YAML'
threshold: 50
timezone: "+01:00"
maintenance_windows:
  - { days: [sun], start: "02:00", duration: 3h }
  - "wed 23:30 2h"
blackouts:
  - { name: freeze, start: 2026-12-20T00:00, end: 2027-01-04T00:00 }
YAML

expect_rc 0 windows --policy "$T/p.yaml" --from 2026-11-27T00:00 --count 3 --json
pycheck \
  'assert list(d) == ["slots"], d' \
  'assert len(d["slots"]) == 3' \
  'assert all(list(s) == ["start", "end", "local_start", "local_end"] for s in d["slots"])' \
  's = d["slots"][0]' \
  'assert s["start"] == "2026-11-29T01:00:00Z", s' \
  'assert s["end"] == "2026-11-29T04:00:00Z", s' \
  'assert s["local_start"] == "2026-11-29T02:00:00+01:00", s' \
  'assert s["local_end"] == "2026-11-29T05:00:00+01:00", s' \
  'assert d["slots"][1]["local_start"] == "2026-12-02T23:30:00+01:00"' \
  'assert d["slots"][1]["local_end"] == "2026-12-03T01:30:00+01:00"' \
  'assert d["slots"][2]["start"] == "2026-12-06T01:00:00Z"'

# The freeze removes every window from Dec 20 to Jan 3.
expect_rc 0 windows --policy "$T/p.yaml" --from 2026-12-14T00:00 --count 3 --json
pycheck \
  'st = [s["start"] for s in d["slots"]]' \
  'assert st == ["2026-12-16T22:30:00Z", "2027-01-06T22:30:00Z", "2027-01-10T01:00:00Z"], st'

# --from in the policy zone without an offset, or with one; default count 5.
expect_rc 0 windows --policy "$T/p.yaml" --from 2026-11-29T03:00+01:00 --json
pycheck 'assert len(d["slots"]) == 5' \
  'assert d["slots"][0]["start"] == "2026-11-29T01:00:00Z"'

expect_rc 0 windows --policy "$T/p.yaml" --from 2026-11-27T00:00 --count 2
expect_out '^Next 2 allowed slots \(policy zone \+01:00\):$'
expect_out '^  Sun 2026-11-29 02:00 \+01:00  ->  Sun 2026-11-29 05:00 \+01:00  \(3h\)$'
expect_out '^  Wed 2026-12-02 23:30 \+01:00  ->  Thu 2026-12-03 01:30 \+01:00  \(2h\)$'

# A window that is always open: consecutive slots never overlap.
printf 'threshold: 5\ntimezone: UTC\nmaintenance_windows:\n  - "daily 00:00 24h"\n' >"$T/always.yaml"
expect_rc 0 windows --policy "$T/always.yaml" --from 2026-12-01T10:00Z --count 3 --json
pycheck 'sl = d["slots"]' 'assert len(sl) == 3, sl' \
  'assert all(sl[i]["end"] <= sl[i + 1]["start"] for i in range(2)), sl'

# A bad policy is bad input.
printf 'threshold: 0\n' >"$T/bad.yaml"
expect_rc 2 windows --policy "$T/bad.yaml" --json
expect_err "bad\.yaml:1:[0-9]+: "

pass
