#!/usr/bin/env bash
# Checks the Group Policy templates against the agent (tests/packaging/check_gpo.py)
# on the source tree, then proves the check can fail: each mutation below is
# applied to a copy of the files involved and must make the check fail with
# the expected message.
# Env: VG_SRC source tree (default: two levels up). Exit 0 pass, 1 fail,
# 77 skip (an agent side is not in the tree yet).
set -uo pipefail

src=${VG_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
check="python3 $src/tests/packaging/check_gpo.py"
fails=0

$check --src "$src"
real_rc=$?
if [ $real_rc -eq 1 ]; then
  echo "FAIL: the templates and the agent disagree (see above)"
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# make_tree: a fresh copy of the files the check reads.
make_tree() {
  rm -rf "$work/t"
  mkdir -p "$work/t/packaging" "$work/t/policy" "$work/t/agent/win"
  cp -r "$src/packaging/gpo" "$work/t/packaging/"
  cp "$src"/policy/*.c "$work/t/policy/" 2>/dev/null
  cp "$src"/policy/*.h "$work/t/policy/" 2>/dev/null
  cp "$src"/agent/win/*.c "$work/t/agent/win/" 2>/dev/null
  return 0
}

# mutate NAME FILE PYTHON-REPLACEMENT EXPECTED: apply s.replace(old, new) to
# FILE in a fresh copy; the check must exit 1 and print EXPECTED.
mutate() {
  local name=$1 file=$2 old=$3 new=$4 expected=$5
  make_tree
  if [ ! -f "$work/t/$file" ]; then
    echo "skip mutation '$name': $file not in the tree"
    return
  fi
  OLD=$old NEW=$new python3 - "$work/t/$file" <<'PY' || { echo "FAIL: mutation '$name' did not apply"; fails=$((fails + 1)); return; }
import os, sys
p = sys.argv[1]
s = open(p, encoding="utf-8").read()
old, new = os.environ["OLD"], os.environ["NEW"]
if old not in s:
    sys.exit("text to replace not found in " + p)
open(p, "w", encoding="utf-8").write(s.replace(old, new, 1))
PY
  local out rc
  out=$($check --src "$work/t" 2>&1)
  rc=$?
  if [ $rc -ne 1 ] || ! grep -qF -- "$expected" <<<"$out"; then
    echo "FAIL: mutation '$name' was not caught (exit $rc):"
    echo "$out" | sed 's/^/    /'
    fails=$((fails + 1))
  else
    echo "ok: mutation '$name' caught: $(grep -F -- "$expected" <<<"$out" | head -1)"
  fi
}

mutate "ADMX value renamed" packaging/gpo/VssGuard.admx \
  'valueName="DryRun"' 'valueName="DryRunMode"' \
  "value DryRunMode is written by Group Policy but the agent never reads it"
mutate "ADMX policy removed" packaging/gpo/VssGuard.admx \
  'valueName="WarningSeconds"' 'valueName="Threshold"' \
  "the agent reads value WarningSeconds but the ADMX has no policy for it"
mutate "list key renamed" packaging/gpo/VssGuard.admx \
  'Software\Policies\VssGuard\Blackouts"' 'Software\Policies\VssGuard\Blackout"' \
  "value Blackout is written by Group Policy"
mutate "element without valueName" packaging/gpo/VssGuard.admx \
  '<text id="RebootMessage_Text" valueName="RebootMessage"' '<text id="RebootMessage_Text"' \
  "element without valueName"
mutate "list with value names" packaging/gpo/VssGuard.admx \
  'key="Software\Policies\VssGuard\MaintenanceWindows"
              valuePrefix=""' 'key="Software\Policies\VssGuard\MaintenanceWindows"' \
  'a list must use valuePrefix=""'
mutate "range drift" packaging/gpo/VssGuard.admx \
  'minValue="1" maxValue="63"' 'minValue="1" maxValue="64"' \
  'Threshold maxValue="64" but the agent'
mutate "not well-formed" packaging/gpo/en-US/VssGuard.adml \
  '</stringTable>' '</stringTabel>' "not well-formed XML"
mutate "string missing" packaging/gpo/en-US/VssGuard.adml \
  '<string id="DryRun_Help">' '<string id="DryRun_Hlp">' \
  '$(string.DryRun_Help) is used in the ADMX but not defined'
mutate "presentation missing" packaging/gpo/en-US/VssGuard.adml \
  '<presentation id="Threshold">' '<presentation id="Threshhold">' \
  '$(presentation.Threshold) is used in the ADMX but not defined'
mutate "presentation control for a missing element" packaging/gpo/en-US/VssGuard.adml \
  'refId="WarningSeconds_Value"' 'refId="WarningSecs_Value"' \
  "refId WarningSecs_Value is not an element"
mutate "agent drops an override" policy/policy.c \
  '"Blackouts",' '' \
  "value Blackouts is written by Group Policy but the agent never reads it"
mutate "agent adds an override" policy/policy.c \
  '"Threshold",' '"Threshold", "Splay",' \
  "the agent reads value Splay but the ADMX has no policy for it"
mutate "agent stops reading PolicyFile" agent/win/registry.c \
  'L"PolicyFile"' 'L"PolicyPath"' \
  "the agent reads value PolicyPath but the ADMX has no policy for it"

# The examples in the explain texts must be accepted by the agent's grammar:
# they become the windows and blackouts of a policy checked by the native
# binary (when built: $VSSGUARD, else $VG_BUILD/vssguard).
bin=${VSSGUARD:-${VG_BUILD:+$VG_BUILD/vssguard}}
if [ -n "$bin" ] && [ -x "$bin" ]; then
  python3 - "$src/packaging/gpo/en-US/VssGuard.adml" >"$work/examples.yaml" <<'PY'
import re, sys, xml.etree.ElementTree as ET
ns = "{http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions}"
strings = {s.get("id"): s.text for s in ET.parse(sys.argv[1]).getroot().iter(ns + "string")}
def examples(sid):
    text = strings[sid]
    block = text.split("Examples:\n", 1)[1].split("\n\n", 1)[0]
    return [re.sub(r"\s*\(.*\)$", "", l).strip() for l in block.split("\n") if l.strip()]
print("threshold: 56\nmaintenance_windows:")
for e in examples("MaintenanceWindows_Help"):
    print('  - "%s"' % e)
print("blackouts:")
for e in examples("Blackouts_Help"):
    print('  - "%s"' % e)
PY
  if out=$("$bin" check-policy "$work/examples.yaml" 2>&1); then
    echo "ok: the explain-text examples are valid: $out"
  else
    echo "FAIL: an example in the explain texts is rejected by the agent:"
    echo "$out" | sed 's/^/    /'
    cat "$work/examples.yaml" | sed 's/^/    /'
    fails=$((fails + 1))
  fi
  if out=$("$bin" check-policy "$src/packaging/windows/default-policy.yaml" 2>&1); then
    echo "ok: the default policy is valid: $out"
  else
    echo "FAIL: packaging/windows/default-policy.yaml is rejected:"
    echo "$out" | sed 's/^/    /'
    fails=$((fails + 1))
  fi
else
  echo "note: no native vssguard binary; the explain-text examples and the default policy were not parsed"
fi

if [ $fails -ne 0 ]; then
  echo "gpo_crosscheck: $fails failure(s)"
  exit 1
fi
if [ $real_rc -eq 77 ]; then
  echo "SKIP: templates consistent, but an agent side is missing (see above)"
  exit 77
fi
echo "gpo_crosscheck: pass"
