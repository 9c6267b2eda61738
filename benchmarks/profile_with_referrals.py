"""Time GET /users/<pk>/ for a user with many referrals against a running server.

Seeds one inviter and N referrals with bulk_create (in the database of DATABASE_URL),
counts the SQL queries of one request in-process, then sends R requests over HTTP and
prints the median. The seeded users are deleted afterwards unless --keep is given.

    cd backend && ../.venv/bin/python ../benchmarks/profile_with_referrals.py \
        --url http://127.0.0.1:8101 --referrals 10000 --requests 50
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "backend"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework_simplejwt.tokens import RefreshToken  # noqa: E402

from profiles.models import User  # noqa: E402
from profiles.services import create_user, generate_invite_code  # noqa: E402

PREFIX = "+7999"  # seeded phones: +7999 and 7 digits


def seed(count: int) -> User:
    User.objects.filter(phone__startswith=PREFIX).delete()
    inviter = create_user(phone=f"{PREFIX}0000000")
    taken = set(User.objects.values_list("invite_code", flat=True))
    codes: set[str] = set()
    while len(codes) < count:
        code = generate_invite_code()
        if code not in taken:
            codes.add(code)
    start = timezone.now() - timedelta(days=1)
    User.objects.bulk_create(
        (
            User(
                phone=f"{PREFIX}{i + 1:07d}",
                invite_code=code,
                referred_by=inviter,
                activated_code=inviter.invite_code,
                referred_at=start + timedelta(milliseconds=i),
                password="!",  # unusable
            )
            for i, code in enumerate(codes)
        ),
        batch_size=2000,
    )
    return inviter


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8101")
    parser.add_argument("--referrals", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="keep the seeded users")
    args = parser.parse_args()

    inviter = seed(args.referrals)
    try:
        access = str(RefreshToken.for_user(inviter).access_token)
        headers = {"Authorization": f"Bearer {access}"}
        path = f"/users/{inviter.pk}/"

        client = Client(HTTP_AUTHORIZATION=headers["Authorization"])
        with CaptureQueriesContext(connection) as queries:
            local = client.get(path)
        assert local.status_code == 200, local.content[:200]
        assert local.json()["referrals_count"] == args.referrals

        session = requests.Session()
        warm = session.get(args.url + path, headers=headers, timeout=30)
        warm.raise_for_status()
        timings = []
        for _ in range(args.requests):
            started = time.perf_counter()
            response = session.get(args.url + path, headers=headers, timeout=30)
            timings.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
        body = response.json()
        print(f"referrals: {body['referrals_count']}, response bytes: {len(response.content)}")
        print(f"SQL queries per request: {len(queries)}")
        print(
            f"{args.requests} requests: median {statistics.median(timings):.1f} ms, "
            f"min {min(timings):.1f} ms, max {max(timings):.1f} ms"
        )
    finally:
        if not args.keep:
            User.objects.filter(phone__startswith=PREFIX).delete()


if __name__ == "__main__":
    main()
