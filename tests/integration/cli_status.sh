#!/usr/bin/env bash
# status and reset on state files written by replay: count, schedule,
# history, the reboot-loop guard, the JSON form and the metrics form.
. "$(dirname "$0")/cli_lib.bash"

write_policy "$T/p.yaml"

# 12 nights: count 12, a reboot scheduled for Sunday Mar 15 02:00.
gen_events "$T/c.xml" 2026-03-01 12
expect_rc 0 replay --policy "$T/p.yaml" --events "$T/c.xml" --summary --save-state "$T/s1"
expect_rc 0 status --state "$T/s1" --json
pycheck \
  'assert d["count"] == 12 and d["runs_since_boot"] >= 11, d' \
  'assert d["scheduled"] == {"at": "2026-03-15T02:00:00Z", "slot_start": "2026-03-15T02:00:00Z", "slot_end": "2026-03-15T05:00:00Z"}, d["scheduled"]' \
  'assert d["boot_time"] == "2026-03-01T22:00:04Z", d["boot_time"]' \
  'assert d["last_event"] == "2026-03-12T23:00:02Z", d["last_event"]' \
  'assert d["history"] == [] and d["locked"] is False'
expect_rc 0 status --state "$T/s1" --policy "$T/p.yaml"
expect_out '^Count: +12 of threshold 10 \(hard limit 64\)$'
expect_out '^Scheduled: +reboot at Sun 2026-03-15 02:00 \+00:00'

# After the reboot: count 0, no schedule, one confirmed reboot.
expect_rc 0 replay --policy "$T/p.yaml" --events "$T/c.xml" --summary --until 2026-03-16T00:00Z --save-state "$T/s2"
expect_rc 0 status --state "$T/s2" --json
pycheck \
  'assert d["count"] == 0 and d["scheduled"] is None, d' \
  'assert d["history"] == [{"at": "2026-03-15T02:00:00Z", "count": 12, "confirmed": True}], d["history"]'

# The Prometheus form.
expect_rc 0 status --state "$T/s1" --policy "$T/p.yaml" --prometheus
expect_out '^vssguard_active_sessions_estimated 12$'
expect_out '^vssguard_threshold 10$'
expect_out '^vssguard_hard_limit 64$'
expect_out '^vssguard_next_reboot_timestamp_seconds 1773540000$'
expect_out '^# TYPE vssguard_reboots_initiated_total counter$'
expect_out '^vssguard_reboot_locked 0$'

# A locked guard shows, and reset clears it.
sed -e 's/^locked 0$/locked 1/' -e 's/^attempts 0$/attempts 3/' "$T/s1" >"$T/s3"
grep -q '^locked 1$' "$T/s3" || fail "could not prepare a locked state"
expect_rc 0 status --state "$T/s3" --json
pycheck 'assert d["locked"] is True'
expect_rc 0 status --state "$T/s3"
expect_out '^LOCKED: '
expect_rc 0 reset --state "$T/s3"
expect_out 'reboot guard reset \(it was locked\)'
expect_err '\[1019\].*reset'
expect_rc 0 status --state "$T/s3" --json
pycheck 'assert d["locked"] is False and d["count"] == 12'

# Missing and corrupt states are bad input.
expect_rc 2 status --state "$T/none"
expect_err 'none'
expect_rc 2 reset --state "$T/none"
printf 'garbage\n' >"$T/bad"
expect_rc 2 status --state "$T/bad" --json
expect_err 'bad'

pass
