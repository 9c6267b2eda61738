"""Login sessions: the tokens a login issues, their rotation with reuse detection, logout.

One row per login (auth_phone.models.Session). simplejwt signs and checks the tokens; the
session decides which of them may still refresh: only the one whose id is its
`current_jti`."""

from __future__ import annotations

import ipaddress
import uuid
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt import tokens
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.utils import datetime_from_epoch

from profiles.models import User

from ..errors import InvalidRefreshToken, NoActiveAccount, SessionNotFound
from ..models import USER_AGENT_MAX_LENGTH, Session
from ..tokens import RefreshToken  # signed with the current key (auth_phone.tokens)

# The claim that names a token's session. "fam" is the name the token families of
# earlier releases gave it: a token issued before the upgrade finds its session by it.
SESSION_CLAIM = "fam"
# The time of the login with a code (OpenID Connect's name), in every access token of a
# session, copied from the session's row: a refresh does not move it.
AUTH_TIME_CLAIM = "auth_time"
# The most sessions GET /users/sessions/ lists (the newest): logins are rate-limited,
# so a real account has far fewer live ones.
SESSIONS_LISTED = 100
# A token from before families existed carries no session; its session is named after it.
LEGACY_SESSION_NAMESPACE = uuid.UUID("4d2a7c51-0f3e-4b8e-9d61-2c5b7a9e8f10")


def _blacklisted() -> TokenError:
    # simplejwt's words for a token its blacklist refused; clients know this answer.
    return TokenError(_("Token is blacklisted"))


def issue_tokens(*, user: User, ip: str | None = None, user_agent: str = "") -> dict:
    """Tokens of a new login: one INSERT, the session whose current token is the refresh
    token answered."""
    return _new_session(user=user, ip=ip, user_agent=user_agent, authenticated=True)


def _new_session(*, user: User, ip: str | None, user_agent: str, authenticated: bool) -> dict:
    refresh = RefreshToken.for_user(user)
    session_id = uuid.uuid4()
    refresh[SESSION_CLAIM] = str(session_id)
    authenticated_at = refresh.current_time if authenticated else None
    Session.objects.create(
        id=session_id,
        user=user,
        current_jti=refresh[api_settings.JTI_CLAIM],
        created_at=refresh.current_time,
        authenticated_at=authenticated_at,
        expires_at=datetime_from_epoch(refresh["exp"]),
        created_ip=_address(ip),
        user_agent=user_agent[:USER_AGENT_MAX_LENGTH],
    )
    access = _access_token(refresh, authenticated_at)
    return {"refresh": str(refresh), "access": access, "user_id": user.pk}


def _access_token(refresh: tokens.RefreshToken, authenticated_at: datetime | None) -> str:
    """The access token of `refresh`, carrying the session's login time when it has one.
    A claim on simplejwt's token object, so it is signed with whatever algorithm signs."""
    access = refresh.access_token
    if authenticated_at is not None:
        access[AUTH_TIME_CLAIM] = int(authenticated_at.timestamp())
    return str(access)


def auth_time(token) -> datetime | None:
    """The login time an access token carries (its `auth_time`), or None: a token of an
    earlier release, or of a session adopted from one."""
    value = token.get(AUTH_TIME_CLAIM) if token is not None else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return datetime_from_epoch(value)


def session_of(token) -> str | None:
    """The id of the session an access token was issued from, or None."""
    value = token.get(SESSION_CLAIM) if token is not None else None
    return str(value) if value else None


def _address(ip: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(ip)) if ip else None
    except ValueError:
        return None


def _session_id(token: RefreshToken) -> str:
    if SESSION_CLAIM in token:
        return str(token[SESSION_CLAIM])
    return str(uuid.uuid5(LEGACY_SESSION_NAMESPACE, str(token[api_settings.JTI_CLAIM])))


def _adopt_legacy_token(token: RefreshToken) -> None:
    """A token from before families existed gets its session the first time it is
    presented, with itself as the current token. If the session is there already, the
    token was presented before (or logged out): ON CONFLICT DO NOTHING leaves it as it is,
    and the conditional update that follows sees a reuse."""
    user_id = token.get(api_settings.USER_ID_CLAIM)
    if SESSION_CLAIM in token or not User.objects.filter(pk=user_id).exists():
        return
    session = Session(
        id=_session_id(token),
        user_id=user_id,
        current_jti=token[api_settings.JTI_CLAIM],
        expires_at=datetime_from_epoch(token["exp"]),
    )
    Session.objects.bulk_create([session], ignore_conflicts=True)


def _revoke_on_reuse(session_id: str, jti: str) -> None:
    """A token of the session that is not its current one came back: end the session, so
    the successor that the legitimate client (or a thief) holds stops working too."""
    Session.objects.filter(pk=session_id, revoked_at__isnull=True).exclude(current_jti=jti).update(
        revoked_at=timezone.now()
    )


