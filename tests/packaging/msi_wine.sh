#!/usr/bin/env bash
# Installs, upgrades and removes the MSI under Wine, silently, the way Group
# Policy Software Installation does (msiexec /i ... /qn), in a private Wine
# prefix:
#   1. install 0.1.0: files in Program Files\VssGuard and ProgramData\VssGuard,
#      the VssGuard service installed (auto start, "service run") and running,
#      the Event Log source registered;
#   2. the administrator edits policy.yaml; install 0.2.0: the old product is
#      replaced (one product left), the edited policy is untouched, the
#      service runs again;
#   3. installing 0.1.0 over 0.2.0 is refused;
#   4. msiexec /x: the service and the event source are gone, the program
#      folder is removed, policy.yaml stays;
#   5. installing again keeps the existing policy.yaml; remove again.
# The real vssguard.exe ($VG_WIN_EXE, default build/mingw/vssguard.exe) is
# packaged when it exists. Wine's own wevtapi aborts on the event queries the
# agent makes at start, so the test-only wevtapi.dll of tests/wine
# ($VG_FAKE_WEVTAPI, default build/mingw/tests/wine/wevtapi.dll) is put in the
# program folder before the installation (with an empty event file), as the
# tests in tests/wine do. Wine's msiexec does not wait for a service to stop
# (it ignores the ServiceControl Wait column that Windows Installer honours),
# so with the real agent, which takes a moment to save its state, the test
# stops the service and waits for it before an upgrade or an uninstall; the
# stand-in stops at once and is left to the installer. Without it the same steps run with a stand-in
# service built from tests/packaging/stub_service.c (never shipped), and the
# test ends with SKIP (exit 77) because the real program was not exercised.
# Env: VG_SRC source tree. Exit 0 pass, 1 fail, 77 skip.
set -uo pipefail

