#!/usr/bin/env python3
"""A tiny HTTP server on 127.0.0.1 for the HTTP client test, and a runner.

    server.py -- COMMAND [ARGS...]

starts the server on a free port, runs COMMAND with VG_HTTP_TEST_PORT set
in its environment, stops the server and exits with COMMAND's exit code.

Paths: GET /hello (200 "hello"), any method on /echo (200, the method, the
fleet-lock-protocol header and the body, one per line), /status/NNN
(status NNN with a JSON body), GET /big (100000 bytes), GET /hang/NAME
(answers after 20 s, for timeouts and cancellations), GET /answered/NAME
("yes" once /hang/NAME has answered, else "no": a test asks it to know
whether its request ended before the server answered, without timing it).
"""
import http.server
import os
import subprocess
import sys
import threading
import time


# The names of the /hang/NAME requests that have answered.
answered = set()
answered_lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("server: " + (fmt % args) + "\n")

    def answer(self, status, body, ctype="text/plain"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace") if n else ""
        if self.path == "/hello":
            self.answer(200, "hello")
        elif self.path == "/echo":
            flp = self.headers.get("fleet-lock-protocol", "")
            self.answer(200, "%s\n%s\n%s" % (self.command, flp, body))
        elif self.path.startswith("/status/"):
            code = int(self.path.split("/")[2])
            self.answer(code, '{"kind":"failed_lock","value":"full"}',
                        "application/json")
        elif self.path == "/big":
            self.answer(200, b"a" * 100000)
        elif self.path.startswith("/hang/"):
            time.sleep(20)
            with answered_lock:
                answered.add(self.path[len("/hang/"):])
            self.answer(200, "late")
        elif self.path.startswith("/answered/"):
            with answered_lock:
                done = self.path[len("/answered/"):] in answered
            self.answer(200, "yes" if done else "no")
        else:
            self.answer(404, "not found")

    do_GET = do_POST = do_DELETE = do_PUT = handle_any


def main():
    if len(sys.argv) < 3 or sys.argv[1] != "--":
        sys.stderr.write("usage: server.py -- COMMAND [ARGS...]\n")
        return 64
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    env = dict(os.environ, VG_HTTP_TEST_PORT=str(srv.server_address[1]))
    try:
        rc = subprocess.call(sys.argv[2:], env=env, timeout=240)
    except subprocess.TimeoutExpired:
        sys.stderr.write("server.py: command timed out\n")
        rc = 1
    srv.shutdown()
    srv.server_close()
    return rc


if __name__ == "__main__":
    sys.exit(main())
