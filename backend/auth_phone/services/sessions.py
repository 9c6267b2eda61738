"""Login sessions: the tokens a login issues, their rotation with reuse detection, logout."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import BlacklistMixin
from rest_framework_simplejwt.utils import datetime_from_epoch, datetime_to_epoch

from core import sql
from profiles.models import User

from ..errors import InvalidRefreshToken, NoActiveAccount
from ..models import TokenFamily
from ..tokens import RefreshToken  # signed with the current key (auth_phone.tokens)

FAMILY_CLAIM = "fam"
LEGACY_FAMILY_NAMESPACE = uuid.UUID("4d2a7c51-0f3e-4b8e-9d61-2c5b7a9e8f10")


class _RefreshTokenBlacklistCheckedLater(RefreshToken):
    """Verifies signature, expiry and type, but not the blacklist: rotate_refresh_token
    reads that under the user's row lock, where a concurrent rotation cannot slip by."""

    def check_blacklist(self) -> None:
        pass


def _outstand(token: RefreshToken, user: User) -> OutstandingToken:
    return OutstandingToken.objects.create(
        user=user,
        jti=token[api_settings.JTI_CLAIM],
        token=str(token),
        created_at=token.current_time,
        expires_at=datetime_from_epoch(token["exp"]),
    )


def issue_tokens(*, user: User) -> dict:
    """Tokens of a new login: the refresh token starts a token family of its own."""
    # Token.for_user without the blacklist mixin's step, which records the token before
    # the family claim is in it.
    refresh = super(BlacklistMixin, RefreshToken).for_user(user)
    family_id = uuid.uuid4()
    refresh[FAMILY_CLAIM] = str(family_id)
    encoded = str(refresh)  # signed once: recorded and answered
    issued_at = sql.db_value(TokenFamily, "created_at", refresh.current_time)
    expires_at = sql.db_value(TokenFamily, "expires_at", datetime_from_epoch(refresh["exp"]))
    # The family's row and the token's (which logout and a rotation blacklist), as
    # TokenFamily.objects.create and OutstandingToken.objects.create wrote them.
    family = [sql.db_value(TokenFamily, "id", family_id), user.pk, issued_at, expires_at]
    token = [user.pk, refresh[api_settings.JTI_CLAIM], encoded, issued_at, expires_at]
    sql.execute_all(_insert_family_and_token_sql(), family + token)
    return {"refresh": encoded, "access": str(refresh.access_token), "user_id": user.pk}


@sql.statement
def _insert_family_and_token_sql() -> list[str]:
    return sql.inserts(
        (TokenFamily, ("id", "user", "created_at", "expires_at")),
        (OutstandingToken, ("user", "jti", "token", "created_at", "expires_at")),
    )


def _family_id(token: RefreshToken) -> str:
    """The family of `token`. A token issued before families existed carries none; its
    successors get one named after it, so that its reuse revokes them too."""
    if FAMILY_CLAIM in token:
        return str(token[FAMILY_CLAIM])
    return str(uuid.uuid5(LEGACY_FAMILY_NAMESPACE, str(token[api_settings.JTI_CLAIM])))


def _revoke_family(family_id: str) -> None:
    TokenFamily.objects.filter(pk=family_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def rotate_refresh_token(*, refresh: str) -> dict:
    """Exchange a live refresh token for a new access and refresh token, once. Raises
    TokenError, NoActiveAccount.

    Reuse detection (RFC 9700, section 4.14.2): a rotated-out token that comes back
    revokes its whole family, so the successor the legitimate client (or a thief) holds
    stops working too. Rotations of one user's tokens queue on the user's row lock: of
    concurrent refreshes of one token exactly one wins, and the others are reuses."""
    # simplejwt's annotation says Token, but a token is built from its encoded string.
    token = _RefreshTokenBlacklistCheckedLater(refresh)  # type: ignore[arg-type]
    legacy = FAMILY_CLAIM not in token
    family_id = _family_id(token)
    with transaction.atomic():
        user = (
            User.objects.select_for_update(no_key=True)
            .filter(pk=token.get(api_settings.USER_ID_CLAIM))
            .first()
        )
        outstanding = OutstandingToken.objects.filter(jti=token[api_settings.JTI_CLAIM]).first()
        rotated_out = (
            outstanding is not None and BlacklistedToken.objects.filter(token=outstanding).exists()
        )
        if rotated_out:
            # Committed although the request fails: the revocation is the point.
            _revoke_family(family_id)
            error: Exception = TokenError(_("Token is blacklisted"))
        elif user is None or not api_settings.USER_AUTHENTICATION_RULE(user):
            error = NoActiveAccount()
        else:
            # The successor's expiry, as set_exp below computes it (whole seconds).
            expires_at = datetime_from_epoch(
                datetime_to_epoch(token.current_time + api_settings.REFRESH_TOKEN_LIFETIME)
            )
            # One statement checks that the family is live and moves its expiry to the
            # successor's (what the retention job reads).
            live = legacy or TokenFamily.objects.filter(
                pk=family_id, user=user, revoked_at__isnull=True
            ).update(expires_at=expires_at)
            if not live:
                raise TokenError(_("Token is blacklisted"))
            if outstanding is None:  # issued before tokens were recorded
                outstanding = _outstand(token, user)
            BlacklistedToken.objects.create(token=outstanding)
            if legacy:
                TokenFamily.objects.create(pk=family_id, user=user, expires_at=expires_at)
                token[FAMILY_CLAIM] = family_id
            token.set_jti()
            token.set_exp()
            token.set_iat()
            _outstand(token, user)
            return {"access": str(token.access_token), "refresh": str(token)}
    raise error


def logout(*, refresh: str) -> None:
    """Blacklist a refresh token and end its login's token family. Raises
    InvalidRefreshToken."""
    try:
        token = _RefreshTokenBlacklistCheckedLater(refresh)  # type: ignore[arg-type]
    except TokenError as exc:
        raise InvalidRefreshToken() from exc
    # Logout ends the login; a rotated-out token that comes back here is a reuse as well.
    _revoke_family(_family_id(token))
    try:
        RefreshToken.check_blacklist(token)
    except TokenError as exc:
        raise InvalidRefreshToken() from exc
    token.blacklist()
