#!/usr/bin/env bash
# plan: the next reboot, the projection, skipped windows with reasons, the
# too-sparse warning and where every setting came from.
. "$(dirname "$0")/cli_lib.bash"

cat >"$T/p.yaml" <<'YAML'
threshold: 56
timezone: UTC
maintenance_windows:
  - { days: [sun], start: "02:00", duration: 3h }
  - "wed 23:30 2h"
blackouts:
  - { name: year-end freeze, start: 2026-12-20T00:00, end: 2027-01-04T00:00 }
reboot:
  splay: 0s
YAML

# At the threshold: the next usable slot, after the blacked-out ones.
expect_rc 0 plan --policy "$T/p.yaml" --count 56 --from 2026-12-19T00:00 --json
pycheck \
  'assert d["count"] == 56 and d["threshold"] == 56 and d["hard_limit"] == 64' \
  'assert d["threshold_reached"] is True' \
  'n = d["next_reboot"]' \
  'assert n["at"] == "2027-01-06T23:30:00Z", n' \
  'assert n["slot_start"] == "2027-01-06T23:30:00Z" and n["slot_end"] == "2027-01-07T01:30:00Z", n' \
  'r = [s["reason"] for s in d["skips"]]' \
  'assert len(r) == 5 and all("year-end freeze" in x for x in r), r' \
  'assert d["skips"][0]["start"] == "2026-12-20T02:00:00Z"' \
  'p = d["projection"]' \
  'assert p["runs_per_day"] == 1 and p["cadence_source"] == "default"' \
  'assert p["limit_at"] == "2026-12-27T00:00:00Z", p' \
  'assert p["too_sparse"] is True' \
  'assert any("hard limit" in w for w in d["warnings"]), d["warnings"]' \
  's = d["settings"]' \
  'assert s["threshold"] == {"value": 56, "origin": "file"}, s["threshold"]' \
  'assert s["reboot.splay"]["origin"] == "file" and s["reboot.splay"]["value"] == "0s"' \
  'assert s["reboot.warning"] == {"value": "10m", "origin": "default"}, s["reboot.warning"]' \
  'assert s["metrics_file"]["origin"] == "default"'

# Below the threshold: the reboot follows the projection.
expect_rc 0 plan --policy "$T/p.yaml" --count 40 --runs-per-day 2 --from 2026-11-02T00:00 --json
pycheck \
  'assert d["threshold_reached"] is False' \
  'p = d["projection"]' \
  'assert p["runs_per_day"] == 2 and p["cadence_source"] == "option"' \
  'assert p["threshold_at"] == "2026-11-10T00:00:00Z", p' \
  'assert p["limit_at"] == "2026-11-14T00:00:00Z", p' \
  'assert p["too_sparse"] is False' \
  'assert d["next_reboot"]["at"] == "2026-11-11T23:30:00Z", d["next_reboot"]' \
  'assert d["skips"] == [] and d["warnings"] == []'

# The human form says the same.
expect_rc 0 plan --policy "$T/p.yaml" --count 56 --from 2026-12-19T00:00
expect_out '^Next reboot: Wed 2027-01-06 23:30 \+00:00$'
expect_out "^  Sun 2026-12-20 02:00 \+00:00 -> Sun 2026-12-20 05:00 \+00:00: blackout 'year-end freeze'$"
expect_out '^WARNING: .*hard limit of 64'
expect_out '^  threshold +file +56$'
expect_out '^  reboot\.warning +default +10m$'

# The count and the cadence from a state written by replay.
write_policy "$T/w.yaml"
gen_events "$T/e.xml" 2026-03-01 12
expect_rc 0 replay --policy "$T/w.yaml" --events "$T/e.xml" --summary --save-state "$T/state"
expect_rc 0 plan --policy "$T/w.yaml" --state "$T/state" --from 2026-03-13T00:00 --json
pycheck \
  'assert d["count"] == 12 and d["count_source"] == "state", d' \
  'assert d["projection"]["cadence_source"] == "observed"' \
  'assert abs(d["projection"]["runs_per_day"] - 1) < 0.25, d["projection"]'

expect_rc 2 plan --policy "$T/w.yaml" --state "$T/missing-state"
expect_err "missing-state"
printf 'not a state\n' >"$T/corrupt"
expect_rc 2 plan --policy "$T/w.yaml" --state "$T/corrupt"

pass
