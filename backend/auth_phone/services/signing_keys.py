"""The keys that sign tokens: generated, kept encrypted in the database, rotated, retired.

One key is current (it signs); a retired key still verifies, and stays in the JWK Set,
until the longest-lived token it can have signed has expired (`verification_window`)."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from jwt.algorithms import ECAlgorithm, OKPAlgorithm
from rest_framework_simplejwt import settings as simplejwt_settings

from ..models import SigningKey

PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
PublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey
ASYMMETRIC = (SigningKey.Algorithm.ES256, SigningKey.Algorithm.EDDSA)
LEGACY_KID = "hs256-before-upgrade"


class SigningKeysFromFiles(Exception):
    """JWT_PRIVATE_KEY_FILE is set: the operator's file signs, rotation is theirs."""


class UndecryptableKey(Exception):
    """The private key was encrypted under another DJANGO_SECRET_KEY."""


def api_settings() -> simplejwt_settings.APISettings:
    """simplejwt's settings as they are now (it rebuilds them when SIMPLE_JWT changes)."""
    return simplejwt_settings.api_settings


def verification_window() -> timedelta:
    """How long a retired key must still verify: the longest token lifetime, plus leeway."""
    longest = max(api_settings().ACCESS_TOKEN_LIFETIME, api_settings().REFRESH_TOKEN_LIFETIME)
    return longest + timedelta(seconds=float(api_settings().LEEWAY or 0))


def _fernet() -> Fernet:
    # Derived from the secret key with its own purpose (64 hex digits: 32 bytes).
    raw = bytes.fromhex(settings.JWT_KEY_ENCRYPTION_KEY)
    return Fernet(base64.urlsafe_b64encode(raw))


def public_jwk(public_key: PublicKey) -> dict:
    """The public key as a JWK (RFC 7517): kty, crv, x (and y for EC)."""
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return ECAlgorithm.to_jwk(public_key, as_dict=True)
    return OKPAlgorithm.to_jwk(public_key, as_dict=True)


