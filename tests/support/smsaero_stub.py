"""A local stand-in for SMS Aero's HTTP API, for tests: it records every request and
answers from a script of responses (the last one repeats)."""

from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def success(message_id: int = 1001) -> tuple[int, dict]:
    return 200, {"success": True, "data": {"id": message_id, "status": 8}, "message": None}


def status_answer(code, message_id: int = 1001) -> tuple[int, dict]:
    """An answer of sms/status with SMS Aero's numeric status `code`."""
    return 200, {"success": True, "data": {"id": message_id, "status": code}, "message": None}


class SmsAeroStub:
    def __init__(self, script: list[tuple] | None = None, delay: float = 0) -> None:
        self.requests: list[dict] = []
        # Each item: (status, body) where body is a dict, a str or bytes, or ("sleep",
        # seconds) to stall past a timeout.
        self.script: list[tuple] = list(script or [success()])
        self.delay = delay  # seconds before every answer
        # Answers of GET sms/status, as (status, body); the last one repeats.
        self.status_script: list[tuple] = [status_answer(1)]
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                auth = self.headers.get("Authorization", "")
                user = None
                if auth.startswith("Basic "):
                    user = base64.b64decode(auth[6:]).decode()
                stub.requests.append(
                    {"path": self.path, "auth": user, "json": json.loads(raw or b"null")}
                )
                step = stub.script.pop(0) if len(stub.script) > 1 else stub.script[0]
                time.sleep(stub.delay)
                if step[0] == "sleep":
                    time.sleep(step[1])
                    step = (200, {"success": True, "data": {"id": 1002}})
                status, body = step
                if isinstance(body, str):
                    body = body.encode()
                payload = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):  # noqa: N802 - sms/status
                stub.requests.append({"path": self.path, "auth": None, "json": None})
                script = stub.status_script
                status, body = script.pop(0) if len(script) > 1 else script[0]
                payload = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v2/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> SmsAeroStub:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
