"""A local stand-in for Twilio's Messages API (2010-04-01), for tests: it records every
request and answers from scripts of responses (the last one repeats), one for sending
(POST .../Messages.json) and one for reading a message (GET .../Messages/{sid}.json)."""

from __future__ import annotations

from urllib.parse import parse_qs

from tests.support.http_stub import ScriptedHandler, StubServer, next_step


def accepted(sid: str = "SM00000000000000000000000000000001") -> tuple[int, dict]:
    return 201, {"sid": sid, "status": "queued", "error_code": None}


def message(status: str, sid: str = "SM00000000000000000000000000000001") -> tuple[int, dict]:
    return 200, {"sid": sid, "status": status}


class TwilioStub(StubServer):
    def __init__(self, script=None, status_script=None) -> None:
        self.requests: list[dict] = []
        self.script: list[tuple] = list(script or [accepted()])
        self.status_script: list[tuple] = list(status_script or [message("delivered")])
        stub = self

        class Handler(ScriptedHandler):
            def _answer(self, script: list[tuple]) -> None:
                form = {k: v[0] for k, v in parse_qs(self.body().decode()).items()}
                stub.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "auth": self.basic_auth_user(),
                        "form": form,
                    }
                )
                self.answer(*next_step(script))

            def do_POST(self):  # noqa: N802 - http.server's naming
                self._answer(stub.script)

            def do_GET(self):  # noqa: N802
                self._answer(stub.status_script)

        super().__init__(Handler)
        self.url = self.root
