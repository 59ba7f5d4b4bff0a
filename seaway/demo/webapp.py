"""The demo's sample web service: a small JSON CRUD API that reports its version.

    python -m seaway.demo.webapp        (listens on $PORT, reports $VERSION)

Endpoints: GET /healthz, GET /version, GET|POST /items, GET|PUT|DELETE /items/{id}.
Items live in the SQLite file $ITEMS_DB, shared by every replica (in memory without it).
Setting BROKEN=1 makes it behave as a bad release would: it starts and answers health checks,
but its API answers 500, so sanity checks catch it.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

VERSION = os.environ.get("VERSION", "dev")
BROKEN = os.environ.get("BROKEN", "") not in ("", "0", "false")

_lock = threading.Lock()
# One connection, used under the lock: the server's threads share it.
_db = sqlite3.connect(os.environ.get("ITEMS_DB", ":memory:"), check_same_thread=False)
_db.execute("PRAGMA busy_timeout = 5000")
_db.execute("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
_db.commit()


def _all_items() -> list[dict[str, Any]]:
    with _lock:
        rows = _db.execute("SELECT id, body FROM items ORDER BY id").fetchall()
    return [{**json.loads(body), "id": item_id} for item_id, body in rows]


def _get_item(item_id: int) -> dict[str, Any] | None:
    with _lock:
        row = _db.execute("SELECT body FROM items WHERE id = ?", (item_id,)).fetchone()
    return {**json.loads(row[0]), "id": item_id} if row else None


def _add_item(body: dict[str, Any]) -> dict[str, Any]:
    with _lock:
        cursor = _db.execute("INSERT INTO items(body) VALUES (?)", (json.dumps(body),))
        _db.commit()
        item_id = int(cursor.lastrowid or 0)
    return {**body, "id": item_id}


def _put_item(item_id: int, body: dict[str, Any]) -> bool:
    with _lock:
        cursor = _db.execute("UPDATE items SET body = ? WHERE id = ?", (json.dumps(body), item_id))
        _db.commit()
    return cursor.rowcount > 0


def _delete_item(item_id: int) -> bool:
    with _lock:
        cursor = _db.execute("DELETE FROM items WHERE id = ?", (item_id,))
        _db.commit()
    return cursor.rowcount > 0


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
            self._send(200, _all_items())
        elif (item_id := self._item_id()) is not None:
            item = _get_item(item_id)
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
        self._send(201, _add_item(body))

    def do_PUT(self) -> None:
        item_id = self._item_id()
        body = self._body()
        if BROKEN:
            self._send(500, {"error": f"version {VERSION} is broken"})
        elif item_id is None or body is None:
            self._send(400, {"error": "PUT /items/{id} with a JSON object"})
        elif _put_item(item_id, body):
            self._send(200, {**body, "id": item_id})
        else:
            self._send(404, {"error": "no such item"})

    def do_DELETE(self) -> None:
        item_id = self._item_id()
        if BROKEN:
            self._send(500, {"error": f"version {VERSION} is broken"})
            return
        found = item_id is not None and _delete_item(item_id)
        if found:
            self.send_response(204)
            self.send_header("X-Version", VERSION)
            self.end_headers()
        else:
            self._send(404, {"error": "no such item"})


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
