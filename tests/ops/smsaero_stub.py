"""A local stand-in for the SMS Aero v2 HTTP API, served from a thread on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SmsAeroStub:
    """Answers POST /v2/sms/send with the scripted (status, body) pairs in turn; the last
    one repeats. Every request is recorded as {"path", "auth", "json"}."""

    def __init__(self, script: list[tuple[int, dict | str]], delay: float = 0) -> None:
        self.script = list(script)
        self.delay = delay  # seconds before each answer
        self.requests: list[dict] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                auth = self.headers.get("Authorization", "")
                user_pass = base64.b64decode(auth.split(" ", 1)[1]).decode() if auth else ""
                stub.requests.append(
                    {"path": self.path, "auth": user_pass, "json": json.loads(raw)}
                )
                status, body = stub.script[min(len(stub.requests), len(stub.script)) - 1]
                time.sleep(stub.delay)
                payload = body if isinstance(body, str) else json.dumps(body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(payload.encode())

            def log_message(self, *args) -> None:  # keep the test output quiet
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


def success(message_id: int = 1) -> tuple[int, dict]:
    return 200, {"success": True, "data": {"id": message_id, "status": 8}, "message": None}
