"""One-time login codes. Only a keyed hash of the code is ever stored."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q


def new_nonce() -> str:
    return secrets.token_hex(16)


class LoginCode(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_codes"
    )
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
            # A new code replaces the old one: at most one unused code per user.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(used_at__isnull=True),
                name="one_unused_login_code_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"login code #{self.pk} for user #{self.user_id}"
