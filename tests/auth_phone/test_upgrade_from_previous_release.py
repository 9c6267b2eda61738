"""Upgrade in place: a database of the previous release (a41919b), its schema and rows,
upgraded by `migrate` alone. Nothing is lost, a refresh token issued before the upgrade
refreshes after it, once, as any refresh token, and invite activations find the row they
lock.

The test database is put back to the previous release's migrations (the blacklist app,
which has left INSTALLED_APPS, installed again for that step, as it was then), filled
through the historical models of that state, and migrated forward with this release's
INSTALLED_APPS, as an operator's `migrate` would."""

from __future__ import annotations

import uuid
from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.test import override_settings
from django.utils import timezone
from django_celery_results.models import TaskResult
from rest_framework.test import APIClient
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from auth_phone.models import LoginCode, Session
from profiles.models import ReferralGraphLock, User
from profiles.services.invites import activate_invite_code
from tasks.models import SmsDelivery
from tests.phones import phone_number
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db(transaction=True)

BLACKLIST_APP = "rest_framework_simplejwt.token_blacklist"
ADMIN_APP = "core.apps.PasswordAdminConfig"
# The leaf migrations of the previous release (a41919b): what its operators have applied.
PREVIOUS_RELEASE = [
    ("admin", "0003_logentry_add_action_flag_choices"),
    ("auth", "0012_alter_user_first_name_max_length"),
    ("contenttypes", "0002_remove_content_type_name"),
    ("sessions", "0001_initial"),
    ("django_celery_results", "0014_alter_taskresult_status"),
    ("token_blacklist", "0013_alter_blacklistedtoken_options_and_more"),
    ("profiles", "0001_initial"),
    ("auth_phone", "0006_token_family_expiry"),
    ("tasks", "0002_sms_delivery_notice"),
    ("webhooks", "0001_webhook_endpoints_events_deliveries"),
]
BLACKLISTED = {"detail": "Token is blacklisted", "code": "token_not_valid"}


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)  # a loader that knows what is applied now


def latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def refresh(token: str):
    return APIClient().post("/users/token/refresh/", {"refresh": token}, format="json")


def issue_as_the_previous_release(apps, user, *, family_id=None):
    """A refresh token as a41919b's issue_tokens made it: with the family's id in its
    `fam` claim (none before families existed), recorded in OutstandingToken."""
    OutstandingToken = apps.get_model("token_blacklist", "OutstandingToken")
    token = RefreshToken.for_user(user)
    if family_id is not None:
        token["fam"] = str(family_id)
    # Signed as that release signed: HS256 under the key derived from DJANGO_SECRET_KEY.
    encoded = jwt.encode(token.payload, api_settings.SIGNING_KEY, algorithm="HS256")
    OutstandingToken.objects.create(
        user_id=user.pk,
        jti=token[api_settings.JTI_CLAIM],
        token=encoded,
        created_at=token.current_time,
        expires_at=datetime_from_epoch(token["exp"]),
    )
    return encoded


def claims(token: str) -> dict:
    """The claims of a token, whichever key signed it."""
    return jwt.decode(token, options={"verify_signature": False})


def blacklist(apps, token: str) -> None:
    OutstandingToken = apps.get_model("token_blacklist", "OutstandingToken")
    BlacklistedToken = apps.get_model("token_blacklist", "BlacklistedToken")
    outstanding = OutstandingToken.objects.get(jti=claims(token)["jti"])
    BlacklistedToken.objects.create(token=outstanding)


def fill_previous_release(apps) -> dict:
    """Rows of every kind an operator keeps, and the refresh tokens of four logins."""
    User = apps.get_model("profiles", "User")
    now = timezone.now()
    inviter = User.objects.create(phone=phone_number(1234567), invite_code="AAAAA1")
    invited = User.objects.create(
        phone=phone_number(1234568),
        invite_code="BBBBB2",
        referred_by=inviter,
        referred_at=now,
        activated_code="AAAAA1",
        phone_verified_at=now,
        avatar="avatars/b.png",
    )
    code = apps.get_model("auth_phone", "LoginCode").objects.create(
        user=invited, code_hash="h" * 64, nonce="n" * 32, expires_at=now + timedelta(minutes=5)
    )
    apps.get_model("tasks", "SmsDelivery").objects.create(
        login_code=code, phone=invited.phone, backend="simulated", status="sent", task_id="t-1"
    )
    endpoint = apps.get_model("webhooks", "WebhookEndpoint").objects.create(
        url="https://hooks.example.com/in", secret="s3cret", events=["user.created"]
    )
    event = apps.get_model("webhooks", "WebhookEvent").objects.create(
        type="user.created", data={"user_id": invited.pk}
    )
    apps.get_model("webhooks", "WebhookDelivery").objects.create(
        event=event, endpoint=endpoint, status="delivered", next_attempt_at=now
    )
    apps.get_model("django_celery_results", "TaskResult").objects.create(
        task_id="t-1", status="SUCCESS", task_name="tasks.tasks.deliver_login_code"
    )

    TokenFamily = apps.get_model("auth_phone", "TokenFamily")
    expiry = now + api_settings.REFRESH_TOKEN_LIFETIME
    # A login that refreshed once: its first token was blacklisted, the second is current.
    live = TokenFamily.objects.create(id=uuid.uuid4(), user=invited, expires_at=expiry)
    rotated_out = issue_as_the_previous_release(apps, invited, family_id=live.pk)
    blacklist(apps, rotated_out)
    current = issue_as_the_previous_release(apps, invited, family_id=live.pk)
    # A login that logged out: its family revoked, its token blacklisted.
    ended = TokenFamily.objects.create(
        id=uuid.uuid4(), user=inviter, expires_at=expiry, revoked_at=now
    )
    logged_out = issue_as_the_previous_release(apps, inviter, family_id=ended.pk)
    blacklist(apps, logged_out)
    # A token from before families existed, logged out (which revoked no family).
    legacy_logged_out = issue_as_the_previous_release(apps, inviter)
    blacklist(apps, legacy_logged_out)
    # A live login with no token on record that may refresh (none could refresh it).
    unrecorded = TokenFamily.objects.create(id=uuid.uuid4(), user=inviter, expires_at=expiry)
    # A login whose newest token had expired: nothing of it is left to refresh.
    TokenFamily.objects.create(id=uuid.uuid4(), user=inviter, expires_at=now - timedelta(days=1))
    return {
        "live": live.pk,
        "unrecorded": unrecorded.pk,
        "current": current,
        "rotated_out": rotated_out,
        "logged_out": logged_out,
        "legacy_logged_out": legacy_logged_out,
    }


