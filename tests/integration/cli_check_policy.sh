#!/usr/bin/env bash
# check-policy on good and bad files: a one-line summary and exit 0, or
# every error as file:line:col: message and exit 2.
. "$(dirname "$0")/cli_lib.bash"

expect_rc 0 check-policy "$VG_SRC/policy/examples/policy.yaml"
expect_out "policy\.yaml: ok: threshold 56, 2 windows, 3 blackouts"
[ "$(wc -l <"$T/out")" -eq 1 ] || fail "summary is not one line"

for f in "$VG_SRC"/policy/examples/*.yaml; do
  expect_rc 0 check-policy "$f"
  expect_out ": ok: threshold [0-9]+"
done

# Four independent errors: every one is reported with its position.
cat >"$T/bad.yaml" <<'YAML'
threshold: 64
timezone: Mars/Olympus
maintenance_windows:
  - "sun 25:00 3h"
colour: blue
YAML
expect_rc 2 check-policy "$T/bad.yaml"
[ ! -s "$T/out" ] || fail "errors went to stdout"
expect_err "^$T/bad\.yaml:1:[0-9]+: .*threshold"
expect_err "^$T/bad\.yaml:2:[0-9]+: .*Mars"
expect_err "^$T/bad\.yaml:4:[0-9]+: .*25:00"
expect_err "^$T/bad\.yaml:5:[0-9]+: .*colour"
n=$(grep -Ec "^$T/bad\.yaml:[0-9]+:[0-9]+: " "$T/err")
[ "$n" -ge 4 ] || fail "expected at least 4 positioned errors, got $n"
if grep -Evq "^$T/bad\.yaml:[0-9]+:[0-9]+: " "$T/err"; then
  fail "an error line is not file:line:col: message"
fi

# Malformed YAML and a missing file are bad input too.
printf 'threshold: [1,\n' >"$T/broken.yaml"
expect_rc 2 check-policy "$T/broken.yaml"
expect_err "^$T/broken\.yaml:[0-9]+:[0-9]+: "
expect_rc 2 check-policy "$T/does-not-exist.yaml"
expect_err "does-not-exist\.yaml"

# The bad-input fixtures, when present, all fail, each error naming the
# file (and its position, when the error has one).
for f in "$VG_SRC"/tests/data/policy/bad/*.yaml; do
  [ -e "$f" ] || continue
  expect_rc 2 check-policy "$f"
  [ ! -s "$T/out" ] || fail "$f: output on stdout"
  if grep -Evq "^$f(:[0-9]+:[0-9]+)?: " "$T/err"; then
    fail "$f: an error line does not start with the file name"
  fi
done
for f in "$VG_SRC"/tests/data/policy/good/*.yaml; do
  [ -e "$f" ] || continue
  expect_rc 0 check-policy "$f"
done

pass
