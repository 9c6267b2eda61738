"""A local stand-in for SMS Aero's HTTP API, for tests: it records every request and
answers from a script of responses (the last one repeats)."""

from __future__ import annotations

import json
import time

from tests.support.http_stub import ScriptedHandler, StubServer, next_step


def success(message_id: int = 1001) -> tuple[int, dict]:
    return 200, {"success": True, "data": {"id": message_id, "status": 8}, "message": None}


def status_answer(code, message_id: int = 1001) -> tuple[int, dict]:
    """An answer of sms/status with SMS Aero's numeric status `code`."""
    return 200, {"success": True, "data": {"id": message_id, "status": code}, "message": None}


class SmsAeroStub(StubServer):
    def __init__(self, script: list[tuple] | None = None, delay: float = 0) -> None:
        self.requests: list[dict] = []
        # Each item: (status, body) where body is a dict, a str or bytes, or ("sleep",
        # seconds) to stall past a timeout.
        self.script: list[tuple] = list(script or [success()])
        self.delay = delay  # seconds before every answer
        # Answers of GET sms/status, as (status, body); the last one repeats.
        self.status_script: list[tuple] = [status_answer(1)]
        stub = self

        class Handler(ScriptedHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                raw = self.body()
                stub.requests.append(
                    {
                        "path": self.path,
                        "auth": self.basic_auth_user(),
                        "json": json.loads(raw or b"null"),
                    }
                )
                step = next_step(stub.script)
                time.sleep(stub.delay)
                if step[0] == "sleep":
                    time.sleep(step[1])
                    step = (200, {"success": True, "data": {"id": 1002}})
                self.answer(*step)

            def do_GET(self):  # noqa: N802 - sms/status
                stub.requests.append({"path": self.path, "auth": None, "json": None})
                self.answer(*next_step(stub.status_script))

        super().__init__(Handler)
        self.url = f"{self.root}/v2/"
