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


# Number types an SMS may go to. Toll-free, premium-rate, shared-cost, UAN, voicemail,
# personal and VoIP numbers are where SMS-pumping fraud sends its traffic (the operator of
# such a range is paid per message); pagers and unknown types cannot receive an SMS.
MOBILE_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)
NEVER_TYPES = frozenset(
    {
        phonenumbers.PhoneNumberType.TOLL_FREE,
        phonenumbers.PhoneNumberType.PREMIUM_RATE,
        phonenumbers.PhoneNumberType.SHARED_COST,
        phonenumbers.PhoneNumberType.UAN,
        phonenumbers.PhoneNumberType.VOICEMAIL,
    }
)
# "International networks" (+882, +883: satellite and global operators), billed at
# premium rates whoever the operator is.
NEVER_COUNTRY_CODES = frozenset({882, 883})
UNDELIVERABLE_MESSAGE = _("A login code cannot be sent to this number.")
REGION_MESSAGE = _("Login codes are not sent to numbers of this country.")


def calling_code(phone: str) -> int:
    """The country calling code of an E.164 number (+7 for Russia and Kazakhstan alike):
    what SMS providers price a message by, and so the route the conversion guard judges.
    Read off the digits: calling codes are prefix-free (E.164), so the one known code the
    number starts with is its code; every code request asks, and a parse costs far more."""
    digits = phone[1:4] if phone.startswith("+") else ""
    for length in (1, 2, 3):
        prefix = digits[:length]
        if prefix.isdigit() and int(prefix) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return int(prefix)
    try:
        return phonenumbers.parse(phone, None).country_code or 0
    except phonenumbers.NumberParseException:
        return 0


class UndeliverablePhone(InvalidPhone):
    pass


def allowed_regions() -> frozenset[str] | None:
    """The ISO country codes of SMS_ALLOWED_REGIONS; None when every country is allowed."""
    regions = frozenset(r.strip().upper() for r in settings.SMS_ALLOWED_REGIONS if r.strip())
    return None if "*" in regions else regions


def ensure_sms_deliverable(phone: str) -> None:
    """Refuse (UndeliverablePhone) an E.164 number a login code must not be sent to.

    Every sender: the number's country is in SMS_ALLOWED_REGIONS, it is not on the +882/+883
    international networks and not of a type fraud pays for (NEVER_TYPES). With a real
    provider (any SMS_BACKEND but `simulated` and `locmem`) it must also be a valid number
    of a mobile-capable type; the simulated senders keep the "possible length" rule of
    normalize_phone, so that test numbers such as +71111111111 work in development.
    """
    number = phonenumbers.parse(phone, None)
    if number.country_code in NEVER_COUNTRY_CODES:
        raise UndeliverablePhone(UNDELIVERABLE_MESSAGE)
    number_type = phonenumbers.number_type(number)
    if number_type in NEVER_TYPES:
        raise UndeliverablePhone(UNDELIVERABLE_MESSAGE)
    real_sender = settings.SMS_BACKEND not in ("simulated", "locmem")
    if real_sender and not (phonenumbers.is_valid_number(number) and number_type in MOBILE_TYPES):
        raise UndeliverablePhone(UNDELIVERABLE_MESSAGE)
    regions = allowed_regions()
    if regions is not None:
        # A valid number names its country; a number that is only "possible" (simulated
        # senders) gets the main country of its calling code (+7 -> RU). A parsed E.164
        # number always has a calling code; 0 (no country, "ZZ") only satisfies the types.
        region = phonenumbers.region_code_for_number(
            number
        ) or phonenumbers.region_code_for_country_code(number.country_code or 0)
        if region not in regions:
            raise UndeliverablePhone(REGION_MESSAGE)
