"""A login and a new code request for the same number, raced against the real
PostgreSQL: both lock the user's row before its login codes, so neither deadlocks."""

from datetime import timedelta

from django.utils import timezone

from auth_phone import codes
from auth_phone.models import LoginCode
from auth_phone.services import codes as services
from core.errors import DomainError
from profiles.services.users import create_user
from tests.conftest import run_in_threads
from tests.phones import phone_number

PHONE = phone_number()
ROUNDS = 25


def test_a_login_racing_a_code_request_never_deadlocks(transactional_db, settings):
    settings.RATE_LIMITS_ENABLED = False
    user = create_user(phone=PHONE)
    failures = []
    for _ in range(ROUNDS):
        LoginCode.objects.filter(user=user).delete()
        LoginCode.objects.create(
            user=user,
            expires_at=timezone.now() + timedelta(minutes=5),
            code_hash=codes.hash_code(user_id=user.pk, code="1234"),
        )

        def step(i):
            if i == 0:
                return services.verify_login_code(phone=PHONE, code="0000", client_ip="10.0.0.1")
            return services.request_login_code(phone=PHONE, client_ip="10.0.0.2")

        results = run_in_threads(step, 2)
        # The login finds either the old code (a wrong try) or the new one; nothing else.
        failures += [
            r for r in results if isinstance(r, Exception) and not isinstance(r, DomainError)
        ]
    assert failures == []
    assert LoginCode.objects.filter(user=user, used_at__isnull=True).count() == 1
