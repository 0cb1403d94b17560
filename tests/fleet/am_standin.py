"""An Alertmanager stand-in on 127.0.0.1 for the silence tests.

am_standin.py DIR DELAY: answers every POST with 200. A POST to .../silences
touches DIR/silence.asked, appends a line to DIR/silences, waits DELAY
seconds and answers a silence id. The port is written to DIR/port.
"""
import http.server
import os
import sys
import time

d = sys.argv[1]
delay = float(sys.argv[2])


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(n)
        body = b"{}"
        if self.path.endswith("/silences"):
            open(os.path.join(d, "silence.asked"), "w").close()
            with open(os.path.join(d, "silences"), "a") as f:
                f.write("asked\n")
            time.sleep(delay)
            body = b'{"silenceID":"5f1e0c2a-0000-4000-8000-000000000001"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(os.path.join(d, "port"), "w").write(str(s.server_address[1]))
s.serve_forever()
