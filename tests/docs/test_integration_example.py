"""docs/integration.md's Python example, run as written against a live server: it checks
a login's token with the JWK Set alone."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from auth_phone.services.sessions import issue_tokens

DOC = Path(__file__).resolve().parents[2] / "docs" / "integration.md"


def python_example() -> str:
    section = DOC.read_text().split("## Python (PyJWT)", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


def run_example(url: str, token: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "AUTH_URL": url, "ACCESS_TOKEN": token}
    return subprocess.run(
        [sys.executable, "-c", python_example()],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_python_example_verifies_a_login_token(live_server, settings, user):
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "ISSUER": live_server.url}
    tokens = issue_tokens(user=user)
    done = run_example(live_server.url, tokens["access"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"user {user.pk} until ")

    # And it refuses what it should: a refresh token, a token of another issuer.
    refused = run_example(live_server.url, tokens["refresh"])
    assert refused.returncode != 0 and "not an access token" in refused.stderr
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "ISSUER": "https://elsewhere.example"}
    foreign = run_example(live_server.url, issue_tokens(user=user)["access"])
    assert foreign.returncode != 0 and "InvalidIssuerError" in foreign.stderr
