"""One-time login codes (only a keyed hash of the code is ever stored), token families
and the keys that sign tokens."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

USER_AGENT_MAX_LENGTH = 256


def new_nonce() -> str:
    return secrets.token_hex(16)


class LoginCode(models.Model):
    class Purpose(models.TextChoices):
        # A login code opens the account; a phone-change code only proves a new number.
        # Each is looked up by its own purpose, so neither can stand in for the other.
        LOGIN = "login", "login"
        PHONE_CHANGE = "phone_change", "phone change"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_codes"
    )
    purpose = models.CharField(max_length=16, choices=Purpose.choices, default=Purpose.LOGIN)
    # The number the code was sent to: for a phone change, the new number it proves.
    phone = models.CharField(max_length=16, blank=True, default="")
    # HMAC-SHA256 of the code, set by the worker that generates and sends it; empty until then.
    code_hash = models.CharField(max_length=64, blank=True, default="")
    # Random per row; with the server key it determines the code (see codes.derive_code).
    nonce = models.CharField(max_length=32, default=new_nonce, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # A new code replaces the old one: at most one unused code per user and purpose.
            models.UniqueConstraint(
                fields=["user", "purpose"],
                condition=Q(used_at__isnull=True),
                name="one_unused_code_per_user_and_purpose",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} code #{self.pk} for user #{self.user_id}"


class Session(models.Model):
    """One login. Its refresh tokens carry the session's id (the `fam` claim) and are
    rotated one into the next; only the token whose id is `current_jti` may refresh, and
    a refresh moves `current_jti` to its successor's in one conditional UPDATE. A token of
    the session that is not the current one coming back is a reuse: it revokes the session.
    No token is stored, only the id of the current one (a jti is not a credential: a
    token is its signature)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sessions"
    )
    current_jti = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # When the current refresh token expires: after it nothing can refresh the session,
    # so the row can go (auth_phone.retention.delete_dead_sessions).
    expires_at = models.DateTimeField(db_index=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # When the user last proved the phone with a code for this session (the `auth_time`
    # claim of its access tokens; a refresh does not move it). Null for sessions adopted
    # from tokens of earlier releases: their login time is unknown, so never recent.
    authenticated_at = models.DateTimeField(null=True, blank=True)
    # Where the login came from, as first seen; empty for sessions older than these fields.
    created_ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=USER_AGENT_MAX_LENGTH, blank=True, default="")

    def __str__(self) -> str:
        return f"session {self.pk} of user #{self.user_id}"


class SigningKey(models.Model):
    """A key that signs (the current one) or signed tokens. The public part is published
    at /.well-known/jwks.json until the last token it signed has expired; the private part
    is stored encrypted under a key derived from DJANGO_SECRET_KEY (auth_phone.keys)."""

    class Algorithm(models.TextChoices):
        ES256 = "ES256", "ES256 (ECDSA P-256)"
        EDDSA = "EdDSA", "EdDSA (Ed25519)"
        # The key derived from DJANGO_SECRET_KEY, recorded at the upgrade so that the
        # tokens it signed before are accepted until they expire; no key material here.
        HS256 = "HS256", "HS256 (tokens from before the upgrade)"

    # RFC 7638 thumbprint of the public key: the `kid` of the tokens it signs.
    kid = models.CharField(max_length=64, unique=True)
    algorithm = models.CharField(max_length=8, choices=Algorithm.choices)
    use = models.CharField(max_length=8, default="sig", editable=False)
    public_key = models.TextField(blank=True, default="")  # PEM, SubjectPublicKeyInfo
    private_key = models.TextField(blank=True, default="")  # Fernet token of the PKCS#8 PEM
    created_at = models.DateTimeField(default=timezone.now)
    # When it stopped signing; it still verifies for a token lifetime after.
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Two replicas starting at once both try to create the first key: one wins.
            models.UniqueConstraint(
                fields=["use"], condition=Q(retired_at__isnull=True), name="one_current_signing_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.algorithm} key {self.kid}"


class RouteSuspension(models.Model):
    """A country calling code whose login codes the conversion guard suspended (too few of
    the codes sent there were used; core.ratelimit, "code.route"), with the figures it
    judged on. The suspension itself is a key in Redis that every code request checks;
    this row is the operator's record of it and the handle to lift it in the admin
    (auth_phone.services.routes)."""

    calling_code = models.PositiveSmallIntegerField()  # 7 for +7
    suspended_at = models.DateTimeField(default=timezone.now)
    until = models.DateTimeField()  # when it ends by itself (SMS_ROUTE_SUSPEND_SECONDS)
    requested = models.PositiveIntegerField()  # codes sent to it in the last hour
    used = models.PositiveIntegerField()  # of those, codes used
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-suspended_at"]
        indexes = [models.Index(fields=["calling_code", "-suspended_at"])]

    def __str__(self) -> str:
        return f"+{self.calling_code} suspended at {self.suspended_at:%Y-%m-%d %H:%M}"

    def holds(self, now=None) -> bool:
        """Whether code requests to its calling code are still refused."""
        return self.lifted_at is None and self.until > (now or timezone.now())
