"""The tokens: simplejwt's access and refresh tokens, signed with the current key and
checked by their `kid` against the keys this service published (decision 47).

Each process keeps the keys it loaded (`KeyRing`) for JWT_KEY_CACHE_SECONDS, so a login
neither reads the keys table nor parses a key; a `kid` it does not know makes it read them
again (another replica rotated), at most once every few seconds. Nothing a token says
chooses where a key comes from: `jku`, `x5u`, `jwk` and `x5c` headers are refused."""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import jwt
from django.conf import settings
from django.core.signals import setting_changed
from django.db import DatabaseError, connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt import tokens
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenBackendExpiredToken

from .models import SigningKey
from .services import signing_keys
from .services.signing_keys import api_settings

logger = logging.getLogger(__name__)

# A thumbprint (43 base64url characters) or an operator's name for a key: never a path.
KID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Headers that name a key somewhere else (RFC 7515, 4.1.2-4.1.6): refused, never followed.
FOREIGN_KEY_HEADERS = ("jku", "jwk", "x5u", "x5c")
# The fewest seconds between two reloads caused by an unknown kid.
UNKNOWN_KID_RELOAD_SECONDS = 5.0


@dataclass(frozen=True)
class VerifyingKey:
    kid: str
    algorithm: str
    key: Any
    jwk: dict | None  # published in the JWK Set; None for an HMAC key


@dataclass
class KeyRing:
    signing_algorithm: str
    signing_key: Any
    signing_kid: str | None
    verifying: dict[str, VerifyingKey]
    # Tokens from before the upgrade (HS256 under the derived key, no kid, iss, aud) are
    # accepted if issued before `legacy_issued_before` and checked before `legacy_until`.
    legacy_issued_before: datetime | None = None
    legacy_until: datetime | None = None
    loaded_at: float = field(default_factory=time.monotonic)

    def jwks(self) -> dict:
        return {"keys": [key.jwk for key in self.verifying.values() if key.jwk is not None]}


_ring: KeyRing | None = None
_lock = threading.Lock()


def forget_keys(**_kwargs: Any) -> None:
    """Drop this process's keys: the next token reads them again."""
    global _ring
    _ring = None


setting_changed.connect(forget_keys)


def _fresh(ring: KeyRing | None) -> bool:
    return ring is not None and time.monotonic() - ring.loaded_at < settings.JWT_KEY_CACHE_SECONDS


def key_ring() -> KeyRing:
    """This process's keys, read again after JWT_KEY_CACHE_SECONDS."""
    global _ring
    ring = _ring
    if ring is not None and _fresh(ring):
        return ring
    with _lock:
        ring = _ring
        if ring is not None and _fresh(ring):  # another thread has just read them
            return ring
        try:
            fresh, cacheable = _load()
        except DatabaseError:
            if ring is None:
                raise
            logger.warning("signing keys not re-read (database unavailable): keeping them")
            ring.loaded_at = time.monotonic()
            return ring
        _ring = fresh if cacheable else None
        return fresh


def _reload_for_unknown_kid() -> KeyRing:
    ring = key_ring()
    if time.monotonic() - ring.loaded_at >= UNKNOWN_KID_RELOAD_SECONDS:
        forget_keys()
        ring = key_ring()
    return ring


def _load() -> tuple[KeyRing, bool]:
    """Read the keys. The second value says whether they may be kept: not when this call
    created the first key inside a transaction that may yet roll it back."""
    now = timezone.now()
    window = signing_keys.verification_window()
    algorithm = api_settings().ALGORITHM
    cacheable = True
    signing_kid: str | None = None
    verifying: dict[str, VerifyingKey] = {}
    if algorithm == SigningKey.Algorithm.HS256:
        signing_key: Any = api_settings().SIGNING_KEY
    elif settings.JWT_PRIVATE_KEY_FILE:
        private, public = signing_keys.key_from_file(settings.JWT_PRIVATE_KEY_FILE)
        if private is None or signing_keys.algorithm_of(private) != algorithm:
            raise ValueError(f"JWT_PRIVATE_KEY_FILE must hold a private key for {algorithm}")
        signing_key, signing_kid = private, signing_keys.thumbprint(public)
        verifying[signing_kid] = _verifying(signing_kid, algorithm, public)
    else:
        existed = list(
            SigningKey.objects.filter(retired_at__isnull=True).values_list("kid", flat=True)
        )
        current = signing_keys.ensure_signing_key()
        try:
            signing_key = signing_keys.decrypt_private_key(current)
        except signing_keys.UndecryptableKey as exc:
            # DJANGO_SECRET_KEY changed: the stored key cannot sign any more, but its public
            # part still verifies the tokens it signed. A new key takes over (one replica
            # makes it, the others read it) instead of every login failing until an
            # operator rotates by hand.
            logger.error("%s; a new signing key replaces it", exc)
            current = signing_keys.rotate_signing_key(replacing=current.kid)
            signing_key = signing_keys.decrypt_private_key(current)
        cacheable = current.kid in existed or not connection.in_atomic_block
        signing_kid = current.kid
    for path in settings.JWT_PUBLIC_KEY_FILES:
        public = signing_keys.key_from_file(path)[1]
        kid = signing_keys.thumbprint(public)
        verifying[kid] = _verifying(kid, signing_keys.algorithm_of(public), public)
    ring = KeyRing(algorithm, signing_key, signing_kid, verifying)
    for row in SigningKey.objects.exclude(retired_at__lt=now - window).order_by("-created_at"):
        if row.algorithm == SigningKey.Algorithm.HS256:
            ring.legacy_issued_before = row.retired_at
            ring.legacy_until = (row.retired_at or now) + window
        elif row.kid not in verifying:
            public = signing_keys.load_public_key(row.public_key)
            verifying[row.kid] = _verifying(row.kid, row.algorithm, public)
    return ring, cacheable