def rotate_refresh_token(*, refresh: str) -> dict:
    """Exchange the session's current refresh token for a new access and refresh token,
    once. Raises TokenError, NoActiveAccount.

    Reuse detection (RFC 9700, section 4.14.2): a token of the session that was rotated
    out and comes back revokes the session. Of concurrent refreshes of one token exactly
    one wins: the conditional UPDATE of the others waits on the row, then finds another
    `current_jti` and counts as a reuse."""
    # simplejwt's annotation says Token, but a token is built from its encoded string.
    token = RefreshToken(refresh)  # type: ignore[arg-type]
    session_id, jti = _session_id(token), str(token[api_settings.JTI_CLAIM])
    now = timezone.now()
    with transaction.atomic():
        _adopt_legacy_token(token)
        token.set_jti()
        token.set_exp(from_time=now)
        token.set_iat(at_time=now)
        rotated = Session.objects.filter(
            pk=session_id, current_jti=jti, revoked_at__isnull=True, expires_at__gt=now
        ).update(
            current_jti=token[api_settings.JTI_CLAIM],
            last_used_at=now,
            expires_at=datetime_from_epoch(token["exp"]),
        )
        if rotated:
            # The user and the session's login time in one query.
            session = Session.objects.select_related("user").filter(pk=session_id).first()
            user = session.user if session is not None else None
            if user is None or not api_settings.USER_AUTHENTICATION_RULE(user):
                raise NoActiveAccount()  # and the rotation is rolled back
            token[SESSION_CLAIM] = session_id  # a legacy token's successor names its session
            assert session is not None
            return {
                "access": _access_token(token, session.authenticated_at),
                "refresh": str(token),
            }
    # Committed although the request fails: the revocation is the point.
    _revoke_on_reuse(session_id, jti)
    raise _blacklisted()


def logout(*, refresh: str) -> None:
    """End the session of the session's current refresh token. Raises InvalidRefreshToken
    for any other token (invalid, expired, rotated out, or of an ended session); a
    rotated-out token that comes back here is a reuse and ends its session as well."""
    try:
        token = RefreshToken(refresh)  # type: ignore[arg-type]
    except TokenError as exc:
        raise InvalidRefreshToken() from exc
    session_id, jti = _session_id(token), str(token[api_settings.JTI_CLAIM])
    _adopt_legacy_token(token)
    ended = Session.objects.filter(pk=session_id, current_jti=jti, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not ended:
        _revoke_on_reuse(session_id, jti)
        raise InvalidRefreshToken()


def end_other_sessions(*, user: User, keep: str | None) -> int:
    """End every live session of `user` but `keep` (the caller's own, when it has one):
    their refresh tokens answer 401 from now on. Returns how many were ended."""
    others = Session.objects.filter(user=user, revoked_at__isnull=True)
    if keep is not None:
        others = others.exclude(pk=keep)
    return others.update(revoked_at=timezone.now())


def end_session(*, user: User, session_id: str) -> None:
    """End one live session of `user`. Raises SessionNotFound for a session that is not
    one of `user`'s live ones (another account's is not found either, nor a malformed id)."""
    try:
        session_id = str(uuid.UUID(str(session_id)))
    except ValueError:
        raise SessionNotFound() from None
    ended = live_sessions(user=user).filter(pk=session_id).update(revoked_at=timezone.now())
    if not ended:
        raise SessionNotFound()


def live_sessions(*, user: User):
    """The sessions of `user` whose refresh token can still refresh, newest first."""
    return Session.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-created_at", "-pk")


def renew_session_tokens(
    *, user: User, session_id: str | None, ip: str | None = None, user_agent: str = ""
) -> dict:
    """New tokens for the live session `session_id` of `user` (its refresh token is
    rotated: the one the client held stops refreshing). A request without a live session
    of its own (a token of an earlier release) gets a new session, whose login time is
    unknown and so never recent."""
    now = timezone.now()
    if session_id is not None:
        refresh = RefreshToken.for_user(user)
        refresh[SESSION_CLAIM] = session_id
        renewed = live_sessions(user=user).filter(pk=session_id)
        authenticated_at = renewed.values_list("authenticated_at", flat=True).first()
        if renewed.update(
            current_jti=refresh[api_settings.JTI_CLAIM],
            last_used_at=now,
            expires_at=datetime_from_epoch(refresh["exp"]),
        ):
            return {"access": _access_token(refresh, authenticated_at), "refresh": str(refresh)}
    tokens = _new_session(user=user, ip=ip, user_agent=user_agent, authenticated=False)
    return {"access": tokens["access"], "refresh": tokens["refresh"]}
