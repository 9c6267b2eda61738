"""One row per login: the sessions take over from the token families and simplejwt's
outstanding and blacklisted tokens, and every login that is live stays live.

Each live family becomes the session of the same id (its tokens' `fam` claim finds it),
whose current token is the family's newest token that was not blacklisted. The previous
release's blacklist app is no longer installed, so its two tables are read through models
of this migration's own (unmanaged: they create nothing); 0008 drops the tables."""

import base64
import binascii
import json
import uuid
from datetime import timedelta

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from rest_framework_simplejwt.settings import api_settings

OUTSTANDING_TABLE = "token_blacklist_outstandingtoken"
BLACKLISTED_TABLE = "token_blacklist_blacklistedtoken"
# auth_phone.services.sessions: the session of a token from before families existed.
LEGACY_SESSION_NAMESPACE = uuid.UUID("4d2a7c51-0f3e-4b8e-9d61-2c5b7a9e8f10")
BATCH = 1000


def _claims(token: str) -> dict:
    """The payload of a token the previous release issued and recorded; its signature
    was checked when it was issued, and is again whenever it is presented."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error):
        return {}
    return claims if isinstance(claims, dict) else {}


def _recorded_tokens(apps, schema_editor, now):
    """(current, ended): per family id, the newest unexpired token that was not
    blacklisted; and the blacklisted unexpired tokens from before families existed, as
    (session id, user id, jti, expiry) — a logout of one revoked no family."""
    current: dict[str, tuple] = {}
    ended: list[tuple] = []
    tables = schema_editor.connection.introspection.table_names()
    if OUTSTANDING_TABLE not in tables or BLACKLISTED_TABLE not in tables:
        return current, ended  # a database that never had the blacklist app
    Outstanding = apps.get_model("auth_phone", "PreviousOutstandingToken")
    Blacklisted = apps.get_model("auth_phone", "PreviousBlacklistedToken")
    tokens = (
        Outstanding.objects.filter(expires_at__gt=now)
        .annotate(blacklisted=Exists(Blacklisted.objects.filter(token=OuterRef("pk"))))
        .values_list("user_id", "jti", "token", "created_at", "expires_at", "blacklisted")
    )
    for user_id, jti, token, created_at, expires_at, blacklisted in tokens.iterator(BATCH):
        family = _claims(token).get("fam")
        if blacklisted:
            if family is None and user_id is not None:
                session_id = uuid.uuid5(LEGACY_SESSION_NAMESPACE, jti)
                ended.append((session_id, user_id, jti, created_at, expires_at))
        elif family is not None:
            newest = current.get(str(family))
            if newest is None or (created_at or now) > (newest[1] or now):
                current[str(family)] = (jti, created_at, expires_at)
    return current, ended


def sessions_from_token_families(apps, schema_editor):
    TokenFamily = apps.get_model("auth_phone", "TokenFamily")
    Session = apps.get_model("auth_phone", "Session")
    now = timezone.now()
    current, ended = _recorded_tokens(apps, schema_editor, now)
    sessions = []
    # A family whose newest token has expired can refresh nothing: it is not carried.
    live = TokenFamily.objects.filter(Q(expires_at__gt=now) | Q(expires_at__isnull=True))
    for family in live.iterator(BATCH):
        jti, created_at, expires_at = current.get(str(family.pk), ("", None, None))
        # A live family without a recorded token that may refresh (a token row lost to an
        # earlier flush, say) is carried revoked: none of its tokens could refresh before.
        revoked_at = family.revoked_at or (None if jti else now)
        used = created_at is not None and created_at - family.created_at > timedelta(seconds=1)
        sessions.append(
            Session(
                id=family.pk,
                user_id=family.user_id,
                current_jti=jti,
                created_at=family.created_at,
                last_used_at=created_at if used else None,
                expires_at=expires_at
                or family.expires_at
                or now + api_settings.REFRESH_TOKEN_LIFETIME,
                revoked_at=revoked_at,
            )
        )
    known = {session.pk for session in sessions}
    for session_id, user_id, jti, created_at, expires_at in ended:
        if session_id not in known:
            known.add(session_id)
            sessions.append(
                Session(
                    id=session_id,
                    user_id=user_id,
                    current_jti=jti,
                    created_at=created_at or now,
                    expires_at=expires_at,
                    revoked_at=now,
                )
            )
    Session.objects.bulk_create(sessions, batch_size=BATCH)


def token_families_from_sessions(apps, schema_editor):
    """Back to families, for a downgrade: each session's login stays live. The previous
    release's tables of tokens start empty, so it records a token when it rotates it."""
    TokenFamily = apps.get_model("auth_phone", "TokenFamily")
    Session = apps.get_model("auth_phone", "Session")
    TokenFamily.objects.bulk_create(
        (
            TokenFamily(
                id=session.pk,
                user_id=session.user_id,
                revoked_at=session.revoked_at,
                expires_at=session.expires_at,
            )
            for session in Session.objects.iterator(BATCH)
        ),
        batch_size=BATCH,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("auth_phone", "0006_token_family_expiry"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Session",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("current_jti", models.CharField(max_length=255)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("last_used_at", models.DateTimeField(blank=True, null=True)),
                ("expires_at", models.DateTimeField(db_index=True)),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
                ("created_ip", models.GenericIPAddressField(blank=True, null=True)),
                ("user_agent", models.CharField(blank=True, default="", max_length=256)),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="sessions", to=settings.AUTH_USER_MODEL)),
            ],
        ),
        # The previous release's simplejwt tables, as far as this migration reads them.
        # Unmanaged: no table is created (0008 drops these models with the tables).
        migrations.CreateModel(
            name="PreviousOutstandingToken",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("user", models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("jti", models.CharField(max_length=255)),
                ("token", models.TextField()),
                ("created_at", models.DateTimeField(null=True)),
                ("expires_at", models.DateTimeField()),
            ],
            options={"db_table": OUTSTANDING_TABLE, "managed": False},
        ),
        migrations.CreateModel(
            name="PreviousBlacklistedToken",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("token", models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to="auth_phone.previousoutstandingtoken")),
            ],
            options={"db_table": BLACKLISTED_TABLE, "managed": False},
        ),
        migrations.RunPython(sessions_from_token_families, token_families_from_sessions),
    ]
