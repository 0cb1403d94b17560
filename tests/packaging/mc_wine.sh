#!/usr/bin/env bash
# The message table works as Event Viewer uses it: packaging/windows/vssguard.mc
# is compiled with windmc and windres into a probe program (mc_probe.c), and
# under Wine every event id of include/vssguard/log.h, with the severity bits
# the table gives it, must format to its insertion string; an id with other
# severity bits must not be found (the agent must pass the full id). The same
# is checked on the table linked into vssguard.exe ($VG_WIN_EXE, default
# build/mingw/vssguard.exe) when it is built, loaded as Event Viewer loads an
# EventMessageFile.
# Env: VG_SRC source tree. Exit 0 pass, 1 fail, 77 skip (no mingw-w64 or Wine).
set -uo pipefail

src=${VG_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
for tool in x86_64-w64-mingw32-windmc x86_64-w64-mingw32-windres x86_64-w64-mingw32-gcc; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed (scripts/setup --win)"; exit 77; }
done
if ! command -v wine64 >/dev/null && [ ! -x /usr/lib/wine/wine64 ]; then
  echo "SKIP: wine64 not installed (scripts/setup --win)"
  exit 77
fi

work=$(mktemp -d /tmp/vg-mc-wine.XXXXXX)
prefix=$work/prefix
trap 'WINEPREFIX=$prefix wineserver -k 2>/dev/null || /usr/lib/wine/wineserver64 -k 2>/dev/null || true; rm -rf "$work"' EXIT

(cd "$work" && x86_64-w64-mingw32-windmc -U -h . -r . "$src/packaging/windows/vssguard.mc" &&
  x86_64-w64-mingw32-windres -I . vssguard.rc -o vssguard_res.o &&
  x86_64-w64-mingw32-gcc -std=c11 -Wall -Wextra -municode -static -o probe.exe \
    "$src/tests/packaging/mc_probe.c" vssguard_res.o) || { echo "FAIL: cannot build the probe"; exit 1; }

# The full ids from the generated header, and the same ids with wrong severity.
ids=$(sed -n 's/^#define VG_MSG_[A-Z0-9_]* (DWORD) \(0x[0-9a-f]*\)$/\1/p' "$work/vssguard.h")
n=$(echo "$ids" | wc -w)
want=$(python3 - "$src/include/vssguard/log.h" <<'PY'
import re, sys
body = re.search(r"enum\s+vg_event_id\s*\{(.*?)\}", open(sys.argv[1]).read(), re.S).group(1)
print(len(re.findall(r"VG_EV_\w+\s*=\s*\d+", body)))
PY
)
if [ "$n" -ne "$want" ]; then
  echo "FAIL: the header has $n message ids, log.h $want event ids"
  exit 1
fi
wrong=""
for id in $ids; do
  wrong="$wrong $(printf "0x%08x" $((id & 0xFFFF)))"
done

fails=0
# check LABEL OUTPUT: every id resolves to its insertion string, no id
# without severity bits resolves.
check() {
  local label=$1 out=$2 id line
  for id in $ids; do
    line=$(grep "^$id " <<<"$out")
    if [ "$line" != "$id probe-$((id & 0xFFFF))" ]; then
      echo "FAIL: $label: message $id formats as '${line#* }', expected 'probe-$((id & 0xFFFF))'"
      fails=$((fails + 1))
    fi
  done
  for id in $wrong; do
    if ! grep -q "^$id MISSING$" <<<"$out"; then
      echo "FAIL: $label: message $id (no severity bits) should not resolve: $(grep "^$id " <<<"$out")"
      fails=$((fails + 1))
    fi
  done
}

out=$("$src/scripts/wine-run" --prefix "$prefix" "$work/probe.exe" $ids $wrong 2>&1 | tr -d '\r')
check "vssguard.mc" "$out"

# The message table linked into the real vssguard.exe, when it is built.
exe=${VG_WIN_EXE:-$src/build/mingw/vssguard.exe}
if [ -f "$exe" ]; then
  cp "$exe" "$work/agent.exe"
  out=$("$src/scripts/wine-run" --prefix "$prefix" "$work/probe.exe" --module "Z:$(echo "$work/agent.exe" | tr / '\\')" $ids $wrong 2>&1 | tr -d '\r')
  check "$exe" "$out"
  [ $fails -ne 0 ] || echo "ok: the message table in $exe resolves every id"
else
  echo "note: $exe not built; only the compiled .mc was probed"
fi
if [ $fails -ne 0 ]; then
  echo "mc_wine: $fails failure(s)"
  exit 1
fi
echo "mc_wine: all $n messages resolve with their severity bits under Wine, none without"
