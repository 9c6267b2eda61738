"""A local stand-in for Twilio's Messages API (2010-04-01), for tests: it records every
request and answers from scripts of responses (the last one repeats), one for sending
(POST .../Messages.json) and one for reading a message (GET .../Messages/{sid}.json)."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


def accepted(sid: str = "SM00000000000000000000000000000001") -> tuple[int, dict]:
    return 201, {"sid": sid, "status": "queued", "error_code": None}


def message(status: str, sid: str = "SM00000000000000000000000000000001") -> tuple[int, dict]:
    return 200, {"sid": sid, "status": status}


class TwilioStub:
    def __init__(self, script=None, status_script=None) -> None:
        self.requests: list[dict] = []
        self.script: list[tuple] = list(script or [accepted()])
        self.status_script: list[tuple] = list(status_script or [message("delivered")])
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, script: list[tuple]) -> None:
                auth = self.headers.get("Authorization", "")
                user = base64.b64decode(auth[6:]).decode() if auth.startswith("Basic ") else None
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                stub.requests.append(
                    {"method": self.command, "path": self.path, "auth": user, "form": form}
                )
                status, body = script.pop(0) if len(script) > 1 else script[0]
                if isinstance(body, str):
                    body = body.encode()
                payload = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self):  # noqa: N802 - http.server's naming
                self._answer(stub.script)

            def do_GET(self):  # noqa: N802
                self._answer(stub.status_script)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> TwilioStub:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
