#!/usr/bin/env bash
# The reboot call answers "not ready" (the command exits 75) and the retry,
# 30 s later, goes through the due moment's stages again. The Alertmanager
# silence asked for before the first call still covers the retry: it is
# kept, not asked for again. A new silence at each retry left the earlier
# ones in force after the boot, where only the last one is expired.
source "$(dirname "$0")/../integration/lib.sh"

command -v python3 >/dev/null || { echo "SKIP: python3 not found; not a pass" >&2; exit 77; }
dir=$vg_work/silretry
mkdir -p "$dir"
cat >"$dir/am.py" <<'PY'
import http.server, sys, os
d = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(n)
        body = b"{}"
        if self.path.endswith("/silences"):
            with open(os.path.join(d, "silences"), "a") as f:
                f.write("asked\n")
            body = b'{"silenceID":"5f1e0c2a-0000-4000-8000-000000000002"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(os.path.join(d, "port"), "w").write(str(s.server_address[1]))
s.serve_forever()
PY
python3 "$dir/am.py" "$dir" &
am_pid=$!
vg_cleanups+=("kill $am_pid 2>/dev/null; wait $am_pid 2>/dev/null")
for i in $(seq 1 100); do [ -s "$dir/port" ] && break; sleep 0.1; done
[ -s "$dir/port" ] || vg_fail "the Alertmanager stand-in did not start"
notify="notify: { alertmanager: { url: 'http://127.0.0.1:$(cat "$dir/port")/', silence: 10m } }"

vg_policy "$dir/policy.yaml" 3 "$notify"
# Not ready the first time; a reboot (logged) after that.
printf '#!/bin/sh\nif [ ! -e "%s/asked" ]; then touch "%s/asked"; exit 75; fi\necho "reboot $(date +%%s)" >>"%s/reboots"\n' \
  "$dir" "$dir" "$dir" >"$dir/reboot.sh"
chmod 0755 "$dir/reboot.sh"
t0=$(($(date +%s) - 300))
vg_three_runs "$dir/events.xml" "$t0"
vg_run_dir_agent "$dir" "$vg_work/silretry.log"
vg_wait_log "retrying in 30 s" "$vg_work/silretry.log" 30 || vg_fail "no not-ready answer"
vg_wait_log "reboot initiated" "$vg_work/silretry.log" 45 || vg_fail "the retry did not reboot"
[ -s "$dir/reboots" ] || vg_fail "the reboot command did not run a second time"
n=$(wc -l <"$dir/silences")
[ "$n" = 1 ] || vg_fail "$n silences asked for, one per call (1 expected: the first still covers the retry)"
grep -Eq "\[1039\] silence .* kept" "$vg_work/silretry.log" || vg_fail "the kept silence was not logged"
vg_stop_agent
echo "ok: the retry after a not-ready answer keeps the silence asked for before the first call"
