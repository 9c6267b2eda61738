"""The user: identified by a normalised phone number, with an invite code of its own."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

INVITE_CODE_LENGTH = 6
INVITE_CODE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
PHONE_MAX_LENGTH = 16  # E.164: "+" and at most 15 digits


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, phone: str, password: str | None = None, **extra) -> User:
        from .services.users import create_user

        user = create_user(phone=phone, **extra)
        if password:
            user.set_password(password)
            user.save(update_fields=["password"])
        return user

    def create_superuser(self, phone: str, password: str | None = None, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(phone, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    phone = models.CharField(max_length=PHONE_MAX_LENGTH, unique=True)
    email = models.EmailField(null=True, blank=True)
    first_name = models.CharField(max_length=150, null=True, blank=True)
    last_name = models.CharField(max_length=150, null=True, blank=True)
    avatar = models.ImageField(upload_to="avatars/", null=True, blank=True)

    invite_code = models.CharField(max_length=INVITE_CODE_LENGTH, unique=True)
    # Who invited this user; the code itself is kept too, so that it stays visible after
    # the inviter deletes their account.
    referred_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals"
    )
    activated_code = models.CharField(max_length=INVITE_CODE_LENGTH, null=True, blank=True)
    referred_at = models.DateTimeField(null=True, blank=True)

    phone_verified_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(referred_by__isnull=True) | ~Q(referred_by=F("pk")),
                name="user_not_referred_by_self",
            ),
            models.CheckConstraint(
                condition=Q(invite_code__regex=rf"^[0-9A-Z]{{{INVITE_CODE_LENGTH}}}$"),
                name="user_invite_code_format",
            ),
        ]
        indexes = [models.Index(fields=["referred_by", "referred_at"])]

    def __str__(self) -> str:
        return self.phone


class ReferralGraphLock(models.Model):
    """The one row whose lock serialises invite activations (profiles.services.invites):
    each activation takes it `FOR UPDATE` in its transaction, and COMMIT or ROLLBACK
    releases it. A row lock because the ORM can say it (select_for_update); an advisory
    lock would be a literal statement. The migration writes the row; the check keeps a
    second one out."""

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="referral_graph_lock_one_row")
        ]

    def __str__(self) -> str:
        return "referral graph lock"