def test_migrate_keeps_every_row_and_every_login_of_the_previous_release():
    assert BLACKLIST_APP not in settings.INSTALLED_APPS
    try:
        # Back to the previous release's schema (every app this release added to), then
        # forward with the blacklist app: two plans, as Django runs one direction at a time.
        migrate([node for node in PREVIOUS_RELEASE if node[0] not in ("admin", "token_blacklist")])
        # The blacklist app as it was installed then. Without the admin: its autodiscovery
        # would import the blacklist app's admin, whose models a process started without
        # the app has made abstract (and the admin's migrations are the same in both).
        apps_then = [app for app in settings.INSTALLED_APPS if app != ADMIN_APP]
        with override_settings(INSTALLED_APPS=[*apps_then, BLACKLIST_APP]):
            targets = [node for node in PREVIOUS_RELEASE if node[0] != "admin"]
            executor = migrate(targets)
            assert set(executor.loader.applied_migrations) >= set(targets)
            before = fill_previous_release(executor.loader.project_state(targets).apps)
        assert ("admin", "0003_logentry_add_action_flag_choices") in latest()
    finally:
        migrate(latest())  # this release's INSTALLED_APPS, as the operator's `migrate`

    # Every row is still there.
    inviter, invited = User.objects.order_by("pk")
    assert invited.referred_by == inviter and invited.activated_code == "AAAAA1"
    assert invited.avatar.name == "avatars/b.png"
    assert list(inviter.referrals.all()) == [invited]
    assert LoginCode.objects.get().user == invited
    assert SmsDelivery.objects.get().task_id == "t-1"
    assert WebhookEndpoint.objects.get().secret == "s3cret"
    assert WebhookDelivery.objects.get().event == WebhookEvent.objects.get()
    assert TaskResult.objects.get().task_id == "t-1"

    # One session per login that was live; the blacklist app left nothing behind.
    session = Session.objects.get(pk=before["live"])
    assert session.user == invited and session.revoked_at is None
    assert session.current_jti == claims(before["current"])["jti"]
    assert Session.objects.get(pk=before["unrecorded"]).revoked_at is not None
    assert Session.objects.count() == 4  # and a revoked one for the legacy token logged out
    tables = connection.introspection.table_names()
    assert not [name for name in tables if name.startswith(("token_blacklist_", "auth_phone_tok"))]
    assert not MigrationRecorder(connection).migration_qs.filter(app="token_blacklist").exists()

    # The token issued before the upgrade refreshes, once; then it is a reuse.
    refreshed = refresh(before["current"])
    assert refreshed.status_code == 200, refreshed.content
    assert claims(refreshed.json()["refresh"])["fam"] == str(before["live"])
    assert refresh(before["current"]).json() == BLACKLISTED
    assert refresh(refreshed.json()["refresh"]).json() == BLACKLISTED  # the session is revoked
    # Tokens the previous release had retired stay retired.
    for name in ("rotated_out", "logged_out", "legacy_logged_out"):
        response = refresh(before[name])
        assert response.status_code == 401 and response.json() == BLACKLISTED, name

    # The row that serialises activations is there (profiles 0002), and an activation runs.
    assert list(ReferralGraphLock.objects.values_list("pk", flat=True)) == [1]
    newcomer = User.objects.create(phone=phone_number(1234569), invite_code="CCCCC3")
    activate_invite_code(user=newcomer, code="AAAAA1")
    newcomer.refresh_from_db()
    assert newcomer.referred_by == inviter and newcomer.activated_code == "AAAAA1"
