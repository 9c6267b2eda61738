"""Phone number parsing: every accepted spelling of a number becomes one E.164 string."""

from __future__ import annotations

import phonenumbers
from django.conf import settings

MAX_INPUT_LENGTH = 32


class InvalidPhone(ValueError):
    pass


def normalize_phone(raw: str, region: str | None = None) -> str:
    """Return `raw` in E.164 (`+79111234567`). Raises InvalidPhone.

    A number is accepted when it has a possible length for its country, not only when it
    lies in a range that is assigned today, so that test numbers like +71111111111 work.
    """
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidPhone("Enter a phone number.")
    if len(raw) > MAX_INPUT_LENGTH:
        raise InvalidPhone(f"A phone number has at most {MAX_INPUT_LENGTH} characters.")
    try:
        number = phonenumbers.parse(raw, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone("Enter a valid phone number, e.g. +79111234567.") from exc
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE:
        raise InvalidPhone("Enter a valid phone number, e.g. +79111234567.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
