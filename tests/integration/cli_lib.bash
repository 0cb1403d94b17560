# Shared helpers of the cli_*.sh integration tests (sourced, not a test).
# Environment from CTest: VSSGUARD (the binary), VG_SRC (source dir).
set -euo pipefail

: "${VSSGUARD:?VSSGUARD must name the vssguard binary}"
: "${VG_SRC:?VG_SRC must name the source directory}"
V=$VSSGUARD
T=$(mktemp -d "${TMPDIR:-/tmp}/vg-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT
export TZ=UTC
checks=0

fail() {
  echo "FAIL: $*" >&2
  if [ -s "$T/out" ]; then echo "--- stdout:" >&2; head -40 "$T/out" >&2; fi
  if [ -s "$T/err" ]; then echo "--- stderr:" >&2; head -40 "$T/err" >&2; fi
  exit 1
}

# expect_rc CODE ARGS...: runs vssguard ARGS, output in $T/out and $T/err.
expect_rc() {
  local want=$1 rc=0
  shift
  ${VG_WRAP:-} "$V" "$@" >"$T/out" 2>"$T/err" || rc=$?
  [ "$rc" -eq "$want" ] || fail "vssguard $* exited $rc, expected $want"
  checks=$((checks + 1))
}

# expect_out REGEX: stdout of the last command matches (grep -E).
expect_out() {
  grep -Eq -- "$1" "$T/out" || fail "stdout does not match '$1'"
  checks=$((checks + 1))
}

# expect_err REGEX: stderr of the last command matches (grep -E).
expect_err() {
  grep -Eq -- "$1" "$T/err" || fail "stderr does not match '$1'"
  checks=$((checks + 1))
}

# pycheck 'python expression over d' : the last stdout parses as JSON (d)
# and the Python statements given as arguments run without assertion errors.
pycheck() {
  python3 - "$T/out" "$@" <<'PY' || fail "JSON check failed (the statement is above)"
import json, sys
with open(sys.argv[1]) as f:
    d = json.load(f)
for stmt in sys.argv[2:]:
    try:
        exec(stmt)
    except Exception as e:
        sys.exit("failed: %s\n  %s: %s" % (stmt, type(e).__name__, e))
PY
  checks=$((checks + 1))
}

# gen_events FILE START DAYS [BOOT_DAY]: a wevtutil-style export with one
# backup run a night (events 1, 4 and 14, 22:00 to 23:00 UTC) for DAYS days
# from START (YYYY-MM-DD), a VSS 12289 with "Active sessions: 1" on the
# first night, and, when BOOT_DAY is given, a boot (EventLog 6005) at 12:00
# on that day.
gen_events() {
  python3 - "$@" <<'PY'
import datetime, sys
path, start, days = sys.argv[1], sys.argv[2], int(sys.argv[3])
boot_day = int(sys.argv[4]) if len(sys.argv) > 4 else None
t0 = datetime.datetime.fromisoformat(start).replace(tzinfo=datetime.timezone.utc)
ns = "http://schemas.microsoft.com/win/2004/08/events/event"
rec = {"Microsoft-Windows-Backup": 100, "Application": 5000, "System": 9000}
out = ['<?xml version="1.0" encoding="UTF-8"?>', "<Events>"]
def ts(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%07dZ" % (t.microsecond * 10)
def ev(channel, provider, eid, t, data="", level=4):
    rec[channel] += 1
    out.append(
        "<Event xmlns='%s'><System><Provider Name='%s'/><EventID>%d</EventID>"
        "<Level>%d</Level><TimeCreated SystemTime='%s'/><EventRecordID>%d"
        "</EventRecordID><Channel>%s</Channel><Computer>FS01.corp.example"
        "</Computer></System><EventData>%s</EventData></Event>"
        % (ns, provider, eid, level, ts(t), rec[channel], channel, data))
bk = "Microsoft-Windows-Backup"
for d in range(days):
    day = t0 + datetime.timedelta(days=d)
    if boot_day == d:
        ev("System", "EventLog", 6005, day + datetime.timedelta(hours=12))
    s = day + datetime.timedelta(hours=22, seconds=4)
    e = day + datetime.timedelta(hours=23)
    ev(bk, bk, 1, s)
    if d == 0:
        ev("Application", "VSS", 12289, s + datetime.timedelta(minutes=5),
           "<Data>VSS_E_WRITER_STATUS_NOT_AVAILABLE</Data><Data>\n"
           "Operation:\n   PostSnapshot Event\n\nContext:\n"
           "   Execution Context: Writer\n   Maximum supported sessions: 64\n"
           "   Completed sessions: 8\n   Active sessions: 1\n"
           "   Aborted sessions: 0\n</Data>", level=2)
    ev(bk, bk, 4, e, "<Data Name='HRESULT'>0</Data><Data Name='BackupTime'>%s"
       "</Data>" % ts(s))
    ev(bk, bk, 14, e + datetime.timedelta(seconds=2))
out.append("</Events>")
with open(path, "w") as f:
    f.write("\n".join(out) + "\n")
PY
}

# A UTC policy: threshold 10, one window on Sundays 02:00-05:00, no splay.
write_policy() {
  cat >"$1" <<'YAML'
threshold: 10
timezone: UTC
maintenance_windows:
  - { days: [sun], start: "02:00", duration: 3h }
reboot:
  splay: 0s
  min_uptime: 0s
YAML
}

pass() {
  echo "ok: $checks checks"
}
