"""Tokens signed with a key pair and checked by anyone with the JWK Set: kid, iss, aud;
rotation; the tokens from before the upgrade; every forged token refused with 401."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from datetime import timedelta
from io import StringIO

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.settings import api_settings

from auth_phone import tokens
from auth_phone.models import SigningKey
from auth_phone.services import signing_keys
from auth_phone.services.sessions import issue_tokens
from auth_phone.tasks import retire_signing_keys

ISSUER = "http://localhost:8000"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict, payload: dict) -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"


def claims(user, **extra) -> dict:
    now = int(time.time())
    return {
        "token_type": "access",
        "user_id": str(user.pk),
        "jti": "f" * 32,
        "iat": now,
        "exp": now + 300,
        "iss": api_settings.ISSUER,
        "aud": api_settings.AUDIENCE,
        **extra,
    }


def current_private_key():
    return signing_keys.decrypt_private_key(SigningKey.objects.get(retired_at=None))


def get_me(token: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.get("/users/me/")


def jwks(api) -> dict:
    response = api.get("/.well-known/jwks.json")
    assert response.status_code == 200
    return response.json()


def verify_with_jwks(token: str, key_set: dict) -> dict:
    """What another service does: the JWK Set and PyJWT, nothing of this project."""
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwt.PyJWKSet.from_dict(key_set)[kid]
    return jwt.decode(
        token,
        key,
        algorithms=[key.algorithm_name],
        audience="referral-api",
        issuer=ISSUER,
        options={"require": ["exp", "iss", "aud"]},
    )


def test_a_logins_access_token_verifies_with_the_jwks_alone(api, user):
    access = issue_tokens(user=user)["access"]
    header = jwt.get_unverified_header(access)
    assert header["alg"] == "ES256"
    assert header["kid"] == SigningKey.objects.get(retired_at=None).kid
    payload = verify_with_jwks(access, jwks(api))
    assert payload["user_id"] == str(user.pk)
    assert payload["iss"] == ISSUER and payload["aud"] == "referral-api"


def test_the_jwks_holds_public_parts_only_and_is_cacheable(api, user):
    issue_tokens(user=user)
    response = api.get("/.well-known/jwks.json")
    (key,) = response.json()["keys"]
    assert set(key) == {"kid", "kty", "crv", "x", "y", "alg", "use"}
    assert (key["kty"], key["crv"], key["alg"], key["use"]) == ("EC", "P-256", "ES256", "sig")
    assert "d" not in key
    cache_control = response["Cache-Control"]
    assert "public" in cache_control and "max-age=300" in cache_control
    # A key's id is its RFC 7638 thumbprint.
    public = jwt.PyJWK.from_dict(key).key
    assert key["kid"] == signing_keys.thumbprint(public)


def test_the_private_part_is_stored_encrypted_under_the_secret_key(user, settings):
    issue_tokens(user=user)
    row = SigningKey.objects.get(retired_at=None)
    assert "PRIVATE KEY" not in row.private_key
    settings.JWT_KEY_ENCRYPTION_KEY = "00" * 32  # as if DJANGO_SECRET_KEY had changed
    with pytest.raises(signing_keys.UndecryptableKey):
        signing_keys.decrypt_private_key(row)


def test_a_changed_secret_key_makes_a_new_signing_key_and_logs_nobody_out(
    api, user, settings, caplog
):
    before = issue_tokens(user=user)
    old = SigningKey.objects.get(retired_at=None)
    settings.JWT_KEY_ENCRYPTION_KEY = "00" * 32  # as if DJANGO_SECRET_KEY had changed
    tokens.forget_keys()
    with caplog.at_level(logging.ERROR, logger="auth_phone.tokens"):
        after = issue_tokens(user=user)  # signing still works: no 500 until a manual rotation
    new = SigningKey.objects.get(retired_at=None)
    assert new.kid != old.kid
    assert SigningKey.objects.get(kid=old.kid).retired_at is not None
    assert jwt.get_unverified_header(after["access"])["kid"] == new.kid
    signing_keys.decrypt_private_key(new)  # readable under the new secret
    # The old key's public part still verifies what it signed: nobody is logged out.
    assert get_me(before["access"]).status_code == 200
    assert get_me(after["access"]).status_code == 200
    assert {key["kid"] for key in jwks(api)["keys"]} == {old.kid, new.kid}
    [record] = [r for r in caplog.records if "a new signing key replaces it" in r.getMessage()]
    assert old.kid in record.getMessage() and "PRIVATE" not in record.getMessage()


def test_after_a_rotation_new_tokens_carry_the_new_kid_and_old_ones_still_work(api, user):
    before = issue_tokens(user=user)
    old_kid = jwt.get_unverified_header(before["access"])["kid"]
    out = StringIO()
    call_command("signing_keys", "rotate", stdout=out)
    tokens.forget_keys()  # as every process does within JWT_KEY_CACHE_SECONDS
    new_kid = SigningKey.objects.get(retired_at=None).kid
    assert new_kid in out.getvalue() and new_kid != old_kid

    after = issue_tokens(user=user)
    assert jwt.get_unverified_header(after["access"])["kid"] == new_kid
    key_set = jwks(api)
    assert [k["kid"] for k in key_set["keys"]] == [new_kid, old_kid]
    assert get_me(before["access"]).status_code == 200
    assert get_me(after["access"]).status_code == 200
    verify_with_jwks(before["access"], key_set)
    # The old refresh token rotates once more, into a token under the new key.
    refreshed = api.post("/users/token/refresh/", {"refresh": before["refresh"]}, format="json")
    assert refreshed.status_code == 200
    assert jwt.get_unverified_header(refreshed.json()["refresh"])["kid"] == new_kid

    listing = StringIO()
    call_command("signing_keys", "list", stdout=listing)
    lines = listing.getvalue().splitlines()
    assert lines[0].startswith(f"{new_kid}\tES256\tcurrent")
    assert lines[1].startswith(f"{old_kid}\tES256\tretired") and "verifies until" in lines[1]


def test_a_key_rotated_by_another_process_is_found_by_its_kid(user, settings):
    settings.JWT_KEY_CACHE_SECONDS = 3600
    issue_tokens(user=user)  # this process now holds the first key
    signing_keys.rotate_signing_key()  # another replica's rotation
    ring = tokens.key_ring()
    ring.loaded_at -= tokens.UNKNOWN_KID_RELOAD_SECONDS
    private = current_private_key()
    kid = SigningKey.objects.get(retired_at=None).kid
    token = jwt.encode(claims(user), private, algorithm="ES256", headers={"kid": kid})
    assert get_me(token).status_code == 200


def test_a_login_neither_reads_the_keys_nor_parses_one(user):
    issue_tokens(user=user)
    with CaptureQueriesContext(connection) as queries:
        access = issue_tokens(user=user)["access"]
        assert get_me(access).status_code == 200
    assert not [q for q in queries.captured_queries if "signingkey" in q["sql"]]


def test_eddsa_by_setting(api, user, settings):
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "ALGORITHM": "EdDSA"}
    access = issue_tokens(user=user)["access"]
    assert jwt.get_unverified_header(access)["alg"] == "EdDSA"
    (key,) = jwks(api)["keys"]
    assert (key["kty"], key["crv"], key["alg"]) == ("OKP", "Ed25519", "EdDSA")
    verify_with_jwks(access, {"keys": [key]})
    assert get_me(access).status_code == 200


def test_hs256_by_setting_signs_with_the_hmac_key_and_publishes_nothing(api, user, settings):
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "ALGORITHM": "HS256"}
    access = issue_tokens(user=user)["access"]
    assert jwt.get_unverified_header(access) == {"alg": "HS256", "typ": "JWT"}
    assert (
        jwt.decode(access, api_settings.SIGNING_KEY, algorithms=["HS256"], audience="referral-api")[
            "iss"
        ]
        == ISSUER
    )
    assert get_me(access).status_code == 200
    assert jwks(api) == {"keys": []}
    assert not SigningKey.objects.exists()


# --- The tokens from before the upgrade ------------------------------------------------
def legacy_token(user, token_type="access", **extra) -> str:
    """As the previous release signed them: HS256 under the derived key, no kid/iss/aud."""
    now = int(time.time())
    payload = {
        "token_type": token_type,
        "user_id": str(user.pk),
        "jti": hashlib.md5(str(now).encode() + token_type.encode()).hexdigest(),
        "iat": now - 60,
        "exp": now + 600,
        **extra,
    }
    return jwt.encode(payload, api_settings.SIGNING_KEY, algorithm="HS256")


@pytest.fixture
def upgraded(db) -> SigningKey:
    """The record the migration leaves where tokens had been issued before."""
    return SigningKey.objects.create(
        kid=signing_keys.LEGACY_KID, algorithm="HS256", retired_at=timezone.now()
    )


def test_tokens_from_before_the_upgrade_work_until_they_expire(api, user, upgraded):
    assert get_me(legacy_token(user)).status_code == 200
    old_refresh = legacy_token(user, "refresh")
    response = api.post("/users/token/refresh/", {"refresh": old_refresh}, format="json")
    assert response.status_code == 200
    assert jwt.get_unverified_header(response.json()["access"])["alg"] == "ES256"
    # Once: the rotated-out token is a reuse.
    again = api.post("/users/token/refresh/", {"refresh": old_refresh}, format="json")
    assert again.status_code == 401
    expired = legacy_token(user, iat=int(time.time()) - 1000, exp=int(time.time()) - 10)
    assert get_me(expired).status_code == 401
    # Never published: the HMAC key is no public key.
    assert all(key["alg"] != "HS256" for key in jwks(api)["keys"])


def test_an_hs256_token_minted_after_the_upgrade_is_refused(user, upgraded):
    later = int((upgraded.retired_at + timedelta(seconds=30)).timestamp())
    assert get_me(legacy_token(user, iat=later, exp=later + 600)).status_code == 401


def test_tokens_from_before_the_upgrade_stop_once_the_window_closed(user, upgraded):
    SigningKey.objects.filter(pk=upgraded.pk).update(
        retired_at=timezone.now() - signing_keys.verification_window() - timedelta(minutes=1)
    )
    assert get_me(legacy_token(user)).status_code == 401


def test_a_fresh_install_accepts_no_hs256_token(user):
    assert get_me(legacy_token(user)).status_code == 401


# --- Forged and foreign tokens ----------------------------------------------------------
def forged(kind: str, user) -> str:
    issue_tokens(user=user)
    private = current_private_key()
    row = SigningKey.objects.get(retired_at=None)
    kid = row.kid
    if kind == "alg none":
        return unsigned({"alg": "none", "typ": "JWT", "kid": kid}, claims(user)) + "."
    if kind == "alg none without kid":
        return unsigned({"alg": "none", "typ": "JWT"}, claims(user)) + "."
    if kind == "HS256 with the public key as secret":
        signing_input = unsigned({"alg": "HS256", "typ": "JWT", "kid": kid}, claims(user))
        mac = hmac.new(row.public_key.encode(), signing_input.encode(), hashlib.sha256)
        return f"{signing_input}.{b64(mac.digest())}"
    if kind == "HS256 with the public key as secret, no kid":
        signing_input = unsigned({"alg": "HS256", "typ": "JWT"}, claims(user))
        mac = hmac.new(row.public_key.encode(), signing_input.encode(), hashlib.sha256)
        return f"{signing_input}.{b64(mac.digest())}"
    if kind == "unknown kid":
        other = ec.generate_private_key(ec.SECP256R1())
        return jwt.encode(claims(user), other, algorithm="ES256", headers={"kid": "A" * 43})
    if kind == "another key under the current kid":
        other = ec.generate_private_key(ec.SECP256R1())
        return jwt.encode(claims(user), other, algorithm="ES256", headers={"kid": kid})
    if kind == "kid with path characters":
        return jwt.encode(
            claims(user), private, algorithm="ES256", headers={"kid": "../../../etc/passwd"}
        )
    if kind == "kid not a string":
        signing_input = unsigned({"alg": "ES256", "kid": ["a"]}, claims(user))
        return f"{signing_input}.{b64(b'x' * 64)}"
    if kind in ("jku", "x5u"):
        header = {"kid": kid, kind: "https://attacker.example/keys.json"}
        return jwt.encode(claims(user), private, algorithm="ES256", headers=header)
    if kind == "jwk":
        other = ec.generate_private_key(ec.SECP256R1())
        jwk = signing_keys.public_jwk(other.public_key())
        return jwt.encode(claims(user), other, algorithm="ES256", headers={"jwk": jwk})
    if kind == "wrong iss":
        return jwt.encode(
            claims(user, iss="https://elsewhere.example"), private, "ES256", {"kid": kid}
        )
    if kind == "wrong aud":
        return jwt.encode(claims(user, aud="another-api"), private, "ES256", {"kid": kid})
    if kind == "no aud":
        payload = claims(user)
        del payload["aud"]
        return jwt.encode(payload, private, "ES256", {"kid": kid})
    if kind == "ES256 header, EdDSA key":
        other = ed25519.Ed25519PrivateKey.generate()
        return jwt.encode(claims(user), other, algorithm="EdDSA", headers={"kid": kid})
    if kind == "garbage":
        return "not.a.token"
    raise AssertionError(kind)


BAD = [
    "alg none",
    "alg none without kid",
    "HS256 with the public key as secret",
    "HS256 with the public key as secret, no kid",
    "unknown kid",
    "another key under the current kid",
    "kid with path characters",
    "kid not a string",
    "jku",
    "x5u",
    "jwk",
    "wrong iss",
    "wrong aud",
    "no aud",
    "ES256 header, EdDSA key",
    "garbage",
]


@pytest.mark.parametrize("kind", BAD)
def test_a_bad_token_is_refused_with_a_coded_401_and_logged(kind, user, caplog, monkeypatch):
    token = forged(kind, user)
    fetched = []
    monkeypatch.setattr(jwt.PyJWKClient, "fetch_data", lambda self: fetched.append(self))
    caplog.set_level(logging.WARNING, logger="auth_phone.tokens")
    response = get_me(token)
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
    assert [r for r in caplog.records if r.getMessage().startswith("token refused")]
    assert not fetched  # no key fetched from any URL


@pytest.mark.parametrize("kind", ["alg none", "unknown kid", "jku", "wrong aud"])
def test_a_bad_refresh_token_is_refused_too(kind, api, user):
    token = forged(kind, user).replace("access", "refresh")
    response = api.post("/users/token/refresh/", {"refresh": token}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


# --- Keys from files, and the beat job --------------------------------------------------
def write_pem(path, private) -> str:
    path.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(path)


def test_a_pem_file_wins_over_the_database_which_still_verifies(api, user, settings, tmp_path):
    before = issue_tokens(user=user)["access"]
    db_kid = SigningKey.objects.get(retired_at=None).kid
    private = ec.generate_private_key(ec.SECP256R1())
    settings.JWT_PRIVATE_KEY_FILE = write_pem(tmp_path / "jwt.pem", private)
    after = issue_tokens(user=user)["access"]
    file_kid = signing_keys.thumbprint(private.public_key())
    assert jwt.get_unverified_header(after)["kid"] == file_kid
    assert {k["kid"] for k in jwks(api)["keys"]} == {file_kid, db_kid}
    assert get_me(before).status_code == 200 and get_me(after).status_code == 200
    with pytest.raises(Exception, match="JWT_PRIVATE_KEY_FILE"):
        call_command("signing_keys", "rotate")


def test_public_key_files_verify_tokens_signed_elsewhere(api, user, settings, tmp_path):
    previous = ec.generate_private_key(ec.SECP256R1())
    pem = previous.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (tmp_path / "old.pem").write_bytes(pem)
    settings.JWT_PUBLIC_KEY_FILES = [str(tmp_path / "old.pem")]
    kid = signing_keys.thumbprint(previous.public_key())
    token = jwt.encode(claims(user), previous, algorithm="ES256", headers={"kid": kid})
    assert get_me(token).status_code == 200
    assert kid in {k["kid"] for k in jwks(api)["keys"]}


def test_the_beat_job_deletes_keys_no_token_can_name_and_rotates_old_ones(user, settings):
    settings.JWT_KEY_ROTATION_DAYS = 30
    issue_tokens(user=user)
    first = SigningKey.objects.get(retired_at=None)
    assert retire_signing_keys() == 0
    assert SigningKey.objects.get(retired_at=None) == first  # young: kept

    SigningKey.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(days=31))
    retire_signing_keys()
    second = SigningKey.objects.get(retired_at=None)
    assert second.kid != first.kid
    assert SigningKey.objects.filter(pk=first.pk, retired_at__isnull=False).exists()

    SigningKey.objects.filter(pk=first.pk).update(
        retired_at=timezone.now() - signing_keys.verification_window() - timedelta(seconds=1)
    )
    assert retire_signing_keys() == 1
    assert list(SigningKey.objects.values_list("kid", flat=True)) == [second.kid]