def _verifying(kid: str, algorithm: str, public: Any) -> VerifyingKey:
    jwk = {**signing_keys.public_jwk(public), "kid": kid, "alg": algorithm, "use": "sig"}
    return VerifyingKey(kid, algorithm, public, jwk)


def jwks() -> dict:
    """The JWK Set: the public keys that check live tokens, never a private part."""
    return key_ring().jwks()


def _refuse(reason: str, header: dict | None = None) -> TokenBackendError:
    kid = (header or {}).get("kid")
    logger.warning("token refused (kid %s): %s", repr(kid)[:80], reason)
    return TokenBackendError(_("Token is invalid"))


class KeyRingBackend(TokenBackend):
    """simplejwt's backend, signing with the current key (its `kid` in the header) and
    verifying with the key the `kid` names among the published ones."""

    def __init__(self) -> None:
        # The HMAC key and algorithm are the stock backend's; the key pairs come from the ring.
        super().__init__(
            api_settings().ALGORITHM,
            api_settings().SIGNING_KEY,
            audience=api_settings().AUDIENCE,
            issuer=api_settings().ISSUER,
            leeway=api_settings().LEEWAY,
            json_encoder=api_settings().JSON_ENCODER,
        )

    def encode(self, payload: dict[str, Any]) -> str:
        ring = key_ring()
        claims = {**payload, "iss": self.issuer, "aud": self.audience}
        headers = {"kid": ring.signing_kid} if ring.signing_kid else None
        return jwt.encode(
            claims,
            ring.signing_key,
            algorithm=ring.signing_algorithm,
            headers=headers,
            json_encoder=self.json_encoder,
        )

    def decode(self, token: Any, verify: bool = True) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise _refuse("malformed token") from exc
        for name in FOREIGN_KEY_HEADERS:
            if name in header:
                raise _refuse(f"'{name}' header", header)
        algorithm, kid = header.get("alg"), header.get("kid")
        options: dict[str, Any] = {"verify_signature": verify, "require": ["exp", "iss", "aud"]}
        if kid is not None:
            if not isinstance(kid, str) or not KID_RE.fullmatch(kid):
                raise _refuse("malformed kid", header)
            key = key_ring().verifying.get(kid) or _reload_for_unknown_kid().verifying.get(kid)
            if key is None:
                raise _refuse("unknown kid", header)
            if algorithm != key.algorithm:
                raise _refuse(f"alg {algorithm!r} is not its key's", header)
            return self._decode(token, key.key, key.algorithm, options, header)
        if algorithm != "HS256":
            raise _refuse(f"no kid with alg {algorithm!r}", header)
        return self._decode_hmac(token, options, header)

    def _decode_hmac(self, token: Any, options: dict, header: dict) -> dict[str, Any]:
        """HS256: this service's own tokens when it signs with HMAC, and the tokens from
        before the upgrade (no iss, no aud) while they live."""
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.InvalidTokenError as exc:
            raise _refuse("malformed token", header) from exc
        if "iss" in unverified or "aud" in unverified:
            if self.algorithm != "HS256":
                raise _refuse("HS256 token after the upgrade", header)
            return self._decode(token, api_settings().SIGNING_KEY, "HS256", options, header)
        ring = key_ring()
        now = timezone.now()
        if ring.legacy_until is None or now >= ring.legacy_until:
            raise _refuse("HS256 token from before the upgrade, no longer accepted", header)
        payload = self._decode(
            token,
            api_settings().SIGNING_KEY,
            "HS256",
            {**options, "require": ["exp", "iat"], "verify_aud": False, "verify_iss": False},
            header,
        )
        issued = payload.get("iat")
        if not isinstance(issued, int | float) or (
            ring.legacy_issued_before and issued > ring.legacy_issued_before.timestamp()
        ):
            raise _refuse("HS256 token issued after the upgrade", header)
        return payload

    def _decode(
        self, token: Any, key: Any, algorithm: str, options: dict, header: dict
    ) -> dict[str, Any]:
        legacy = options.get("verify_aud") is False
        try:
            return jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=None if legacy else self.audience,
                issuer=None if legacy else self.issuer,
                leeway=self.get_leeway(),
                options=options,  # type: ignore[arg-type]  # PyJWT's TypedDict of the same keys
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenBackendExpiredToken(_("Token is expired")) from exc
        except jwt.InvalidTokenError as exc:
            raise _refuse(f"{type(exc).__name__}: {exc}", header) from exc


_backend: KeyRingBackend | None = None


def token_backend() -> KeyRingBackend:
    global _backend
    if _backend is None:
        _backend = KeyRingBackend()
    return _backend


def _forget_backend(**kwargs: Any) -> None:
    global _backend
    if kwargs.get("setting") == "SIMPLE_JWT":
        _backend = None


setting_changed.connect(_forget_backend)


class AccessToken(tokens.AccessToken):
    def get_token_backend(self) -> TokenBackend:
        return token_backend()


class RefreshToken(tokens.RefreshToken):
    access_token_class = AccessToken

    def get_token_backend(self) -> TokenBackend:
        return token_backend()
