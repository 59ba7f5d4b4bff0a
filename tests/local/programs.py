"""Small programs the tests run as replicas, written into tmp_path and run with sys.executable."""

from __future__ import annotations

SERVER = r"""
import json, os, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

START = time.monotonic()
VERSION = os.environ.get("VERSION", "v1")
READY_AFTER = float(os.environ.get("READY_AFTER", "0"))
SICK_FILE = os.environ.get("SICK_FILE", "")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, status, body, content_type="text/plain"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Version", VERSION)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        path, _, query = self.path.partition("?")
        if path == "/version":
            self.reply(200, VERSION)
        elif path == "/ready":
            ok = time.monotonic() - START >= READY_AFTER
            self.reply(200 if ok else 503, "ready" if ok else "warming up")
        elif path == "/healthz":
            sick = SICK_FILE and os.path.exists(SICK_FILE)
            self.reply(500 if sick else 200, "sick" if sick else "ok")
        elif path == "/env":
            body = json.dumps({"env": dict(os.environ), "cwd": os.getcwd(), "argv": sys.argv})
            self.reply(200, body, "application/json")
        elif path.startswith("/status/"):
            self.reply(int(path.rsplit("/", 1)[1]), f"status from {VERSION}")
        elif path == "/headers":
            self.reply(200, json.dumps([[k.lower(), v] for k, v in self.headers.items()]))
        elif path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("X-Version", VERSION)
            self.end_headers()
            for i in range(int(query or "5")):
                piece = f"part {i} of {VERSION}\n".encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        elif path == "/slow":
            time.sleep(float(query or "1"))
            self.reply(200, f"slow {VERSION}")
        else:
            self.reply(404, "no such path")

    def do_POST(self):
        body = self.read_body()
        self.reply(200, VERSION.encode() + b":" + body, "application/octet-stream")


server = ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler)
server.daemon_threads = True
print(f"listening on {os.environ['PORT']} version {VERSION}", flush=True)
server.serve_forever()
"""

CRASH = r"""
import os, sys, time
time.sleep(float(os.environ.get("CRASH_AFTER", "0")))
print("crashing now", file=sys.stderr, flush=True)
sys.exit(3)
"""

STUBBORN = r"""
import signal, sys, time

def ignore(signum, frame):
    print("ignoring SIGTERM", flush=True)

signal.signal(signal.SIGTERM, ignore)
print("started", flush=True)
deadline = time.monotonic() + 600
while time.monotonic() < deadline:
    time.sleep(0.05)
"""

CHATTY = r"""
import sys, time
for i in range(int(sys.argv[1])):
    print(f"line {i:06d} " + "x" * 80, flush=True)
print("done writing", flush=True)
time.sleep(600)
"""

FAMILY = r"""
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
print(f"child {child.pid}", flush=True)
time.sleep(600)
"""

ALL = {
    "server.py": SERVER,
    "crash.py": CRASH,
    "stubborn.py": STUBBORN,
    "chatty.py": CHATTY,
    "family.py": FAMILY,
}
