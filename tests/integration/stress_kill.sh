#!/usr/bin/env bash
# Crash safety in CI: scripts/stress with 200 SIGKILLs at random moments
# (a quarter of them inside a widened state write). The state always
# parses, the count equals the distinct runs since the boot, and the due
# reboot runs at most once. Under valgrind (VG_WRAP) 20 kills, since every
# start costs a second there; VG_STRESS_KILLS overrides.
set -euo pipefail
src=${VG_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
kills=${VG_STRESS_KILLS:-200}
if [ -n "${VG_WRAP:-}" ] && [ -z "${VG_STRESS_KILLS:-}" ]; then kills=20; fi
exec "$src/scripts/stress" --kills "$kills" --seed "${VG_STRESS_SEED:-20261128}"
