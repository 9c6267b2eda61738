"""What the local stand-ins for outside HTTP APIs share (tests/support/*_stub.py): a
server on a free loopback port, run in a thread while used as a context manager, and
answers taken from a script (the last one repeats)."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


def next_step(script: list[tuple]) -> tuple:
    """The script's next answer; the last one repeats."""
    return script.pop(0) if len(script) > 1 else script[0]


class ScriptedHandler(BaseHTTPRequestHandler):
    def basic_auth_user(self) -> str | None:
        """`user:password` of a Basic Authorization header, or None."""
        auth = self.headers.get("Authorization", "")
        return base64.b64decode(auth[6:]).decode() if auth.startswith("Basic ") else None

    def body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def answer(self, status: int, body: dict | str | bytes) -> None:
        """Answer `status` with `body` as JSON (a dict) or as it is (str, bytes)."""
        if isinstance(body, str):
            body = body.encode()
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args) -> None:
        pass


class StubServer:
    """Serves `handler` on 127.0.0.1 (a free port) inside a `with` block."""

    def __init__(self, handler: type[ScriptedHandler]) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.root = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
