"""The JWT signing key and the login-code HMAC key are derived from DJANGO_SECRET_KEY for
their own purposes when not set: neither equals the secret key or the other one."""

import json
import subprocess
import sys

import pytest
from django.conf import settings

from tests.support.processes import BACKEND_DIR, child_env

pytestmark = pytest.mark.process  # starts other processes

PRINT_KEYS = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.SECRET_KEY, s.SIMPLE_JWT['SIGNING_KEY'], s.LOGIN_CODE_HMAC_KEY]))"
)


def keys(**env: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PRINT_KEYS],
        cwd=BACKEND_DIR,
        env=child_env(DJANGO_SETTINGS_MODULE="project.settings", **env),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def test_the_derived_keys_differ_from_the_secret_key_and_from_each_other():
    secret, jwt_key, code_key = (
        settings.SECRET_KEY,
        settings.SIMPLE_JWT["SIGNING_KEY"],
        (settings.LOGIN_CODE_HMAC_KEY),
    )
    assert len({secret, jwt_key, code_key}) == 3
    assert secret not in jwt_key and secret not in code_key
    assert len(jwt_key) == len(code_key) == 64  # HMAC-SHA256, hex


def test_the_derived_keys_follow_the_secret_key():
    first = keys(DJANGO_SECRET_KEY="one-secret", JWT_SIGNING_KEY="", LOGIN_CODE_HMAC_KEY="")
    again = keys(DJANGO_SECRET_KEY="one-secret", JWT_SIGNING_KEY="", LOGIN_CODE_HMAC_KEY="")
    other = keys(DJANGO_SECRET_KEY="another-secret", JWT_SIGNING_KEY="", LOGIN_CODE_HMAC_KEY="")
    assert first == again  # stable across restarts: tokens and codes survive a deploy
    assert first[1] != other[1] and first[2] != other[2]
    assert len(set(first)) == 3


def test_explicit_keys_win():
    secret, jwt_key, code_key = keys(
        DJANGO_SECRET_KEY="one-secret", JWT_SIGNING_KEY="jwt-key", LOGIN_CODE_HMAC_KEY="code-key"
    )
    assert (secret, jwt_key, code_key) == ("one-secret", "jwt-key", "code-key")