def thumbprint(public_key: PublicKey) -> str:
    """RFC 7638: SHA-256 of the required members in lexicographic order, base64url."""
    jwk = public_jwk(public_key)
    required = ("crv", "kty", "x", "y") if jwk["kty"] == "EC" else ("crv", "kty", "x")
    canonical = json.dumps({name: jwk[name] for name in required}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def algorithm_of(key: PrivateKey | PublicKey) -> str:
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        if key.curve.name != "secp256r1":
            raise ValueError(f"EC keys must be on P-256, not {key.curve.name}")
        return SigningKey.Algorithm.ES256
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return SigningKey.Algorithm.EDDSA
    raise ValueError(f"unsupported key type {type(key).__name__}: use EC P-256 or Ed25519")


def _generate(algorithm: str) -> PrivateKey:
    if algorithm == SigningKey.Algorithm.EDDSA:
        return ed25519.Ed25519PrivateKey.generate()
    return ec.generate_private_key(ec.SECP256R1())


def _new_key_row(algorithm: str) -> SigningKey:
    private = _generate(algorithm)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = private.public_key()
    return SigningKey(
        kid=thumbprint(public),
        algorithm=algorithm,
        public_key=public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode(),
        private_key=_fernet().encrypt(pem).decode(),
    )


def decrypt_private_key(key: SigningKey) -> PrivateKey:
    """Raises UndecryptableKey."""
    try:
        pem = _fernet().decrypt(key.private_key.encode())
    except InvalidToken as exc:
        raise UndecryptableKey(
            f"the private part of signing key {key.kid} was encrypted under another "
            "DJANGO_SECRET_KEY; run `manage.py signing_keys rotate`"
        ) from exc
    private = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(private, ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey):
        raise UndecryptableKey(f"signing key {key.kid} is not an EC or Ed25519 key")
    return private


def load_public_key(pem: str | bytes) -> PublicKey:
    """Raises ValueError for any key but EC P-256 and Ed25519."""
    public = serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    if not isinstance(public, ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey):
        raise ValueError(f"unsupported key type {type(public).__name__}")
    algorithm_of(public)
    return public


def ensure_signing_key() -> SigningKey:
    """The current key, created on first use. Replicas starting at once race to create it;
    the unique constraint on the current key lets one win and the others read its row."""
    current = SigningKey.objects.filter(retired_at__isnull=True).first()
    if current is not None and current.algorithm == api_settings().ALGORITHM:
        return current
    try:
        # "" when there is none: a key another replica made meanwhile is kept, not replaced.
        return rotate_signing_key(replacing=current.kid if current else "")
    except IntegrityError:  # another process created the first key meanwhile
        return SigningKey.objects.get(retired_at__isnull=True)


def rotate_signing_key(*, replacing: str | None = None) -> SigningKey:
    """Retire the current key and make a new one current. With `replacing`, only if that
    key is still the current one ("": only if there is none), else the key that replaced
    it meanwhile. Raises
    SigningKeysFromFiles, IntegrityError (a concurrent first key)."""
    if settings.JWT_PRIVATE_KEY_FILE:
        raise SigningKeysFromFiles(
            "JWT_PRIVATE_KEY_FILE is set: rotate by replacing the file (and publishing the "
            "old public key through JWT_PUBLIC_KEY_FILES until its tokens have expired)"
        )
    algorithm = api_settings().ALGORITHM
    if algorithm not in ASYMMETRIC:
        raise ValueError(f"JWT_ALGORITHM={algorithm} signs with the HMAC key, not a key pair")
    new = _new_key_row(algorithm)  # the CPU-heavy part, outside the lock
    with transaction.atomic():
        current = SigningKey.objects.select_for_update().filter(retired_at__isnull=True).first()
        if current is not None and replacing is not None and current.kid != replacing:
            return current
        if current is not None:
            SigningKey.objects.filter(pk=current.pk).update(retired_at=timezone.now())
        new.save(force_insert=True)
    return new


def retire_signing_keys(*, now: datetime | None = None) -> int:
    """Delete the keys no live token can carry any more, and rotate the current key when
    it is older than JWT_KEY_ROTATION_DAYS. Returns the number of keys deleted."""
    now = now or timezone.now()
    deleted, _ = SigningKey.objects.filter(retired_at__lt=now - verification_window()).delete()
    days = settings.JWT_KEY_ROTATION_DAYS
    if days > 0 and api_settings().ALGORITHM in ASYMMETRIC and not settings.JWT_PRIVATE_KEY_FILE:
        current = SigningKey.objects.filter(retired_at__isnull=True).first()
        if current is not None and current.created_at < now - timedelta(days=days):
            rotate_signing_key(replacing=current.kid)
    return deleted


@dataclass(frozen=True)
class KeyInfo:
    kid: str
    algorithm: str
    source: str  # "database" or "file"
    state: str  # "current", "retired", "verify only"
    created_at: datetime | None
    retired_at: datetime | None
    verifies_until: datetime | None


def list_signing_keys() -> list[KeyInfo]:
    """Every key a token can name, newest first: the database's and the files'."""
    window = verification_window()
    rows = []
    from_file = bool(settings.JWT_PRIVATE_KEY_FILE)
    for key in SigningKey.objects.order_by("-created_at"):
        state = "retired" if key.retired_at else "verify only" if from_file else "current"
        rows.append(
            KeyInfo(
                kid=key.kid,
                algorithm=key.algorithm,
                source="database",
                state=state,
                created_at=key.created_at,
                retired_at=key.retired_at,
                verifies_until=key.retired_at + window if key.retired_at else None,
            )
        )
    files = [settings.JWT_PRIVATE_KEY_FILE] if from_file else []
    for index, path in enumerate(files + list(settings.JWT_PUBLIC_KEY_FILES)):
        public = key_from_file(path)[1]
        rows.append(
            KeyInfo(
                kid=thumbprint(public),
                algorithm=algorithm_of(public),
                source=f"file {path}",
                state="current" if from_file and index == 0 else "verify only",
                created_at=None,
                retired_at=None,
                verifies_until=None,
            )
        )
    return rows


def key_from_file(path: str) -> tuple[PrivateKey | None, PublicKey]:
    """A PEM file: a private key (with its public part) or a public key alone."""
    with open(path, "rb") as file:
        pem = file.read()
    if b"PRIVATE KEY" in pem:
        private = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(private, ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey):
            raise ValueError(f"{path}: use an EC P-256 or Ed25519 key")
        algorithm_of(private)
        return private, private.public_key()
    return None, load_public_key(pem)
