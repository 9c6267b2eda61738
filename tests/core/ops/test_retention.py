"""The housekeeping jobs of celery beat, against PostgreSQL: each deletes or masks exactly
what it names, works in batches, and finds nothing to do when run again."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_results.models import TaskResult

from auth_phone import retention as code_retention
from auth_phone import tasks as auth_phone_tasks
from auth_phone.models import LoginCode, Session
from profiles.models import User
from profiles.services.users import create_user
from project.celery import app
from tasks import retention as sms_retention
from tasks import tasks as sms_tasks
from tasks.models import SmsDelivery
from tests.phones import DE_MOBILE, phone_number

pytestmark = pytest.mark.django_db

_phones = itertools.count(1)


def new_user(*, days_old: int = 0, verified: bool = False, **extra) -> User:
    user = create_user(phone=phone_number(next(_phones), code=922), **extra)
    joined = timezone.now() - timedelta(days=days_old)
    User.objects.filter(pk=user.pk).update(
        date_joined=joined, phone_verified_at=joined if verified else None
    )
    user.refresh_from_db()
    return user


def code_for(user: User, *, expires_in: int = 300, used: bool = False, age: int = 0):
    code = LoginCode.objects.create(
        user=user,
        expires_at=timezone.now() + timedelta(seconds=expires_in),
        used_at=timezone.now() if used else None,
    )
    LoginCode.objects.filter(pk=code.pk).update(created_at=timezone.now() - timedelta(days=age))
    return code


def test_dead_login_codes_are_deleted_in_batches_and_live_ones_kept(settings):
    settings.RETENTION_BATCH_SIZE = 2
    live = code_for(new_user())
    dead = [code_for(new_user(), expires_in=-1) for _ in range(3)]
    dead += [code_for(new_user(), used=True) for _ in range(2)]

    assert code_retention.delete_dead_login_codes() == 5
    assert list(LoginCode.objects.values_list("pk", flat=True)) == [live.pk]
    assert not LoginCode.objects.filter(pk__in=[c.pk for c in dead]).exists()
    assert code_retention.delete_dead_login_codes() == 0  # idempotent
    assert LoginCode.objects.filter(pk=live.pk).exists()


def test_a_run_stops_when_its_time_is_up_and_the_next_one_goes_on(settings):
    settings.RETENTION_BATCH_SIZE = 1
    settings.RETENTION_JOB_SECONDS = 0  # time is up after the first batch
    for _ in range(3):
        code_for(new_user(), expires_in=-1)

    assert code_retention.delete_dead_login_codes() == 1
    assert LoginCode.objects.count() == 2
    assert code_retention.delete_dead_login_codes() == 1
    assert LoginCode.objects.count() == 1


def test_only_old_accounts_that_never_logged_in_are_deleted(settings):
    settings.UNVERIFIED_USER_TTL = 7
    settings.RETENTION_BATCH_SIZE = 2
    stale = [new_user(days_old=8) for _ in range(3)]
    code_for(stale[0], expires_in=-1, age=8)  # an old dead code goes with its account
    young = new_user(days_old=6)
    verified = new_user(days_old=30, verified=True)
    staff = new_user(days_old=30, is_staff=True)
    asked_again = new_user(days_old=30)
    code_for(asked_again, age=0)  # asked for a code today: about to log in
    inviter = new_user(days_old=30)
    invitee = new_user(verified=True)
    User.objects.filter(pk=invitee.pk).update(
        referred_by=inviter, activated_code=inviter.invite_code, referred_at=timezone.now()
    )

    assert code_retention.delete_unverified_users() == 3
    kept = {young, verified, staff, asked_again, inviter, invitee}
    assert set(User.objects.all()) == kept
    assert not LoginCode.objects.filter(user_id=stale[0].pk).exists()
    assert code_retention.delete_unverified_users() == 0
    assert User.objects.count() == len(kept)


def test_old_delivery_rows_get_their_phone_masked_once(settings):
    settings.SMS_LOG_RETENTION_DAYS = 30
    settings.RETENTION_BATCH_SIZE = 2
    task_ids = itertools.count()

    def delivery(days_old: int, phone: str = phone_number()) -> SmsDelivery:
        row = SmsDelivery.objects.create(
            phone=phone, backend="simulated", task_id=f"t{next(task_ids)}", error="gateway down"
        )
        SmsDelivery.objects.filter(pk=row.pk).update(
            created_at=timezone.now() - timedelta(days=days_old)
        )
        return row

    old = [delivery(31) for _ in range(3)] + [delivery(40, DE_MOBILE)]
    recent = delivery(29)

    assert sms_retention.anonymise_sms_log() == 4
    phones = dict(SmsDelivery.objects.values_list("pk", "phone"))
    assert [phones[row.pk] for row in old] == ["+791*****567"] * 3 + ["+491*******678"]
    assert SmsDelivery.objects.get(pk=old[0].pk).error == ""
    assert phones[recent.pk] == phone_number()
    assert SmsDelivery.objects.get(pk=recent.pk).error == "gateway down"
    assert sms_retention.anonymise_sms_log() == 0  # masked rows are not masked again
    assert dict(SmsDelivery.objects.values_list("pk", "phone")) == phones


@pytest.mark.parametrize(
    "name",
    [
        "auth_phone.flush_expired_tokens",  # simplejwt's table of tokens went with it
        "project.retention.flush_expired_tokens",
        "auth_phone.delete_dead_token_families",
        "project.retention.delete_dead_token_families",
    ],
)
def test_a_job_queued_under_a_former_name_deletes_dead_sessions(name):
    user = new_user(verified=True)
    now = timezone.now()
    Session.objects.create(user=user, current_jti="a", expires_at=now - timedelta(minutes=1))
    live = Session.objects.create(user=user, current_jti="b", expires_at=now + timedelta(days=1))

    assert app.tasks[name].apply().get() == 1

    assert list(Session.objects.values_list("pk", flat=True)) == [live.pk]


def test_task_results_past_their_expiry_are_cleaned_up(settings):
    old = TaskResult.objects.create(task_id="old", status="SUCCESS")
    fresh = TaskResult.objects.create(task_id="fresh", status="SUCCESS")
    TaskResult.objects.filter(pk=old.pk).update(
        date_done=timezone.now() - timedelta(seconds=settings.CELERY_RESULT_EXPIRES + 60)
    )

    app.tasks["celery.backend_cleanup"].apply().get()

    assert not TaskResult.objects.filter(pk=old.pk).exists()
    assert TaskResult.objects.filter(pk=fresh.pk).exists()


def test_every_scheduled_job_is_a_registered_task_with_time_limits(settings):
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry
    assert 0 < app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert app.conf.task_soft_time_limit > settings.RETENTION_JOB_SECONDS


def test_the_retention_tasks_report_what_they_did(caplog):
    code_for(new_user(), expires_in=-1)
    with caplog.at_level("INFO", logger="core.ops.retention"):
        assert auth_phone_tasks.delete_dead_login_codes.apply().get() == 1
        assert auth_phone_tasks.delete_unverified_users.apply().get() == 0
        assert sms_tasks.anonymise_sms_log.apply().get() == 0
    assert "delete_dead_login_codes: 1 row(s)" in caplog.text


def test_sessions_go_once_their_current_token_has_expired(settings):
    settings.RETENTION_BATCH_SIZE = 2
    now = timezone.now()
    user = new_user()
    dead = [
        Session.objects.create(user=user, current_jti="x", expires_at=now - timedelta(minutes=1))
        for _ in range(3)
    ]
    dead.append(
        Session.objects.create(
            user=user,
            current_jti="y",
            expires_at=now - timedelta(seconds=1),
            revoked_at=now - timedelta(days=8),
        )
    )
    # Revoked, but a token of it could still be presented: the revocation must stay.
    revoked_live = Session.objects.create(
        user=user, current_jti="z", expires_at=now + timedelta(days=1), revoked_at=now
    )
    live = Session.objects.create(user=user, current_jti="w", expires_at=now + timedelta(days=7))

    assert code_retention.delete_dead_sessions() == 4
    assert set(Session.objects.values_list("pk", flat=True)) == {revoked_live.pk, live.pk}
    assert code_retention.delete_dead_sessions() == 0  # idempotent
