"""Benchmark helper: the login codes of the given phones, derived the way the worker
derives them (auth_phone.codes.derive_code: the row's id and nonce under the stack's key).

The stack runs with DEBUG off, as in production, and a version whose development inbox
needs DEBUG does not fill it then; this reads the live, unused code rows instead, with the
version's own code. Run by benchmarks/run.py with the stack's environment:

    python benchmarks/read_codes.py PHONES_FILE

PHONES_FILE holds a JSON list of phones; prints one JSON line, a list of
{"phone", "code"} for the phones that have a live code whose hash is stored (sent); empty
for a version whose codes are drawn at random (its inbox works without DEBUG).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

BACKEND = Path(
    os.environ.get("BENCH_BACKEND_DIR") or Path(__file__).resolve().parent.parent / "backend"
)
sys.path.insert(0, str(BACKEND))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from auth_phone import codes  # noqa: E402
from auth_phone.models import LoginCode  # noqa: E402


def main() -> None:
    phones = json.loads(Path(sys.argv[1]).read_text())
    if not hasattr(codes, "derive_code"):  # a version with drawn codes: only its inbox knows
        print("[]")
        return
    rows = LoginCode.objects.filter(
        user__phone__in=phones, used_at__isnull=True, expires_at__gt=timezone.now()
    ).exclude(code_hash="")
    found = []
    for row in rows.select_related("user").order_by("pk"):
        code = codes.derive_code(login_code_id=row.pk, nonce=row.nonce)
        if codes.code_matches(row, code):  # the code the SMS carried
            found.append({"phone": row.user.phone, "code": code})
    print(json.dumps(found))


if __name__ == "__main__":
    main()
