#!/usr/bin/env python3
"""Small FleetLock-like servers on 127.0.0.1 for the fleet tests, as an
addition to the real airlock:

    fake_fleetlock.py poseidon PORTFILE   answers like poseidon/fleetlock:
        pre-reboot: 423 "lock_held" (text) for the first 3 requests while
        "other" holds the lock, then 200 "ok" (text); steady-state: 200.
        Each request is appended to PORTFILE.log.
    fake_fleetlock.py garbage PORTFILE    answers bytes that are not HTTP.
    fake_fleetlock.py hang PORTFILE       accepts, reads, never answers.
    fake_fleetlock.py slow PORTFILE       grants pre-reboot with 200 after
        SLOW seconds (environment, default 8); steady-state: 200 at once.
    fake_fleetlock.py delay PORTFILE      a proxy in front of the server on
        127.0.0.1:TARGET (environment): each request goes to it at once;
        the answer to a pre-reboot comes back SLOW seconds later (default
        8), so the request stays in flight for the client after the server
        decided. Each request is appended to PORTFILE.log.

The chosen port is written to PORTFILE.
"""
import os
import socket
import sys
import threading
import time


def serve(mode, portfile):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.getsockname()[1]))
    os.rename(portfile + ".tmp", portfile)
    state = {"pre": 0}
    lock = threading.Lock()

    def read_request(c):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = c.recv(4096)
            if not chunk:
                return None, b"", b""
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        n = 0
        for line in head.split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                n = int(v.strip())
        while len(body) < n:
            chunk = c.recv(4096)
            if not chunk:
                break
            body += chunk
        return head.split(b"\r\n")[0].decode(), body, head

    def answer(c, status, text):
        body = text.encode()
        c.sendall(("HTTP/1.1 %d X\r\nContent-Type: text/plain\r\n"
                   "Content-Length: %d\r\nConnection: close\r\n\r\n"
                   % (status, len(body))).encode() + body)

    def forward(head, body):
        """The request to TARGET with Connection: close; its whole answer."""
        lines = [h for h in head.split(b"\r\n")
                 if not h.lower().startswith(b"connection:")]
        lines.append(b"Connection: close")
        s = socket.create_connection(("127.0.0.1", int(os.environ["TARGET"])),
                                     timeout=20)
        try:
            s.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + body)
            out = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    return out
                out += chunk
        finally:
            s.close()

    def handle(c):
        try:
            if mode == "hang":
                read_request(c)
                time.sleep(600)
                return
            line, body, head = read_request(c)
            if mode == "garbage":
                c.sendall(b"\x00\xff\xfegarbage, not HTTP\r\n\r\n")
                return
            with open(portfile + ".log", "a") as log:
                log.write("%s %s\n" % (line, body.decode("utf-8", "replace")))
            if mode == "delay":
                out = forward(head, body)
                if "pre-reboot" in line:
                    time.sleep(float(os.environ.get("SLOW", "8")))
                c.sendall(out)
            elif "pre-reboot" in line and mode == "slow":
                time.sleep(float(os.environ.get("SLOW", "8")))
                answer(c, 200, "ok: lock acquired\n")
            elif "pre-reboot" in line:
                with lock:
                    state["pre"] += 1
                    n = state["pre"]
                if n <= 3:
                    answer(c, 423, "lock_held\n")
                else:
                    answer(c, 200, "ok: lock acquired\n")
            elif "steady-state" in line:
                answer(c, 200, "ok: lock released\n")
            else:
                answer(c, 404, "not found\n")
        except OSError:
            pass
        finally:
            if mode != "hang":
                c.close()

    while True:
        c, _ = srv.accept()
        threading.Thread(target=handle, args=(c,), daemon=True).start()


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2])
