#!/usr/bin/env bash
# The command line itself: --version, --help, help CMD, and exit code 64
# with a one-line hint for every kind of usage error.
. "$(dirname "$0")/cli_lib.bash"

expect_rc 0 --version
expect_out '^vssguard [0-9]+\.[0-9]+\.[0-9]+$'

expect_rc 0 --help
for c in check-policy windows plan replay status run reset help; do
  expect_out "^  $c "
done
expect_out 'Exit codes: 0 ok, 1 failure, 2 bad input, 64 usage error'

expect_rc 0 help plan
expect_out '^Usage: vssguard plan '
expect_rc 0 replay --help
expect_out '^Usage: vssguard replay '

# Usage errors: exit 64, exactly one line on stderr, nothing on stdout.
usage() {
  expect_rc 64 "$@"
  [ "$(wc -l <"$T/err")" -eq 1 ] || fail "vssguard $*: hint is not one line"
  [ ! -s "$T/out" ] || fail "vssguard $*: wrote to stdout"
  expect_err "^vssguard: .*try 'vssguard (help [a-z-]+|--help)'"
}
write_policy "$T/p.yaml"
usage
usage frobnicate
usage --frobnicate
usage help frobnicate
usage check-policy
usage check-policy a.yaml b.yaml
usage windows --policy "$T/p.yaml" --bogus
usage windows --policy "$T/p.yaml" --count
usage windows --policy "$T/p.yaml" --count zero
usage windows --policy "$T/p.yaml" --count 0
usage windows --policy "$T/p.yaml" --from yesterday
usage windows --policy "$T/p.yaml" --json=yes
usage windows --policy "$T/p.yaml" --json --json
usage windows --policy "$T/p.yaml" extra
usage plan --policy "$T/p.yaml" --state "$T/s" --count 3
usage plan --policy "$T/p.yaml" --count 65
usage plan --policy "$T/p.yaml" --runs-per-day 0
usage plan --policy "$T/p.yaml" --runs-per-day -1
usage replay --policy "$T/p.yaml"
usage replay --events "$T/e.xml"
usage replay --policy "$T/p.yaml" --events "$T/e.xml" --seed x
usage status --json --prometheus --state "$T/s"
usage run --dry-run --reboot-command /bin/true --policy "$T/p.yaml"
usage run --seed -3

# --opt=value and "--" work.
expect_rc 0 windows --policy="$T/p.yaml" --count=1 --from=2026-03-01T00:00Z
expect_out '^  Sun 2026-03-01 02:00 \+00:00  ->  Sun 2026-03-01 05:00 \+00:00  \(3h\)$'
expect_rc 0 check-policy -- "$T/p.yaml"

pass
