"""A local webhook receiver for tests: records every request (headers and raw body) and
answers from a script of status codes (the last one repeats)."""

from __future__ import annotations

from tests.support.http_stub import ScriptedHandler, StubServer, next_step


class Receiver(StubServer):
    def __init__(self, script: list[int] | None = None, headers: dict | None = None) -> None:
        self.requests: list[dict] = []
        self.script = list(script or [200])
        self.extra_headers = headers or {}
        receiver = self

        class Handler(ScriptedHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.body()
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                status = next_step(receiver.script)
                self.send_response(status)
                for name, value in receiver.extra_headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

        super().__init__(Handler)
        self.url = f"{self.root}/hook"
