"""The demo's sample web service: a small JSON CRUD API that reports its version.

    python -m seaway.demo.webapp        (listens on $PORT, reports $VERSION)

Endpoints: GET /healthz, GET /version, GET|POST /items, GET|PUT|DELETE /items/{id}.
Setting BROKEN=1 makes it behave as a bad release would: it starts and answers health checks,
but its API answers 500, so sanity checks catch it.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

VERSION = os.environ.get("VERSION", "dev")
BROKEN = os.environ.get("BROKEN", "") not in ("", "0", "false")

_items: dict[int, dict[str, Any]] = {}
_ids = itertools.count(1)
_lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    server_version = f"seaway-demo/{VERSION}"

    def log_message(self, format: str, *args: Any) -> None:
        sys.stdout.write(f"{self.address_string()} {format % args}\n")
        sys.stdout.flush()

    def _send(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Version", VERSION)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> dict[str, Any] | None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            parsed = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None

    def _item_id(self) -> int | None:
        parts = self.path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "items" and parts[1].isdigit():
            return int(parts[1])
        return None

    def do_GET(self) -> None:
        if self.path == "/healthz":
            self._send(200, {"status": "ok"})
        elif self.path == "/version":
            self._send(200, {"version": VERSION})
        elif BROKEN:
            self._send(500, {"error": f"version {VERSION} is broken"})
        elif self.path == "/items":
            with _lock:
                self._send(200, list(_items.values()))
        elif (item_id := self._item_id()) is not None:
            with _lock:
                item = _items.get(item_id)
            self._send(200, item) if item else self._send(404, {"error": "no such item"})
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self) -> None:
        if BROKEN:
            self._send(500, {"error": f"version {VERSION} is broken"})
            return
        if self.path != "/items":
            self._send(404, {"error": "not found"})
            return
        body = self._body()
        if body is None:
            self._send(400, {"error": "send a JSON object"})
            return
        with _lock:
            item_id = next(_ids)
            item = {**body, "id": item_id}
            _items[item_id] = item
        self._send(201, item)

    def do_PUT(self) -> None:
        item_id = self._item_id()
        body = self._body()
        if BROKEN:
            self._send(500, {"error": f"version {VERSION} is broken"})
        elif item_id is None or body is None:
            self._send(400, {"error": "PUT /items/{id} with a JSON object"})
        else:
            with _lock:
                if item_id not in _items:
                    self._send(404, {"error": "no such item"})
                    return
                _items[item_id] = {**body, "id": item_id}
                self._send(200, _items[item_id])

    def do_DELETE(self) -> None:
        item_id = self._item_id()
        if BROKEN:
            self._send(500, {"error": f"version {VERSION} is broken"})
            return
        with _lock:
            found = item_id is not None and _items.pop(item_id, None) is not None
        self._send(204 if found else 404, {} if found else {"error": "no such item"})


def main() -> None:
    port = int(os.environ.get("PORT", "8080"))
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)

    def stop(*_: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    print(f"seaway demo web service {VERSION} on 127.0.0.1:{port}", flush=True)
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
