"""Benchmark set-up: a user whose invite code N others activated, and the profile's query
count for 1 and for N referrals.

Run by benchmarks/run.py with the stack's environment (DATABASE_URL, ...):

    python benchmarks/seed_referrals.py --owner-phone +79900000000 --referrals 10000

Prints one JSON line: {"owner_id", "referrals", "queries": {"1": q, "<N>": q}}. The query
count is taken in this process with Django's test client, against the same database and
code as the running server.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import timedelta
from pathlib import Path

# The code under measurement: benchmarks/run.py points BENCH_BACKEND_DIR at the checkout
# it compares with.
BACKEND = Path(
    os.environ.get("BENCH_BACKEND_DIR") or Path(__file__).resolve().parent.parent / "backend"
)
sys.path.insert(0, str(BACKEND))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework_simplejwt.tokens import AccessToken  # noqa: E402

from profiles.models import User  # noqa: E402

try:
    from profiles.services.invites import generate_invite_code
    from profiles.services.users import create_user
except ImportError:  # a version from before profiles/services/ was split into modules
    from profiles.services import (  # type: ignore[attr-defined,no-redef]
        create_user,
        generate_invite_code,
    )

BATCH = 2000


def free_invite_codes(count: int) -> list[str]:
    taken = set(User.objects.values_list("invite_code", flat=True))
    codes: list[str] = []
    while len(codes) < count:
        code = generate_invite_code()
        if code not in taken:
            taken.add(code)
            codes.append(code)
    return codes


@transaction.atomic
def seed(*, owner: User, count: int, phone_prefix: str) -> None:
    """`count` users who activated `owner`'s code, one second apart, bulk-inserted."""
    unusable = make_password(None)
    start = timezone.now() - timedelta(seconds=count)
    users = [
        User(
            phone=f"{phone_prefix}{i:09d}",
            invite_code=code,
            password=unusable,
            referred_by=owner,
            activated_code=owner.invite_code,
            referred_at=start + timedelta(seconds=i),
        )
        for i, code in enumerate(free_invite_codes(count))
    ]
    User.objects.bulk_create(users, batch_size=BATCH)


def profile_queries(user: User) -> int:
    """SQL queries of GET /users/<pk>/ for `user`, as the running server answers it."""
    client = Client()
    token = AccessToken.for_user(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            f"/users/{user.pk}/", HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="127.0.0.1"
        )
    if response.status_code != 200:
        raise SystemExit(f"GET /users/{user.pk}/ answered {response.status_code}")
    body = response.json()
    if body.get("referrals_count") != user.referrals.count():
        raise SystemExit("the profile does not list every referral")
    return len(queries.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--owner-phone", required=True)
    parser.add_argument("--referrals", type=int, default=10_000)
    args = parser.parse_args()

    owner = create_user(phone=args.owner_phone)
    seed(owner=owner, count=args.referrals, phone_prefix="+78")
    small = create_user(phone=args.owner_phone[:-1] + "1")
    seed(owner=small, count=1, phone_prefix="+77")
    result = {
        "owner_id": owner.pk,
        "referrals": owner.referrals.count(),
        "queries": {"1": profile_queries(small), str(args.referrals): profile_queries(owner)},
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