src=${VG_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
for tool in wixl msiinfo msibuild; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed (scripts/setup --win)"; exit 77; }
done
if ! command -v wine64 >/dev/null && [ ! -x /usr/lib/wine/wine64 ]; then
  echo "SKIP: wine64 not installed (scripts/setup --win)"
  exit 77
fi

work=$(mktemp -d /tmp/vg-msi-wine.XXXXXX)
prefix=$work/prefix
W() { "$src/scripts/wine-run" --prefix "$prefix" "$@"; }
cleanup() {
  WINEPREFIX=$prefix wineserver -k 2>/dev/null || /usr/lib/wine/wineserver64 -k 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

exe=${VG_WIN_EXE:-$src/build/mingw/vssguard.exe}
real=1
if [ ! -f "$exe" ]; then
  real=0
  if ! command -v x86_64-w64-mingw32-gcc >/dev/null; then
    echo "SKIP: $exe not built and no mingw-w64 to build the stand-in service"
    exit 77
  fi
  echo "note: $exe not built; using the stand-in service from tests/packaging/stub_service.c"
  exe=$work/stub/vssguard.exe
  mkdir -p "$work/stub"
  x86_64-w64-mingw32-gcc -std=c11 -O2 -municode -static -o "$exe" \
    "$src/tests/packaging/stub_service.c" || { echo "FAIL: cannot build the stand-in service"; exit 1; }
fi

fake=${VG_FAKE_WEVTAPI:-$src/build/mingw/tests/wine/wevtapi.dll}
if [ $real -eq 1 ] && [ ! -f "$fake" ]; then
  # Not built by the mingw preset yet: build it from its source.
  fake=$work/fake/wevtapi.dll
  mkdir -p "$work/fake"
  if ! command -v x86_64-w64-mingw32-gcc >/dev/null ||
    ! x86_64-w64-mingw32-gcc -std=c11 -O2 -shared -static-libgcc -o "$fake" \
      "$src/tests/wine/wevtapi_fake.c" "$src/tests/wine/wevtapi_fake.def"; then
    echo "SKIP: cannot build the test-only wevtapi.dll of tests/wine; the real service cannot run under Wine without it"
    exit 77
  fi
fi

for v in 0.1.0 0.2.0; do
  "$src/packaging/windows/build-msi" "$v" "$exe" "$work/vssguard-$v-x64.msi" >/dev/null ||
    { echo "FAIL: build-msi $v"; exit 1; }
done
msi1='Z:'$(echo "$work/vssguard-0.1.0-x64.msi" | tr / '\\')
msi2='Z:'$(echo "$work/vssguard-0.2.0-x64.msi" | tr / '\\')
code1=$(msiinfo export "$work/vssguard-0.1.0-x64.msi" Property | sed -n 's/^ProductCode\t//p' | tr -d '\r')
code2=$(msiinfo export "$work/vssguard-0.2.0-x64.msi" Property | sed -n 's/^ProductCode\t//p' | tr -d '\r')

W --init || { echo "FAIL: cannot create the Wine prefix"; exit 1; }
pf="$prefix/drive_c/Program Files/VssGuard"
pd="$prefix/drive_c/ProgramData/VssGuard"
evkey='HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\VssGuard'
svckey='HKLM\SYSTEM\CurrentControlSet\Services\VssGuard'
uninst='HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall'

# preseed: the fake wevtapi.dll beside where the exe will be installed.
preseed() {
  [ $real -eq 1 ] || return 0
  mkdir -p "$pf"
  cp "$fake" "$pf/wevtapi.dll"
  : >"$work/events.xml"
  printf 'Z:%s' "$(echo "$work/events.xml" | tr / '\\')" >"$pf/wevtapi.txt"
  W reg add 'HKCU\Software\Wine\AppDefaults\vssguard.exe\DllOverrides' /v wevtapi /d native /f >/dev/null
}

fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# wait_running: the service reaches RUNNING within 15 s.
wait_running() {
  local i
  for i in $(seq 1 30); do
    if W sc query VssGuard 2>/dev/null | grep -q 'STATE.*RUNNING'; then
      return 0
    fi
    sleep 0.5
  done
  W sc query VssGuard 2>&1 | sed 's/^/    /'
  return 1
}

# settle: with the real agent, stop the service and wait until it stopped
# and its process is gone, as Windows Installer would (see the top).
settle() {
  [ $real -eq 1 ] || return 0
  local i
  W sc stop VssGuard >/dev/null 2>&1
  for i in $(seq 1 60); do
    if W sc query VssGuard 2>/dev/null | grep -q 'STATE.*STOPPED' &&
      ! pgrep -f 'VssGuard.vssguard.exe service run' >/dev/null; then
      return 0
    fi
    sleep 0.5
  done
  bad "the service did not stop within 30 s"
}

# installed_codes: which of the two product codes are registered in the
# Uninstall key ("code1 code2 " order), asking each one on its own.
installed_codes() {
  local c
  for c in "$code1" "$code2"; do
    if W reg query "$uninst\\$c" /v DisplayVersion >/dev/null 2>&1; then
      printf '%s\n' "$c"
    fi
  done
}

check_installed() {
  local label=$1
  [ -f "$pf/vssguard.exe" ] && cmp -s "$pf/vssguard.exe" "$exe" &&
    ok "$label: vssguard.exe in Program Files\\VssGuard" ||
    bad "$label: vssguard.exe missing or different in Program Files\\VssGuard"
  [ -f "$pd/policy.yaml" ] && ok "$label: %ProgramData%\\VssGuard\\policy.yaml exists" ||
    bad "$label: no policy.yaml in ProgramData\\VssGuard"
  local svc
  svc=$(W reg query "$svckey" 2>&1 | tr -d '\r')
  grep -q 'ImagePath.*VssGuard\\vssguard.exe"\? service run' <<<"$svc" &&
    grep -q 'Start *REG_DWORD *0x2$' <<<"$svc" && grep -q 'Type *REG_DWORD *0x10$' <<<"$svc" &&
    ok "$label: service VssGuard installed (own process, auto start, service run)" ||
    { bad "$label: service registration wrong:"; echo "$svc" | sed 's/^/    /'; }
  wait_running && ok "$label: service VssGuard is running" || bad "$label: service VssGuard is not running"
  local ev
  ev=$(W reg query "$evkey" 2>&1 | tr -d '\r')
  grep -q 'EventMessageFile *REG_SZ *C:\\Program Files\\VssGuard\\vssguard.exe$' <<<"$ev" &&
    grep -q 'TypesSupported *REG_DWORD *0x7$' <<<"$ev" &&
    ok "$label: Event Log source VssGuard registered" ||
    { bad "$label: Event Log source registration wrong:"; echo "$ev" | sed 's/^/    /'; }
}

check_removed() {
  local label=$1
  if W sc query VssGuard >/dev/null 2>&1; then bad "$label: service VssGuard still exists"; else ok "$label: service removed"; fi
  if W reg query "$evkey" >/dev/null 2>&1; then bad "$label: Event Log source still registered"; else ok "$label: Event Log source removed"; fi
  [ ! -e "$pf/vssguard.exe" ] && ok "$label: vssguard.exe removed" || bad "$label: vssguard.exe left behind"
  [ -f "$pd/policy.yaml" ] && ok "$label: policy.yaml kept" || bad "$label: policy.yaml removed"
  [ -z "$(installed_codes | grep -e "$code1" -e "$code2")" ] && ok "$label: no product registered" ||
    bad "$label: a product is still registered"
}

echo "== 1. silent install of 0.1.0"
preseed
W msiexec /i "$msi1" /qn && ok "msiexec /i 0.1.0 /qn" || bad "msiexec /i 0.1.0 exited $?"
check_installed "0.1.0"
cmp -s "$pd/policy.yaml" "$src/packaging/windows/default-policy.yaml" &&
  ok "0.1.0: the default policy was installed" || bad "0.1.0: policy.yaml is not the default policy"

echo "== 2. upgrade to 0.2.0 keeps an edited policy"
echo "# edited by the administrator" >>"$pd/policy.yaml"
cp "$pd/policy.yaml" "$work/edited.yaml"
settle
W msiexec /i "$msi2" /qn && ok "msiexec /i 0.2.0 /qn" || bad "msiexec /i 0.2.0 exited $?"
check_installed "0.2.0"
cmp -s "$pd/policy.yaml" "$work/edited.yaml" && ok "0.2.0: the edited policy.yaml was kept" ||
  bad "0.2.0: the upgrade changed policy.yaml"
codes=$(installed_codes | grep -e "$code1" -e "$code2" | tr '\n' ' ')
[ "$codes" = "$code2 " ] && ok "0.2.0 replaced 0.1.0 (major upgrade)" ||
  bad "after the upgrade the products are '$codes', expected only $code2"

echo "== 3. a downgrade is refused"
W msiexec /i "$msi1" /qn >/dev/null 2>&1 && bad "installing 0.1.0 over 0.2.0 succeeded" ||
  ok "installing 0.1.0 over 0.2.0 is refused"
codes=$(installed_codes | grep -e "$code1" -e "$code2" | tr '\n' ' ')
[ "$codes" = "$code2 " ] && ok "0.2.0 is still the installed product" || bad "products after the downgrade attempt: '$codes'"

echo "== 4. silent uninstall"
settle
W msiexec /x "$msi2" /qn && ok "msiexec /x 0.2.0 /qn" || bad "msiexec /x exited $?"
check_removed "uninstall"
cmp -s "$pd/policy.yaml" "$work/edited.yaml" && ok "uninstall: the edited policy.yaml is unchanged" ||
  bad "uninstall changed policy.yaml"

echo "== 5. reinstall keeps the existing policy"
preseed
W msiexec /i "$msi2" /qn && ok "msiexec /i 0.2.0 /qn again" || bad "reinstall exited $?"
cmp -s "$pd/policy.yaml" "$work/edited.yaml" && ok "reinstall: the existing policy.yaml was kept" ||
  bad "reinstall overwrote policy.yaml"
wait_running && ok "reinstall: service running" || bad "reinstall: service not running"
settle
W msiexec /x "$msi2" /qn && ok "msiexec /x again" || bad "second uninstall exited $?"
check_removed "second uninstall"

if [ $fails -ne 0 ]; then
  echo "msi_wine: $fails failure(s)"
  exit 1
fi
if [ $real -eq 0 ]; then
  echo "SKIP: the installer steps passed with the stand-in service; build the real vssguard.exe (cmake --preset mingw) to run them with it"
  exit 77
fi
echo "msi_wine: pass with $exe"
