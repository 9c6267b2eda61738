"""Phone number parsing: every accepted spelling of a number becomes one E.164 string."""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

MAX_INPUT_LENGTH = 32


class InvalidPhone(ValueError):
    """Worded in the language active when it is shown: `str(exc)`."""

    def __init__(self, message, **params) -> None:
        super().__init__(message)
        self.message, self.params = message, params

    def __str__(self) -> str:
        return str(self.message % self.params) if self.params else str(self.message)


NOT_A_NUMBER = _("Enter a valid phone number, e.g. +79111234567.")


def normalize_phone(raw: str, region: str | None = None) -> str:
    """Return `raw` in E.164 (`+79111234567`). Raises InvalidPhone.

    A number is accepted when it has a possible length for its country, not only when it
    lies in a range that is assigned today, so that test numbers like +71111111111 work.
    """
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidPhone(_("Enter a phone number."))
    if len(raw) > MAX_INPUT_LENGTH:
        raise InvalidPhone(
            ngettext_lazy(
                "A phone number has at most %(n)d characters.",
                "A phone number has at most %(n)d characters.",
                "n",
            ),
            n=MAX_INPUT_LENGTH,
        )
    try:
        number = phonenumbers.parse(raw, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(NOT_A_NUMBER) from exc
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE:
        raise InvalidPhone(NOT_A_NUMBER)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
